"""The write-off pages: proposing a loan's write-off (with the conditions and, when they do
not hold, why), the approvers' queue, the written-off loans with their recoveries, and the
off-balance-sheet record's page with its recoveries and its reversal.

Thin views: scope (404 for what the user may not see), form, one service call. Bad input or a
refusal answers 400 with the page and the reason next to the field; a proposer deciding their
own proposal gets 403 with the four-eyes message; nothing changes.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.scope import get_in_scope_or_404, scope_queryset
from core.business_date import business_date
from core.forms import apply_service_errors
from credit.forms import ReasonForm
from lending import policies, selectors, services
from lending.models import (
    ProposalStatus,
    WriteOffProposal,
    WriteOffReversalProposal,
    WrittenOffLoan,
)
from lending.write_off_forms import RecoveryForm, WriteOffProposeForm
from lending.write_offs import write_off_balance, write_off_check

LOAN_SCOPE = {"officer_field": "loan__customer__officer", "branch_field": "loan__customer__branch"}
PAGE_SIZE = 100


def _proposals_for(user, model):
    return scope_queryset(user, model.objects.all(), **LOAN_SCOPE).select_related(
        "loan__customer__branch", "loan__product", "proposed_by", "decided_by"
    )


def _records_for(user):
    return scope_queryset(user, WrittenOffLoan.objects.all(), **LOAN_SCOPE).select_related(
        "loan__customer__branch", "loan__product", "approved_by", "proposal__proposed_by"
    )


# --- Proposing -----------------------------------------------------------------------------------


def write_off_propose(request, pk: int):
    """The loan's write-off: the conditions as they stand, the balance that would leave the
    book, and the proposal form when the conditions hold."""
    loan = selectors.loan_get_for(request.user, pk)
    if not policies.may_propose_write_off(request.user):
        raise PermissionDenied
    on = business_date()
    form = WriteOffProposeForm(request.POST or None)
    http_status = 200
    if request.method == "POST":
        http_status = 400
        if form.is_valid():
            try:
                _proposal, created = services.write_off_propose(
                    actor=request.user,
                    loan=loan,
                    reason=form.cleaned_data["reason"],
                    evidence=form.cleaned_data["evidence"],
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _(
                        "Write-off proposed: the loan leaves the book when someone with the "
                        "authority, other than you, approves it."
                    )
                    if created
                    else _("This write-off already awaits approval; nothing was added."),
                )
                return redirect("lending:write-off-queue")
    pending = (
        loan.write_off_proposals.filter(status=ProposalStatus.PENDING)
        .select_related("proposed_by")
        .first()
    )
    return render(
        request,
        "lending/write_off_propose.html",
        {
            "loan": loan,
            "customer": loan.customer,
            "business_date": on,
            "check": write_off_check(loan, on),
            "balance": write_off_balance(loan, on),
            "pending": pending,
            "form": form,
        },
        status=http_status,
    )


# --- The approvers' queue and the decisions ------------------------------------------------------


def write_off_queue(request):
    """Write-offs and reversals awaiting a decision in the user's scope, oldest first, with
    the buttons the user may press on each."""
    write_offs = list(
        _proposals_for(request.user, WriteOffProposal)
        .filter(status=ProposalStatus.PENDING)
        .order_by("proposed_at", "id")[:PAGE_SIZE]
    )
    reversals = list(
        _proposals_for(request.user, WriteOffReversalProposal)
        .filter(status=ProposalStatus.PENDING)
        .select_related("record")
        .order_by("proposed_at", "id")[:PAGE_SIZE]
    )
    user = request.user
    return render(
        request,
        "lending/write_off_queue.html",
        {
            "write_offs": [
                (
                    proposal,
                    policies.may_decide_write_off(user, proposal.loan, proposal, proposal.total),
                )
                for proposal in write_offs
            ],
            "reversals": [
                (
                    proposal,
                    policies.may_decide_write_off(
                        user, proposal.loan, proposal, proposal.record.total
                    ),
                )
                for proposal in reversals
            ],
            "proposer_refusal": services.PROPOSER_REFUSAL,
            "reject_form": ReasonForm(),
        },
    )


def _decide(request, model, proposal_pk: int, step, success: str, *, form=None, back=None):
    """One decision on a proposal in scope (404 otherwise): 403 with the four-eyes message for
    its proposer, 400 with the reason for any other refusal; nothing changed."""
    proposal = get_in_scope_or_404(
        request.user, model.objects.select_related("loan"), pk=proposal_pk, **LOAN_SCOPE
    )
    http_status = 400
    if form is None or form.is_valid():
        try:
            result = step(proposal, form.cleaned_data if form is not None else {})
        except services.FourEyesRefused as refusal:
            messages.error(request, str(refusal))
            http_status = 403
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, success)
            return redirect(back(result) if back else "lending:write-off-queue")
    elif form is not None:
        messages.error(request, " ".join(" ".join(errors) for errors in form.errors.values()))
    response = write_off_queue(request)
    response.status_code = http_status
    return response


@require_POST
def write_off_approve(request, proposal_pk: int):
    return _decide(
        request,
        WriteOffProposal,
        proposal_pk,
        lambda proposal, data: services.write_off_approve(actor=request.user, proposal=proposal),
        _("Loan written off: it left the book; its balance is kept off the balance sheet."),
        back=lambda record: reverse("lending:written-off-detail", args=[record.pk]),
    )


@require_POST
def write_off_reject(request, proposal_pk: int):
    return _decide(
        request,
        WriteOffProposal,
        proposal_pk,
        lambda proposal, data: services.write_off_reject(
            actor=request.user, proposal=proposal, reason=data["reason"]
        ),
        _("Write-off rejected: the loan stays on the book."),
        form=ReasonForm(request.POST),
    )


@require_POST
def write_off_withdraw(request, proposal_pk: int):
    return _decide(
        request,
        WriteOffProposal,
        proposal_pk,
        lambda proposal, data: services.write_off_withdraw(actor=request.user, proposal=proposal),
        _("Write-off proposal withdrawn."),
    )


@require_POST
def write_off_reversal_approve(request, proposal_pk: int):
    return _decide(
        request,
        WriteOffReversalProposal,
        proposal_pk,
        lambda proposal, data: services.write_off_reversal_approve(
            actor=request.user, proposal=proposal
        ),
        _("Write-off reversed: the loan is back on the book."),
        back=lambda loan: reverse("lending:loan-detail", args=[loan.pk]),
    )


@require_POST
def write_off_reversal_reject(request, proposal_pk: int):
    return _decide(
        request,
        WriteOffReversalProposal,
        proposal_pk,
        lambda proposal, data: services.write_off_reversal_reject(
            actor=request.user, proposal=proposal, reason=data["reason"]
        ),
        _("Reversal rejected: the loan stays written off."),
        form=ReasonForm(request.POST),
    )


@require_POST
def write_off_reversal_withdraw(request, proposal_pk: int):
    return _decide(
        request,
        WriteOffReversalProposal,
        proposal_pk,
        lambda proposal, data: services.write_off_reversal_withdraw(
            actor=request.user, proposal=proposal
        ),
        _("Reversal proposal withdrawn."),
    )


# --- The written-off loans and their records -----------------------------------------------------


def written_off_list(request):
    """The written-off loans in scope, newest first, with what was written off and recovered."""
    records = list(_records_for(request.user)[:PAGE_SIZE])
    return render(request, "lending/written_off_list.html", {"records": records})


def _render_record(request, record, *, forms=None, http_status=200):
    user = request.user
    pending = next(
        (p for p in record.reversal_proposals.all() if p.status == ProposalStatus.PENDING), None
    )
    return render(
        request,
        "lending/written_off_detail.html",
        {
            "record": record,
            "loan": record.loan,
            "customer": record.loan.customer,
            "recoveries": list(record.recoveries.all()),
            "pending": pending,
            "can_record": record.is_live and policies.may_record_recovery(user),
            "can_propose_reversal": record.is_live
            and pending is None
            and not record.recovered
            and policies.may_propose_write_off(user),
            "can_decide": pending is not None
            and policies.may_decide_write_off(user, record.loan, pending, record.total),
            "proposer_refusal": services.PROPOSER_REFUSAL,
            "recovery_form": RecoveryForm(initial={"received_on": business_date()}),
            "reversal_form": ReasonForm(prefix="reversal"),
            "reject_form": ReasonForm(),
            **(forms or {}),
        },
        status=http_status,
    )


def _record_get_for(user, pk: int) -> WrittenOffLoan:
    return get_in_scope_or_404(
        user,
        WrittenOffLoan.objects.select_related(
            "loan__customer", "loan__product", "approved_by", "proposal__proposed_by"
        ).prefetch_related(
            "recoveries__recorded_by",
            Prefetch(
                "reversal_proposals",
                queryset=WriteOffReversalProposal.objects.select_related(
                    "proposed_by", "decided_by"
                ),
            ),
        ),
        pk=pk,
        **LOAN_SCOPE,
    )


def written_off_detail(request, pk: int):
    return _render_record(request, _record_get_for(request.user, pk))


@require_POST
def recovery_record(request, pk: int):
    record = _record_get_for(request.user, pk)
    form = RecoveryForm(request.POST)
    if form.is_valid():
        try:
            services.write_off_recovery_record(
                actor=request.user,
                record=record,
                amount=form.cleaned_data["amount"],
                received_on=form.cleaned_data["received_on"],
                reference=form.cleaned_data["reference"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Recovery recorded."))
            return redirect(f"{reverse('lending:written-off-detail', args=[record.pk])}#recoveries")
    return _render_record(
        request, _record_get_for(request.user, pk), forms={"recovery_form": form}, http_status=400
    )


@require_POST
def write_off_reversal_propose(request, pk: int):
    record = _record_get_for(request.user, pk)
    form = ReasonForm(request.POST, prefix="reversal")
    if form.is_valid():
        try:
            _proposal, created = services.write_off_reversal_propose(
                actor=request.user, record=record, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "Reversal proposed: the loan comes back onto the book when someone with the "
                    "authority, other than you, approves it."
                )
                if created
                else _("This reversal already awaits approval; nothing was added."),
            )
            return redirect("lending:written-off-detail", pk=record.pk)
    return _render_record(
        request, _record_get_for(request.user, pk), forms={"reversal_form": form}, http_status=400
    )
