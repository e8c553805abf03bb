import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.templatetags.reference import localized
from core.business_date import business_date
from core.forms import apply_service_errors, refusal_status
from core.links import pk_url
from customers.selectors import customer_get_for, officers_visible_to
from risk import jobs, policies, selectors, services
from risk.forms import (
    AlertAssignForm,
    AlertFilterForm,
    BulkAcknowledgeForm,
    CloseForm,
    OverrideEndForm,
    OverrideForm,
    ResponseForm,
    SignalForm,
)
from risk.models import AlertStatus, ManualSignal, ResponseAction, Severity

PAGE_SIZE = 50


def alert_list(request):
    form = AlertFilterForm(
        request.GET or None, officers=officers_visible_to(request.user), user=request.user
    )
    if form.is_bound and not form.is_valid():
        # Errors next to the fields, and no rows: the others' rows would pass for the ones
        # asked for.
        return _render_alert_list(request, form, [], http_status=400)
    filters = form.cleaned_data if form.is_bound else {}
    now = timezone.now()
    alerts = selectors.alert_filter(
        selectors.alerts_for(request.user), filters, at=filters.get("at") or now, user=request.user
    )
    rows = list(alerts.order_by("sla_due_at", "-id")[:PAGE_SIZE])
    return _render_alert_list(request, form, rows, at=filters.get("at"))


def _render_alert_list(request, form, rows, *, at=None, bulk_form=None, http_status: int = 200):
    """The list, one group per customer (worst first, then oldest), with the bulk
    acknowledgement's ticks; after a refused acknowledgement it comes back with the reason
    by the selection and a 400."""
    groups = selectors.group_by_customer(rows)
    can_acknowledge = policies.may_work_alerts(request.user)
    return render(
        request,
        "risk/alert_list.html",
        {
            "form": form,
            # Flat, in the groups' order.
            "alerts": [alert for group in groups for alert in group.alerts],
            "groups": groups,
            # What the template draws of them.
            "shown_groups": _shown_groups(
                groups, now=timezone.now(), can_acknowledge=can_acknowledge
            ),
            "at": at,
            "limited": len(rows) == PAGE_SIZE,
            "can_acknowledge": can_acknowledge,
            "bulk_form": bulk_form or BulkAcknowledgeForm(),
        },
        status=http_status,
    )


def _shown_groups(
    groups: list[selectors.AlertGroup], *, now: dt.datetime, can_acknowledge: bool
) -> list[dict]:
    """What each group and row of the list shows. Built here, not per row in the template,
    where a row took a reverse, an include, two blocktranslates and a dozen lookups: the
    links come from one reverse, the labels and sentences are translated once per page."""
    detail_url = pk_url("risk:alert-detail")
    severities = {value: str(label) for value, label in Severity.choices}
    statuses = {value: str(label) for value, label in AlertStatus.choices}
    select_label = _("Select %(rule)s of %(customer)s")
    value_as_of = _("as of the scan of %(day)s")
    shown = []
    for group in groups:
        rows = []
        for alert in group.alerts:
            rule = localized(alert.rule.name)
            is_open = alert.status == AlertStatus.OPEN
            rows.append(
                {
                    "pk": alert.pk,
                    "url": detail_url(alert.pk),
                    "severity": alert.severity,
                    "severity_label": severities.get(alert.severity, alert.severity),
                    "rule": rule,
                    # Only the open alerts can be ticked for acknowledgement.
                    "select_label": select_label % {"rule": rule, "customer": alert.customer.name}
                    if can_acknowledge and is_open
                    else "",
                    "cleared": alert.cleared_at is not None,
                    "loan_number": alert.loan.account_number if alert.loan else "",
                    "value": alert.shown_value(),
                    "value_as_of": value_as_of % {"day": alert.value_on.isoformat()}
                    if alert.value_on
                    else "",
                    "status": statuses.get(alert.status, alert.status),
                    "escalated": alert.escalated_at is not None,
                    "raised_ago": timesince(alert.raised_at, now),
                    "overdue": is_open and alert.sla_due_at < now,
                    "sla_due": timezone.localtime(alert.sla_due_at).strftime("%Y-%m-%d %H:%M"),
                    "assignee": alert.assignee,
                }
            )
        shown.append(
            {
                "customer_name": group.customer_name,
                "severity": group.worst,
                "severity_label": rows[0]["severity_label"],
                "count_label": ngettext("%(counter)s alert", "%(counter)s alerts", group.count)
                % {"counter": group.count},
                "rows": rows,
            }
        )
    return shown


