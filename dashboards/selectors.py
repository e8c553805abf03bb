"""The manager's dashboard: every figure is one indexed aggregate query over the user's scope
(never a loop over loans), so the page costs the same whatever the size of the book. Today's
loan figures (KPIs, the charts by class, grade, product and industry, the league table's
exposure) are read from the book figures kept current by the database (dashboards/figures.py)
instead of aggregating every active loan in scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.db.models import Avg, BooleanField, Count, F, Func, Q, QuerySet, Sum
from django.db.models.expressions import RawSQL
from django.utils import timezone

from accounts.models import Branch, Role, User
from accounts.scope import scope_queryset
from core.replica import read_connection
from customers.grades import GRADES
from customers.models import Customer, CustomerGroupMember, FollowUp, Interaction, Survey
from dashboards.figures import BUCKET_COLUMNS, FIGURES
from lending.exposure_models import CustomerExposure
from lending.models import Application, DpdBucket
from lending.stages import PIPELINE_STATUSES
from risk.models import Alert, LoanClass
from risk.selectors import ALERT_SCOPE, alert_age_q, alert_past_sla_q

CUSTOMER_SCOPE = {"officer_field": "customer__officer", "branch_field": "customer__branch"}
# A row's own copy of its customer's officer and branch, where it has one (applications).
OWN_SCOPE = {"officer_field": "customer_officer", "branch_field": "customer_branch"}
# The models whose rows carry their customer's officer and branch (lending.customer_scope).
OWN_SCOPE_MODELS = (Application, CustomerExposure, CustomerGroupMember)
ZERO = Decimal("0")
WINDOW_DAYS = 90
# The columns of the book figures (and of the snapshots, which keep the same figures).
BOOK_FIGURES = tuple(FIGURES)


@dataclass
class Scope:
    """Whose book the dashboard shows: the user's scope, narrowed to a branch on request."""

    user: User
    branch: Branch | None = None
    _book: dict | None = field(default=None, init=False, repr=False, compare=False)

    def customers(self) -> QuerySet[Customer]:
        queryset = scope_queryset(self.user, Customer.objects.all())
        return queryset.filter(branch=self.branch) if self.branch else queryset

    def related(self, queryset: QuerySet) -> QuerySet:
        """Rows of a model with a customer, narrowed to the customers in scope. When the
        scope is an officer's or a branch's, their customers' ids are gathered first (one
        indexed lookup) and the rows found by customer through its index: joining the
        customers instead would make PostgreSQL read every row of the book and keep the few
        in scope. Applications and stored exposures carry their customer's officer and
        branch (lending.customer_scope): theirs are read from those columns' indexes."""
        if queryset.model in OWN_SCOPE_MODELS:
            rows = scope_queryset(self.user, queryset, **OWN_SCOPE)
            return rows.filter(customer_branch=self.branch) if self.branch else rows
        if self.user.sees_all_branches and not self.branch:
            return scope_queryset(
                self.user,
                queryset,
                officer_field="customer__officer",
                branch_field="customer__branch",
            )
        try:
            customers_sql, customers_params = self.customers().values("id").query.sql_with_params()
        except EmptyResultSet:  # a user who may see no customer at all
            return queryset.none()
        column = f'"{queryset.model._meta.db_table}"."customer_id"'
        # Only the ORM's own SQL is interpolated: the table name and the scope's query.
        return queryset.filter(
            RawSQL(  # noqa: S611
                f"{column} = ANY(ARRAY({customers_sql}))",
                customers_params,
                output_field=BooleanField(),
            )
        )

    def book(self) -> dict[tuple[str, str], dict]:
        """Today's active-loan figures in scope by (dimension, key), from the book figures:
        one query, made once per page."""
        if self._book is None:
            from dashboards.models import BookFigure

            rows = scope_queryset(self.user, BookFigure.objects.all())
            if self.branch:
                rows = rows.filter(branch=self.branch)
            self._book = {
                (row.pop("dimension"), row.pop("key")): row
                for row in rows.order_by()
                .values("dimension", "key")
                .annotate(**{name: Sum(name) for name in BOOK_FIGURES})
                .filter(loans__gt=0)
            }
        return self._book


def branches_for(user: User) -> QuerySet[Branch]:
    if user.sees_all_branches:
        return Branch.objects.all()
    return Branch.objects.none()


def _ratio(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part or 0) / Decimal(whole)).quantize(Decimal("0.0001"))


