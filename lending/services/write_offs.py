"""Write-off (核销) under four eyes: a loss-class loan meeting the conditions is proposed by one
person and written off when another, holding the authority for the amount, approves it; the
loan leaves the book (status written off, no outstanding principal) and its principal,
interest and penalty interest move to an off-balance-sheet record that keeps the recoveries
received afterwards. A write-off made in error comes back onto the book the same way: one
proposes the reversal, another approves it.

Every step locks the loan first, then the proposal or the record, so two people acting on one
loan queue on the same lock; each writes its audit row in the same transaction. The loan's
status and principal change in one UPDATE, so the dashboards' book figures (statement
triggers on credit_loan counting active loans) drop it, or take it back, exactly once.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import audit_log
from core.business_date import business_date
from lending.models import (
    Loan,
    LoanStatus,
    ProposalStatus,
    WriteOffProposal,
    WriteOffRecovery,
    WriteOffReversalProposal,
    WrittenOffLoan,
)
from lending.policies import may_decide_write_off, may_propose_write_off, may_record_recovery
from lending.schedule import to_cents
from lending.services.permissions import FourEyesRefused, require
from lending.services.proposals import (
    PROPOSER_REFUSAL,
    _close,
    _lock_proposal,
    _pending_refusal,
    _require_pending,
)
from lending.write_offs import write_off_balance, write_off_check


def _lock_loan(loan: Loan) -> Loan:
    return (
        Loan.objects.select_for_update(of=("self",))
        .select_related("product", "customer")
        .get(pk=loan.pk)
    )


def _require_decider(actor: User, loan: Loan, proposal, amount: Decimal) -> None:
    if proposal.proposed_by_id == actor.pk:
        raise FourEyesRefused(PROPOSER_REFUSAL)
    require(may_decide_write_off(actor, loan, proposal, amount))


def _refused(check) -> ValidationError:
    return ValidationError(check.refusals, code="conditions")


# --- Writing off ---------------------------------------------------------------------------------


@transaction.atomic
def write_off_propose(
    *, actor: User, loan: Loan, reason: str, evidence: str
) -> tuple[WriteOffProposal, bool]:
    """Proposes writing the loan off, when it meets the conditions (lending/write_offs.py).
    Returns the proposal and whether it is new: the same form sent again returns the waiting
    one; one write-off waits per loan."""
    require(may_propose_write_off(actor))
    reason, evidence = reason.strip(), evidence.strip()
    errors = {}
    if not reason:
        errors["reason"] = _("Give the reason for the write-off.")
    if not evidence:
        errors["evidence"] = _("Describe the recovery efforts made, and where their records are.")
    if errors:
        raise ValidationError(errors)
    locked = _lock_loan(loan)
    pending = (
        locked.write_off_proposals.filter(status=ProposalStatus.PENDING)
        .select_related("proposed_by")
        .first()
    )
    if pending is not None:
        if (pending.proposed_by_id, pending.reason, pending.evidence) == (
            actor.pk,
            reason,
            evidence,
        ):
            return pending, False
        raise _pending_refusal(
            pending,
            _(
                "%(name)s proposed on %(day)s to write this loan off, and it awaits approval: "
                "have it decided or withdrawn before proposing another."
            ),
        )
    on = business_date()
    check = write_off_check(locked, on)
    if not check.met:
        raise _refused(check)
    balance = write_off_balance(locked, on)
    proposal = WriteOffProposal.objects.create(
        loan=locked,
        reason=reason,
        evidence=evidence,
        proposed_by=actor,
        principal=balance.principal,
        interest=balance.interest,
        penalty=balance.penalty,
        days_in_loss=check.days_in_loss,
        collection_contacts=check.collection_contacts,
        legal_steps=check.legal_steps,
    )
    audit_log(
        actor=actor,
        action="credit.loan.write_off_proposed",
        obj=locked,
        after={
            "proposal": proposal.pk,
            "principal": balance.principal,
            "interest": balance.interest,
            "penalty": balance.penalty,
            "days_in_loss": check.days_in_loss,
            "collection_contacts": check.collection_contacts,
            "legal_steps": check.legal_steps,
            "reason": reason,
            "evidence": evidence,
        },
    )
    return proposal, True


@transaction.atomic
def write_off_approve(*, actor: User, proposal: WriteOffProposal) -> WrittenOffLoan:
    """Writes the loan off: the conditions and the authority are checked again on the loan
    as it is today, and the balance moved is today's."""
    loan, locked = _lock_proposal(WriteOffProposal, proposal)
    on = business_date()
    balance = write_off_balance(loan, on)
    _require_decider(actor, loan, locked, balance.total)
    _require_pending(locked)
    check = write_off_check(loan, on)
    if not check.met:
        raise _refused(check)
    loan_class = check.loan_class
    record = WrittenOffLoan.objects.create(
        loan=loan,
        proposal=locked,
        written_off_on=on,
        loan_class=loan_class,
        principal=balance.principal,
        interest=balance.interest,
        penalty=balance.penalty,
        approved_by=actor,
    )
    # One UPDATE of status and principal: the book figures' trigger sees the loan leave once.
    Loan.objects.filter(pk=loan.pk).update(
        status=LoanStatus.WRITTEN_OFF, outstanding_principal=Decimal("0.00")
    )
    _close(locked, status=ProposalStatus.APPROVED, decided_by=actor)
    audit_log(
        actor=actor,
        action="credit.loan.write_off_approved",
        obj=loan,
        before={"status": loan.status, "outstanding_principal": loan.outstanding_principal},
        after={
            "status": LoanStatus.WRITTEN_OFF,
            "outstanding_principal": Decimal("0.00"),
            "proposal": locked.pk,
            "proposed_by": locked.proposed_by_id,
            "record": record.pk,
            "principal": balance.principal,
            "interest": balance.interest,
            "penalty": balance.penalty,
        },
    )
    return record


