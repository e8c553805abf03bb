"""How the tables the nightly rewrites are stored: free room on each page for a changed row
(updated in place) and, for customers, loan risks and provisions, a vacuum after each night so
that what is read from an index alone (the risk page's counts, the provision cards' sums) reads
the index alone (customers 0006 and 0017, risk 0004, 0009 and 0035)."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def _options(table: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = %s", [table])
        return set(cursor.fetchone()[0] or [])


def test_customers_keep_room_on_each_page_and_are_vacuumed_after_each_night():
    assert _options("customers_customer") == {
        "fillfactor=85",
        "autovacuum_vacuum_scale_factor=0.01",
    }


def test_alerts_keep_room_on_each_page():
    assert "fillfactor=85" in _options("risk_alert")


def test_loan_risks_keep_room_on_each_page_and_are_vacuumed_after_each_night():
    assert _options("risk_loanrisk") == {"fillfactor=85", "autovacuum_vacuum_scale_factor=0.01"}


@pytest.mark.parametrize("table", ["risk_loanprovision", "risk_facilityprovision"])
def test_provisions_are_vacuumed_after_each_night(table):
    assert _options(table) == {"autovacuum_vacuum_scale_factor=0.01"}
