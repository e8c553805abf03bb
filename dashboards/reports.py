"""Report pages: one per topic, each a scoped queryset, a filter form and its columns. The
same columns feed the page and the CSV/XLSX export (streamed by core/exports.py). Some
reports sum their rows up in figures (the satisfaction and follow-up figures of the
dashboard), computed over exactly the rows listed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.db.models import Count, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Branch
from accounts.scope import scope_queryset
from core.business_date import business_date
from core.exports import DATE, DATETIME, MONEY, PERCENT, column_kind
from core.forms import MomentField
from core.numbers import format_money, format_percent
from customers.forms import DATE_INPUT
from customers.models import Customer, FollowUp, FollowUpStatus, Interaction, Survey
from customers.selectors import officers_visible_to
from dashboards import selectors
from lending.loan_quality import DPD_BUCKETS, OVERDUE_BUCKETS, OVERDUE_FROM_DAYS
from lending.models import Application, ApplicationStatus, DpdBucket, Loan
from risk.models import Alert, AlertStatus, Severity

CUSTOMER_SCOPE = {"officer_field": "customer__officer", "branch_field": "customer__branch"}
OWN_SCOPE = {"officer_field": "customer_officer", "branch_field": "customer_branch"}


class ReportForm(forms.Form):
    # Narrows within the user's scope (applied first), so it never widens it: the dashboard's
    # branch filter travels with its drill-downs.
    branch = forms.ModelChoiceField(
        label=_("Branch"), required=False, queryset=Branch.objects.all(), widget=forms.HiddenInput
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("officer", "owner"):
            if name in self.fields:
                self.fields[name].queryset = officers_visible_to(user)


class PeriodForm(ReportForm):
    since = forms.DateField(label=_("Since"), required=False, widget=DATE_INPUT)
    until = forms.DateField(label=_("Until"), required=False, widget=DATE_INPUT)

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", _("The period ends before it starts."))
        return cleaned


class OverdueForm(ReportForm):
    dpd = forms.ChoiceField(
        label=_("Days past due"),
        required=False,
        choices=[
            ("", _("Any overdue")),
            *[(key, DpdBucket(key).label) for key in OVERDUE_BUCKETS],
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
    # The decisions of a window of moments: the dashboard's approval rate and median time to
    # decision link here with the window they were computed over.
    decided_after = MomentField(label=_("Decided after"), required=False)
    decided_until = MomentField(label=_("Decided until"), required=False)


class RelationshipReportForm(PeriodForm):
    officer = forms.ModelChoiceField(
        label=_("Logged by"), required=False, queryset=None, empty_label=_("Any officer")
    )


SCORES = {"csat": "csat__isnull", "nps": "nps__isnull"}


class SatisfactionReportForm(PeriodForm):
    officer = forms.ModelChoiceField(
        label=_("Relationship manager"),
        required=False,
        queryset=None,
        empty_label=_("Any officer"),
    )
    score = forms.ChoiceField(
        label=_("Answers"),
        required=False,
        choices=[("", _("Any answer")), ("csat", _("With a CSAT")), ("nps", _("With an NPS"))],
    )


class FollowUpReportForm(PeriodForm):
    owner = forms.ModelChoiceField(
        label=_("Owner"), required=False, queryset=None, empty_label=_("Any officer")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["since"].label = _("Settled since")
        self.fields["until"].label = _("Settled until")


MIGRATION_VALUES = [
    *selectors.migration_values("classification").items(),
    *selectors.migration_values("grade").items(),
]


class MigrationReportForm(ReportForm):
    kind = forms.ChoiceField(
        label=_("Migration of"),
        required=False,
        choices=[("classification", _("Five-tier class")), ("grade", _("Grade"))],
    )
    start = forms.DateField(label=_("From"), required=False, widget=DATE_INPUT)
    end = forms.DateField(label=_("To"), required=False, widget=DATE_INPUT)
    old = forms.ChoiceField(
        label=_("On the first date"),
        required=False,
        choices=[("", _("Any")), *MIGRATION_VALUES],
    )
    new = forms.ChoiceField(
        label=_("On the second date"),
        required=False,
        choices=[("", _("Any")), *MIGRATION_VALUES],
    )

    def clean(self):
        cleaned = super().clean()
        values = selectors.migration_values(cleaned.get("kind") or "classification")
        for name in ("old", "new"):
            if cleaned.get(name) and cleaned[name] not in values:
                self.add_error(name, _("Not a value of this migration."))
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", _("The period ends before it starts."))
        return cleaned


@dataclass
class Migration:
    """One subject of the migration matrix: a loan (by class) or a customer (by grade)."""

    account: str
    customer: str
    old: str
    new: str
    exposure: object
    url: str = ""


@dataclass
class Report:
    slug: str
    title: str
    form: type[forms.Form]
    rows: Callable[[object, dict], QuerySet]
    columns: Callable[[], list]
    # (label, value) figures over exactly the rows of the report, or None.
    summary: Callable[[QuerySet], list[tuple[str, object]]] | None = None
    # Where a row of the page leads: the record it lists (its loan, alert, application or
    # customer), which the user may see since the report is scoped as that page is. Either
    # the record's page as (URL name, the row's attribute holding the record's key), or the
    # row's own link.
    detail: tuple[str, str] | None = None
    link: Callable[[object], str] | None = None


def _period(queryset: QuerySet, field: str, filters: dict) -> QuerySet:
    # A moment's day is its day in the bank's time zone (`__date` converts to the current
    # time zone, TIME_ZONE unless a request says otherwise).
    suffix = "__date" if field.endswith("_at") else ""
    if filters.get("since"):
        queryset = queryset.filter(**{f"{field}{suffix}__gte": filters["since"]})
    if filters.get("until"):
        queryset = queryset.filter(**{f"{field}{suffix}__lte": filters["until"]})
    return queryset


def _scoped(user, queryset: QuerySet, filters: dict, scope: dict = CUSTOMER_SCOPE) -> QuerySet:
    queryset = scope_queryset(user, queryset, **scope)
    if filters.get("branch"):
        queryset = queryset.filter(**{scope["branch_field"]: filters["branch"]})
    return queryset


def _portfolio(user, filters) -> QuerySet:
    loans = _scoped(user, Loan.objects.filter(status="active"), filters)
    return loans.select_related("customer", "product", "risk").order_by("customer__name", "id")


def _overdue(user, filters) -> QuerySet:
    loans = _portfolio(user, filters).filter(risk__dpd__gte=OVERDUE_FROM_DAYS)
    if filters.get("dpd"):
        low, high = DPD_BUCKETS[filters["dpd"]]
        loans = loans.filter(risk__dpd__gte=low)
        if high is not None:
            loans = loans.filter(risk__dpd__lte=high)
    return loans.order_by("-risk__dpd", "id")


def _alerts(user, filters) -> QuerySet:
    alerts = _period(_scoped(user, Alert.objects.all(), filters), "raised_at", filters)
    if filters.get("severity"):
        alerts = alerts.filter(severity=filters["severity"])
    if filters.get("status"):
        alerts = alerts.filter(status=filters["status"])
    return alerts.select_related("rule", "customer", "assignee").order_by("-raised_at", "-id")


def _pipeline(user, filters) -> QuerySet:
    # The application's own copy of its customer's officer and branch: an index range in the
    # report's order, where the customer's would walk every application of the bank.
    scoped = _scoped(user, Application.objects.all(), filters, OWN_SCOPE)
    applications = _period(scoped, "created_at", filters)
    if filters.get("status"):
        applications = applications.filter(status=filters["status"])
    if filters.get("decided_after") or filters.get("decided_until"):
        # As the dashboard counts decisions: submitted, then decided within the window.
        applications = applications.filter(submitted_at__isnull=False, decided_at__isnull=False)
    if filters.get("decided_after"):
        applications = applications.filter(decided_at__gt=filters["decided_after"])
    if filters.get("decided_until"):
        applications = applications.filter(decided_at__lte=filters["decided_until"])
    # Only what the columns show: the customer's row is wide, and a page of wide rows costs
    # more to build than to fetch.
    return (
        applications.select_related("customer", "product")
        .only(
            "amount",
            "status",
            "created_at",
            "submitted_at",
            "decided_at",
            "customer__name",
            "product__name",
        )
        .order_by("-created_at", "-id")
    )


def _relationship(user, filters) -> QuerySet:
    interactions = _period(
        _scoped(user, Interaction.objects.all(), filters), "occurred_at", filters
    )
    if filters.get("officer"):
        interactions = interactions.filter(officer=filters["officer"])
    return interactions.select_related("customer", "officer").order_by("-occurred_at", "-id")


def _satisfaction(user, filters) -> QuerySet:
    surveys = _period(_scoped(user, Survey.objects.all(), filters), "responded_on", filters)
    if filters.get("officer"):
        surveys = surveys.filter(customer__officer=filters["officer"])
    if filters.get("score"):
        surveys = surveys.filter(**{SCORES[filters["score"]]: False})
    return surveys.select_related("customer__officer").order_by("-responded_on", "-id")


def _follow_ups(user, filters) -> QuerySet:
    # With a period, the follow-ups the compliance figure counts (selectors.
    # follow_ups_settled): done in it, or open past their due date in it. Without one, every
    # follow-up, the open ones not yet due included: the whole workload. A cancelled one was
    # never due either way.
    follow_ups = _scoped(user, FollowUp.objects.exclude(status=FollowUpStatus.CANCELLED), filters)
    if filters.get("since") or filters.get("until"):
        today = business_date()
        follow_ups = selectors.follow_ups_settled(
            follow_ups,
            filters.get("since") or dt.date.min,
            filters.get("until") or today,
            today,
        )
    if filters.get("owner"):
        follow_ups = follow_ups.filter(owner=filters["owner"])
    return follow_ups.select_related("customer", "owner").order_by("-due_on", "-id")


def _migration(user, filters) -> list[Migration]:
    """The loans (or customers) of one cell of the dashboard's migration matrix, or of all of
    it: the same dates as the dashboard's when none are given."""
    from core.business_date import business_date

    kind = filters.get("kind") or "classification"
    end = filters.get("end") or business_date()
    start = filters.get("start") or end - dt.timedelta(days=30)
    scope = selectors.Scope(user=user, branch=filters.get("branch"))
    found = selectors.migration_subjects(
        scope, kind, start, end, old=filters.get("old"), new=filters.get("new")
    )
    names = selectors.migration_values(kind)
    ids = [subject for subject, _old, _new, _amount in found]
    if kind == "classification":
        loans = Loan.objects.select_related("customer").in_bulk(ids)
        labels = {pk: (loan.account_number, loan.customer.name) for pk, loan in loans.items()}
        page = "lending:loan-detail"
    else:
        customers = Customer.objects.in_bulk(ids)
        labels = {pk: ("", customer.name) for pk, customer in customers.items()}
        page = "customers:detail"
    return [
        Migration(
            *labels[subject],
            str(names.get(old, old)),
            str(names.get(new, new)),
            amount,
            reverse(page, args=[subject]),
        )
        for subject, old, new, amount in found
    ]


