import datetime as dt
from decimal import Decimal

import pytest

from credit import services as credit_services
from lending import services as lending_services
from lending.models import Application
from tests.customers import factories
from tests.lending.conftest import (  # noqa: F401 - fixtures shared with the lending tests
    approved,
    consumer_product,
    draft,
    graded_customer,
    on_business_date,
    submitted,
    under_review,
)

DISBURSED = dt.date(2025, 1, 10)


@pytest.fixture
def business_day(settings):
    """Move the business date; returns a setter."""

    def move(day: dt.date) -> dt.date:
        settings.BUSINESS_DATE = day
        return day

    return move


def disbursed_loan(officer, manager, customer, product, *, amount="120000", term=24, on=DISBURSED):
    application = lending_services.application_create(
        actor=officer,
        application=Application(
            customer=customer,
            product=product,
            amount=Decimal(amount),
            term_months=term,
            purpose="Working capital",
        ),
    )
    lending_services.application_submit(actor=officer, application=application)
    lending_services.application_start_review(actor=manager, application=application)
    offer = lending_services.offer_for(product, customer.grade)
    lending_services.application_approve(
        actor=manager,
        application=application,
        amount=Decimal(amount),
        term_months=term,
        rate=offer["rate"],
    )
    return lending_services.application_disburse(actor=manager, application=application, on=on)


@pytest.fixture
def risky_loan(alice, mary, graded_customer, consumer_product):  # noqa: F811 - fixtures
    """alice's customer, a 24-month loan disbursed on 10 January 2025, never repaid: its
    first instalment fell due on 10 February 2025."""
    return disbursed_loan(alice, mary, graded_customer, consumer_product)


GOOD_INPUTS = {
    "net_worth": 500000,
    "monthly_income": 15000,
    "dti": 0.25,
    "late_payments_12m": 0,
    "late_payments_36m": 0,
    "worst_dpd_ever": 0,
    "years_employed": 5,
    "income_growth": 0.06,
}


def assessed(officer, customer):
    """The customer after an assessment that grades them A."""
    credit_services.assessment_create(
        actor=officer, customer=customer, inputs=GOOD_INPUTS, expert_comments={}
    )
    customer.refresh_from_db()
    return customer


@pytest.fixture
def second_customer(alice):
    return assessed(alice, factories.individual(alice, name="李四"))


@pytest.fixture
def risky_loan_committed(transactional_db, settings):
    """risky_loan for transactional tests (the data migrations' rows are replayed first)."""
    from tests.conftest import replay_data_migrations

    replay_data_migrations()
    from accounts.demo import seed_cast
    from lending.models import LoanProduct
    from tests.customers import factories

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cast = seed_cast()
    customer = assessed(cast["alice"], factories.individual(cast["alice"]))
    product = LoanProduct.objects.get(code="CONS-01")
    return disbursed_loan(cast["alice"], cast["mary"], customer, product)