def portfolio_kpis(scope: Scope, *, customers: int | None = None) -> dict:
    """Today's loan figures from the book figures; the customer count when not given (the
    dashboard passes the one kept with its activity figures)."""
    totals = scope.book().get(("total", ""), {})
    exposure = totals.get("exposure")
    return {
        "customers": scope.customers().count() if customers is None else customers,
        "loans": totals.get("loans", 0),
        "exposure": exposure or ZERO,
        "npl": totals.get("npl_exposure") or ZERO,
        "npl_ratio": _ratio(totals.get("npl_exposure"), exposure),
        "overdue": totals.get("overdue_exposure") or ZERO,
        "buckets": [
            (key, DpdBucket(key).label, totals.get(column) or ZERO)
            for key, column in SNAPSHOT_BUCKETS.items()
        ],
    }


SNAPSHOT_BUCKETS = BUCKET_COLUMNS


def snapshot_kpis(scope: Scope, on: dt.date) -> dict | None:
    """The same portfolio figures as they stood on an earlier date, from the nightly
    snapshots; None when no snapshot was taken that day."""
    from dashboards.models import PortfolioSnapshot

    rows = _scoped_snapshots(scope, PortfolioSnapshot.objects.filter(taken_on=on))
    totals = rows.aggregate(
        rows=Count("id"),
        customers=Sum("customers"),
        loans=Sum("loans"),
        exposure=Sum("exposure"),
        npl=Sum("npl_exposure"),
        overdue=Sum("overdue_exposure"),
        **{f"bucket_{key}": Sum(column) for key, column in SNAPSHOT_BUCKETS.items()},
    )
    if not totals["rows"]:
        return None
    totals["npl_ratio"] = _ratio(totals["npl"], totals["exposure"])
    return totals


def snapshot_series(scope: Scope, start: dt.date, end: dt.date) -> list[dict]:
    """The nightly snapshots of the scope from `start` to `end`, summed per date (oldest
    first): exposure, non-performing and overdue exposure, loans, the NPL ratio and the
    exposure of each five-tier class (`classes`, by class code). One grouped query; dates
    without a snapshot are absent, not zero. A class's figure is None on a date where any
    snapshot summed has no split by class (taken before it was kept): a partial sum would
    pass for the whole scope's."""
    from dashboards.models import CLASS_COLUMNS, PortfolioSnapshot

    rows = _scoped_snapshots(
        scope, PortfolioSnapshot.objects.filter(taken_on__gte=start, taken_on__lte=end)
    )
    series = []
    for row in (
        rows.order_by("taken_on")
        .values("taken_on")
        .annotate(
            loans=Sum("loans"),
            exposure=Sum("exposure"),
            npl=Sum("npl_exposure"),
            overdue=Sum("overdue_exposure"),
            snapshots=Count("id"),
            **{f"class_{code}": Sum(column) for code, column in CLASS_COLUMNS.items()},
            **{f"known_{code}": Count(column) for code, column in CLASS_COLUMNS.items()},
        )
    ):
        classes = {
            code: row.pop(f"class_{code}") if row.pop(f"known_{code}") == row["snapshots"] else None
            for code in CLASS_COLUMNS
        }
        series.append({**row, "classes": classes, "npl_ratio": _ratio(row["npl"], row["exposure"])})
    return series


def _scoped_snapshots(scope: Scope, rows: QuerySet) -> QuerySet:
    """Snapshot rows narrowed to the scope: an officer's own, a manager's branch, head
    office all (or the branch asked for)."""
    if scope.user.role == Role.OFFICER:
        rows = rows.filter(officer=scope.user)
    elif not scope.user.sees_all_branches:
        rows = rows.filter(branch_id=scope.user.branch_id)
    if scope.branch:
        rows = rows.filter(branch=scope.branch)
    return rows


PORTFOLIO_TREND = ("customers", "loans", "exposure", "npl", "overdue", "npl_ratio")


def trend(now: dict, then: dict | None, keys=PORTFOLIO_TREND) -> dict:
    """Differences between today's figures and earlier ones (only those known both times)."""
    if then is None:
        return {}
    return {
        key: now[key] - then[key]
        for key in keys
        if now.get(key) is not None and then.get(key) is not None
    }