def _display(model, name: str) -> Callable[[object], object]:
    """A column of get_FOO_display(), without its cost on every row (it hashes every label of
    the field, so translates them all, on each call): the labels are translated once here, in
    the request's language, and a value without a label shows as itself, as there."""
    labels = {value: str(label) for value, label in model._meta.get_field(name).flatchoices}
    return lambda row: labels.get(getattr(row, name), getattr(row, name))


def _loan_columns():
    return [
        (_("Account"), lambda loan: loan.account_number),
        (_("Customer"), lambda loan: loan.customer.name),
        (_("Product"), lambda loan: gettext(loan.product.name)),
        (
            _("Outstanding principal"),
            lambda loan: loan.outstanding_principal,
            MONEY,
            "outstanding_principal",
        ),
        (_("Days past due"), lambda loan: getattr(getattr(loan, "risk", None), "dpd", 0)),
        (
            _("Class"),
            lambda loan: loan.risk.get_final_class_display() if getattr(loan, "risk", None) else "",
        ),
        (_("Maturity"), lambda loan: loan.maturity_date, DATE),
    ]


def _alert_columns():
    severity, status = _display(Alert, "severity"), _display(Alert, "status")
    return [
        (_("Raised"), lambda alert: alert.raised_at, DATETIME),
        (_("Severity"), severity),
        (_("Alert"), lambda alert: gettext(alert.rule.name)),
        (_("Customer"), lambda alert: alert.customer.name),
        (_("Value"), lambda alert: alert.shown_value()),
        (_("Value as of"), lambda alert: alert.value_on, DATE),
        (_("Raised with"), lambda alert: alert.raised_shown_value()),
        (_("Status"), status),
        (_("Assignee"), lambda alert: str(alert.assignee)),
        (_("Acknowledged"), lambda alert: alert.acknowledged_at, DATETIME),
        (_("Closed"), lambda alert: alert.closed_at, DATETIME),
    ]


