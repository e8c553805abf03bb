# ruff: noqa: F811 (fixtures imported for pytest are the parameters of the fixtures below)
import datetime as dt
from decimal import Decimal

import pytest

from lending import services
from lending.models import Application, Collateral, LoanProduct
from tests.credit.conftest import (  # noqa: F401 - fixtures shared with the credit tests
    BUSINESS_DATE,
    graded_customer,
    on_business_date,
)


@pytest.fixture
def consumer_product(db):
    # Without penalty interest, so that payments in the tests settle exactly what they name;
    # the penalty has a test of its own.
    product = LoanProduct.objects.get(code="CONS-01")
    product.penalty_rate = Decimal("0")
    product.save(update_fields=["penalty_rate"])
    return product


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
