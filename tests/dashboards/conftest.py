# ruff: noqa: F811 (fixtures imported for pytest are the parameters of the fixtures below)
import datetime as dt

import pytest

from risk import jobs
from tests.lending.conftest import consumer_product, graded_customer  # noqa: F401
from tests.risk.conftest import business_day, disbursed_loan, risky_loan, second_customer  # noqa: F401


@pytest.fixture
def book(
    alice, bob, mary, charlie, graded_customer, second_customer, consumer_product, business_day
):
    """Three loans: alice's risky one (120,000, unpaid since February 2025), a current
    60,000 loan of another of alice's customers, and charlie's 30,000 loan in the South."""
    from tests.customers import factories
    from tests.risk.conftest import assessed

    risky = disbursed_loan(alice, mary, graded_customer, consumer_product)
    current = disbursed_loan(
        alice, mary, second_customer, consumer_product, amount="60000", on=dt.date(2025, 5, 10)
    )
    south = assessed(charlie, factories.individual(charlie, name="南方客户"))
    admin = type(alice).objects.get(username="admin")
    other = disbursed_loan(
        charlie, admin, south, consumer_product, amount="30000", on=dt.date(2025, 5, 10)
    )
    day = business_day(dt.date(2025, 6, 1))
    jobs.run_synchronously(jobs.NIGHTLY, dt.date(2025, 4, 1))
    jobs.run_synchronously(jobs.NIGHTLY, day)
    return {"risky": risky, "current": current, "south": other, "day": day}
