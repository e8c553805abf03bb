"""Four eyes on loan changes: restructurings and repayment reversals are proposed by one
person and take effect when another approves them.

A change that moves money or lowers recorded risk is proposed by one person (an officer or
manager with the loan in scope) and approved by another with the authority: a manager of
the customer's branch or an admin, never the proposer. Nothing happens to the loan before
the approval. Every step locks the loan first, then the proposal, so two people acting on
one loan at once queue on the same lock: one proposal waits per loan and kind, and an
approval takes effect once.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from audit.services import audit_change, audit_log, snapshot
from core.business_date import business_date
from core.numbers import format_percent
from lending.models import (
    Instalment,
    Loan,
    LoanChangeProposal,
    LoanStatus,
    ProposalStatus,
    Repayment,
    RepaymentReversalProposal,
    Restructuring,
    RestructuringProposal,
)
from lending.policies import may_decide_loan_change, may_service_loans
from lending.schedule import build_schedule
from lending.services.loans import copy_current, save_schedule
from lending.services.permissions import FourEyesRefused, require
from lending.services.pricing import ZERO, product_rate_range

PROPOSER_REFUSAL = gettext_lazy(
    "You proposed this change, so someone else must approve or reject it (four eyes)."
)


def _who(user: User) -> str:
    return user.get_full_name() or user.get_username()


def _lock_proposal(model, proposal: LoanChangeProposal) -> tuple[Loan, LoanChangeProposal]:
    """The loan, then the proposal, locked: the same order as the proposing steps. Only
    their own rows: the product and the customer read along stay free for everyone else."""
    loan = (
        Loan.objects.select_for_update(of=("self",))
        .select_related("product", "customer")
        .get(pk=proposal.loan_id)
    )
    locked = (
        model.objects.select_for_update(of=("self",))
        .select_related("proposed_by", "decided_by")
        .get(pk=proposal.pk)
    )
    return loan, locked


def _require_proposal_decider(actor: User, loan: Loan, proposal: LoanChangeProposal) -> None:
    if proposal.proposed_by_id == actor.pk:
        raise FourEyesRefused(PROPOSER_REFUSAL)
    require(may_decide_loan_change(actor, loan, proposal))


def _require_pending(proposal: LoanChangeProposal) -> None:
    """A proposal is decided once: whoever comes second learns who came first."""
    if proposal.is_pending:
        return
    if proposal.status == ProposalStatus.WITHDRAWN:
        raise ValidationError(
            _("%(name)s withdrew this proposal; nothing was changed.")
            % {"name": _who(proposal.proposed_by)},
            code="closed",
        )
    raise ValidationError(
        _("%(name)s already decided this proposal (%(status)s); your decision was not recorded.")
        % {"name": _who(proposal.decided_by), "status": proposal.get_status_display()},
        code="closed",
    )


def _close(
    proposal: LoanChangeProposal,
    *,
    status: str,
    decided_by: User | None = None,
    note: str = "",
    also: tuple[str, ...] = (),
) -> None:
    """Closes the locked proposal in one write (with the fields in `also`, set before)."""
    proposal.status = status
    proposal.decided_by = decided_by
    proposal.decision_note = note
    proposal.closed_at = timezone.now()
    proposal.save(update_fields=["status", "decided_by", "decision_note", "closed_at", *also])


def _pending_refusal(pending: LoanChangeProposal, message: str) -> ValidationError:
    """`message` names who proposed the waiting change and when."""
    return ValidationError(
        message
        % {
            "name": _who(pending.proposed_by),
            "day": f"{timezone.localtime(pending.proposed_at):%Y-%m-%d}",
        },
        code="pending",
    )


# --- Repayment reversals -------------------------------------------------------------------------


def _check_reversible(loan: Loan, repayment: Repayment) -> None:
    if repayment.reversed_at:
        raise ValidationError(_("This payment is already reversed."))
    latest = loan.repayments.filter(reversed_at__isnull=True).order_by("-posted_at", "-id").first()
    if latest.pk != repayment.pk:
        raise ValidationError(_("Reverse the later payments of this loan first."))
    if loan.restructurings.filter(schedule_version__gt=repayment.schedule_version_before).exists():
        raise ValidationError(
            _("The loan was restructured after this payment; it cannot be reversed.")
        )


@transaction.atomic
def repayment_reversal_propose(
    *, actor: User, repayment: Repayment, reason: str
) -> tuple[RepaymentReversalProposal, bool]:
    """Proposes undoing a payment posted in error (the latest of its loan). Returns the
    proposal and whether it is new: the same form sent again returns the waiting one."""
    require(may_service_loans(actor))
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the reversal.")})
    loan = Loan.objects.select_for_update().get(pk=repayment.loan_id)
    locked = Repayment.objects.get(pk=repayment.pk)
    pending = (
        loan.reversal_proposals.filter(status=ProposalStatus.PENDING)
        .select_related("proposed_by")
        .first()
    )
    if pending is not None:
        if (pending.repayment_id, pending.proposed_by_id, pending.reason) == (
            locked.pk,
            actor.pk,
            reason,
        ):
            return pending, False
        raise _pending_refusal(
            pending,
            _(
                "%(name)s proposed on %(day)s to reverse a payment of this loan, and it awaits "
                "approval: have it decided or withdrawn before proposing another."
            ),
        )
    _check_reversible(loan, locked)
    proposal = RepaymentReversalProposal.objects.create(
        loan=loan, repayment=locked, reason=reason, proposed_by=actor
    )
    audit_log(
        actor=actor,
        action="credit.repayment.reversal_proposed",
        obj=loan,
        after={
            "proposal": proposal.pk,
            "repayment": locked.pk,
            "amount": locked.amount,
            "reason": reason,
        },
    )
    return proposal, True


@transaction.atomic
def repayment_reversal_approve(*, actor: User, proposal: RepaymentReversalProposal) -> Repayment:
    """Undoes the payment: the instalments return exactly to the state they had before it
    (only the latest payment of a loan can be reversed)."""
    loan, locked = _lock_proposal(RepaymentReversalProposal, proposal)
    _require_proposal_decider(actor, loan, locked)
    _require_pending(locked)
    repayment = Repayment.objects.select_for_update().get(pk=locked.repayment_id)
    _check_reversible(loan, repayment)
    if loan.schedule_version != repayment.schedule_version_before:
        # The prepayment's new schedule (everything due after the payment) goes, and the
        # schedule it replaced comes back.
        current = loan.instalments.filter(schedule_version=loan.schedule_version)
        current.filter(due_date__gt=repayment.paid_on).delete()
        current.update(schedule_version=repayment.schedule_version_before)
        loan.instalments.filter(
            schedule_version=repayment.schedule_version_before,
            superseded=True,
            due_date__gt=repayment.paid_on,
        ).update(superseded=False)
        loan.schedule_version = repayment.schedule_version_before
    principal_back = repayment.prepayment
    for part in repayment.allocations.select_related("instalment"):
        row = part.instalment
        row.penalty_paid -= part.penalty
        row.interest_paid -= part.interest
        row.principal_paid -= part.principal
        row.settled_on = None
        row.save(update_fields=["penalty_paid", "interest_paid", "principal_paid", "settled_on"])
        principal_back += part.principal
    loan.outstanding_principal += principal_back
    loan.status = LoanStatus.ACTIVE
    loan.save(update_fields=["outstanding_principal", "status", "schedule_version"])
    repayment.reversed_at = timezone.now()
    repayment.reversed_by = actor
    repayment.reversal_reason = locked.reason
    repayment.save(update_fields=["reversed_at", "reversed_by", "reversal_reason"])
    _close(locked, status=ProposalStatus.APPROVED, decided_by=actor)
    audit_log(
        actor=actor,
        action="credit.repayment.reversed",
        obj=loan,
        before={"repayment": repayment.pk, "amount": repayment.amount},
        after={
            "proposal": locked.pk,
            "proposed_by": locked.proposed_by_id,
            "reason": locked.reason,
            "outstanding_principal": loan.outstanding_principal,
        },
    )
    return repayment


# --- Restructuring -------------------------------------------------------------------------------


def _restructuring_terms_errors(loan: Loan, *, new_term_months: int, new_rate: Decimal) -> dict:
    """New terms within the product's bounds: its term range in whole repayment periods,
    and a rate above zero within the rates it lends at."""
    product = loan.product
    errors = {}
    if not product.min_term_months <= new_term_months <= product.max_term_months:
        errors["new_term_months"] = _("The product's term is %(low)s to %(high)s months.") % {
            "low": product.min_term_months,
            "high": product.max_term_months,
        }
    elif new_term_months % loan.months_per_period:
        errors["new_term_months"] = _(
            "The term must be a whole number of %(months)s-month periods."
        ) % {"months": loan.months_per_period}
    low, high = product_rate_range(product)
    if new_rate <= 0:
        errors["new_rate"] = _("The rate must be more than zero.")
    elif not low <= new_rate <= high:
        errors["new_rate"] = _("The product lends at rates from %(low)s to %(high)s.") % {
            "low": format_percent(low),
            "high": format_percent(high),
        }
    return errors


@transaction.atomic
def restructuring_propose(
    *, actor: User, loan: Loan, new_term_months: int, new_rate: Decimal, reason: str
) -> tuple[RestructuringProposal, bool]:
    """Proposes new terms for the loan's unpaid schedule. Returns the proposal and whether it
    is new: the same form sent again returns the waiting one; one proposal waits per loan."""
    require(may_service_loans(actor))
    reason = reason.strip()
    locked = Loan.objects.select_for_update(of=("self",)).select_related("product").get(pk=loan.pk)
    errors = _restructuring_terms_errors(locked, new_term_months=new_term_months, new_rate=new_rate)
    if not reason:
        errors["reason"] = _("Give the reason for the restructuring.")
    if errors:
        raise ValidationError(errors)
    if locked.status != LoanStatus.ACTIVE:
        raise ValidationError(_("Only an active loan can be restructured."))
    pending = (
        locked.restructuring_proposals.filter(status=ProposalStatus.PENDING)
        .select_related("proposed_by")
        .first()
    )
    if pending is not None:
        if (pending.proposed_by_id, pending.new_term_months, pending.new_rate, pending.reason) == (
            actor.pk,
            new_term_months,
            new_rate,
            reason,
        ):
            return pending, False
        raise _pending_refusal(
            pending,
            _(
                "%(name)s proposed on %(day)s to restructure this loan, and it awaits approval: "
                "have it decided or withdrawn before proposing another."
            ),
        )
    proposal = RestructuringProposal.objects.create(
        loan=locked,
        new_term_months=new_term_months,
        new_rate=new_rate,
        reason=reason,
        proposed_by=actor,
    )
    audit_log(
        actor=actor,
        action="credit.loan.restructuring_proposed",
        obj=locked,
        after={
            "proposal": proposal.pk,
            "new_term_months": new_term_months,
            "new_rate": new_rate,
            "reason": reason,
        },
    )
    return proposal, True


@transaction.atomic
def restructuring_approve(*, actor: User, proposal: RestructuringProposal) -> Restructuring:
    """Puts the proposed terms in force: the unpaid schedule is replaced by a new one over
    the outstanding principal and any overdue interest capitalised, and the loan is flagged
    restructured with the date. The terms are checked again against the product as it is."""
    loan, locked = _lock_proposal(RestructuringProposal, proposal)
    _require_proposal_decider(actor, loan, locked)
    _require_pending(locked)
    errors = _restructuring_terms_errors(
        loan, new_term_months=locked.new_term_months, new_rate=locked.new_rate
    )
    if errors:
        raise ValidationError(list(errors.values()))
    if loan.status != LoanStatus.ACTIVE:
        raise ValidationError(_("Only an active loan can be restructured."))
    record = _restructure(
        loan,
        new_term_months=locked.new_term_months,
        new_rate=locked.new_rate,
        reason=locked.reason,
        decided_by=actor,
    )
    locked.restructuring = record
    _close(locked, status=ProposalStatus.APPROVED, decided_by=actor, also=("restructuring",))
    audit_log(
        actor=actor,
        action="credit.loan.restructuring_approved",
        obj=loan,
        after={
            "proposal": locked.pk,
            "proposed_by": locked.proposed_by_id,
            "restructuring": record.pk,
            "new_term_months": locked.new_term_months,
            "new_rate": locked.new_rate,
        },
    )
    return record


def _restructure(
    loan: Loan, *, new_term_months: int, new_rate: Decimal, reason: str, decided_by: User
) -> Restructuring:
    """The effect of an approved restructuring on the locked loan."""
    on = business_date()
    unpaid = list(
        loan.instalments.filter(
            schedule_version=loan.schedule_version, superseded=False, settled_on__isnull=True
        )
    )
    overdue_interest = sum(
        (row.interest_due - row.interest_paid for row in unpaid if row.due_date <= on), ZERO
    )
    principal = loan.outstanding_principal + overdue_interest
    Instalment.objects.filter(pk__in=[row.pk for row in unpaid]).update(superseded=True)
    loan.schedule_version += 1
    copy_current(loan, exclude=unpaid)
    next_number = (loan.instalments.aggregate(top=Max("number"))["top"] or 0) + 1
    rows = build_schedule(
        principal=principal,
        annual_rate=new_rate,
        periods=max(new_term_months // loan.months_per_period, 1),
        start=on,
        method=loan.repayment_method,
        first_number=next_number,
        months_per_period=loan.months_per_period,
    )
    save_schedule(loan, rows, version=loan.schedule_version)
    record = Restructuring.objects.create(
        loan=loan,
        restructured_on=on,
        reason=reason,
        old_rate=loan.annual_rate,
        new_rate=new_rate,
        old_remaining_months=len([r for r in unpaid if r.due_date > on]),
        new_term_months=new_term_months,
        principal_restructured=principal,
        decided_by=decided_by,
        schedule_version=loan.schedule_version,
    )
    before = snapshot(loan, ["annual_rate", "maturity_date", "outstanding_principal"])
    loan.annual_rate = new_rate
    loan.outstanding_principal = principal
    loan.maturity_date = rows[-1].due_date
    loan.restructured_on = on
    loan.restructure_count += 1
    loan.save()
    audit_change(
        actor=decided_by,
        action="credit.loan.restructured",
        obj=loan,
        before=before,
        after=snapshot(loan, ["annual_rate", "maturity_date", "outstanding_principal"]),
    )
    return record


# --- Rejecting and withdrawing proposals ----------------------------------------------------------

PROPOSAL_KINDS = {
    RestructuringProposal: "credit.loan.restructuring",
    RepaymentReversalProposal: "credit.repayment.reversal",
}


@transaction.atomic
def loan_change_reject(*, actor: User, proposal: LoanChangeProposal, reason: str) -> None:
    """The decider turns the proposal down, saying why; the loan stays as it is."""
    model = type(proposal)
    loan, locked = _lock_proposal(model, proposal)
    _require_proposal_decider(actor, loan, locked)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the rejection.")})
    _require_pending(locked)
    _close(locked, status=ProposalStatus.REJECTED, decided_by=actor, note=reason)
    audit_log(
        actor=actor,
        action=f"{PROPOSAL_KINDS[model]}_rejected",
        obj=loan,
        after={"proposal": locked.pk, "proposed_by": locked.proposed_by_id, "reason": reason},
    )


@transaction.atomic
def loan_change_withdraw(*, actor: User, proposal: LoanChangeProposal) -> None:
    """The proposer takes the proposal back while it waits."""
    model = type(proposal)
    loan, locked = _lock_proposal(model, proposal)
    require(locked.proposed_by_id == actor.pk)
    _require_pending(locked)
    _close(locked, status=ProposalStatus.WITHDRAWN)
    audit_log(
        actor=actor,
        action=f"{PROPOSAL_KINDS[model]}_withdrawn",
        obj=loan,
        after={"proposal": locked.pk},
    )