@transaction.atomic
def write_off_reject(*, actor: User, proposal: WriteOffProposal, reason: str) -> None:
    """The decider turns the write-off down, saying why; the loan stays on the book."""
    loan, locked = _lock_proposal(WriteOffProposal, proposal)
    _require_decider(actor, loan, locked, locked.total)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the rejection.")})
    _require_pending(locked)
    _close(locked, status=ProposalStatus.REJECTED, decided_by=actor, note=reason)
    audit_log(
        actor=actor,
        action="credit.loan.write_off_rejected",
        obj=loan,
        after={"proposal": locked.pk, "proposed_by": locked.proposed_by_id, "reason": reason},
    )


@transaction.atomic
def write_off_withdraw(*, actor: User, proposal: WriteOffProposal) -> None:
    """The proposer takes the write-off back while it waits."""
    loan, locked = _lock_proposal(WriteOffProposal, proposal)
    require(locked.proposed_by_id == actor.pk)
    _require_pending(locked)
    _close(locked, status=ProposalStatus.WITHDRAWN)
    audit_log(
        actor=actor,
        action="credit.loan.write_off_withdrawn",
        obj=loan,
        after={"proposal": locked.pk},
    )


# --- Recoveries after the write-off --------------------------------------------------------------


def _lock_record(record: WrittenOffLoan) -> tuple[Loan, WrittenOffLoan]:
    loan = _lock_loan(record.loan)
    locked = WrittenOffLoan.objects.select_for_update(of=("self",)).get(pk=record.pk)
    return loan, locked


@transaction.atomic
def write_off_recovery_record(
    *,
    actor: User,
    record: WrittenOffLoan,
    amount: Decimal,
    received_on: dt.date,
    reference: str,
    note: str = "",
) -> WriteOffRecovery:
    """Records money received on a written-off loan. A receipt needs no second person, but it
    is audited; it may not exceed what is still owed off the book, nor be dated before the
    write-off or after the business date."""
    require(may_record_recovery(actor))
    loan, locked = _lock_record(record)
    amount = to_cents(amount)
    reference = reference.strip()
    errors = {}
    if not locked.is_live:
        raise ValidationError(
            _("This write-off was reversed: the loan is back on the book, post a repayment.")
        )
    if amount <= 0:
        errors["amount"] = _("A recovery must be more than zero.")
    elif amount > locked.remaining:
        errors["amount"] = _("Only %(remaining)s is still owed on this written-off loan.") % {
            "remaining": f"{locked.remaining:,.2f}"
        }
    if received_on > business_date():
        errors["received_on"] = _("A recovery cannot be dated after the business date.")
    elif received_on < locked.written_off_on:
        errors["received_on"] = _("A recovery cannot predate the write-off.")
    if not reference:
        errors["reference"] = _("Give the receipt's reference.")
    elif locked.recoveries.filter(reference=reference).exists():
        errors["reference"] = _("A recovery with this reference is already recorded.")
    if errors:
        raise ValidationError(errors)
    recovery = WriteOffRecovery.objects.create(
        record=locked,
        amount=amount,
        received_on=received_on,
        reference=reference,
        note=note.strip(),
        recorded_by=actor,
    )
    before = locked.recovered
    locked.recovered += amount
    locked.save(update_fields=["recovered"])
    audit_log(
        actor=actor,
        action="credit.loan.write_off_recovery_recorded",
        obj=loan,
        before={"recovered": before},
        after={
            "record": locked.pk,
            "recovery": recovery.pk,
            "amount": amount,
            "received_on": received_on,
            "reference": reference,
            "recovered": locked.recovered,
        },
    )
    return recovery