# The book figures' dimension for each field the dashboard groups by, and its key as the
# field's value (an empty key is a loan without that value).
EXPOSURE_DIMENSIONS = {
    "customer__grade": ("grade", str),
    "risk__final_class": ("class", lambda key: int(key) if key else None),
    "product": ("product", int),
    "customer__industry": ("industry", lambda key: int(key) if key else None),
}


def exposure_by(scope: Scope, field: str) -> list[tuple[str, Decimal, int]]:
    """(key, exposure, loans) of today's active loans in scope grouped by a field path."""
    dimension, to_key = EXPOSURE_DIMENSIONS[field]
    return [
        (to_key(key), row["exposure"] or ZERO, row["loans"])
        for (kind, key), row in sorted(scope.book().items())
        if kind == dimension
    ]


def alert_kpis(scope: Scope, at: dt.datetime) -> dict:
    """Alerts active at a moment (raised by then, not yet closed), by severity and age, and
    those then past their SLA unacknowledged; `at` may be now or an earlier moment."""
    # Alerts carry their customer's officer and branch, so the scope is a filter on the alert
    # rows themselves (their customers gathered first cost a heap visit per customer).
    alerts = scope_queryset(
        scope.user, Alert.objects.filter(raised_at__lte=at), **ALERT_SCOPE
    ).filter(Q(closed_at__isnull=True) | Q(closed_at__gt=at))
    if scope.branch:
        alerts = alerts.filter(customer_branch=scope.branch)
    return alerts.aggregate(
        red=Count("id", filter=Q(severity="red")),
        orange=Count("id", filter=Q(severity="orange")),
        yellow=Count("id", filter=Q(severity="yellow")),
        # The same conditions as the alert list's filters the figures link to.
        breached=Count("id", filter=alert_past_sla_q(at)),
        **{name: Count("id", filter=alert_age_q(age, at)) for name, age in AGE_BARS.items()},
        # The same ages split by severity, for the chart's stacked bars (same query).
        **{
            f"{name}_{severity}": Count("id", filter=alert_age_q(age, at) & Q(severity=severity))
            for name, age in AGE_BARS.items()
            for severity in SEVERITIES
        },
    )


# The dashboard's alert age bars and the alert list's age window each one counts
# (risk.selectors.AGE_WINDOWS): each age once, so the bars add up to the alerts open.
AGE_BARS = {"age_1": "1", "age_7": "1-7", "age_30": "7-30", "age_older": "older"}
# The alert severities, most severe first, as the dashboard's card and chart show them.
SEVERITIES = ("red", "orange", "yellow")


# The stages counted as in the pipeline, as the application list filters them.
PIPELINE_STAGES = tuple(PIPELINE_STATUSES)


# Every pipeline figure in one statement over the applications in scope, gathered first
# (MATERIALIZED): the stage at a moment is then looked up for those applications only,
# never for every application of the book before the scope narrows it. The stage at the
# moment is each application's latest event by then, read as a join of the scope's
# applications to their events (the planner may hash them), not a subquery run once per
# application: an application with no event by then is in no stage, as before. The figures
# of several moments (the dashboard's now and its comparison) come from one gathering of
# the scope, a row per moment in their order: gathering a branch's applications took most
# of each statement's time at a million loans.
PIPELINE = """
WITH scoped AS MATERIALIZED ({scoped}),
moments AS (
    SELECT * FROM unnest(%(ats)s::timestamptz[], %(sinces)s::timestamptz[])
        WITH ORDINALITY AS m(at, since, position)
),
decided AS (
    SELECT m.position, s.status,
           extract(epoch FROM s.decided_at - s.submitted_at) / 3600 AS hours
    FROM scoped s JOIN moments m ON s.decided_at <= m.at AND s.decided_at > m.since
    WHERE s.decided_at IS NOT NULL AND s.submitted_at IS NOT NULL
)
SELECT
    (SELECT coalesce(json_object_agg(status, n), '{{}}'::json)
     FROM (SELECT status, count(*) AS n FROM scoped GROUP BY status) counts),
    (SELECT count(*) FROM (
        SELECT DISTINCT ON (e.application_id) e.to_status
        FROM scoped s JOIN credit_applicationevent e ON e.application_id = s.id
        WHERE e.at <= m.at
        ORDER BY e.application_id, e.at DESC, e.id DESC
     ) latest WHERE latest.to_status = ANY(%(stages)s)),
    (SELECT count(*) FILTER (WHERE status <> 'rejected') FROM decided d
     WHERE d.position = m.position),
    (SELECT count(*) FILTER (WHERE status = 'rejected') FROM decided d
     WHERE d.position = m.position),
    (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY hours) FROM decided d
     WHERE d.position = m.position)
FROM moments m
ORDER BY m.position
"""