def _pipeline_columns():
    return [
        (_("Reference"), lambda app: app.reference),
        (_("Customer"), lambda app: app.customer.name),
        (_("Product"), lambda app: gettext(app.product.name)),
        (_("Amount"), lambda app: app.amount, MONEY, "amount"),
        (_("Stage"), _display(Application, "status")),
        (_("Created"), lambda app: app.created_at, DATETIME),
        (_("Submitted"), lambda app: app.submitted_at, DATETIME),
        (_("Decided"), lambda app: app.decided_at, DATETIME),
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
        (_("When"), lambda item: item.occurred_at, DATETIME),
        (_("Customer"), lambda item: item.customer.name),
        (_("Officer"), lambda item: str(item.officer)),
        (_("Channel"), _display(Interaction, "channel")),
        (_("Summary"), lambda item: item.summary),
        (_("Outcome"), lambda item: item.outcome),
        (_("Next step"), lambda item: item.next_step),
    ]


def _satisfaction_columns():
    return [
        (_("Date"), lambda survey: survey.responded_on, DATE),
        (_("Customer"), lambda survey: survey.customer.name),
        (_("Relationship manager"), lambda survey: str(survey.customer.officer)),
        (_("After"), _display(Survey, "event")),
        ("CSAT", lambda survey: survey.csat if survey.csat is not None else ""),
        ("NPS", lambda survey: survey.nps if survey.nps is not None else ""),
        (_("Comment"), lambda survey: survey.comment),
    ]


