"""Report pages: one per topic, each a scoped queryset, a filter form and its columns. The
same columns feed the page and the CSV/XLSX export (streamed by crm_site/exports.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.scope import scope_queryset
from credit.forms import DPD_BUCKETS
from credit.models import Application, ApplicationStatus, Loan
from customers.forms import DATE_INPUT
from customers.models import Interaction
from risk.models import Alert, AlertStatus, Severity

CUSTOMER_SCOPE = {"officer_field": "customer__officer", "branch_field": "customer__branch"}


class PeriodForm(forms.Form):
    since = forms.DateField(label=_("Since"), required=False, widget=DATE_INPUT)
    until = forms.DateField(label=_("Until"), required=False, widget=DATE_INPUT)


class OverdueForm(forms.Form):
    dpd = forms.ChoiceField(
        label=_("Days past due"),
        required=False,
        choices=[
            ("", _("Any overdue")),
            *[
                (key, label)
                for key, (label, _low, _high) in DPD_BUCKETS.items()
                if key != "current"
            ],
        ],
    )


class AlertReportForm(PeriodForm):
    severity = forms.ChoiceField(
        label=_("Severity"), required=False, choices=[("", _("Any severity")), *Severity.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *AlertStatus.choices]
    )


class PipelineReportForm(PeriodForm):
    status = forms.ChoiceField(
        label=_("Stage"), required=False, choices=[("", _("Any stage")), *ApplicationStatus.choices]
    )


@dataclass
class Report:
    slug: str
    title: str
    form: type[forms.Form]
    rows: Callable[[object, dict], QuerySet]
    columns: Callable[[], list]


def _period(queryset: QuerySet, field: str, filters: dict) -> QuerySet:
    if filters.get("since"):
        queryset = queryset.filter(
            **{
                f"{field}__date__gte" if field.endswith("_at") else f"{field}__gte": filters[
                    "since"
                ]
            }
        )
    if filters.get("until"):
        queryset = queryset.filter(
            **{
                f"{field}__date__lte" if field.endswith("_at") else f"{field}__lte": filters[
                    "until"
                ]
            }
        )
    return queryset


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _portfolio(user, filters) -> QuerySet:
    loans = scope_queryset(user, Loan.objects.filter(status="active"), **CUSTOMER_SCOPE)
    return loans.select_related("customer", "product", "risk").order_by("customer__name", "id")


def _overdue(user, filters) -> QuerySet:
    loans = _portfolio(user, filters).filter(risk__dpd__gte=1)
    if filters.get("dpd"):
        _label, low, high = DPD_BUCKETS[filters["dpd"]]
        loans = loans.filter(risk__dpd__gte=low)
        if high is not None:
            loans = loans.filter(risk__dpd__lte=high)
    return loans.order_by("-risk__dpd", "id")


def _alerts(user, filters) -> QuerySet:
    alerts = scope_queryset(user, Alert.objects.all(), **CUSTOMER_SCOPE)
    alerts = _period(alerts, "raised_at", filters)
    if filters.get("severity"):
        alerts = alerts.filter(severity=filters["severity"])
    if filters.get("status"):
        alerts = alerts.filter(status=filters["status"])
    return alerts.select_related("rule", "customer", "assignee").order_by("-raised_at", "-id")


def _pipeline(user, filters) -> QuerySet:
    applications = scope_queryset(user, Application.objects.all(), **CUSTOMER_SCOPE)
    applications = _period(applications, "created_at", filters)
    if filters.get("status"):
        applications = applications.filter(status=filters["status"])
    return applications.select_related("customer", "product").order_by("-created_at", "-id")


def _relationship(user, filters) -> QuerySet:
    interactions = scope_queryset(user, Interaction.objects.all(), **CUSTOMER_SCOPE)
    interactions = _period(interactions, "occurred_at", filters)
    return interactions.select_related("customer", "officer").order_by("-occurred_at", "-id")


def _loan_columns():
    return [
        (_("Account"), lambda loan: loan.account_number),
        (_("Customer"), lambda loan: loan.customer.name),
        (_("Product"), lambda loan: gettext(loan.product.name)),
        (_("Outstanding principal"), lambda loan: loan.outstanding_principal),
        (_("Days past due"), lambda loan: getattr(getattr(loan, "risk", None), "dpd", 0)),
        (
            _("Class"),
            lambda loan: loan.risk.get_final_class_display() if getattr(loan, "risk", None) else "",
        ),
        (_("Maturity"), lambda loan: loan.maturity_date.isoformat()),
    ]


def _alert_columns():
    return [
        (_("Raised"), lambda alert: _local(alert.raised_at)),
        (_("Severity"), lambda alert: alert.get_severity_display()),
        (_("Alert"), lambda alert: gettext(alert.rule.name)),
        (_("Customer"), lambda alert: alert.customer.name),
        (_("Value"), lambda alert: alert.shown_value()),
        (_("Status"), lambda alert: alert.get_status_display()),
        (_("Assignee"), lambda alert: str(alert.assignee)),
        (_("Acknowledged"), lambda alert: _local(alert.acknowledged_at)),
        (_("Closed"), lambda alert: _local(alert.closed_at)),
    ]


def _pipeline_columns():
    return [
        (_("Reference"), lambda app: app.reference),
        (_("Customer"), lambda app: app.customer.name),
        (_("Product"), lambda app: gettext(app.product.name)),
        (_("Amount"), lambda app: app.amount),
        (_("Stage"), lambda app: app.get_status_display()),
        (_("Created"), lambda app: _local(app.created_at)),
        (_("Submitted"), lambda app: _local(app.submitted_at)),
        (_("Decided"), lambda app: _local(app.decided_at)),
        (
            _("Hours to decision"),
            lambda app: (
                round((app.decided_at - app.submitted_at).total_seconds() / 3600, 1)
                if app.decided_at and app.submitted_at
                else ""
            ),
        ),
    ]


def _relationship_columns():
    return [
        (_("When"), lambda item: _local(item.occurred_at)),
        (_("Customer"), lambda item: item.customer.name),
        (_("Officer"), lambda item: str(item.officer)),
        (_("Channel"), lambda item: item.get_channel_display()),
        (_("Summary"), lambda item: item.summary),
        (_("Outcome"), lambda item: item.outcome),
        (_("Next step"), lambda item: item.next_step),
    ]


REPORTS = {
    report.slug: report
    for report in (
        Report("portfolio", _("Portfolio"), forms.Form, _portfolio, _loan_columns),
        Report("overdue", _("Overdue ageing"), OverdueForm, _overdue, _loan_columns),
        Report("alerts", _("Alerts"), AlertReportForm, _alerts, _alert_columns),
        Report("pipeline", _("Pipeline"), PipelineReportForm, _pipeline, _pipeline_columns),
        Report("relationship", _("Relationship"), PeriodForm, _relationship, _relationship_columns),
    )
}
