"""What a change to an early-warning rule or to the risk-level policy would do to the book
today, shown before it is saved.

The proposal is evaluated over the whole book with the nightly's own SQL given the proposed
values instead of the saved ones: the scan's evaluation of the rules (risk.recompute.SCAN_BEST
over the rule's whole ladder, the proposed rule in its place) and the risk level's
(risk.recompute.RISK_LEVEL_COMPUTED under a proposed policy row). The result is compared with
the current state, the active alerts of the indicator and the customers' stored risk levels,
as the next run would compare it: alerts raised, cleared or moved to another step of the
ladder; levels moving from one value to another. One statement, in one read-only transaction
with a statement timeout, rolled back: nothing is written, not even an audit row (a preview
changes nothing and is not a decision).

Scope: the counts (by change, severity or level, and branch) and the sample cover the
customers the user sees (accounts.scope); the customers concerned outside that view are one
number, never named nor placed in a branch. Risk officers and admins see the whole bank.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from accounts.scope import scope_q
from core.business_date import business_date
from customers.models import Customer, RiskLevel
from risk.models import EarlyWarningRule, RiskLevelPolicy, Severity
from risk.recompute import RISK_LEVEL_COMPUTED, SCAN_BEST, SHARED_IN_SCAN, scan_evaluation
from risk.rules import IN_CHUNK

# How many customers of each kind of change the preview names.
SAMPLE_SIZE = 20
# The preview's target is 10 s at 1,000,000 loans (make bench); past this the statement is
# cancelled rather than left to load the database while the officer waits.
STATEMENT_TIMEOUT_MS = 30_000
# The nightly's statements work on one chunk's customers (IN_CHUNK, an array parameter); a
# preview works on the whole book, so the condition becomes one every customer meets.
WHOLE_BOOK = "IS NOT NULL"

RAISED, CLEARED, MOVED = "raised", "cleared", "moved"

# The alerts of one indicator the change would raise, clear or move along the ladder, as the
# scan would (risk.recompute.SCAN): a subject matching a step with no active alert, or with
# one left open after its condition cleared, is raised; an active alert whose subject matches
# no step clears; one whose subject now stands on another step moves to that step's rule, and
# one whose rule's severity is edited moves to the new severity.
RULE_OUTCOME = """,
current AS (
    SELECT a.customer_id, a.subject, a.rule_id, a.severity, a.cleared_at
    FROM risk_alert a
    WHERE a.indicator = %(indicator)s AND a.status IN ('open', 'acknowledged', 'in_progress')
),
changes (customer_id, change, before, after) AS (
    SELECT coalesce(b.customer_id, cur.customer_id),
           CASE WHEN b.subject IS NULL THEN 'cleared'
                WHEN cur.subject IS NULL OR cur.cleared_at IS NOT NULL THEN 'raised'
                ELSE 'moved' END,
           CASE WHEN cur.cleared_at IS NULL THEN cur.severity END,
           b.severity::text
    FROM best b FULL JOIN current cur ON cur.subject = b.subject
    WHERE CASE WHEN b.subject IS NULL THEN cur.cleared_at IS NULL
               WHEN cur.subject IS NULL OR cur.cleared_at IS NOT NULL THEN true
               -- Another step's rule, or the same rule with its severity edited (the open
               -- alerts take it, risk.rule_severity).
               ELSE b.rule_id <> cur.rule_id OR b.severity <> cur.severity END
),
outcome AS (
    SELECT x.*, c.name, c.branch_id
    FROM changes x JOIN customers_customer c ON c.id = x.customer_id
)
"""

# The customers whose stored level differs from the level under the proposed policy.
POLICY_OUTCOME = """,
outcome (customer_id, change, before, after, name, branch_id) AS (
    SELECT c.id, 'moved', c.risk_level::text, k.level, c.name, c.branch_id
    FROM computed k JOIN customers_customer c ON c.id = k.customer_id
    WHERE c.risk_level <> k.level
)
"""

# The counts of what the user sees by change, before, after and branch; one count of the
# customers concerned outside their view; a sample of each change, by name.
SUMMARY = """,
concerned AS MATERIALIZED (
    SELECT o.customer_id, o.change, o.before, o.after, o.name, b.name AS branch,
           ({visible}) AS visible
    FROM outcome o
    LEFT JOIN accounts_branch b ON b.id = o.branch_id
)
SELECT 'count', k.change, k.before, k.after, k.branch, NULL::bigint, NULL::text, count(*)
FROM concerned k WHERE k.visible
GROUP BY k.change, k.before, k.after, k.branch
UNION ALL
SELECT 'outside', NULL, NULL, NULL, NULL, NULL, NULL, count(*)
FROM concerned k WHERE NOT k.visible
UNION ALL
SELECT 'sample', s.change, s.before, s.after, s.branch, s.customer_id, s.name, NULL
FROM (SELECT k.*, row_number() OVER (PARTITION BY k.change
                                     ORDER BY k.name, k.customer_id) AS position
      FROM concerned k WHERE k.visible) s
