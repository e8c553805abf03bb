from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from core.business_date import business_date
from core.forms import apply_service_errors, refusal_status
from customers import services as customer_services
from customers.models import Interaction
from customers.selectors import customer_get_for, officers_visible_to
from risk import jobs, selectors, services
from risk.forms import (
    AlertFilterForm,
    CloseForm,
    OverrideEndForm,
    OverrideForm,
    ResponseForm,
    SignalForm,
)
from risk.models import ManualSignal

PAGE_SIZE = 50


def alert_list(request):
    form = AlertFilterForm(request.GET or None, officers=officers_visible_to(request.user))
    now = timezone.now()
    if form.is_bound and not form.is_valid():
        # Errors next to the fields, and no rows: the others' rows would pass for the ones
        # asked for.
        return render(
            request,
            "risk/alert_list.html",
            {"form": form, "alerts": [], "now": now, "limited": False},
            status=400,
        )
    filters = form.cleaned_data if form.is_bound else {}
    alerts = selectors.alert_filter(
        selectors.alerts_for(request.user), filters, at=filters.get("at") or now
    )
    rows = list(alerts.order_by("sla_due_at", "-id")[:PAGE_SIZE])
    return render(
        request,
        "risk/alert_list.html",
        {
            "form": form,
            "alerts": rows,
            "now": now,
            "at": filters.get("at"),
            "limited": len(rows) == PAGE_SIZE,
        },
    )


def alert_detail(request, pk: int):
    return _render_alert(request, selectors.alert_get_for(request.user, pk))


def _render_alert(request, alert, *, forms: dict | None = None, http_status: int = 200):
    """The alert page; after a refused step it returns with the bound form and a 400."""
    return render(
        request,
        "risk/alert_detail.html",
        {
            "alert": alert,
            "customer": alert.customer,
            "actions": list(alert.actions.select_related("taken_by", "interaction", "follow_up")),
            "can_work": services.can_work_alerts(request.user) and alert.is_active,
            "response_form": ResponseForm(customer=alert.customer),
            "close_form": CloseForm(),
            "now": timezone.now(),
            **(forms or {}),
        },
        status=http_status,
    )


def _alert_step(request, pk: int, step, success: str, form=None):
    alert = selectors.alert_get_for(request.user, pk)
    try:
        step(alert)
    except ValidationError as error:
        if form is None:
            messages.error(request, " ".join(error.messages))
            return _render_alert(request, alert, http_status=400)
        form.is_valid()
        form.add_error("text", " ".join(error.messages))
        alert.refresh_from_db()
        return _render_alert(request, alert, forms={"close_form": form}, http_status=400)
    messages.success(request, success)
    return redirect("risk:alert-detail", pk=alert.pk)


@require_POST
def alert_acknowledge(request, pk: int):
    return _alert_step(
        request,
        pk,
        lambda alert: services.alert_acknowledge(actor=request.user, alert=alert),
        _("Alert acknowledged."),
    )


@require_POST
def alert_respond(request, pk: int):
    """Records a response; a contact channel and note also log the call or visit."""
    alert = selectors.alert_get_for(request.user, pk)
    form = ResponseForm(request.POST, customer=alert.customer)
    if form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                interaction = data.get("interaction")
                if data.get("channel"):
                    interaction = customer_services.interaction_log(
                        actor=request.user,
                        interaction=Interaction(
                            customer=alert.customer,
                            channel=data["channel"],
                            summary=f"{alert.rule.name}: {data['note']}",
                            outcome=dict(form.fields["action"].choices)[data["action"]],
                        ),
                    )
                services.alert_record_action(
                    actor=request.user,
                    alert=alert,
                    action=data["action"],
                    note=data["note"],
                    interaction=interaction,
                )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Response recorded."))
            return redirect("risk:alert-detail", pk=alert.pk)
    return _render_alert(request, alert, forms={"response_form": form}, http_status=400)


def _close_step(request, pk: int, step, success: str):
    """Resolve or dismiss: the text goes through the form (which refuses what the database
    cannot store, such as NUL characters), then the service says whether it is enough."""
    form = CloseForm(request.POST)
    if not form.is_valid():
        alert = selectors.alert_get_for(request.user, pk)
        return _render_alert(request, alert, forms={"close_form": form}, http_status=400)
    text = form.cleaned_data["text"]
    return _alert_step(request, pk, lambda alert: step(alert, text), success, form=form)


@require_POST
def alert_resolve(request, pk: int):
    return _close_step(
        request,
        pk,
        lambda alert, text: services.alert_resolve(
            actor=request.user, alert=alert, resolution=text
        ),
        _("Alert resolved."),
    )


@require_POST
def alert_dismiss(request, pk: int):
    return _close_step(
        request,
        pk,
        lambda alert, text: services.alert_dismiss(actor=request.user, alert=alert, reason=text),
        _("Alert dismissed."),
    )


