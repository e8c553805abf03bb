# ruff: noqa: S608 -- the SQL here is built from this module's constants, never from input.
"""An early-warning rule's severity edited in admin reaches the alerts it keeps open.

What a risk officer expects when they make a rule red: the alerts the rule has open (open,
acknowledged or in progress, the condition still met or cleared without resolving) are red
from the next night, as a new alert of the rule would be; the alerts already closed keep the
severity they were closed with, as history. The rule's edit marks every customer for the next
run (risk.pending, the "rule" source), so each chunk of that night, before its scan, moves
its customers' open alerts to their rule's severity in one statement: each move leaves a row
in the alert's history (before and after, the business date) and one in the audit trail, with
no actor, as a change the system made. The acknowledgement deadline stays as it was and no
red-alert mail is sent: the customer's situation did not change, the bank's reading of it
did. A second night finds nothing to move.
"""

from __future__ import annotations

import datetime as dt

from risk.rules import IN_CHUNK, IN_RANGE

# The audit trail's code for the move (audit.actions names it "Alert: updated"), and the
# history row's event (risk.models.AlertEvent.RULE_SEVERITY).
AUDIT_ACTION = "risk.alert.updated"
HISTORY_EVENT = "rule_severity"

FOLLOW_RULE_SEVERITY = f"""
WITH moved AS MATERIALIZED (
    SELECT a.id, a.rule_id, a.severity AS before, r.severity AS after
    FROM risk_alert a JOIN risk_earlywarningrule r ON r.id = a.rule_id
    WHERE a.customer_id {IN_CHUNK} AND a.status = ANY(%(active)s::text[])
      AND a.severity <> r.severity
    FOR UPDATE OF a
),
followed AS (
    UPDATE risk_alert a SET severity = m.after FROM moved m WHERE a.id = m.id RETURNING a.id
),
history AS (
    INSERT INTO risk_alertaction (alert_id, action, note, taken_at, rule_before_id,
                                  rule_after_id, severity_before, severity_after, business_date)
    SELECT m.id, %(event)s, '', %(now)s, m.rule_id, m.rule_id, m.before, m.after, %(on)s
    FROM moved m
    RETURNING 1
),
audited AS (
    INSERT INTO audit_auditevent (created_at, action, object_type, object_id, object_label,
                                  before, after)
    SELECT %(now)s, %(action)s, 'risk.alert', m.id::text, '',
           jsonb_build_object('severity', m.before), jsonb_build_object('severity', m.after)
    FROM moved m
    RETURNING 1
)
SELECT (SELECT count(*) FROM followed), (SELECT count(*) FROM history),
       (SELECT count(*) FROM audited)
"""


def follow_rule_severity(
    cursor,
    *,
    customers: list[int],
    on: dt.date,
    now: dt.datetime,
    whole_range: tuple[int, int] | None = None,
) -> int:
    """Moves the open alerts of `customers` whose rule's severity was edited to that severity
    (see the module's docstring); returns how many moved. `whole_range` (first, last) when
    `customers` is every customer of that range: the alerts are then read by the range of the
    customer index rather than by an array of thousands of ids (risk.recompute.chunk_sql)."""
    from risk.models import ACTIVE_ALERT_STATUSES

    first, last = whole_range or (None, None)
    cursor.execute(
        FOLLOW_RULE_SEVERITY.replace(IN_CHUNK, IN_RANGE) if whole_range else FOLLOW_RULE_SEVERITY,
        {
            "first": first,
            "last": last,
            "customers": customers,
            "active": ACTIVE_ALERT_STATUSES,
            "event": HISTORY_EVENT,
            "action": AUDIT_ACTION,
            "on": on,
            "now": now,
        },
    )
    followed, _history, _audited = cursor.fetchone()
    return followed
