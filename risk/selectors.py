"""Scoped reads of alerts and risk states, and the figures of the risk page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import User, name_columns
from accounts.scope import get_in_scope_or_404, scope_queryset
from core.months import add_months
from lending.models import Loan, LoanStatus
from lending.selectors import loans_with_dpd
from risk import classification, hooks
from risk.models import (
    ACTIVE_ALERT_STATUSES,
    Alert,
    AlertAction,
    ClassificationProposal,
    EarlyWarningRule,
    JobRun,
    LoanClass,
    LoanRisk,
    ProposalStatus,
)

CUSTOMER_SCOPE = {"officer_field": "customer__officer", "branch_field": "customer__branch"}
# An alert's own copy of its customer's officer and branch (risk.alert_scope), indexed.
ALERT_SCOPE = {"officer_field": "customer_officer", "branch_field": "customer_branch"}


# What a row of the alert list shows. A page of 50 alerts with every column of the customer,
# the loan and the assignee made 250 full model instances (and decrypted 100 phone and ID
# numbers nobody sees): two thirds of the page's server time.
ALERT_LIST_COLUMNS = (
    *("severity", "value", "value_on", "status", "raised_at", "sla_due_at", "cleared_at"),
    "escalated_at",
    "indicator",
    *("rule__name", "rule__indicator", "customer__name", "loan__id"),
    *("assignee__username", "assignee__first_name", "assignee__last_name"),
)


def alerts_for(user: User) -> QuerySet[Alert]:
    return (
        scope_queryset(user, Alert.objects.all(), **ALERT_SCOPE)
        .select_related("rule", "customer", "loan", "assignee")
        .only(*ALERT_LIST_COLUMNS)
    )


# The alert list's age filter: raised within (newer than, older than) so many days before the
# moment of the list. The dashboard's age bars count the last four, so that each alert falls
# in one bar and the bars add up to the alerts open.
AGE_WINDOWS = {
    "1": (1, None),
    "7": (7, None),
    "30": (30, None),
    "1-7": (7, 1),
    "7-30": (30, 7),
    "older": (None, 30),
}
# The alert list's filter value for the alerts past their SLA and not acknowledged.
PAST_SLA = "breached"


def alert_age_q(age: str, at: dt.datetime) -> Q:
    """The condition that an alert's age at `at` is in the window AGE_WINDOWS[age]."""
    newer_than, older_than = AGE_WINDOWS[age]
    condition = Q()
    if newer_than is not None:
        condition &= Q(raised_at__gte=at - dt.timedelta(days=newer_than))
    if older_than is not None:
        condition &= Q(raised_at__lt=at - dt.timedelta(days=older_than))
    return condition


def alert_past_sla_q(at: dt.datetime) -> Q:
    """The condition that an alert was past its SLA at `at` and not acknowledged by then."""
    return Q(sla_due_at__lt=at) & (Q(acknowledged_at__isnull=True) | Q(acknowledged_at__gt=at))


def alert_filter(
    alerts: QuerySet[Alert], filters: dict, *, at, user: User | None = None
) -> QuerySet[Alert]:
    """Applies cleaned AlertFilterForm values. Ages and the SLA are counted at `at`; with
    the form's `at` (a moment the dashboard's figures were computed), the active alerts are
    those active then: raised by that moment and not closed by it, as the dashboard counts
    them (dashboards.selectors.alert_kpis)."""
    status = filters.get("status") or ""
    if status == "" and filters.get("at"):
        alerts = alerts.filter(raised_at__lte=at).filter(
            Q(closed_at__isnull=True) | Q(closed_at__gt=at)
        )
    elif status == "":
        alerts = alerts.filter(status__in=ACTIVE_ALERT_STATUSES)
    elif status != "all":
        alerts = alerts.filter(status=status)
    if filters.get("severity"):
        alerts = alerts.filter(severity=filters["severity"])
    if filters.get("rule"):
        alerts = alerts.filter(rule=filters["rule"])
    if filters.get("officer"):
        alerts = alerts.filter(assignee=filters["officer"])
    if filters.get("queue") and user is not None:
        alerts = alerts.filter(alert_queue_q(user, filters["queue"]))
    if filters.get("branch"):
        alerts = alerts.filter(customer_branch=filters["branch"])
    if filters.get("age"):
        alerts = alerts.filter(alert_age_q(filters["age"], at))
    if filters.get("sla") == PAST_SLA:
        alerts = alerts.filter(alert_past_sla_q(at))
    return alerts


