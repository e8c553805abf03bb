"""Repayments: a payment allocated to penalty, interest and principal, oldest instalment
first; a prepayment re-spreads what remains."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import audit_log
from core.business_date import business_date
from core.months import add_months
from lending.models import Instalment, Loan, LoanStatus, Repayment, RepaymentAllocation
from lending.policies import may_service_loans
from lending.schedule import build_schedule, to_cents
from lending.services.loans import copy_current, save_schedule
from lending.services.permissions import require
from lending.servicing import InstalmentState, PaymentRefused, allocate, amount_due, penalty_for


def _states(instalments: list[Instalment], on: dt.date, penalty_rate: Decimal):
    states = []
    for row in instalments:
        state = InstalmentState(
            key=row.pk,
            due_date=row.due_date,
            principal_due=row.principal_due,
            interest_due=row.interest_due,
            principal_paid=row.principal_paid,
            interest_paid=row.interest_paid,
            penalty_paid=row.penalty_paid,
        )
        state.penalty_accrued = penalty_for(state, on, penalty_rate) + row.penalty_paid
        states.append(state)
    return states


def loan_amount_due(loan: Loan, on: dt.date) -> Decimal:
    """Everything fallen due by `on` and unpaid: penalty, interest and principal."""
    rows = list(loan.instalments.filter(schedule_version=loan.schedule_version, superseded=False))
    return amount_due(_states(rows, on, loan.product.penalty_rate), on)


@transaction.atomic
def repayment_post(
    *,
    actor: User,
    loan: Loan,
    amount: Decimal,
    paid_on: dt.date,
    channel: str,
    reference: str,
    allow_prepayment: bool = False,
) -> Repayment:
    """Allocates a payment (penalty, interest, principal; oldest instalment first). A
    prepayment lowers the outstanding principal and re-spreads it over the remaining
    instalments; an amount the loan does not owe is refused, never lost."""
    require(may_service_loans(actor))
    locked = Loan.objects.select_for_update().select_related("product").get(pk=loan.pk)
    if locked.status != LoanStatus.ACTIVE:
        raise ValidationError(_("This loan is repaid; nothing more can be posted."))
    if paid_on > business_date():
        raise ValidationError({"paid_on": _("A payment cannot be dated after the business date.")})
    if paid_on < locked.disbursed_on:
        raise ValidationError({"paid_on": _("A payment cannot predate the disbursement.")})
    amount = to_cents(amount)
    if Repayment.objects.filter(
        loan=locked, reference=reference, reversed_at__isnull=True
    ).exists():
        raise ValidationError({"reference": _("A payment with this reference is already posted.")})
    rows = list(
        locked.instalments.filter(
            schedule_version=locked.schedule_version, superseded=False
        ).order_by("due_date", "number")
    )
    try:
        result = allocate(
            amount,
            _states(rows, paid_on, locked.product.penalty_rate),
            paid_on=paid_on,
            allow_prepayment=allow_prepayment,
        )
    except PaymentRefused as refusal:
        raise ValidationError({"amount": _(refusal.message) % refusal.params}) from None
    repayment = Repayment.objects.create(
        loan=locked,
        amount=amount,
        paid_on=paid_on,
        channel=channel,
        reference=reference,
        prepayment=result.prepayment,
        posted_by=actor,
        schedule_version_before=locked.schedule_version,
    )
    by_key = {row.pk: row for row in rows}
    principal_paid = result.prepayment
    for part in result.allocations:
        row = by_key[part.key]
        row.penalty_paid += part.penalty
        row.interest_paid += part.interest
        row.principal_paid += part.principal
        principal_paid += part.principal
        if row.principal_paid == row.principal_due and row.interest_paid == row.interest_due:
            row.settled_on = paid_on
        row.save(update_fields=["penalty_paid", "interest_paid", "principal_paid", "settled_on"])
        RepaymentAllocation.objects.create(
            repayment=repayment,
            instalment=row,
            penalty=part.penalty,
            interest=part.interest,
            principal=part.principal,
        )
    locked.outstanding_principal -= principal_paid
    if result.prepayment:
        _respread_future(locked, rows, paid_on)
    if locked.outstanding_principal == 0:
        locked.status = LoanStatus.CLOSED
    locked.save(update_fields=["outstanding_principal", "status", "schedule_version"])
    audit_log(
        actor=actor,
        action="credit.repayment.posted",
        obj=locked,
        after={
            "repayment": repayment.pk,
            "amount": amount,
            "paid_on": paid_on,
            "prepayment": result.prepayment,
            "outstanding_principal": locked.outstanding_principal,
        },
    )
    return repayment


def _respread_future(loan: Loan, rows: list[Instalment], on: dt.date) -> None:
    """After a prepayment, the instalments not yet due are replaced by a new schedule for
    the lower principal over the same remaining months (same method, same rate)."""
    future = [row for row in rows if row.due_date > on and row.settled_on is None]
    if not future:
        return
    Instalment.objects.filter(pk__in=[row.pk for row in future]).update(superseded=True)
    loan.schedule_version += 1
    copy_current(loan, exclude=future)
    if loan.outstanding_principal > 0:
        start = add_months(future[0].due_date, -loan.months_per_period)
        new_rows = build_schedule(
            principal=loan.outstanding_principal,
            annual_rate=loan.annual_rate,
            periods=len(future),
            start=start,
            method=loan.repayment_method,
            first_number=future[0].number,
            months_per_period=loan.months_per_period,
        )
        save_schedule(loan, new_rows, version=loan.schedule_version)
