"""The credit bureau's early-warning rules: new overdue at other lenders and an enquiry spike
(risk/rules.py), raised by the scan from each customer's latest report."""

import datetime as dt
from decimal import Decimal

import pytest

from risk import jobs
from risk.models import Alert, EarlyWarningRule
from tests.credit.bureau_book import TODAY, consent, report
from tests.customers import factories

ACTIVE = ["open", "acknowledged", "in_progress"]


@pytest.fixture(autouse=True)
def _today(settings):
    settings.BUSINESS_DATE = TODAY


def scan() -> dict[str, Alert]:
    run = jobs.run_synchronously(jobs.NIGHTLY, TODAY)
    assert run.status == "done", run.failures
    return {
        alert.rule.code: alert
        for alert in Alert.objects.filter(status__in=ACTIVE).select_related("rule")
    }


@pytest.fixture
def customer(alice):
    customer = factories.individual(alice, name="王预警")
    consent(customer, alice, signed_on=dt.date(2026, 1, 1))
    return customer


def test_new_overdue_at_other_lenders_raises_an_alert(alice, customer):
    report(customer, alice, reference="R1", report_date=dt.date(2026, 6, 1))
    assert "external_overdue" not in scan()
    report(customer, alice, reference="R2", report_date=dt.date(2026, 11, 10), m1=2, worst="m1")
    alert = scan()["external_overdue"]
    assert (alert.customer, alert.severity, alert.value) == (customer, "orange", "2;2026-11-10")
    assert alert.shown_value(TODAY) == (
        "2 more overdue months at other lenders (bureau report of 2026-11-10)"
    )


def test_a_report_with_no_new_overdue_raises_nothing(alice, customer):
    report(customer, alice, reference="R1", report_date=dt.date(2026, 6, 1), m1=1, worst="m1")
    report(customer, alice, reference="R2", report_date=dt.date(2026, 11, 10), m1=1, worst="m1")
    assert "external_overdue" not in scan()


def test_an_enquiry_spike_follows_its_configurable_threshold(alice, customer):
    report(customer, alice, enquiries=5)
    assert "enquiry_spike" not in scan()
    EarlyWarningRule.objects.filter(code="enquiry_spike").update(threshold=Decimal("5"))
    alert = scan()["enquiry_spike"]
    assert alert.shown_value(TODAY) == (
        "5 lenders' enquiries in 6 months (bureau report of 2026-11-13)"
    )
