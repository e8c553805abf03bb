"""The dashboard's activity figures, computed ahead of the page.

Loan figures come from the book figures kept current by triggers (dashboards/figures.py) and
cost a millisecond. The rest of the dashboard counts activity: alerts active now and at the
comparison moment, the application pipeline, surveys and follow-ups, each officer's row of
the league table; and it sums the provisions the nightly stores, for the provision cards.
At a million loans that is a second of aggregation for a branch, longer for the bank, on
every page view. Those figures are kept per scope (bank, branch, officer)
and comparison date in `ActivityFigures` and served while younger than
DASHBOARD_FIGURES_MAX_AGE; the page says when they were computed and offers a refresh. A
beat task recomputes the bank's and every branch's every few minutes, so managers never wait;
an officer's are computed on their first view and kept as long.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from accounts.models import Branch, Role, User
from dashboards import selectors
from dashboards.models import ActivityFigures
from risk import policies, provision_selectors

# Rows computed more than this long ago are removed by `refresh`.
KEEP_DAYS = 1
# The comparison date when none is asked for: this many days before the business date.
DEFAULT_COMPARE_DAYS = 30


def default_compare(today: dt.date) -> dt.date:
    return today - dt.timedelta(days=DEFAULT_COMPARE_DAYS)


def scope_key(scope: selectors.Scope) -> str | None:
    """Who sees the same figures: the bank, a branch or one officer, as accounts.scope.scope_q
    draws the scopes. None for a user who may see nothing, whose empty figures are not worth
    keeping."""
    user = scope.user
    if user.sees_all_branches:
        return f"branch:{scope.branch.pk}" if scope.branch else "bank"
    if user.role == Role.MANAGER and user.branch_id:
        return f"branch:{user.branch_id}"
    if user.role == Role.OFFICER:
        return f"officer:{user.pk}"
    return None


def compute(scope: selectors.Scope, *, today: dt.date, now: dt.datetime, compare: dt.date) -> dict:
    """Every activity figure of the dashboard for the scope, now and at the end of the
    comparison day."""
    then = timezone.make_aware(dt.datetime.combine(compare, dt.time.max))
    league, league_totals = selectors.league_table(scope, today, now)
    # Both moments from one gathering of the scope's applications.
    pipeline, pipeline_then = selectors.pipeline_kpis_at(scope, [now, then])
    return {
        "customers": scope.customers().count(),
        "alerts": selectors.alert_kpis(scope, now),
        "alerts_then": selectors.alert_kpis(scope, then),
        "pipeline": pipeline,
        "pipeline_then": pipeline_then,
        "relationship": selectors.relationship_kpis(scope, today),
        "relationship_then": selectors.relationship_kpis(scope, compare),
        "league": league,
        "league_totals": league_totals,
        "nps_trend": selectors.nps_trend(scope, today),
        # The provision cards' sums over every active loan and undrawn facility in scope
        # (a branch's take a tenth of a second at a million loans): the nightly changes
        # them, so figures a few minutes old are today's. None for who may not see them.
        "provisions": (
            provision_selectors.provision_summary(scope.user, scope.branch)
            if policies.may_see_provisions(scope.user)
            else None
        ),
    }


def figures_for(
    scope: selectors.Scope,
    *,
    today: dt.date,
    compare: dt.date,
    refresh: bool = False,
) -> tuple[dict, dt.datetime]:
    """The activity figures and the moment they were computed: kept ones while young enough
    (and unless a refresh is asked for), else computed now and kept."""
    now = timezone.now()
    key = scope_key(scope)
    if key is None:
        return compute(scope, today=today, now=now, compare=compare), now
    key = f"{key}|{today.isoformat()}|{compare.isoformat()}"
    oldest = now - dt.timedelta(seconds=settings.DASHBOARD_FIGURES_MAX_AGE)
    kept = None if refresh else ActivityFigures.objects.filter(key=key).first()
    if kept is not None and kept.computed_at >= oldest:
        return _unpack_figures(kept.figures), kept.computed_at
    figures = compute(scope, today=today, now=now, compare=compare)
    _keep(key, figures, now)
    return figures, now


def refresh(*, today: dt.date) -> int:
    """Beat entry point: the bank's and each branch's figures for the default comparison,
    computed now; rows of earlier days removed. Returns the scopes done."""
    compare = default_compare(today)
    # The head office's view: what a risk officer or admin sees, with or without a branch.
    head_office = User(role=Role.RISK_OFFICER, is_active=True)
    scopes = [selectors.Scope(user=head_office)]
    scopes += [selectors.Scope(user=head_office, branch=b) for b in Branch.objects.order_by("pk")]
    for scope in scopes:
        figures_for(scope, today=today, compare=compare, refresh=True)
    ActivityFigures.objects.filter(
        computed_at__lt=timezone.now() - dt.timedelta(days=KEEP_DAYS)
    ).delete()
    return len(scopes)


def _keep(key: str, figures: dict, at: dt.datetime) -> None:
    # Two views computing at once both write; the later one wins, no error.
    ActivityFigures.objects.bulk_create(
        [ActivityFigures(key=key, computed_at=at, figures=_pack(_with_officer_ids(figures)))],
        update_conflicts=True,
        unique_fields=["key"],
        update_fields=["computed_at", "figures"],
    )


def _with_officer_ids(figures: dict) -> dict:
    league = [{**row, "officer": row["officer"].pk} for row in figures["league"]]
    return {**figures, "league": league}


def _unpack_figures(stored: dict) -> dict:
    figures = _unpack(stored)
    ids = [row["officer"] for row in figures["league"]]
    officers = User.objects.select_related("branch").in_bulk(ids)
    figures["league"] = [
        {**row, "officer": officers[row["officer"]]}
        for row in figures["league"]
        if row["officer"] in officers
    ]
    figures["nps_trend"] = [tuple(row) for row in figures["nps_trend"]]
    # Absent from figures kept before the provision cards' were (the cards then sum them).
    if figures.get("provisions"):
        provisions = figures["provisions"]
        provisions["by_stage"] = [tuple(row) for row in provisions["by_stage"]]
    return figures


# JSON keeps numbers and strings; amounts and ratios must come back as Decimal and months as
# dates, so those are tagged.
def _pack(value):
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, dt.datetime):
        raise TypeError("activity figures hold dates, not moments")
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, dict):
        return {key: _pack(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_pack(item) for item in value]
    return value


def _unpack(value):
    if isinstance(value, dict):
        if value.keys() == {"$decimal"}:
            return Decimal(value["$decimal"])
        if value.keys() == {"$date"}:
            return dt.date.fromisoformat(value["$date"])
        return {key: _unpack(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_unpack(item) for item in value]
    return value
