import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from audit.models import AuditEvent
from credit import services as credit_services
from lending import services
from lending.models import Instalment, LoanProduct, Repayment
from lending.selectors import current_schedule, loan_dpd

D = Decimal


def pay(user, loan, amount, on, reference=None, prepay=False):
    return services.repayment_post(
        actor=user,
        loan=loan,
        amount=D(amount),
        paid_on=on,
        channel="transfer",
        reference=reference or f"R{on}{amount}",
        allow_prepayment=prepay,
    )


def test_dpd_on_chosen_business_dates(loan, settings):
    # First instalment falls due on 15 February.
    assert loan_dpd(loan, on=dt.date(2026, 2, 15)) == 0
    assert loan_dpd(loan, on=dt.date(2026, 2, 16)) == 1
    assert loan_dpd(loan, on=dt.date(2026, 3, 15)) == 28
    assert loan_dpd(loan, on=dt.date(2026, 3, 16)) == 29


def test_a_full_instalment_payment_settles_it_and_dpd_moves_on(alice, loan):
    first = current_schedule(loan)[0]
    pay(alice, loan, first.total_due, dt.date(2026, 3, 1))
    first.refresh_from_db()
    assert first.settled_on == dt.date(2026, 3, 1)
    assert first.state_on(dt.date(2026, 3, 15)) == "paid"
    loan.refresh_from_db()
    assert loan.outstanding_principal == D("100000.00") - first.principal_due
    # The second instalment (15 March) is due today, not overdue.
    assert loan_dpd(loan, on=dt.date(2026, 3, 15)) == 0


def test_partial_payment_goes_to_interest_first(alice, loan):
    pay(alice, loan, "100.00", dt.date(2026, 2, 20))
    first = current_schedule(loan)[0]
    assert (first.interest_paid, first.principal_paid) == (D("100.00"), D("0.00"))
    assert first.state_on(dt.date(2026, 3, 15)) == "overdue"
    assert loan_dpd(loan, on=dt.date(2026, 3, 15)) == 28


def test_overpayment_is_refused_not_lost(alice, loan):
    due = sum(row.total_due for row in current_schedule(loan)[:2])
    with pytest.raises(ValidationError, match="exceeds what is due"):
        pay(alice, loan, due + D("1000"), dt.date(2026, 3, 15))
    assert not Repayment.objects.exists()


def test_prepayment_lowers_the_principal_and_respreads_the_schedule(alice, loan):
    rows = current_schedule(loan)
    due_now = rows[0].total_due + rows[1].total_due
    pay(alice, loan, due_now + D("20000"), dt.date(2026, 3, 15), prepay=True)
    loan.refresh_from_db()
    expected = D("100000.00") - rows[0].principal_due - rows[1].principal_due - D("20000")
    assert loan.outstanding_principal == expected
    new_rows = current_schedule(loan)
    assert len(new_rows) == 12
    future = [row for row in new_rows if row.due_date > dt.date(2026, 3, 15)]
    assert sum(row.principal_due for row in future) == expected
    assert future[0].total_due < rows[2].total_due
    assert Instalment.objects.filter(loan=loan, superseded=True).count() == 10


def test_paying_everything_closes_the_loan(alice, loan):
    rows = current_schedule(loan)
    due_now = rows[0].total_due + rows[1].total_due
    remaining = sum(row.principal_due for row in rows[2:])
    pay(alice, loan, due_now + remaining, dt.date(2026, 3, 15), prepay=True)
    loan.refresh_from_db()
    assert loan.outstanding_principal == 0
    assert loan.status == "closed"
    with pytest.raises(ValidationError, match="repaid"):
        pay(alice, loan, "1", dt.date(2026, 3, 15))