def pipeline_kpis(scope: Scope, at: dt.datetime) -> dict:
    """Stage counts now; applications in the pipeline at `at` (from the stage history);
    approval rate and median hours to decision over the 90 days up to `at`. One query."""
    return pipeline_kpis_at(scope, [at])[0]


def pipeline_kpis_at(scope: Scope, moments: list[dt.datetime]) -> list[dict]:
    """pipeline_kpis at each of the moments, in their order, from one query."""
    import json

    try:
        scoped_sql, scoped_params = (
            scope.related(Application.objects.all())
            .order_by()
            .values("id", "status", "submitted_at", "decided_at")
            .query.sql_with_params()
        )
    except EmptyResultSet:  # a user who may see no customer at all
        return [
            {
                "stages": {},
                "in_pipeline": 0,
                "approval_rate": None,
                "median_hours_to_decision": None,
            }
            for _ in moments
        ]
    # The ORM's scope query is positional: its parameters are named here for the statement.
    names = [f"scope_{index}" for index in range(len(scoped_params))]
    scoped_sql = scoped_sql % tuple(f"%({name})s" for name in names)
    params = {
        **dict(zip(names, scoped_params, strict=True)),
        "ats": list(moments),
        "sinces": [at - dt.timedelta(days=WINDOW_DAYS) for at in moments],
        "stages": list(PIPELINE_STAGES),
    }
    with read_connection().cursor() as cursor:
        cursor.execute(PIPELINE.format(scoped=scoped_sql), params)
        rows = cursor.fetchall()
    figures = []
    for counts, in_pipeline, approved, rejected, median in rows:
        figures.append(
            {
                "stages": json.loads(counts) if isinstance(counts, str) else counts,
                "in_pipeline": in_pipeline,
                "approval_rate": _ratio(approved, approved + rejected),
                "median_hours_to_decision": round(median, 1) if median is not None else None,
            }
        )
    return figures


def relationship_window(today: dt.date) -> tuple[dt.date, dt.date]:
    """The days the relationship figures cover: surveys answered since the first, follow-ups
    due from the first to the second (the business date's eve: today's are not late yet)."""
    return today - dt.timedelta(days=WINDOW_DAYS), today - dt.timedelta(days=1)


def satisfaction_figures(surveys: QuerySet[Survey]) -> dict:
    """CSAT (the average, to two places) and NPS (promoters less detractors, per hundred
    answers) of some surveys: one aggregate query. The dashboard and the satisfaction report
    both count with it."""
    figures = surveys.aggregate(
        surveys=Count("id"),
        csat=Avg("csat"),
        nps_answers=Count("id", filter=Q(nps__isnull=False)),
        promoters=Count("id", filter=Q(nps__gte=9)),
        detractors=Count("id", filter=Q(nps__lte=6)),
    )
    nps = None
    if figures["nps_answers"]:
        nps = round(100 * (figures["promoters"] - figures["detractors"]) / figures["nps_answers"])
    return {
        "surveys": figures["surveys"],
        "csat": round(figures["csat"], 2) if figures["csat"] is not None else None,
        "nps": nps,
        "nps_answers": figures["nps_answers"],
    }


# Done by the end of its due day in the bank's time zone (`__date` reads the moment there).
ON_TIME = Q(status="done", closed_at__date__lte=F("due_on"))


def follow_up_on_time(follow_up: FollowUp) -> bool:
    """One follow-up, as ON_TIME counts it."""
    return (
        follow_up.status == "done"
        and follow_up.closed_at is not None
        and timezone.localdate(follow_up.closed_at) <= follow_up.due_on
    )


def follow_ups_settled(
    follow_ups: QuerySet[FollowUp], since: dt.date, until: dt.date, today: dt.date
) -> QuerySet[FollowUp]:
    """The follow-ups whose punctuality was settled from `since` to `until` (days in the
    bank's time zone): those done in the period, and those still open whose due date passed
    in it (they can no longer be on time). A follow-up done early counts on the day it was
    done, not on its later due date; an open one due today or later is not late yet; a
    cancelled one was never due. Counting only what fell due in the period (the earlier
    definition) read "0.00%" right after an officer completed one on time ahead of its date."""
    last_missed = min(until, today - dt.timedelta(days=1))
    return follow_ups.filter(
        Q(status="done", closed_at__date__gte=since, closed_at__date__lte=until)
        | Q(status="open", due_on__gte=since, due_on__lte=last_missed)
    )


