"""An open alert shows its current value with the date of the scan that found it, and keeps
the value it was raised with: a payment that brings a loan from 439 to 411 days past due (the
oldest instalment paid; the next one fell due 28 days later) moves the alert's value at the
next scan, in the day as at night."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from risk import jobs
from risk.models import Alert

FIRST_DUE = dt.date(2025, 2, 10)  # risky_loan's first instalment, never paid
RAISED_ON = FIRST_DUE + dt.timedelta(days=439)  # 2026-04-25
NEXT_DAY = RAISED_ON + dt.timedelta(days=1)


def _run(job: str, on: dt.date):
    run = jobs.run_synchronously(job, on)
    assert run.status == "done", run.failures
    return run


@pytest.mark.parametrize("job", [jobs.SCAN, jobs.NIGHTLY])
def test_a_payment_moves_the_value_at_the_next_scan_and_the_raised_value_stays(
    client_for, alice, risky_loan, business_day, job
):
    business_day(RAISED_ON)
    _run(jobs.NIGHTLY, RAISED_ON)
    alert = Alert.objects.get(rule__code="dpd_90", loan=risky_loan)
    assert alert.shown_value() == "439 days past due (since 2025-02-10)"
    missed = Alert.objects.get(rule__code="missed_instalments", loan=risky_loan)
    assert missed.value == "15"

    # The customer pays the oldest instalment at the counter.
    first = risky_loan.instalments.order_by("number").first()
    client = client_for(alice)
    posted = client.post(
        reverse("lending:repayment-post", args=[risky_loan.pk]),
        {
            "amount": str(first.total_due),
            "paid_on": RAISED_ON.isoformat(),
            "channel": "transfer",
            "reference": "COUNTER-1",
        },
    )
    assert posted.status_code == 302, posted.content.decode()[:2000]

    business_day(NEXT_DAY)
    _run(job, NEXT_DAY)
    alert.refresh_from_db()
    # Past due since the second instalment now: 412 days on the next day (411 on the day of
    # the payment, 439 before it).
    assert (alert.value, alert.value_on) == ("2025-03-10", NEXT_DAY)
    assert alert.shown_value(RAISED_ON) == "411 days past due (since 2025-03-10)"
    assert (alert.raised_value, alert.raised_on) == ("2025-02-10", RAISED_ON)
    missed.refresh_from_db()
    assert (missed.value, missed.value_on, missed.raised_value) == ("14", NEXT_DAY, "15")

    page = client.get(reverse("risk:alert-detail", args=[alert.pk]))
    assert page.context["alert"].shown_value() == "412 days past due (since 2025-03-10)"
    body = page.content.decode()
    assert "412 days past due (since 2025-03-10)" in body
    assert "the scan of 2026-04-26" in body
    assert "439 days past due (since 2025-02-10) (scan of 2026-04-25)" in body

    listed = client.get(reverse("risk:alert-list"), {"rule": alert.rule_id}).content.decode()
    assert "412 days past due (since 2025-03-10)" in listed
    assert "as of the scan of 2026-04-26" in listed
    assert "439 days" not in listed

    report = client.get(reverse("dashboards:report", args=["alerts"]), {"export": "csv"})
    exported = b"".join(report.streaming_content).decode("utf-8-sig")
    assert "412 days past due (since 2025-03-10),2026-04-26,439 days past due" in exported


def test_a_scan_that_finds_the_same_value_leaves_its_date(alice, risky_loan, business_day):
    """Nothing is rewritten when nothing changed: the value keeps the date it was found on."""
    business_day(RAISED_ON)
    _run(jobs.NIGHTLY, RAISED_ON)
    alert = Alert.objects.get(rule__code="dpd_90", loan=risky_loan)
    business_day(NEXT_DAY)
    risky_loan.customer.interactions.create(officer=alice, channel="phone", summary="Called")
    run = _run(jobs.SCAN, NEXT_DAY)
    assert run.counts["customers_examined"] == 1
    assert run.counts.get("alerts_updated", 0) == 0
    alert.refresh_from_db()
    assert (alert.value, alert.value_on, alert.raised_on) == ("2025-02-10", RAISED_ON, RAISED_ON)
    assert alert.shown_value() == "440 days past due (since 2025-02-10)"


def test_a_partial_payment_leaves_the_loan_past_due_since_the_same_day(
    client_for, alice, risky_loan, business_day
):
    business_day(RAISED_ON)
    _run(jobs.NIGHTLY, RAISED_ON)
    first = risky_loan.instalments.order_by("number").first()
    posted = client_for(alice).post(
        reverse("lending:repayment-post", args=[risky_loan.pk]),
        {
            "amount": str((first.total_due / 2).quantize(Decimal("0.01"))),
            "paid_on": RAISED_ON.isoformat(),
            "channel": "transfer",
            "reference": "HALF-1",
        },
    )
    assert posted.status_code == 302
    business_day(NEXT_DAY)
    _run(jobs.SCAN, NEXT_DAY)
    alert = Alert.objects.get(rule__code="dpd_90", loan=risky_loan)
    assert (alert.value, alert.value_on) == ("2025-02-10", RAISED_ON)
