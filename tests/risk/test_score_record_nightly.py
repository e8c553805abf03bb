"""The repayment record the nightly scores a customer on (late instalments in 12 and 36
months, worst days past due ever) is the one credit.services.repayment_record defines, now
that the nightly reads an active loan's unpaid instalments from the risk row the
classification has just written: for a loan unpaid for more than a year, for a loan no longer
active, and for instalments paid late beside unpaid ones."""

import datetime as dt

from credit import services as credit_services
from credit.models import Assessment
from lending import services as lending_services
from risk import jobs
from risk import services as risk_services
from risk.models import LoanRisk
from tests.platform.exposure_world import write_off_conditions_met_at_once, written_off

RECORD = ("late_payments_12m", "late_payments_36m", "worst_dpd_ever")


def night(on):
    result = jobs.run_synchronously(jobs.NIGHTLY, on)
    assert result.status == "done", result.failures
    return result


def scored_record(customer) -> dict:
    latest = Assessment.objects.filter(customer=customer).first()
    assert latest.assessed_by is None  # the nightly's assessment, not the officer's
    return {key: latest.inputs[key] for key in RECORD}


def test_a_loan_unpaid_for_more_than_a_year_counts_only_the_years_instalments_in_12_months(
    risky_loan,
):
    # Due on the 10th of each month from 10 February 2025, never paid: 16 instalments
    # are past due on 1 June 2026, 12 of them due in the last 12 months.
    on = dt.date(2026, 6, 1)
    result = night(on)
    assert result.counts["scores_refreshed"] == 1
    row = LoanRisk.objects.get(loan=risky_loan)
    assert (row.overdue_instalments, row.dpd) == (16, 476)
    expected = {"late_payments_12m": 12, "late_payments_36m": 16, "worst_dpd_ever": 476}
    assert scored_record(risky_loan.customer) == expected
    assert credit_services.repayment_record(risky_loan.customer, on) == expected
    # The record now matches: the same night again scores nobody.
    assert night(on).counts.get("scores_refreshed", 0) == 0


def test_a_written_off_loans_unpaid_instalments_stay_in_the_record(
    risky_loan, alice, rita, business_day
):
    # Put in loss by hand (a write-off requires it) and written off before the night: the
    # night is the first to see the customer's record, scored on a clean one until now.
    on = business_day(dt.date(2026, 3, 1))
    risk_services.classification_override(
        actor=rita,
        loan_risk=LoanRisk(loan=risky_loan, customer=risky_loan.customer),
        loan_class=5,
        reason="Debtor absconded",
        until=on + dt.timedelta(days=90),
    )
    write_off_conditions_met_at_once()
    written_off(proposer=alice, approver=rita, loan=risky_loan)
    result = night(on)
    # Off the book: the classification no longer counts its days past due ...
    row = LoanRisk.objects.get(loan=risky_loan)
    assert (row.dpd, row.overdue_since, row.overdue_instalments) == (0, None, 0)
    # ... but the customer's repayment record still does: 13 unpaid instalments, 12 of them
    # due since 1 March 2025, the oldest 384 days ago.
    assert result.counts["scores_refreshed"] == 1
    expected = {"late_payments_12m": 12, "late_payments_36m": 13, "worst_dpd_ever": 384}
    assert scored_record(risky_loan.customer) == expected
    assert credit_services.repayment_record(risky_loan.customer, on) == expected


def test_instalments_paid_late_count_beside_the_unpaid_ones(risky_loan, alice, business_day):
    # The instalments due 10 February, 10 March and 10 April 2025 all paid on 20 April: 69,
    # 41 and 10 days late; the one due 10 May is unpaid on 15 May, 5 days past due.
    paid_on = business_day(dt.date(2025, 4, 20))
    lending_services.repayment_post(
        actor=alice,
        loan=risky_loan,
        amount=lending_services.loan_amount_due(risky_loan, paid_on),
        paid_on=paid_on,
        channel="transfer",
        reference="late",
    )
    assert risky_loan.instalments.filter(settled_on=paid_on).count() == 3
    on = business_day(dt.date(2025, 5, 15))
    result = night(on)
    row = LoanRisk.objects.get(loan=risky_loan)
    assert (row.overdue_instalments, row.dpd) == (1, 5)
    # Four late instalments, the worst the one paid 69 days late.
    assert result.counts["scores_refreshed"] == 1
    expected = {"late_payments_12m": 4, "late_payments_36m": 4, "worst_dpd_ever": 69}
    assert scored_record(risky_loan.customer) == expected
    assert credit_services.repayment_record(risky_loan.customer, on) == expected
