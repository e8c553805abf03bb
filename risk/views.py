import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from crm_site.forms import apply_service_errors
from customers import services as customer_services
from customers.models import Interaction
from customers.selectors import customer_get_for, officers_visible_to
from risk import selectors, services
from risk.forms import AlertFilterForm, CloseForm, OverrideForm, ResponseForm, SignalForm
from risk.models import ACTIVE_ALERT_STATUSES, ManualSignal

PAGE_SIZE = 50


def alert_list(request):
    form = AlertFilterForm(request.GET or None, officers=officers_visible_to(request.user))
    alerts = selectors.alerts_for(request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    status = filters.get("status") or ""
    if status == "":
        alerts = alerts.filter(status__in=ACTIVE_ALERT_STATUSES)
    elif status != "all":
        alerts = alerts.filter(status=status)
    if filters.get("severity"):
        alerts = alerts.filter(severity=filters["severity"])
    if filters.get("rule"):
        alerts = alerts.filter(rule=filters["rule"])
    if filters.get("officer"):
        alerts = alerts.filter(assignee=filters["officer"])
    if filters.get("branch"):
        alerts = alerts.filter(customer_branch=filters["branch"])
    age = filters.get("age")
    now = timezone.now()
    if age == "older":
        alerts = alerts.filter(raised_at__lt=now - dt.timedelta(days=30))
    elif age:
        alerts = alerts.filter(raised_at__gte=now - dt.timedelta(days=int(age)))
    rows = list(alerts.order_by("sla_due_at", "-id")[:PAGE_SIZE])
    return render(
        request,
        "risk/alert_list.html",
        {"form": form, "alerts": rows, "now": now, "limited": len(rows) == PAGE_SIZE},
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
    loan_risk = selectors.loan_risk_get_for(request.user, loan_pk)
    if not services.can_override(request.user):
        raise PermissionDenied
    form = OverrideForm(request.POST or None, initial={"loan_class": loan_risk.final_class})
    if request.method == "POST" and form.is_valid():
        try:
            if request.POST.get("clear"):
                services.classification_override_clear(actor=request.user, loan_risk=loan_risk)
            else:
                services.classification_override(
                    actor=request.user,
                    loan_risk=loan_risk,
                    loan_class=form.cleaned_data["loan_class"],
                    reason=form.cleaned_data["reason"],
                    until=form.cleaned_data["until"],
                )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Classification updated."))
            return redirect("credit:loan-detail", pk=loan_pk)
    return render(
        request,
        "risk/override_form.html",
        {
            "form": form,
            "loan_risk": loan_risk,
            "loan": loan_risk.loan,
            "customer": loan_risk.customer,
        },
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
    return render(request, "risk/signal_form.html", {"form": form, "customer": customer})


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
    return render(request, "risk/overview.html", selectors.risk_overview(request.user))
