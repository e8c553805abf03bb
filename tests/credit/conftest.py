import datetime as dt
from decimal import Decimal

import pytest

from credit import services
from credit.models import Application, Collateral, LoanProduct
from tests.customers import factories

BUSINESS_DATE = dt.date(2026, 3, 15)


@pytest.fixture
def on_business_date(settings):
    settings.BUSINESS_DATE = BUSINESS_DATE
    return BUSINESS_DATE


@pytest.fixture
def consumer_product(db):
    # Without penalty interest, so that payments in the tests settle exactly what they name;
    # the penalty has a test of its own.
    product = LoanProduct.objects.get(code="CONS-01")
    product.penalty_rate = Decimal("0")
    product.save(update_fields=["penalty_rate"])
    return product


@pytest.fixture
def graded_customer(alice):
    """alice's customer with an A grade from the individual scorecard."""
    customer = factories.individual(alice, name="王小明")
    services.assessment_create(
        actor=alice,
        customer=customer,
        inputs={
            "net_worth": 500000,
            "monthly_income": 15000,
            "dti": 0.25,
            "late_payments_12m": 0,
            "late_payments_36m": 0,
            "worst_dpd_ever": 0,
            "years_employed": 5,
            "income_growth": 0.06,
            "character": "4",
            "reputation": "4",
        },
        expert_comments={"character": "Known for ten years", "reputation": "Clean record"},
    )
    customer.refresh_from_db()
    assert customer.grade == "A"
    return customer


def make_application(officer, customer, product, amount="100000", term=12) -> Application:
    return services.application_create(
        actor=officer,
        application=Application(
            customer=customer,
            product=product,
            amount=Decimal(amount),
            term_months=term,
            purpose="Home renovation",
        ),
    )


@pytest.fixture
def draft(alice, graded_customer, consumer_product):
    return make_application(alice, graded_customer, consumer_product)


@pytest.fixture
def submitted(alice, draft):
    return services.application_submit(actor=alice, application=draft)


@pytest.fixture
def under_review(mary, submitted):
    return services.application_start_review(actor=mary, application=submitted)


@pytest.fixture
def approved(mary, under_review):
    return services.application_approve(
        actor=mary,
        application=under_review,
        amount=Decimal("100000"),
        term_months=12,
        rate=Decimal("0.0435"),
    )


@pytest.fixture
def loan(mary, approved, on_business_date):
    return services.application_disburse(actor=mary, application=approved, on=dt.date(2026, 1, 15))


def add_collateral(officer, application, value="200000"):
    return services.collateral_add(
        actor=officer,
        collateral=Collateral(
            application=application,
            collateral_type="real_estate",
            description="Flat",
            owner_name="王小明",
            value=Decimal(value),
            valued_on=dt.date(2026, 1, 1),
        ),
    )