@require_POST
def alert_bulk_acknowledge(request):
    """Acknowledges the alerts ticked on the list, all or none: one the user may not see is
    a 404 for the whole request, one that cannot be acknowledged refuses them all (400)."""
    form = BulkAcknowledgeForm(request.POST)
    if form.is_valid():
        alerts = selectors.alerts_get_for(request.user, form.cleaned_data["alerts"])
        try:
            acknowledged = services.alerts_acknowledge(actor=request.user, alerts=alerts)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)s alert acknowledged.",
                    "%(count)s alerts acknowledged.",
                    len(acknowledged),
                )
                % {"count": len(acknowledged)},
            )
            return redirect(_back_to_list(request))
    filter_form = AlertFilterForm(officers=officers_visible_to(request.user), user=request.user)
    rows = list(
        selectors.alert_filter(selectors.alerts_for(request.user), {}, at=timezone.now()).order_by(
            "sla_due_at", "-id"
        )[:PAGE_SIZE]
    )
    return _render_alert_list(request, filter_form, rows, bulk_form=form, http_status=400)


def _back_to_list(request) -> str:
    """The list as it was filtered (its query string comes back in `filters`), else the
    list."""
    # Parsed and encoded again: only a query string of this list, whatever was posted.
    query = QueryDict(request.POST.get("filters", "")).urlencode()
    base = reverse("risk:alert-list")
    return f"{base}?{query}" if query else base


def alert_detail(request, pk: int):
    return _render_alert(request, selectors.alert_page_get_for(request.user, pk))


def _render_alert(request, alert, *, forms: dict | None = None, http_status: int = 200):
    """The alert page; after a refused step it returns with the bound form and a 400."""
    can_assign = policies.may_assign_alert(request.user, alert) and alert.is_active
    return render(
        request,
        "risk/alert_detail.html",
        {
            "alert": alert,
            "customer": alert.customer,
            "actions": selectors.alert_history(alert),
            "can_work": policies.may_work_alerts(request.user) and alert.is_active,
            "can_assign": can_assign,
            "response_form": ResponseForm(customer=alert.customer),
            "close_form": CloseForm(),
            # The options show each person's name (User.__str__): the rest of their row is not
            # read. An assignment posted is checked against the whole rows (alert_assign).
            "assign_form": AlertAssignForm(
                assignees=selectors.alert_assignees(alert).only(
                    "first_name", "last_name", "username"
                )
            )
            if can_assign
            else None,
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
def alert_assign(request, pk: int):
    """Assigns or reassigns the alert, with a note; refused choices come back next to the
    fields with a 400."""
    alert = selectors.alert_get_for(request.user, pk)
    if not policies.may_assign_alert(request.user, alert):
        raise PermissionDenied
    form = AlertAssignForm(request.POST, assignees=selectors.alert_assignees(alert))
    if form.is_valid():
        try:
            services.alert_assign(
                actor=request.user,
                alert=alert,
                assignee=form.cleaned_data["assignee"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                # About the alert, not a field (it was closed meanwhile): said on top.
                messages.error(request, " ".join(error.messages))
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Alert assigned to %(person)s.") % {"person": form.cleaned_data["assignee"]},
            )
            return redirect("risk:alert-detail", pk=alert.pk)
    return _render_alert(request, alert, forms={"assign_form": form}, http_status=400)


@require_POST
def alert_respond(request, pk: int):
    """Records a response; a contact channel and note also log the call or visit."""
    alert = selectors.alert_get_for(request.user, pk)
    form = ResponseForm(request.POST, customer=alert.customer)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.alert_respond(
                actor=request.user,
                alert=alert,
                action=data["action"],
                note=data["note"],
                channel=data.get("channel") or "",
                interaction=data.get("interaction"),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            if data["action"] == ResponseAction.FREEZE_LIMIT:
                messages.success(
                    request,
                    _(
                        "Response recorded. The customer's active credit facilities are frozen "
                        "until a manager other than you lifts the freeze."
                    ),
                )
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
    if not policies.may_override_class(request.user):
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
            and policies.may_decide_class_proposal(request.user, pending),
            "can_withdraw": pending is not None
            and policies.may_withdraw_class_proposal(request.user, pending),
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
        if not policies.may_override_class(request.user):
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
    if not policies.may_raise_signal(request.user):
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
    if not policies.may_see_risk_page(request.user):
        raise PermissionDenied
    context = selectors.risk_overview(request.user)
    # A run still marked running shows whether a process works on it (one query to pg_locks,
    # made only when such a run is listed), so a dead run does not read "running" forever.
    jobs.with_liveness(context["runs"])
    return render(request, "risk/overview.html", context)
