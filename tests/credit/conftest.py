import datetime as dt

import pytest

from credit import services
from tests.customers import factories

BUSINESS_DATE = dt.date(2026, 3, 15)


@pytest.fixture
def on_business_date(settings):
    settings.BUSINESS_DATE = BUSINESS_DATE
    return BUSINESS_DATE


@pytest.fixture
def graded_customer(alice):
    """alice's customer with an A grade from the individual scorecard."""
    return a_graded_customer(alice)


def a_graded_customer(alice):
    """graded_customer for books that a module's tests share (tests/dashboards/conftest.py),
    which cannot ask for a fixture of a test's."""
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