def follow_up_figures(follow_ups: QuerySet[FollowUp]) -> dict:
    """Follow-ups settled (follow_ups_settled) and done on time, and their ratio."""
    figures = follow_ups.aggregate(
        due=Count("id", filter=~Q(status="cancelled")), on_time=Count("id", filter=ON_TIME)
    )
    return {**figures, "compliance": _ratio(figures["on_time"], figures["due"])}


def relationship_kpis(scope: Scope, today: dt.date) -> dict:
    since, _last_due = relationship_window(today)
    surveys = satisfaction_figures(scope.related(Survey.objects.filter(responded_on__gte=since)))
    follow_ups = follow_up_figures(
        follow_ups_settled(scope.related(FollowUp.objects.all()), since, today, today)
    )
    return {
        "csat": surveys["csat"],
        "nps": surveys["nps"],
        "follow_up_compliance": follow_ups["compliance"],
    }


def nps_trend(scope: Scope, today: dt.date, months: int = 12) -> list[tuple[dt.date, int, int]]:
    """(month, NPS, answers) for the last `months` months with answers: one grouped query."""
    from django.db.models.functions import TruncMonth

    since = (today.replace(day=1) - dt.timedelta(days=31 * (months - 1))).replace(day=1)
    rows = (
        scope.related(Survey.objects.filter(responded_on__gte=since, nps__isnull=False))
        .annotate(month=TruncMonth("responded_on"))
        .order_by("month")
        .values("month")
        .annotate(
            answers=Count("id"),
            promoters=Count("id", filter=Q(nps__gte=9)),
            detractors=Count("id", filter=Q(nps__lte=6)),
        )
    )
    return [
        (
            row["month"],
            round(100 * (row["promoters"] - row["detractors"]) / row["answers"]),
            row["answers"],
        )
        for row in rows
    ]


LEAGUE_CONTACT_DAYS = 30


class TotalOver(Func):
    """An aggregate summed over every group of its grouped query (`SUM(COUNT(id)) OVER ()`):
    the table's total comes from the same query as its rows."""

    template = "SUM(%(expressions)s) OVER ()"


