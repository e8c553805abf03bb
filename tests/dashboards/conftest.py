import datetime as dt
from decimal import Decimal

import pytest
from django.test.utils import override_settings

from risk import jobs
from tests.lending.conftest import consumer_product, graded_customer  # noqa: F401
from tests.risk.conftest import business_day, disbursed_loan, risky_loan, second_customer  # noqa: F401
from tests.shared_book import fresh, shared_book

BOOK_DAY = dt.date(2025, 6, 1)


@pytest.fixture(scope="module")
def _dashboard_book(django_db_setup, django_db_blocker):
    """The book below, built once per module (two nights are its slow part)."""
    from accounts.demo import seed_cast
    from lending.models import LoanProduct
    from tests.credit.conftest import a_graded_customer
    from tests.customers import factories
    from tests.risk.conftest import assessed

    with shared_book(django_db_blocker):
        cast = seed_cast()
        alice, mary, charlie = cast["alice"], cast["mary"], cast["charlie"]
        # As the consumer_product fixture leaves it (without penalty interest).
        product = LoanProduct.objects.get(code="CONS-01")
        product.penalty_rate = Decimal("0")
        product.save(update_fields=["penalty_rate"])
        risky = disbursed_loan(alice, mary, a_graded_customer(alice), product)
        second_customer = assessed(alice, factories.individual(alice, name="李四"))
        current = disbursed_loan(
            alice, mary, second_customer, product, amount="60000", on=dt.date(2025, 5, 10)
        )
        south = assessed(charlie, factories.individual(charlie, name="南方客户"))
        other = disbursed_loan(
            charlie, cast["admin"], south, product, amount="30000", on=dt.date(2025, 5, 10)
        )
        with override_settings(BUSINESS_DATE=BOOK_DAY):
            jobs.run_synchronously(jobs.NIGHTLY, dt.date(2025, 4, 1))
            jobs.run_synchronously(jobs.NIGHTLY, BOOK_DAY)
        yield {"risky": risky, "current": current, "south": other}


@pytest.fixture
def book(_dashboard_book, db, settings):
    """Three loans: alice's risky one (120,000, unpaid since February 2025), a current
    60,000 loan of another of alice's customers, and charlie's 30,000 loan in the South; the
    business date is the book's day, after its nights of 1 April and 1 June 2025."""
    settings.BUSINESS_DATE = BOOK_DAY
    return {**fresh(_dashboard_book), "day": BOOK_DAY}
