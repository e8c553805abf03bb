"""The credit facility's pages: the proposal form, the facility page with its figures,
sublimits, securities, drawings and history, and its steps (approve, activate, freeze, lift
the freeze, close, raise the limit). Out of scope is a 404 (lending.facilities.facility_get_for);
bad input or a refused step answers 400 with the page and the reason by the field."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.actions import action_name, change_lines
from audit.models import AuditEvent
from audit.services import audit_object_type
from core.business_date import business_date
from core.forms import apply_service_errors, refusal_status
from credit.forms import ReasonForm
from customers.selectors import customer_get_for
from lending import facilities, policies, services
from lending.facility_forms import FacilityForm, LimitChangeForm
from lending.facility_models import (
    LIVE_STATUSES,
    CreditFacility,
    FacilityStatus,
    LimitChangeStatus,
)
from lending.services import facilities as facility_services
from lending.services.permissions import require

HISTORY_SHOWN = 50


def facility_create(request, customer_pk: int):
    customer = customer_get_for(request.user, customer_pk)
    require(policies.may_propose_facility(request.user))
    form = FacilityForm(request.POST or None, customer=customer)
    if request.method == "POST" and form.is_valid():
        try:
            facility = facility_services.facility_propose(
                actor=request.user,
                facility=form.instance,
                sublimits=form.sublimits(),
                collateral=list(form.cleaned_data["collateral"]),
                guarantees=list(form.cleaned_data["guarantees"]),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Facility proposed. A manager other than you approves it."))
            return redirect("lending:facility-detail", pk=facility.pk)
    return render(
        request,
        "lending/facility_form.html",
        {"form": form, "customer": customer},
        status=refusal_status(request),
    )


def _history(facility: CreditFacility) -> list[dict]:
    events = (
        AuditEvent.objects.filter(
            object_type=audit_object_type(facility), object_id=str(facility.pk)
        )
        .select_related("actor")
        .order_by("-created_at", "-id")[:HISTORY_SHOWN]
    )
    return [
        {
            "event": event,
            "action": action_name(event.action),
            "lines": change_lines(CreditFacility, event.before, event.after),
        }
        for event in events
    ]


def _render_facility(request, facility, *, forms: dict | None = None, http_status: int = 200):
    user = request.user
    on = business_date()
    status = facility.status_on(on)
    changes = list(facility.limit_changes.select_related("proposed_by", "decided_by"))
    pending_change = next((c for c in changes if c.status == LimitChangeStatus.PENDING), None)
    context = {
        "facility": facility,
        "customer": facility.customer,
        "status": status,
        "status_label": FacilityStatus(status).label,
        "sublimits": facilities.sublimits_with_figures(facility),
        "collateral": list(facility.collateral.all()),
        "guarantees": list(facility.guarantees.select_related("guarantor_customer")),
        "loans": list(facility.loans.select_related("product").order_by("-disbursed_on", "-id")),
        "applications": list(
            facility.applications.select_related("product")
            .exclude(status__in=["disbursed", "draft"])
            .order_by("-created_at", "-id")
        ),
        "limit_changes": changes,
        "pending_change": pending_change,
        "history": _history(facility),
        "can_approve": status == FacilityStatus.PROPOSED
        and policies.may_approve_facility(user, facility),
        "approve_refusal": facility_services.FACILITY_PROPOSER_REFUSAL
        if status == FacilityStatus.PROPOSED and facility.proposed_by_id == user.pk
        else None,
        "can_activate": status == FacilityStatus.APPROVED and policies.may_propose_facility(user),
        "can_freeze": status == FacilityStatus.ACTIVE and policies.may_freeze_facility(user),
        "can_unfreeze": status == FacilityStatus.FROZEN
        and policies.may_unfreeze_facility(user, facility),
        "can_review": status in LIVE_STATUSES
        and policies.may_record_facility_review(user, facility),
        "can_close": status != FacilityStatus.CLOSED
        and policies.may_close_facility(user, facility),
        "can_raise": status in (FacilityStatus.ACTIVE, FacilityStatus.APPROVED)
        and pending_change is None
        and policies.may_propose_facility(user),
        "can_decide_change": pending_change is not None
        and policies.may_approve_facility(
            user, facility, proposed_by_id=pending_change.proposed_by_id
        ),
        "reason_form": ReasonForm(),
        "close_form": close_reason_form(),
        "review_form": review_note_form(),
        **(forms or {}),
    }
    return render(request, "lending/facility_detail.html", context, status=http_status)


def facility_detail(request, pk: int):
    return _render_facility(request, facilities.facility_get_for(request.user, pk))


def close_reason_form(data=None) -> ReasonForm:
    """The close form's reason: a form of its own (its own ids), so that a refused close
    shows its reason under the close form, not under the freeze form beside it."""
    form = ReasonForm(data, auto_id="close_%s")
    form.fields["reason"].label = _("Reason for closing")
    return form


def review_note_form(data=None) -> ReasonForm:
    """The review's note, a form of its own beside the freeze and close forms."""
    form = ReasonForm(data, auto_id="review_%s")
    form.fields["reason"].label = _("What the review found")
    return form