def test_reversal_restores_the_exact_state(alice, mary, loan):
    before = [
        (r.pk, r.principal_paid, r.interest_paid, r.settled_on) for r in current_schedule(loan)
    ]
    rows = current_schedule(loan)
    repayment = pay(
        alice,
        loan,
        rows[0].total_due + rows[1].total_due + D("5000"),
        dt.date(2026, 3, 15),
        prepay=True,
    )
    with pytest.raises(ValidationError):
        services.repayment_reversal_propose(actor=alice, repayment=repayment, reason="")
    proposal, _created = services.repayment_reversal_propose(
        actor=alice, repayment=repayment, reason="Posted to the wrong loan"
    )
    services.repayment_reversal_approve(actor=mary, proposal=proposal)
    loan.refresh_from_db()
    assert loan.outstanding_principal == D("100000.00")
    assert [
        (r.pk, r.principal_paid, r.interest_paid, r.settled_on) for r in current_schedule(loan)
    ] == before
    assert AuditEvent.objects.filter(action="credit.repayment.reversed").exists()
    # A reversed reference can be posted again (the corrected payment).
    pay(alice, loan, rows[0].total_due, dt.date(2026, 3, 15), reference=repayment.reference)


def test_only_the_latest_payment_can_be_reversed_and_only_a_manager_approves(alice, mary, loan):
    first = pay(alice, loan, "100", dt.date(2026, 2, 20))
    second = pay(alice, loan, "100", dt.date(2026, 2, 21))
    with pytest.raises(ValidationError, match="later payments"):
        services.repayment_reversal_propose(actor=mary, repayment=first, reason="x")
    from django.core.exceptions import PermissionDenied

    proposal, _created = services.repayment_reversal_propose(
        actor=mary, repayment=second, reason="x"
    )
    with pytest.raises(PermissionDenied):
        services.repayment_reversal_approve(actor=alice, proposal=proposal)
    second.refresh_from_db()
    assert second.reversed_at is None


def test_the_same_reference_cannot_be_posted_twice(alice, loan):
    pay(alice, loan, "100", dt.date(2026, 2, 20), reference="BANK-1")
    with pytest.raises(ValidationError, match="already posted"):
        pay(alice, loan, "100", dt.date(2026, 2, 20), reference="BANK-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Repayment.objects.create(
            loan=loan,
            amount=D("1"),
            paid_on=dt.date(2026, 2, 20),
            channel="transfer",
            reference="BANK-1",
            posted_by=alice,
            schedule_version_before=1,
        )


def test_payments_cannot_be_dated_in_the_future_or_before_disbursement(alice, loan):
    with pytest.raises(ValidationError, match="after the business date"):
        pay(alice, loan, "100", dt.date(2026, 3, 16))
    with pytest.raises(ValidationError, match="predate"):
        pay(alice, loan, "100", dt.date(2026, 1, 1))


def test_penalty_is_allocated_first_when_the_product_has_one(alice, loan):
    LoanProduct.objects.filter(pk=loan.product_id).update(penalty_rate=D("0.18"))
    first = current_schedule(loan)[0]
    # 28 days late on the whole first instalment at 18% a year over 360 days.
    expected = (first.total_due * D("0.18") * 28 / 360).quantize(D("0.01"))
    pay(alice, loan, expected + D("10"), dt.date(2026, 3, 15))
    first.refresh_from_db()
    assert first.penalty_paid == expected
    assert first.interest_paid == D("10")


def test_restructuring_replaces_the_unpaid_schedule(mary, alice, loan):
    first = current_schedule(loan)[0]
    pay(alice, loan, first.total_due, dt.date(2026, 2, 15))
    loan.refresh_from_db()
    unpaid_interest = current_schedule(loan)[1].interest_due  # due 15 March, unpaid
    proposal, _created = services.restructuring_propose(
        actor=alice, loan=loan, new_term_months=24, new_rate=D("0.0400"), reason="Income fell"
    )
    record = services.restructuring_approve(actor=mary, proposal=proposal)
    loan.refresh_from_db()
    assert loan.restructured_on == dt.date(2026, 3, 15)
    assert loan.restructure_count == 1
    assert loan.annual_rate == D("0.0400")
    rows = current_schedule(loan)
    assert rows[0].settled_on == dt.date(2026, 2, 15)  # history kept
    new = rows[1:]
    assert len(new) == 24
    assert sum(row.principal_due for row in new) == record.principal_restructured
    assert record.principal_restructured == D("100000.00") - first.principal_due + (unpaid_interest)
    assert loan_dpd(loan) == 0


