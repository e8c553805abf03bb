"""Scoped reads of alerts and risk states, and the figures of the risk page."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from accounts.models import User
from accounts.scope import get_in_scope_or_404, scope_queryset
from credit.models import Loan
from risk.models import ACTIVE_ALERT_STATUSES, Alert, JobRun, LoanClass, LoanRisk

CUSTOMER_SCOPE = {"officer_field": "customer__officer", "branch_field": "customer__branch"}
# An alert's own copy of its customer's officer and branch (risk.alert_scope), indexed.
ALERT_SCOPE = {"officer_field": "customer_officer", "branch_field": "customer_branch"}


# What a row of the alert list shows. A page of 50 alerts with every column of the customer,
# the loan and the assignee made 250 full model instances (and decrypted 100 phone and ID
# numbers nobody sees): two thirds of the page's server time.
ALERT_LIST_COLUMNS = (
    *("severity", "value", "status", "raised_at", "sla_due_at", "cleared_at", "escalated_at"),
    *("rule__name", "rule__indicator", "customer__name", "loan__id"),
    *("assignee__username", "assignee__first_name", "assignee__last_name"),
)


def alerts_for(user: User) -> QuerySet[Alert]:
    return (
        scope_queryset(user, Alert.objects.all(), **ALERT_SCOPE)
        .select_related("rule", "customer", "loan", "assignee")
        .only(*ALERT_LIST_COLUMNS)
    )


def alert_get_for(user: User, pk) -> Alert:
    return get_in_scope_or_404(
        user,
        Alert.objects.select_related(
            "rule", "customer", "customer__officer", "loan", "assignee", "escalated_to"
        ),
        pk=pk,
        **ALERT_SCOPE,
    )


def loan_risk_get_for(user: User, loan_pk) -> LoanRisk:
    """The loan's risk state; a loan the nightly job has not seen yet gets an unsaved one
    (the override service creates the row when it writes), so reading never writes."""
    loan = get_in_scope_or_404(user, Loan.objects.all(), pk=loan_pk, **CUSTOMER_SCOPE)
    existing = LoanRisk.objects.select_related("override_by").filter(loan=loan).first()
    return existing or LoanRisk(loan=loan, customer_id=loan.customer_id)


def my_open_alerts(user: User, limit: int = 20) -> list[Alert]:
    """Today's list: the user's own active alerts, worst first; managers also see the ones
    escalated to them. Still within the user's scope: an alert keeps its assignee when its
    customer is transferred away, and the former officer may no longer see that customer."""
    mine = Q(assignee=user) | Q(escalated_to=user)
    # The first `limit` alerts are chosen from the alert rows alone, then joined to their
    # rule and customer: an officer with thousands of open alerts would otherwise have every
    # one of them joined before the sort.
    first = (
        scope_queryset(user, Alert.objects.filter(mine), **ALERT_SCOPE)
        .filter(status__in=ACTIVE_ALERT_STATUSES)
        .order_by("sla_due_at", "id")
        .values("id")[:limit]
    )
    return list(
        Alert.objects.filter(pk__in=first)
        .select_related("rule", "customer")
        .order_by("sla_due_at", "id")
    )


def risk_overview(user: User) -> dict:
    """The risk page: active alerts by severity and age, SLA breaches, the class and
    risk-level distributions of the user's scope, and the latest job runs."""
    now = timezone.now()
    alerts = scope_queryset(
        user, Alert.objects.filter(status__in=ACTIVE_ALERT_STATUSES), **ALERT_SCOPE
    )
    day = timezone.timedelta(days=1)
    by_severity = alerts.aggregate(
        red=Count("id", filter=Q(severity="red")),
        orange=Count("id", filter=Q(severity="orange")),
        yellow=Count("id", filter=Q(severity="yellow")),
        age_1=Count("id", filter=Q(raised_at__gte=now - day)),
        age_7=Count("id", filter=Q(raised_at__lt=now - day, raised_at__gte=now - 7 * day)),
        age_30=Count("id", filter=Q(raised_at__lt=now - 7 * day, raised_at__gte=now - 30 * day)),
        age_older=Count("id", filter=Q(raised_at__lt=now - 30 * day)),
        breached=Count("id", filter=Q(status="open", sla_due_at__lt=now)),
        escalated=Count("id", filter=Q(escalated_at__isnull=False)),
    )
    # Active loans by class from the trigger-maintained book figures (dashboards.figures):
    # the same count as grouping the loans, without reading every loan in scope.
    from dashboards.models import BookFigure

    classes = {
        int(key): count
        for key, count in scope_queryset(user, BookFigure.objects.filter(dimension="class"))
        .exclude(key="")
        .order_by()
        .values_list("key")
        .annotate(n=Sum("loans"))
    }
    from customers.models import Customer

    levels = dict(
        scope_queryset(user, Customer.objects.all())
        .order_by()
        .values_list("risk_level")
        .annotate(n=Count("id"))
    )
    return {
        "alerts": by_severity,
        "levels": levels,
        "class_rows": [(code, label, classes.get(code, 0)) for code, label in LoanClass.choices],
        "runs": list(JobRun.objects.all()[:5]),
        "scorecard_alerts": _scorecard_alerts(user),
    }


def _scorecard_alerts(user: User) -> list:
    """Population-shift alerts on the scorecards, for those who monitor them."""
    from credit.models import ScorecardAlert, ScorecardAlertStatus
    from credit.monitoring import can_monitor

    if not can_monitor(user):
        return []
    return list(
        ScorecardAlert.objects.exclude(status=ScorecardAlertStatus.CLOSED).select_related("version")
    )