def classification_override(request, loan_pk: int):
    """The override page: the class, its floor, the proposal waiting for approval, and the
    form. A worse class takes effect at once; a better one (or ending an override that holds
    the loan in a worse class) becomes a proposal for another manager or risk officer."""
    loan_risk = selectors.loan_risk_get_for(request.user, loan_pk)
    if not services.can_override(request.user):
        raise PermissionDenied
    on = business_date()
    form = OverrideForm(on=on, initial={"loan_class": loan_risk.final_class})
    end_form = OverrideEndForm(prefix="end")
    if request.method == "POST":
        ending = bool(request.POST.get("clear"))
        if ending:
            end_form = OverrideEndForm(request.POST, prefix="end")
        else:
            form = OverrideForm(request.POST, on=on)
        bound = end_form if ending else form
        if bound.is_valid():
            try:
                if ending:
                    proposal = services.classification_override_clear(
                        actor=request.user,
                        loan_risk=loan_risk,
                        reason=end_form.cleaned_data["reason"],
                    )
                else:
                    proposal = services.classification_override(
                        actor=request.user,
                        loan_risk=loan_risk,
                        loan_class=form.cleaned_data["loan_class"],
                        reason=form.cleaned_data["reason"],
                        until=form.cleaned_data["until"],
                    )
            except ValidationError as error:
                apply_service_errors(bound, error)
            else:
                if proposal is None:
                    messages.success(request, _("Classification updated."))
                else:
                    messages.success(
                        request,
                        _(
                            "Proposed: it lowers the recorded risk, so it takes effect once "
                            "another manager or risk officer approves it."
                        ),
                    )
                return redirect("lending:loan-detail", pk=loan_pk)
        return _render_override(request, loan_risk, form, end_form, http_status=400)
    return _render_override(request, loan_risk, form, end_form)


def _render_override(request, loan_risk, form, end_form, *, http_status: int = 200):
    on = business_date()
    pending = selectors.classification_proposal_pending(loan_risk)
    return render(
        request,
        "risk/override_form.html",
        {
            "form": form,
            "end_form": end_form,
            "loan_risk": loan_risk,
            "loan": loan_risk.loan,
            "floor": selectors.classification_floor(loan_risk, on),
            "business_date": on,
            "pending": pending,
            "can_decide": pending is not None
            and services.can_decide_proposal(request.user, pending),
            "can_withdraw": pending is not None and pending.proposed_by_id == request.user.pk,
        },
        status=http_status,
    )


def _proposal_step(request, loan_pk: int, pk: int, step, success: str):
    """Approve, reject or withdraw a proposal: out of scope is a 404, out of role a 403;
    a proposal that is no longer waiting (or no longer allowed) answers 400 with the
    reason on the override page, and nothing changes."""
    proposal = selectors.classification_proposal_get_for(request.user, loan_pk, pk)
    try:
        step(proposal)
    except ValidationError as error:
        if not services.can_override(request.user):
            raise PermissionDenied from error  # the override page is not theirs to see
        messages.error(request, " ".join(error.messages))
        loan_risk = selectors.loan_risk_get_for(request.user, loan_pk)
        on = business_date()
        return _render_override(
            request,
            loan_risk,
            OverrideForm(on=on, initial={"loan_class": loan_risk.final_class}),
            OverrideEndForm(prefix="end"),
            http_status=400,
        )
    messages.success(request, success)
    return redirect("lending:loan-detail", pk=loan_pk)


@require_POST
def classification_proposal_approve(request, loan_pk: int, pk: int):
    return _proposal_step(
        request,
        loan_pk,
        pk,
        lambda proposal: services.classification_proposal_approve(
            actor=request.user, proposal=proposal
        ),
        _("Proposal approved: the classification is updated."),
    )


@require_POST
def classification_proposal_reject(request, loan_pk: int, pk: int):
    return _proposal_step(
        request,
        loan_pk,
        pk,
        lambda proposal: services.classification_proposal_reject(
            actor=request.user, proposal=proposal
        ),
        _("Proposal rejected; the classification stays as it was."),
    )


@require_POST
def classification_proposal_withdraw(request, loan_pk: int, pk: int):
    return _proposal_step(
        request,
        loan_pk,
        pk,
        lambda proposal: services.classification_proposal_withdraw(
            actor=request.user, proposal=proposal
        ),
        _("Proposal withdrawn."),
    )


def signal_add(request, customer_pk: int):
    customer = customer_get_for(request.user, customer_pk)
    if request.user.role not in (Role.OFFICER, Role.MANAGER, Role.RISK_OFFICER):
        raise PermissionDenied
    form = SignalForm(request.POST or None, instance=ManualSignal(customer=customer))
    if request.method == "POST" and form.is_valid():
        services.signal_raise(actor=request.user, signal=form.instance)
        messages.success(request, _("Signal recorded; the next scan raises its alert."))
        return redirect("customers:detail", pk=customer.pk)
    return render(
        request,
        "risk/signal_form.html",
        {"form": form, "customer": customer},
        status=refusal_status(request),
    )


@require_POST
def signal_withdraw(request, customer_pk: int, pk: int):
    customer = customer_get_for(request.user, customer_pk)
    signal = get_object_or_404(ManualSignal, pk=pk, customer=customer)
    services.signal_withdraw(actor=request.user, signal=signal)
    messages.success(request, _("Signal withdrawn."))
    return redirect("customers:detail", pk=customer.pk)


def overview(request):
    """The risk page of managers and risk officers."""
    if request.user.role == Role.OFFICER:
        raise PermissionDenied
    context = selectors.risk_overview(request.user)
    # A run still marked running shows whether a process works on it (one query to pg_locks,
    # made only when such a run is listed), so a dead run does not read "running" forever.
    jobs.with_liveness(context["runs"])
    return render(request, "risk/overview.html", context)