def league_table(scope: Scope, today: dt.date, now: dt.datetime) -> tuple[list[dict], dict]:
    """One row per officer in scope, each figure a grouped aggregate (a query per figure,
    not per officer), and the totals row: each figure over the officers of the table, summed
    by the database in the same query (a ratio is the ratio of the summed parts, the CSAT
    the mean of every answer, never a mean of the officers' means). Every figure counts the
    rows of the scope only (the customers, loans, alerts, contacts, follow-ups and surveys of
    the user's portfolio, branch or bank, and of the branch asked for), so each cell's list
    holds exactly what it counted."""
    officers = User.objects.filter(role=Role.OFFICER, is_active=True).select_related("branch")
    if not scope.user.sees_all_branches:
        officers = officers.filter(branch_id=scope.user.branch_id)
    if scope.user.role == Role.OFFICER:
        officers = officers.filter(pk=scope.user.pk)
    if scope.branch:
        officers = officers.filter(branch=scope.branch)
    officers = list(officers.order_by("username"))
    ids = [officer.pk for officer in officers]
    since = today - dt.timedelta(days=LEAGUE_CONTACT_DAYS)

    totals: dict = {}

    def grouped(queryset, key, **aggregates):
        summed = {
            f"total_{name}": TotalOver(aggregate)
            for name, aggregate in aggregates.items()
            if not isinstance(aggregate, Avg)
        }
        rows = {
            row[key]: row
            for row in queryset.filter(**{f"{key}__in": ids})
            .order_by()
            .values(key)
            .annotate(**summed)
            .annotate(**aggregates)
        }
        any_row = next(iter(rows.values()), {})
        for name in summed:
            totals[name.removeprefix("total_")] = any_row.get(name) or 0
        return rows

    portfolio = grouped(scope.customers(), "officer", customers=Count("id"))
    from dashboards.models import BookFigure

    figures = scope_queryset(scope.user, BookFigure.objects.filter(dimension="total"))
    if scope.branch:
        figures = figures.filter(branch=scope.branch)
    exposure = grouped(
        figures, "officer", exposure=Sum("exposure"), overdue=Sum("overdue_exposure")
    )
    # The alerts of the scope (their customers' officer and branch), by their assignee.
    scoped_alerts = scope_queryset(
        scope.user,
        Alert.objects.filter(status__in=["open", "acknowledged", "in_progress"]),
        **ALERT_SCOPE,
    )
    if scope.branch:
        scoped_alerts = scoped_alerts.filter(customer_branch=scope.branch)
    alerts = grouped(
        scoped_alerts,
        "assignee",
        open=Count("id"),
        breached=Count("id", filter=Q(status="open", sla_due_at__lt=now)),
    )
    # From the start of that day as a moment, so the officer-and-time index serves it
    # (a local date computed per row would read every interaction of the book).
    recent_contacts = Interaction.objects.filter(
        occurred_at__gte=timezone.make_aware(dt.datetime.combine(since, dt.time.min))
    )
    if scope.user.sees_all_branches and not scope.branch:
        recent_contacts = scope.related(recent_contacts)
    else:
        # The table's officers' recent contacts, read as one range of the officer-and-time
        # index and kept when their customer is in scope (a hashed set of the scope's
        # customers): scope.related's probe per customer of the branch read ten times the
        # pages at a million loans (65,700 buffers against 6,700 for a branch).
        recent_contacts = recent_contacts.filter(customer__in=scope.customers().values("id"))
    contacts = grouped(recent_contacts, "officer", interactions=Count("id"))
    follow_ups = grouped(
        follow_ups_settled(scope.related(FollowUp.objects.all()), since, today, today),
        "owner",
        due=Count("id", filter=~Q(status="cancelled")),
        on_time=Count("id", filter=ON_TIME),
    )
    satisfaction = grouped(
        scope.related(
            Survey.objects.filter(responded_on__gte=today - dt.timedelta(days=WINDOW_DAYS))
        ),
        "customer__officer",
        # The sum and count before the mean: once "csat" names the mean, it is no longer
        # the column.
        csat_sum=Sum("csat"),
        csat_answers=Count("csat"),
        csat=Avg("csat"),
    )
    rows = []
    for officer in officers:
        money = exposure.get(officer.pk, {})
        follow = follow_ups.get(officer.pk, {})
        rows.append(
            {
                "officer": officer,
                "customers": portfolio.get(officer.pk, {}).get("customers", 0),
                "exposure": money.get("exposure") or ZERO,
                "overdue_ratio": _ratio(money.get("overdue"), money.get("exposure")),
                "alerts_open": alerts.get(officer.pk, {}).get("open", 0),
                "alerts_breached": alerts.get(officer.pk, {}).get("breached", 0),
                "interactions": contacts.get(officer.pk, {}).get("interactions", 0),
                "follow_up_compliance": _ratio(follow.get("on_time"), follow.get("due")),
                "csat": satisfaction.get(officer.pk, {}).get("csat"),
            }
        )
    # PostgreSQL sums counts as numeric: the counts come back as whole numbers.
    total_row = {
        "customers": int(totals["customers"]),
        "exposure": totals["exposure"] or ZERO,
        "overdue_ratio": _ratio(totals["overdue"], totals["exposure"]),
        "alerts_open": int(totals["open"]),
        "alerts_breached": int(totals["breached"]),
        "interactions": int(totals["interactions"]),
        "follow_up_compliance": _ratio(totals["on_time"], totals["due"]),
        "csat": (
            Decimal(totals["csat_sum"]) / totals["csat_answers"] if totals["csat_answers"] else None
        ),
    }
    return sorted(rows, key=lambda row: row["exposure"], reverse=True), total_row


# Outstanding principal of each loan on a date: disbursed principal less the principal
# repaid by then (allocations and prepayments of payments not reversed). Interest that a
# restructuring capitalised is not counted; every other movement of principal is.
OUTSTANDING_ON = """
    SELECT l.id AS loan_id, l.customer_id,
           l.principal - coalesce((
               SELECT sum(a.principal) FROM credit_repaymentallocation a
               JOIN credit_repayment p ON p.id = a.repayment_id
               WHERE p.loan_id = l.id AND p.paid_on <= %s AND p.reversed_at IS NULL), 0)
           - coalesce((
               SELECT sum(p.prepayment) FROM credit_repayment p
               WHERE p.loan_id = l.id AND p.paid_on <= %s AND p.reversed_at IS NULL), 0)
           AS outstanding
    FROM credit_loan l WHERE l.disbursed_on <= %s
"""