# The queues of the alert list: what is the user's to work, and what their team's is.
QUEUE_MINE = "mine"
QUEUE_TEAM = "team"


def alert_queue_q(user: User, queue: str) -> Q:
    """Mine: assigned to me, or escalated to me (the Today page counts the same). My team's:
    assigned to anyone of my branch (a manager's officers; an officer's colleagues, within
    the officer's own scope)."""
    if queue == QUEUE_MINE:
        return Q(assignee=user) | Q(escalated_to=user)
    if queue == QUEUE_TEAM and user.branch_id is not None:
        return Q(assignee__branch_id=user.branch_id)
    return Q(pk__in=[])


def open_alert_count(user: User) -> int:
    """The true number of the user's own active alerts (QUEUE_MINE), within their scope."""
    return (
        scope_queryset(user, Alert.objects.filter(alert_queue_q(user, QUEUE_MINE)), **ALERT_SCOPE)
        .filter(status__in=ACTIVE_ALERT_STATUSES)
        .count()
    )


@dataclass
class AlertGroup:
    """One customer's alerts on a list: worst severity first, then oldest."""

    customer_id: int
    customer_name: str
    alerts: list

    @property
    def worst(self) -> str:
        return self.alerts[0].severity

    @property
    def count(self) -> int:
        return len(self.alerts)


SEVERITY_ORDER = {"red": 0, "orange": 1, "yellow": 2}


def group_by_customer(alerts: list[Alert]) -> list[AlertGroup]:
    """The alerts in one group per customer, each worst first then oldest; the groups in the
    order their first alert came in (the list's order: most urgent first). No query."""
    groups: dict[int, AlertGroup] = {}
    for alert in alerts:
        group = groups.get(alert.customer_id)
        if group is None:
            group = groups[alert.customer_id] = AlertGroup(
                alert.customer_id, alert.customer.name, []
            )
        group.alerts.append(alert)
    for group in groups.values():
        group.alerts.sort(
            key=lambda alert: (SEVERITY_ORDER.get(alert.severity, 3), alert.raised_at, alert.pk)
        )
    return list(groups.values())


def alerts_get_for(user: User, ids: list[int]) -> list[Alert]:
    """The alerts of `ids`, every one of which the user may see: a single one out of scope
    (or missing) is a 404 for all of them, as one out of scope alone would be."""
    wanted = set(ids)
    found = list(
        scope_queryset(user, Alert.objects.filter(pk__in=wanted), **ALERT_SCOPE).order_by("pk")
    )
    if len(found) != len(wanted):
        raise Http404
    return found


def alert_visible_to(user: User, alert: Alert) -> bool:
    """Whether `user` may see the alert (the scope of its list and page)."""
    return scope_queryset(user, Alert.objects.filter(pk=alert.pk), **ALERT_SCOPE).exists()


def alert_assignees(alert: Alert) -> QuerySet[User]:
    """Who may take the alert: the active people who work alerts and see this one: its
    customer's officer, the managers of its branch, the risk officers (accounts.scope)."""
    from accounts.models import Role

    who = Q(role=Role.RISK_OFFICER)
    if alert.customer_officer_id is not None:
        who |= Q(role=Role.OFFICER, pk=alert.customer_officer_id)
    if alert.customer_branch_id is not None:
        who |= Q(role=Role.MANAGER, branch_id=alert.customer_branch_id)
    return User.objects.filter(who, is_active=True).order_by("role", "username")


# An alert's actions are partitioned by the month they were taken (risk_alertaction) and none
# is taken before the alert was raised: bounded by that moment, its history is planned over
# the months since, not over every month's partition (planning all of them cost 6 ms, running
# the statement 0.3). A day's margin for a server clock set back.
ACTIONS_CLOCK_MARGIN = dt.timedelta(days=1)


