"""Reads of the roll rates on the collections page (issue 24): where the balance of each
days-past-due bucket at one month's end sat at the next (lending.collections.roll_rates), from
the month-end record the nightly keeps (lending.roll_rate_models.LoanMonthEnd), over the loans
the user's scope covers, and the 1–30 → 31–60 roll rate of the last six months as a trend.

Officers see their branch's figures (a roll rate of one officer's few loans says nothing),
managers their branch, head office the bank."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import DateField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from accounts.scope import scope_q
from core.months import add_months
from lending import collections
from lending.models import DpdBucket, LoanStatus
from lending.roll_rate_models import LoanMonthEnd
from lending.services.roll_rates import month_end_of

TREND_MONTHS = 6

# The buckets as the page names them (lending.collections.ROLL_TO).
ROLL_LABELS = {
    "current": DpdBucket.CURRENT.label,
    "1-30": DpdBucket.DAYS_1_30.label,
    "31-60": DpdBucket.DAYS_31_60.label,
    "61-90": DpdBucket.DAYS_61_90.label,
    collections.ROLL_OVER_90: _("Over 90 days"),
    collections.WRITTEN_OFF: LoanStatus.WRITTEN_OFF.label,
    collections.REPAID: LoanStatus.CLOSED.label,
}


def _scope(user) -> Q:
    if user.is_authenticated and user.is_active and user.role == Role.OFFICER:
        return Q(customer__branch=user.branch_id) if user.branch_id else Q(pk__in=[])
    return scope_q(user, officer_field="customer__officer", branch_field="customer__branch")


def latest_month_end(on: dt.date) -> dt.date:
    """The last month end before `on`'s month: the latest the nightly has surely recorded."""
    return on.replace(day=1) - dt.timedelta(days=1)


def roll_rates_for(user, on: dt.date) -> dict:
    """The matrix of the month that ended last before `on` (from the previous month end to
    that one) and the trend of the TREND_MONTHS months up to it, oldest first. One query."""
    latest = latest_month_end(on)
    ends = [month_end_of(add_months(latest.replace(day=1), -k)) for k in range(TREND_MONTHS + 1)]
    starts = ends[1:]  # the month ends each month's roll starts from
    # The month end after a row's: where its loan sat then (absent: it left the book, repaid).
    next_end = RawSQL(
        "(date_trunc('month', lending_loanmonthend.as_of) + interval '2 month'"
        " - interval '1 day')::date",
        [],
        output_field=DateField(),
    )
    went_to = LoanMonthEnd.objects.filter(
        loan_id=OuterRef("loan_id"), as_of=OuterRef("next_as_of")
    ).values("bucket")[:1]
    rows = (
        LoanMonthEnd.objects.filter(_scope(user), as_of__in=starts)
        .exclude(bucket=collections.WRITTEN_OFF)
        .annotate(next_as_of=next_end)
        .annotate(to_bucket=Coalesce(Subquery(went_to), Value(collections.REPAID)))
        .values_list("as_of", "bucket", "to_bucket")
        .annotate(total=Sum("balance"))
        .order_by()
    )
    moves: dict[dt.date, dict[tuple[str, str], Decimal]] = {start: {} for start in starts}
    for as_of, source, target, total in rows:
        moves[as_of][(source, target)] = total
    matrix = collections.roll_rates(moves[starts[0]])
    trend = [
        (
            end,
            collections.roll_rates(moves[start])[collections.TREND_FROM][collections.TREND_TO],
        )
        for end, start in reversed(list(zip(ends, starts, strict=False)))
    ]
    return {
        "month_end": latest,
        "previous_month_end": starts[0],
        "matrix": [
            (ROLL_LABELS[source], [matrix[source][target] for target in collections.ROLL_TO])
            for source in collections.ROLL_FROM
        ],
        "columns": [ROLL_LABELS[target] for target in collections.ROLL_TO],
        "has_data": bool(moves[starts[0]]),
        "trend": trend,
    }