def test_restructuring_needs_a_reason_and_a_manager_other_than_the_proposer(
    alice, mary, rita, loan
):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(ValidationError):
        services.restructuring_propose(
            actor=mary, loan=loan, new_term_months=24, new_rate=D("0.04"), reason=""
        )
    with pytest.raises(PermissionDenied):
        services.restructuring_propose(
            actor=rita, loan=loan, new_term_months=24, new_rate=D("0.04"), reason="x"
        )
    proposal, _created = services.restructuring_propose(
        actor=mary, loan=loan, new_term_months=24, new_rate=D("0.04"), reason="x"
    )
    for user in (alice, mary, rita):
        with pytest.raises(PermissionDenied):
            services.restructuring_approve(actor=user, proposal=proposal)
    loan.refresh_from_db()
    assert loan.restructure_count == 0


def test_ltv_against_outstanding_and_revaluation_history(alice, mary, loan):
    from lending.models import Collateral, CollateralValuation

    collateral = Collateral.objects.create(
        application=loan.application,
        collateral_type="real_estate",
        description="Flat",
        owner_name="王小明",
        value=D("200000"),
        valued_on=dt.date(2026, 1, 1),
    )
    assert services.loan_to_value(loan) == D("0.5000")
    services.collateral_revalue(
        actor=alice, collateral=collateral, value=D("125000"), valued_on=dt.date(2026, 3, 1)
    )
    assert services.loan_to_value(loan) == D("0.8000")
    assert CollateralValuation.objects.filter(collateral=collateral).count() == 1
    with pytest.raises(ValidationError):
        services.collateral_revalue(
            actor=alice, collateral=collateral, value=D("1"), valued_on=dt.date(2025, 1, 1)
        )


def test_repayment_record_feeds_the_assessment(alice, loan, settings):
    first = current_schedule(loan)[0]
    pay(alice, loan, first.total_due, dt.date(2026, 3, 1))  # 14 days late
    settings.BUSINESS_DATE = dt.date(2026, 4, 20)  # second instalment 36 days overdue
    record = credit_services.repayment_record(loan.customer, dt.date(2026, 4, 20))
    assert record == {"late_payments_12m": 3, "late_payments_36m": 3, "worst_dpd_ever": 36}
    inputs, _statement = credit_services.assessment_prefill(loan.customer)
    assert inputs["worst_dpd_ever"] == 36


def test_quarterly_product_schedules_quarters_and_needs_whole_quarters(
    alice, mary, graded_customer
):
    from lending.models import Application, LoanProduct

    product = LoanProduct.objects.get(code="WC-01")
    LoanProduct.objects.filter(pk=product.pk).update(
        repayment_frequency=3, customer_kind="individual", repayment_method="annuity"
    )
    product.refresh_from_db()

    def apply(term):
        return services.application_create(
            actor=alice,
            application=Application(
                customer=graded_customer,
                product=product,
                amount=D("300000"),
                term_months=term,
                purpose="Stock",
            ),
        )

    with pytest.raises(ValidationError, match="3-month periods"):
        apply(10)
    application = apply(12)
    services.application_submit(actor=alice, application=application)
    services.application_start_review(actor=mary, application=application)
    offer = services.offer_for(product, graded_customer.grade)
    services.application_approve(
        actor=mary, application=application, amount=D("300000"), term_months=12, rate=offer["rate"]
    )
    loan = services.application_disburse(
        actor=mary, application=application, on=dt.date(2026, 1, 10)
    )
    rows = current_schedule(loan)
    assert len(rows) == 4
    assert [row.due_date for row in rows][:2] == [dt.date(2026, 4, 10), dt.date(2026, 7, 10)]
    assert loan.months_per_period == 3