def alert_history(alert: Alert) -> list:
    """The alert's responses and events (steps on its ladder, assignments, merges), oldest
    first, each step with what its indicator measured then in words (`measure_shown`)."""
    from risk.alert_values import format_measure

    # Of what an entry names, only the columns it shows: a person's name, an interaction's
    # channel and day (Interaction.__str__), a rule's name.
    actions = list(
        alert.actions.filter(taken_at__gte=alert.raised_at - ACTIONS_CLOCK_MARGIN)
        .select_related("taken_by", "interaction", "rule_before", "rule_after", "assigned_to")
        .only(
            *(field.name for field in AlertAction._meta.concrete_fields),
            *name_columns("taken_by", "assigned_to"),
            *("interaction__channel", "interaction__occurred_at"),
            *("rule_before__name", "rule_after__name"),
        )
    )
    for action in actions:
        action.measure_shown = format_measure(alert.indicator, action.measure)
    return actions


def alert_get_for(user: User, pk) -> Alert:
    return get_in_scope_or_404(
        user,
        Alert.objects.select_related(
            "rule", "customer", "customer__officer", "loan", "assignee", "escalated_to"
        ),
        pk=pk,
        **ALERT_SCOPE,
    )


def alert_page_get_for(user: User, pk) -> Alert:
    """The alert as its page reads it (the steps on it start from alert_get_for): the rule
    whole; of the customer and the people, what the page names; of the loan, its id (its
    account number). Not every column of the customer, nor decrypting their phone and ID
    number for nothing."""
    return get_in_scope_or_404(
        user,
        Alert.objects.select_related("rule", "customer", "loan", "assignee", "escalated_to").only(
            *(field.name for field in Alert._meta.concrete_fields),
            *(f"rule__{field.name}" for field in EarlyWarningRule._meta.concrete_fields),
            *("customer__name", "loan__id"),
            *name_columns("assignee", "escalated_to"),
        ),
        pk=pk,
        **ALERT_SCOPE,
    )


def loan_risk_get_for(user: User, loan_pk) -> LoanRisk:
    """The loan's risk state; a loan the nightly job has not seen yet gets an unsaved one
    (the override service creates the row when it writes), so reading never writes."""
    loan = get_in_scope_or_404(user, Loan.objects.all(), pk=loan_pk, **CUSTOMER_SCOPE)
    existing = LoanRisk.objects.select_related("override_by").filter(loan=loan).first()
    if existing is None:
        return LoanRisk(loan=loan, customer_id=loan.customer_id)
    existing.loan = loan  # already read: the page and the floor use it
    return existing


@dataclass(frozen=True)
class Floor:
    """The best class the 2023 rule allows a loan, and its days past due, on a date."""

    loan_class: int
    dpd: int

    @property
    def label(self) -> str:
        return LoanClass(self.loan_class).label


def classification_floor(loan_risk: LoanRisk, on: dt.date) -> Floor:
    """The floor an override may not go below (risk.classification states the rules): the
    rules applied to the loan's days past due and restructuring as of `on`, and never better
    than the automatic class the nightly job recorded, which also holds the debtor-level
    contagion of Art. 18. Counted afresh because the days past due grow between two nights;
    a loan repaid today keeps last night's class as its floor until the next night."""
    loan = loan_risk.loan
    dpd = loans_with_dpd([loan], on)[0][1] if loan.status == LoanStatus.ACTIVE else 0
    observation_until = None
    again = False
    if loan.restructured_on:
        # The same observation period as CLASSIFY in risk/recompute.py: a year, or to the
        # second instalment of the new schedule when that is later.
        second_due = (
            loan.instalments.filter(
                schedule_version=loan.schedule_version,
                superseded=False,
                due_date__gt=loan.restructured_on,
            )
            .order_by("due_date")
            .values_list("due_date", flat=True)[1:2]
        )
        observation_until = classification.observation_end(
            loan.restructured_on, next(iter(second_due), None)
        )
        again = (
            loan.restructurings.filter(
                restructured_on__gt=add_months(loan.restructured_on, -12)
            ).count()
            > 1
        )
    by_the_rules = classification.classify_loan(
        dpd=dpd,
        on=on,
        restructured_on=loan.restructured_on,
        observation_until=observation_until,
        restructured_again_in_observation=again,
    )
    return Floor(loan_class=max(by_the_rules, loan_risk.automatic_class), dpd=dpd)