def _step(
    request, pk: int, action, *, success: str, with_reason: bool = False, slot_name="reason_form"
):
    """Shared POST flow of the facility's steps: scope (404), reason, service, message; the
    bound reason form comes back in `slot_name` (the page has two reason forms)."""
    facility = facilities.facility_get_for(request.user, pk)
    form = None
    if with_reason:
        form = {"close_form": close_reason_form, "review_form": review_note_form}.get(
            slot_name, ReasonForm
        )(request.POST)
    slot = {slot_name: form} if form is not None else {}
    if form is not None and not form.is_valid():
        return _render_facility(request, facility, forms=slot, http_status=400)
    try:
        action(facility, form.cleaned_data["reason"] if form else "")
    except services.FourEyesRefused as refusal:
        messages.error(request, str(refusal))
        return _render_facility(request, facility, forms=slot, http_status=403)
    except ValidationError as error:
        if form is not None:
            apply_service_errors(form, error)
        else:
            messages.error(request, " ".join(error.messages))
        facility = facilities.facility_get_for(request.user, pk)
        return _render_facility(request, facility, forms=slot, http_status=400)
    messages.success(request, success)
    return redirect("lending:facility-detail", pk=pk)


@require_POST
def facility_approve(request, pk: int):
    return _step(
        request,
        pk,
        lambda facility, _reason: facility_services.facility_approve(
            actor=request.user, facility=facility
        ),
        success=_("Facility approved."),
    )


@require_POST
def facility_activate(request, pk: int):
    return _step(
        request,
        pk,
        lambda facility, _reason: facility_services.facility_activate(
            actor=request.user, facility=facility
        ),
        success=_("Facility active: applications may draw on it."),
    )


@require_POST
def facility_freeze(request, pk: int):
    return _step(
        request,
        pk,
        lambda facility, reason: facility_services.facility_freeze(
            actor=request.user, facility=facility, reason=reason
        ),
        success=_("Facility frozen: nothing more may be drawn until a manager lifts the freeze."),
        with_reason=True,
    )


@require_POST
def facility_unfreeze(request, pk: int):
    return _step(
        request,
        pk,
        lambda facility, reason: facility_services.facility_unfreeze(
            actor=request.user, facility=facility, reason=reason
        ),
        success=_("Freeze lifted."),
        with_reason=True,
    )


@require_POST
def facility_review(request, pk: int):
    return _step(
        request,
        pk,
        lambda facility, note: facility_services.facility_review_record(
            actor=request.user, facility=facility, note=note
        ),
        success=_("Annual review recorded; the next one is due on the new review date."),
        with_reason=True,
        slot_name="review_form",
    )


@require_POST
def facility_close(request, pk: int):
    return _step(
        request,
        pk,
        lambda facility, reason: facility_services.facility_close(
            actor=request.user, facility=facility, reason=reason
        ),
        success=_("Facility closed."),
        with_reason=True,
        slot_name="close_form",
    )


def facility_raise(request, pk: int):
    """The raise of a limit, prefilled from the customer's grade and repayment record."""
    facility = facilities.facility_get_for(request.user, pk)
    require(policies.may_propose_facility(request.user))
    suggestion = facilities.suggested_limit(facility)
    form = LimitChangeForm(request.POST or None, initial={"new_limit": suggestion})
    if request.method == "POST" and form.is_valid():
        try:
            facility_services.facility_limit_change_propose(
                actor=request.user,
                facility=facility,
                new_limit=form.cleaned_data["new_limit"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Raise proposed. A manager other than you decides it."))
            return redirect("lending:facility-detail", pk=facility.pk)
    return render(
        request,
        "lending/facility_raise.html",
        {
            "form": form,
            "facility": facility,
            "customer": facility.customer,
            "suggestion": suggestion,
            "late_instalments": facilities.late_instalments(facility.customer),
        },
        status=refusal_status(request),
    )


def _decide_change(request, pk: int, change_pk: int, decide, success: str):
    change = facilities.limit_change_get_for(request.user, pk, change_pk)
    facility = facilities.facility_get_for(request.user, pk)
    try:
        decide(change)
    except services.FourEyesRefused as refusal:
        messages.error(request, str(refusal))
        return _render_facility(request, facility, http_status=403)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _render_facility(request, facility, http_status=400)
    messages.success(request, success)
    return redirect("lending:facility-detail", pk=pk)


@require_POST
def limit_change_approve(request, pk: int, change_pk: int):
    return _decide_change(
        request,
        pk,
        change_pk,
        lambda change: facility_services.facility_limit_change_approve(
            actor=request.user, change=change
        ),
        _("Raise approved: the new limit applies."),
    )


@require_POST
def limit_change_reject(request, pk: int, change_pk: int):
    return _decide_change(
        request,
        pk,
        change_pk,
        lambda change: facility_services.facility_limit_change_reject(
            actor=request.user, change=change
        ),
        _("Raise rejected."),
    )