# --- Reversal: back onto the book ----------------------------------------------------------------


def _check_reversible(loan: Loan, record: WrittenOffLoan) -> None:
    if not record.is_live or loan.status != LoanStatus.WRITTEN_OFF:
        raise ValidationError(_("This write-off is already reversed."))
    if record.recovered > 0:
        # What was recovered is booked as recovered loss; the loan's schedule knows nothing of
        # it, so bringing the loan back would count the money twice.
        raise ValidationError(
            _(
                "Recoveries are recorded on this written-off loan: it cannot be brought back "
                "onto the book."
            )
        )


@transaction.atomic
def write_off_reversal_propose(
    *, actor: User, record: WrittenOffLoan, reason: str
) -> tuple[WriteOffReversalProposal, bool]:
    """Proposes bringing the loan back onto the book (a write-off made in error). Returns the
    proposal and whether it is new; one reversal waits per loan."""
    require(may_propose_write_off(actor))
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the reversal.")})
    loan, locked = _lock_record(record)
    pending = (
        loan.write_off_reversal_proposals.filter(status=ProposalStatus.PENDING)
        .select_related("proposed_by")
        .first()
    )
    if pending is not None:
        if (pending.proposed_by_id, pending.reason) == (actor.pk, reason):
            return pending, False
        raise _pending_refusal(
            pending,
            _(
                "%(name)s proposed on %(day)s to bring this loan back onto the book, and it "
                "awaits approval: have it decided or withdrawn before proposing another."
            ),
        )
    _check_reversible(loan, locked)
    proposal = WriteOffReversalProposal.objects.create(
        loan=loan, record=locked, reason=reason, proposed_by=actor
    )
    audit_log(
        actor=actor,
        action="credit.loan.write_off_reversal_proposed",
        obj=loan,
        after={"proposal": proposal.pk, "record": locked.pk, "reason": reason},
    )
    return proposal, True


@transaction.atomic
def write_off_reversal_approve(*, actor: User, proposal: WriteOffReversalProposal) -> Loan:
    """Brings the loan back onto the book with the principal it was written off with; its
    schedule was never touched, so the nightly classifies it again from its arrears."""
    loan, locked = _lock_proposal(WriteOffReversalProposal, proposal)
    record = WrittenOffLoan.objects.select_for_update(of=("self",)).get(pk=locked.record_id)
    _require_decider(actor, loan, locked, record.total)
    _require_pending(locked)
    _check_reversible(loan, record)
    record.reversed_on = business_date()
    record.save(update_fields=["reversed_on"])
    # One UPDATE of status and principal: the book figures' trigger sees the loan return once.
    Loan.objects.filter(pk=loan.pk).update(
        status=LoanStatus.ACTIVE, outstanding_principal=record.principal
    )
    _close(locked, status=ProposalStatus.APPROVED, decided_by=actor)
    audit_log(
        actor=actor,
        action="credit.loan.write_off_reversal_approved",
        obj=loan,
        before={"status": loan.status, "outstanding_principal": loan.outstanding_principal},
        after={
            "status": LoanStatus.ACTIVE,
            "outstanding_principal": record.principal,
            "proposal": locked.pk,
            "proposed_by": locked.proposed_by_id,
            "record": record.pk,
        },
    )
    loan.refresh_from_db()
    return loan


@transaction.atomic
def write_off_reversal_reject(
    *, actor: User, proposal: WriteOffReversalProposal, reason: str
) -> None:
    """The decider turns the reversal down, saying why; the loan stays written off."""
    loan, locked = _lock_proposal(WriteOffReversalProposal, proposal)
    record = WrittenOffLoan.objects.get(pk=locked.record_id)
    _require_decider(actor, loan, locked, record.total)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the rejection.")})
    _require_pending(locked)
    _close(locked, status=ProposalStatus.REJECTED, decided_by=actor, note=reason)
    audit_log(
        actor=actor,
        action="credit.loan.write_off_reversal_rejected",
        obj=loan,
        after={"proposal": locked.pk, "proposed_by": locked.proposed_by_id, "reason": reason},
    )


@transaction.atomic
def write_off_reversal_withdraw(*, actor: User, proposal: WriteOffReversalProposal) -> None:
    """The proposer takes the reversal back while it waits."""
    loan, locked = _lock_proposal(WriteOffReversalProposal, proposal)
    require(locked.proposed_by_id == actor.pk)
    _require_pending(locked)
    _close(locked, status=ProposalStatus.WITHDRAWN)
    audit_log(
        actor=actor,
        action="credit.loan.write_off_reversal_withdrawn",
        obj=loan,
        after={"proposal": locked.pk},
    )