def _follow_up_columns():
    return [
        (_("Due"), lambda item: item.due_on, DATE),
        (_("Customer"), lambda item: item.customer.name),
        (_("Owner"), lambda item: str(item.owner)),
        (_("Purpose"), lambda item: item.purpose),
        (_("Status"), _display(FollowUp, "status")),
        (_("Closed"), lambda item: item.closed_at, DATETIME),
        (
            _("On time"),
            lambda item: gettext("yes") if selectors.follow_up_on_time(item) else gettext("no"),
        ),
    ]


def _migration_columns():
    return [
        (_("Account"), lambda row: row.account),
        (_("Customer"), lambda row: row.customer),
        (_("On the first date"), lambda row: row.old),
        (_("On the second date"), lambda row: row.new),
        (_("Exposure on the first date"), lambda row: row.exposure, MONEY, "exposure"),
    ]


def _migration_summary(rows: list[Migration]) -> list[tuple[str, object]]:
    return [
        (_("Subjects"), len(rows)),
        (_("Exposure on the first date"), sum((row.exposure for row in rows), Decimal("0"))),
    ]


def _satisfaction_summary(surveys: QuerySet) -> list[tuple[str, object]]:
    figures = selectors.satisfaction_figures(surveys)
    return [
        (_("Surveys"), figures["surveys"]),
        (_("CSAT (average)"), figures["csat"] if figures["csat"] is not None else "—"),
        (_("NPS"), figures["nps"] if figures["nps"] is not None else "—"),
        (_("NPS answers"), figures["nps_answers"]),
    ]


def _follow_up_summary(follow_ups: QuerySet) -> list[tuple[str, object]]:
    figures = selectors.follow_up_figures(follow_ups)
    ratio = figures["compliance"]
    return [
        (_("Done, or open past due"), figures["due"]),
        (_("Done on time"), figures["on_time"]),
        (_("On time"), f"{ratio * 100:.2f}%" if ratio is not None else "—"),
    ]


