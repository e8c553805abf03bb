"""What the nightly's classification and repayment-record statements decide, now that each
reads the chunk's loans once: a new loan gets its risk row already classified, and a
customer's score follows their repayment record whether or not anything of theirs was late,
but not before anything fell due."""

import datetime as dt

from credit import services as credit_services
from credit.models import Assessment
from risk import classification, jobs
from risk.models import LoanRisk, RiskHistory
from tests.customers import factories
from tests.risk.conftest import GOOD_INPUTS, assessed, disbursed_loan

# The first instalment of a loan disbursed on 10 January 2025 falls due on 10 February.
FIRST_DUE = dt.date(2025, 2, 10)


def night(on):
    result = jobs.run_synchronously(jobs.NIGHTLY, on)
    assert result.status == "done", result.failures
    return result


def classification_history(loan):
    return list(
        RiskHistory.objects.filter(kind="classification", loan=loan).values_list(
            "changed_on", "old_value", "new_value"
        )
    )


def test_a_new_loan_past_due_gets_its_row_classified_with_history(risky_loan):
    on = dt.date(2025, 6, 1)
    assert not LoanRisk.objects.filter(loan=risky_loan).exists()
    result = night(on)
    row = LoanRisk.objects.get(loan=risky_loan)
    assert (row.dpd, row.overdue_since) == ((on - FIRST_DUE).days, FIRST_DUE)
    assert row.overdue_instalments == 4
    assert row.final_class == row.automatic_class == classification.classify_loan(dpd=111, on=on)
    assert row.computed_on == on
    assert row.customer_id == risky_loan.customer_id
    assert (result.counts["loans_added"], result.counts["loans_changed"]) == (1, 1)
    assert result.counts["class_changes"] == 1
    # From normal, as a row that had been there before the loan fell due would have moved.
    assert classification_history(risky_loan) == [(on, "1", str(row.final_class))]


def test_a_new_loan_up_to_date_gets_a_normal_row_and_no_history(risky_loan):
    result = night(dt.date(2025, 2, 1))
    row = LoanRisk.objects.get(loan=risky_loan)
    assert (row.dpd, row.overdue_since, row.overdue_instalments) == (0, None, 0)
    assert row.final_class == row.automatic_class == 1
    assert result.counts["loans_added"] == 1
    assert result.counts.get("loans_changed", 0) == 0
    assert result.counts.get("class_changes", 0) == 0
    assert classification_history(risky_loan) == []


def test_a_loan_disbursed_between_nights_is_classified_the_next_night(
    risky_loan, alice, mary, second_customer, consumer_product
):
    night(dt.date(2025, 2, 1))
    later = disbursed_loan(alice, mary, second_customer, consumer_product)
    on = dt.date(2025, 6, 1)
    result = night(on)
    # Only the customers whose inputs changed or whose state the calendar moved.
    assert not result.full
    row = LoanRisk.objects.get(loan=later)
    assert row.dpd == (on - FIRST_DUE).days
    assert row.final_class == classification.classify_loan(dpd=row.dpd, on=on)
    assert classification_history(later) == [(on, "1", str(row.final_class))]
    assert LoanRisk.objects.get(loan=risky_loan).dpd == (on - FIRST_DUE).days


def borrower_without_record(alice, mary, product):
    """A customer with a loan disbursed on 10 January 2025, assessed since with no repayment
    history (those factors scored as missing)."""
    customer = assessed(alice, factories.individual(alice, name="王五"))
    loan = disbursed_loan(alice, mary, customer, product)
    inputs = {
        **GOOD_INPUTS,
        "late_payments_12m": None,
        "late_payments_36m": None,
        "worst_dpd_ever": None,
    }
    credit_services.assessment_create(
        actor=alice, customer=customer, inputs=inputs, expert_comments={}
    )
    return loan


def test_nothing_due_yet_leaves_an_assessment_without_record(alice, mary, consumer_product):
    customer = borrower_without_record(alice, mary, consumer_product).customer
    before = Assessment.objects.filter(customer=customer).count()
    result = night(FIRST_DUE)  # due today, not yet past due
    assert result.counts.get("scores_refreshed", 0) == 0
    assert Assessment.objects.filter(customer=customer).count() == before


def test_an_instalment_paid_on_time_gives_a_clean_record(alice, mary, consumer_product):
    from lending import services as lending_services

    loan = borrower_without_record(alice, mary, consumer_product)
    customer = loan.customer
    first = loan.instalments.order_by("number").first()
    lending_services.repayment_post(
        actor=alice,
        loan=loan,
        amount=first.total_due,
        paid_on=FIRST_DUE,
        channel="transfer",
        reference="on time",
    )
    result = night(FIRST_DUE + dt.timedelta(days=1))
    assert result.counts["scores_refreshed"] == 1
    latest = Assessment.objects.filter(customer=customer).first()
    assert latest.assessed_by is None
    assert {key: latest.inputs[key] for key in ("late_payments_12m", "late_payments_36m")} == {
        "late_payments_12m": 0,
        "late_payments_36m": 0,
    }
    assert latest.inputs["worst_dpd_ever"] == 0
    # The record now matches: the next night leaves the score alone.
    again = night(FIRST_DUE + dt.timedelta(days=1))
    assert again.counts.get("scores_refreshed", 0) == 0