MIGRATION_KINDS = ("classification", "grade")


def migration_values(kind: str) -> dict[str, str]:
    """The values a migration matrix of `kind` has rows and columns for, with their labels."""
    if kind == "classification":
        return {str(code): label for code, label in LoanClass.choices}
    return {grade: grade for grade in GRADES}


def _migration_sql(scope: Scope, kind: str, start: dt.date, end: dt.date, select: str, tail: str):
    """The subjects of the scope with their value on `start` (s) and on `end` (e), read from
    the dated history rows (the latest row on or before each date), and the exposure they
    carried on `start` (x): `select` and `tail` say what to read of them."""
    subject = "loan_id" if kind == "classification" else "customer_id"
    customer_sql, customer_params = scope.customers().values("id").query.sql_with_params()
    # The only interpolations are a column chosen above, the ORM's own scope subquery and
    # this module's constant clauses.
    latest = (
        f"SELECT DISTINCT ON ({subject}) {subject} AS subject, new_value "  # noqa: S608
        "FROM risk_riskhistory WHERE kind = %s AND changed_on <= %s "
        f"AND customer_id IN ({customer_sql}) "
        f"ORDER BY {subject}, changed_on DESC, id DESC"
    )
    exposure = (
        f"SELECT {subject} AS subject, sum(outstanding) AS amount "  # noqa: S608
        f"FROM ({OUTSTANDING_ON}) o GROUP BY {subject}"
    )
    sql = (
        f"SELECT {select} "  # noqa: S608
        f"FROM ({latest}) s JOIN ({latest}) e ON e.subject = s.subject "
        f"LEFT JOIN ({exposure}) x ON x.subject = s.subject {tail}"
    )
    params = [kind, start, *customer_params, kind, end, *customer_params, start, start, start]
    return sql, params


def migration_matrix(scope: Scope, kind: str, start: dt.date, end: dt.date) -> dict:
    """Subjects moving from their value on `start` to their value on `end`: counts, and the
    exposure they carried on `start`. One query."""
    sql, params = _migration_sql(
        scope,
        kind,
        start,
        end,
        "s.new_value, e.new_value, count(*), coalesce(sum(x.amount), 0)",
        "GROUP BY s.new_value, e.new_value",
    )
    with read_connection().cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    cells = {(old, new): count for old, new, count, _amount in found}
    amounts = {(old, new): amount for old, new, _count, amount in found}
    names = migration_values(kind)
    values = list(names)
    return {
        "kind": kind,
        "values": values,
        "labels": [names[value] for value in values],
        "rows": [(names[old], [cells.get((old, new), 0) for new in values]) for old in values],
        "exposure_rows": [
            (names[old], [amounts.get((old, new), ZERO) for new in values]) for old in values
        ],
        "total": sum(cells.values()),
    }


def migration_subjects(
    scope: Scope,
    kind: str,
    start: dt.date,
    end: dt.date,
    *,
    old: str | None = None,
    new: str | None = None,
) -> list[tuple[int, str, str, Decimal]]:
    """(subject id, value on `start`, value on `end`, exposure on `start`) of the subjects of
    the migration matrix, or of one of its cells (valued `old` on `start`, `new` on `end`),
    ordered by id. One query."""
    conditions, values = [], []
    for column, value in (("s.new_value", old), ("e.new_value", new)):
        if value:
            conditions.append(f"{column} = %s")
            values.append(value)
    where = f"WHERE {' AND '.join(conditions)} " if conditions else ""
    sql, params = _migration_sql(
        scope,
        kind,
        start,
        end,
        "s.subject, s.new_value, e.new_value, coalesce(x.amount, 0)",
        f"{where}ORDER BY s.subject",
    )
    with read_connection().cursor() as cursor:
        cursor.execute(sql, [*params, *values])
        return cursor.fetchall()


def loan_class_counts(user: User) -> dict[int, int]:
    """Active loans by class in the user's scope, for the risk page (risk.hooks): from the
    book figures, the same count as grouping the loans without reading every loan in scope.
    One query."""
    from dashboards.models import BookFigure

    return {
        int(key): count
        for key, count in scope_queryset(user, BookFigure.objects.filter(dimension="class"))
        .exclude(key="")
        .order_by()
        .values_list("key")
        .annotate(n=Sum("loans"))
    }