def shown_cell(value, kind: str | None, tz: dt.tzinfo | None = None) -> str:
    """A cell as the page shows it: money and rates as bankers write them, a moment in the
    bank's time zone, a day as ISO; the export writes the value itself."""
    if value is None:
        return ""
    if kind == MONEY:
        return format_money(value)
    if kind == PERCENT:
        return format_percent(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(tz or timezone.get_current_timezone()).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _is_number(value, kind: str | None) -> bool:
    return kind in (MONEY, PERCENT) or (
        isinstance(value, int | float | Decimal) and not isinstance(value, bool)
    )


def page_body(report: Report, columns: list, objects: list, table: list[list]) -> SafeString:
    """The page's table rows: each cell's text and alignment (numbers to the right, so their
    digits line up), and the link of the row's first cell. Built here rather than in the
    template: a page of a hundred rows of nine cells cost the template engine more than the
    rest of the page."""
    kinds = [column_kind(column) for column in columns]
    tz = timezone.get_current_timezone()
    link = _row_link(report)
    # Every text and link of the rows is escaped as they are built (format_html() per cell
    # cost as much as the template).
    return mark_safe(  # noqa: S308
        "".join(
            _page_row(link(item) if link else "", columns, kinds, values, tz)
            for item, values in zip(objects, table, strict=True)
        )
    )


# A key standing for each row's own in a reversed path.
_ANY_KEY = 987654321


def _row_link(report: Report) -> Callable[[object], str] | None:
    if report.detail is None:
        return report.link
    # Reversed once for the page, each row's key then put in place of this one: reverse()
    # per row cost more than the rest of the row.
    url_name, key = report.detail
    before, after = reverse(url_name, args=[_ANY_KEY]).rsplit(str(_ANY_KEY), 1)
    return lambda item: f"{before}{getattr(item, key)}{after}"


def _page_row(url: str, columns: list, kinds: list, values: list, tz: dt.tzinfo) -> str:
    cells = []
    for column, kind, value in zip(columns, kinds, values, strict=True):
        kind = kind or column_kind(column, value)
        text = conditional_escape(shown_cell(value, kind, tz))
        if not cells and url:
            text = f'<a href="{conditional_escape(url)}" data-testid="row-link">{text}</a>'
        if _is_number(value, kind):
            cells.append(f'<td class="text-end text-nowrap">{text}</td>')
        else:
            cells.append(f"<td>{text}</td>")
    return f"<tr>{''.join(cells)}</tr>"


def numeric_columns(columns: list, table: list[list]) -> list[bool]:
    """Which headers sit over numbers (right-aligned like their cells)."""
    return [
        _is_number(next((row[index] for row in table if row[index] is not None), None), kind)
        for index, kind in enumerate(column_kind(column) for column in columns)
    ]


def totals_row(rows, columns: list) -> dict:
    """The report's totals over all its rows (not only the page's first hundred): how many,
    and the sum of each money column (exposures, amounts). Ratios are not added up."""
    summed = {index: column[3] for index, column in enumerate(columns) if len(column) > 3}
    if isinstance(rows, QuerySet):
        figures = rows.order_by().aggregate(
            rows=Count("pk"), **{f"sum_{index}": Sum(field) for index, field in summed.items()}
        )
        count = figures["rows"]
        sums = {index: figures[f"sum_{index}"] or Decimal("0") for index in summed}
    else:
        count = len(rows)
        sums = {
            index: sum((columns[index][1](row) for row in rows), Decimal("0")) for index in summed
        }
    return {
        "rows": count,
        "cells": [
            {
                "text": format_money(sums[index]) if index in sums else "",
                "number": index in sums,
                "testid": f"total-{index}",
            }
            for index in range(1, len(columns))
        ],
    }


LOAN_DETAIL = ("lending:loan-detail", "pk")
CUSTOMER_DETAIL = ("customers:detail", "customer_id")

REPORTS = {
    report.slug: report
    for report in (
        Report(
            "portfolio", _("Portfolio"), ReportForm, _portfolio, _loan_columns, detail=LOAN_DETAIL
        ),
        Report(
            "overdue", _("Overdue ageing"), OverdueForm, _overdue, _loan_columns, detail=LOAN_DETAIL
        ),
        Report(
            "alerts",
            _("Alerts"),
            AlertReportForm,
            _alerts,
            _alert_columns,
            detail=("risk:alert-detail", "pk"),
        ),
        Report(
            "pipeline",
            _("Pipeline"),
            PipelineReportForm,
            _pipeline,
            _pipeline_columns,
            detail=("lending:application-detail", "pk"),
        ),
        Report(
            "relationship",
            _("Relationship"),
            RelationshipReportForm,
            _relationship,
            _relationship_columns,
            detail=CUSTOMER_DETAIL,
        ),
        Report(
            "satisfaction",
            _("Satisfaction"),
            SatisfactionReportForm,
            _satisfaction,
            _satisfaction_columns,
            _satisfaction_summary,
            detail=CUSTOMER_DETAIL,
        ),
        Report(
            "follow-ups",
            _("Follow-ups"),
            FollowUpReportForm,
            _follow_ups,
            _follow_up_columns,
            _follow_up_summary,
            detail=CUSTOMER_DETAIL,
        ),
        Report(
            "migration",
            _("Migration"),
            MigrationReportForm,
            _migration,
            _migration_columns,
            _migration_summary,
            link=lambda row: row.url,
        ),
    )
}