WHERE s.position <= %(sample_size)s
"""


class PreviewTimedOut(Exception):
    """The preview did not answer within STATEMENT_TIMEOUT_MS."""


@dataclass(frozen=True)
class PreviewCount:
    change: str
    before: str
    after: str
    branch: str
    count: int


@dataclass(frozen=True)
class PreviewCustomer:
    change: str
    before: str
    after: str
    branch: str
    customer_id: int
    name: str


@dataclass
class Preview:
    """What the proposal would change: `counts` and `sample` within the user's view,
    `outside_view` the customers concerned beyond it. `before` and `after` are severities for
    a rule, risk levels for the policy (codes; the *_label properties read them as words)."""

    subject: str  # "rule" or "policy"
    counts: list[PreviewCount] = field(default_factory=list)
    sample: list[PreviewCustomer] = field(default_factory=list)
    outside_view: int = 0

    def total(self, change: str) -> int:
        return sum(row.count for row in self.counts if row.change == change)

    @property
    def nothing_changes(self) -> bool:
        return not self.counts and not self.outside_view


def rule_change_preview(*, user, rule: EarlyWarningRule, on: dt.date | None = None) -> Preview:
    """What saving `rule` with its (unsaved) proposed values would do to today's alerts of
    its indicator. The rest of its ladder is read as saved. A ladder with no enabled rule
    left changes nothing: the scan leaves the alerts of a switched-off indicator as they are."""
    # The threshold as the form gives it (a Decimal), whatever the caller set: the ladder's
    # thresholds go to the database as one numeric array.
    rule.threshold = EarlyWarningRule._meta.get_field("threshold").to_python(rule.threshold)
    ladder = [
        rule if saved.pk == rule.pk else saved
        for saved in EarlyWarningRule.objects.filter(indicator=rule.indicator).order_by("pk")
    ]
    now = timezone.now()
    evaluation = scan_evaluation(ladder, now=now)
    if evaluation is None:
        return Preview(subject="rule")
    query, rule_params = evaluation
    statement = _whole_book(
        SCAN_BEST.format(query=query, IN_CHUNK=IN_CHUNK, shared=SHARED_IN_SCAN) + RULE_OUTCOME
    )
    params = {**rule_params, **_common_params(now, on), "indicator": rule.indicator}
    return _summarise("rule", user, statement, params)


def policy_change_preview(*, user, policy: RiskLevelPolicy) -> Preview:
    """Which customers' risk level the (unsaved) proposed policy would move tonight, read
    against today's loans and alerts as the nightly reads them."""
    columns = [
        model_field
        for model_field in RiskLevelPolicy._meta.concrete_fields
        if not model_field.primary_key
    ]
    proposed = ", ".join(
        f"%(policy_{f.attname})s::{f.db_type(connection)} AS {f.column}" for f in columns
    )
    statement = _whole_book(
        f"WITH policy AS (SELECT {proposed}),\n{RISK_LEVEL_COMPUTED}" + POLICY_OUTCOME
    )
    params = {f"policy_{f.attname}": getattr(policy, f.attname) for f in columns}
    return _summarise("policy", user, statement, {**params, **_common_params(timezone.now())})


def _common_params(now: dt.datetime, on: dt.date | None = None) -> dict:
    return {
        "on": on or business_date(),
        "now": now,
        "tz": settings.TIME_ZONE,
        "sample_size": SAMPLE_SIZE,
    }


def _whole_book(statement: str) -> str:
    whole = statement.replace(IN_CHUNK, WHOLE_BOOK)
    # Every customer condition of the nightly's SQL is IN_CHUNK; one left bound to the chunk's
    # array would make the preview see no customer at all.
    assert "%(customers)s" not in whole
    return whole


def _visible_sql(user) -> tuple[str, dict]:
    """The condition that the user sees the customer `o.customer_id`: the scope helper's own
    filter (accounts.scope), as SQL with named parameters."""
    customers = Customer.objects.filter(scope_q(user)).values("id")
    if not customers.query.where:
        return "true", {}
    try:
        sql, values = customers.query.sql_with_params()
    except EmptyResultSet:
        return "false", {}
    pieces = sql.split("%s")
    named = {f"scope_{number}": value for number, value in enumerate(values)}
    condition = pieces[0] + "".join(
        f"%(scope_{number})s{piece}" for number, piece in enumerate(pieces[1:])
    )
    return f"o.customer_id IN ({condition})", named


def _summarise(subject: str, user, statement: str, params: dict) -> Preview:
    visible, scope_params = _visible_sql(user)
    statement += SUMMARY.format(visible=visible)
    preview = Preview(subject=subject)
    with _read_only() as cursor:
        cursor.execute(statement, {**params, **scope_params})
        rows = cursor.fetchall()
    for kind, change, before, after, branch, customer_id, name, count in rows:
        branch = gettext(branch) if branch else ""
        if kind == "count":
            preview.counts.append(PreviewCount(change, before or "", after or "", branch, count))
        elif kind == "outside":
            preview.outside_view = count
        else:
            preview.sample.append(
                PreviewCustomer(change, before or "", after or "", branch, customer_id, name)
            )
    order = {RAISED: 0, CLEARED: 1, MOVED: 2}
    preview.counts.sort(key=lambda row: (order[row.change], row.before, row.after, row.branch))
    preview.sample.sort(key=lambda row: (order[row.change], row.name, row.customer_id))
    return preview


@contextmanager
def _read_only():
    """A cursor in a read-only transaction (a savepoint within the request's, if any) with a
    statement timeout, rolled back at the end whatever happens: the preview cannot write."""
    with transaction.atomic(), connection.cursor() as cursor:
        try:
            # Allowed at any point of a transaction (only going back to read-write is not);
            # the rollback below undoes it, so the request's transaction carries on.
            cursor.execute("SET TRANSACTION READ ONLY")
            cursor.execute(
                "SELECT set_config('statement_timeout', %s, true)", [str(STATEMENT_TIMEOUT_MS)]
            )
            yield cursor
        except OperationalError as error:
            if "statement timeout" in str(error):
                raise PreviewTimedOut from error
            raise
        finally:
            transaction.set_rollback(True)


def severity_label(code: str) -> str:
    return str(Severity(code).label) if code in Severity.values else code


def risk_level_label(code: str) -> str:
    return str(RiskLevel(code).label) if code in RiskLevel.values else code