PROPOSAL_SCOPE = {
    "officer_field": "loan_risk__customer__officer",
    "branch_field": "loan_risk__customer__branch",
}


def classification_proposal_get_for(user: User, loan_pk, pk) -> ClassificationProposal:
    """One proposal of a loan the user may see; any other is a 404."""
    return get_in_scope_or_404(
        user,
        ClassificationProposal.objects.select_related(
            "loan_risk", "loan_risk__loan", "proposed_by", "decided_by"
        ),
        pk=pk,
        loan_risk_id=loan_pk,
        **PROPOSAL_SCOPE,
    )


def classification_proposal_pending(loan_risk: LoanRisk) -> ClassificationProposal | None:
    if loan_risk._state.adding:
        return None
    return (
        ClassificationProposal.objects.filter(loan_risk=loan_risk, status=ProposalStatus.PENDING)
        .select_related("proposed_by")
        .first()
    )


def classification_proposals_waiting(user: User, limit: int = 50) -> list[ClassificationProposal]:
    """The proposals waiting for approval in the user's scope, oldest first (partial index
    classificationproposal_waiting)."""
    return list(
        scope_queryset(
            user,
            ClassificationProposal.objects.filter(status=ProposalStatus.PENDING),
            **PROPOSAL_SCOPE,
        )
        .select_related("loan_risk__loan", "loan_risk__customer", "proposed_by")
        # What a row shows: not every column of the customer (nor decrypting their phone
        # and ID number for nothing, see ALERT_LIST_COLUMNS).
        .only(
            *("loan_class", "until", "reason", "class_before", "status", "proposed_at"),
            *("loan_risk__customer", "loan_risk__loan__status"),
            *("loan_risk__customer__name", "proposed_by__username"),
            *("proposed_by__first_name", "proposed_by__last_name"),
        )
        .order_by("proposed_at", "id")[:limit]
    )


# What the Today panel shows of an alert (risk.panels.today_panel): the customer's and the
# rule's rows are wide, and the panel reads twenty of them on every visit to Today.
TODAY_ALERT_COLUMNS = (
    *("severity", "status", "value", "indicator", "escalated_to"),
    *("rule__name", "rule__indicator", "customer__name"),
)


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
        .only(*TODAY_ALERT_COLUMNS)
        .order_by("sla_due_at", "id")
    )


def risk_overview(user: User) -> dict:
    """The risk page: active alerts by severity and age, SLA breaches, the class and
    risk-level distributions of the user's scope, the classification proposals waiting for
    approval, and the latest job runs."""
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
    classes = loan_class_counts(user)
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
        "proposals": classification_proposals_waiting(user),
    }


def loan_class_counts(user: User) -> dict[int, int]:
    """Active loans by class in the user's scope: from the reader a higher floor registered
    (the dashboards' trigger-maintained book figures, which do not read every loan in
    scope), else by grouping the loans' risk rows; the two agree."""
    if hooks.CLASS_COUNT_READERS:
        return hooks.CLASS_COUNT_READERS[-1](user)
    active = LoanRisk.objects.filter(loan__status=LoanStatus.ACTIVE)
    return dict(
        scope_queryset(user, active, **CUSTOMER_SCOPE)
        .order_by()
        .values_list("final_class")
        .annotate(n=Count("pk"))
    )


def _scorecard_alerts(user: User) -> list:
    """Population-shift alerts on the scorecards, for those who monitor them."""
    from credit.models import ScorecardAlert, ScorecardAlertStatus
    from credit.policies import may_monitor_scorecards

    if not may_monitor_scorecards(user):
        return []
    return list(
        ScorecardAlert.objects.exclude(status=ScorecardAlertStatus.CLOSED).select_related("version")
    )
