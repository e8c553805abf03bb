# ruff: noqa: S608 -- every SQL string here is built from this module's constants, never from input.
"""The nightly's exposure step: each chunk rewrites the stored exposure of its customers and of
their groups (lending.concentration.refresh_exposures, set-based, only rows that change), before
the scan reads them for the concentration rules (risk.rules, `single_concentration` and
`group_concentration`).

What the step reads beyond the pending triggers' tables (risk.pending), and how it reaches the
nightly's set of customers:

- A facility proposed, approved, frozen, closed or raised, a customer added to or removed from
  a group, the tier-1 capital or a concentration limit edited in admin: the triggers below mark
  the customers concerned (for the capital and the limits, every customer with an exposure and
  every group member: a member with none of their own carries the group's alert).
- A decision during the day (an approval, a facility approved or raised) adds its amount to the
  stored rows of its customer and group (lending.concentration.exposure_add), so the night's
  refresh finds the group as it stored it and moves nothing: the trigger on the group rows
  marks the group's members when a decision writes it (the night's own writes are skipped).
  Decisions are few, so every member is marked, not only those whose alert can move.
- A facility passing its expiry date: risk.pending's calendar (`facility_expired`); a tier-1
  capital figure taking effect on a date after it was entered: the calendar too
  (CAPITAL_TAKING_EFFECT).
- A group whose exposure changed in a chunk: its other members' group alerts depend on it
  (MEMBERS_MOVED). A member in the chunk's own range is examined by the chunk itself, before
  its scan (the chunk took its range's marks at its start, so a mark would wait for the next
  run); one in a later range is marked and looked at the same night, one in a range already
  done by the next run. Only when their alert can move: the group's exposure now reaches the
  warning share of the group limit (an alert to raise or whose value moves), or a member has a
  group alert open (one to clear). A group below the warning before and after has no member
  whose alert changes; marking them all (every group a repayment touched) had the next run
  look again at thousands of customers whose results stay as they are.
"""

from __future__ import annotations

import datetime as dt

from core.db_triggers import drop_trigger_sql, statement_trigger_sql
from lending.concentration import refresh_exposures
from lending.stages import statuses_sql
from risk.models import ACTIVE_ALERT_STATUSES
from risk.pending import JOB_SETTING, TABLE
from risk.rules import CONCENTRATION_LIMIT

# The members of the groups of %(groups)s that are not in %(customers)s whose group alert
# (risk.rules "group_concentration") can move: the group's exposure, as just refreshed,
# reaches the warning share of the limit in force on %(on)s, or the member has a group alert
# open. Those outside the chunk's range (%(first)s to %(last)s) are marked pending; those in it
# are answered, for the chunk to examine with its own customers.
MEMBERS_MOVED = f"""
WITH moved AS (
    SELECT m.customer_id FROM customers_customergroupmember m
    WHERE m.group_id = ANY(%(groups)s::bigint[])
      AND NOT m.customer_id = ANY(%(customers)s::bigint[])
      AND (EXISTS (SELECT 1 FROM lending_groupexposure g
                   CROSS JOIN ({CONCENTRATION_LIMIT.format(kind="group")}) lim
                   WHERE g.group_id = m.group_id
                     AND g.exposure >= round(lim.amount * lim.warning_share, 2))
           OR EXISTS (SELECT 1 FROM risk_alert a
                      WHERE a.customer_id = m.customer_id
                        AND a.status IN {statuses_sql(ACTIVE_ALERT_STATUSES)}
                        AND a.indicator = 'group_concentration'))
),
marked AS (
    INSERT INTO {TABLE} (customer_id, marked_at)
    SELECT o.customer_id, now() FROM moved o
    WHERE o.customer_id NOT BETWEEN %(first)s AND %(last)s
    ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at
)
SELECT coalesce(array_agg(i.customer_id), '{{}}') FROM moved i
WHERE i.customer_id BETWEEN %(first)s AND %(last)s
"""

# The customers whose concentration alert (risk.rules "single_concentration",
# "group_concentration") a tier-1 capital figure taking effect after %(since_on)s, up to
# %(on)s, can move, for risk.pending's calendar: every limit moves with the capital. Those at
# or above the warning share of a limit in force on %(on)s (an alert to raise, or whose value
# moves) and those with such an alert open (one to clear, or whose value moves). The figure's
# trigger marked every exposed customer on the day it was entered, when a later date kept it
# out of force. The capital's dates are the planner's one-time filter: on the other nights
# nothing else is read.
CAPITAL_TAKING_EFFECT = f"""
    SELECT moved.customer_id FROM (
        SELECT e.customer_id FROM lending_customerexposure e
        CROSS JOIN ({CONCENTRATION_LIMIT.format(kind="single_customer")}) lim
        WHERE e.exposure >= round(lim.amount * lim.warning_share, 2)
        UNION
        SELECT m.customer_id FROM customers_customergroupmember m
        JOIN lending_groupexposure g ON g.group_id = m.group_id
        CROSS JOIN ({CONCENTRATION_LIMIT.format(kind="group")}) lim
        WHERE g.exposure >= round(lim.amount * lim.warning_share, 2)
        UNION
        SELECT a.customer_id FROM risk_alert a
        WHERE a.indicator IN ('single_concentration', 'group_concentration')
          AND a.status IN {statuses_sql(ACTIVE_ALERT_STATUSES)}
    ) moved
    WHERE EXISTS (SELECT 1 FROM lending_tier1capital c
                  WHERE c.effective_on > %(since_on)s AND c.effective_on <= %(on)s)
"""

# Every customer with a stored exposure, and every group member (their rows carry the group):
# a new capital figure or limit can move their alerts.
EXPOSED_CUSTOMERS = (
    "SELECT e.customer_id FROM lending_customerexposure e "
    "WHERE e.exposure > 0 OR e.group_id IS NOT NULL"
)

# (name, table, events, SQL selecting the customer ids of the changed rows `r`)
SOURCES = [
    (
        "facility",
        "lending_creditfacility",
        ("INSERT", "UPDATE"),
        "SELECT r.customer_id FROM {rows} r",
    ),
    (
        "group_member",
        "customers_customergroupmember",
        ("INSERT", "UPDATE", "DELETE"),
        "SELECT r.customer_id FROM {rows} r",
    ),
    # A decision's amount added to its group's stored row (lending.concentration.exposure_add).
    (
        "group_exposure",
        "lending_groupexposure",
        ("INSERT", "UPDATE"),
        "SELECT m.customer_id FROM {rows} r "
        "JOIN customers_customergroupmember m ON m.group_id = r.group_id",
    ),
    ("tier1_capital", "lending_tier1capital", ("INSERT", "UPDATE", "DELETE"), EXPOSED_CUSTOMERS),
    (
        "concentration_limit",
        "lending_concentrationlimit",
        ("INSERT", "UPDATE", "DELETE"),
        EXPOSED_CUSTOMERS,
    ),
]

_REFERENCING = {
    "INSERT": "NEW TABLE AS changed_rows",
    "UPDATE": "NEW TABLE AS changed_rows",
    "DELETE": "OLD TABLE AS changed_rows",
}


def _function(name: str, event: str) -> str:
    return f"risk_pending_{name}_{event.lower()}"


def install_sql() -> str:
    return "\n".join(
        statement_trigger_sql(
            _function(name, event),
            table,
            event,
            _REFERENCING[event],
            f"INSERT INTO {TABLE} (customer_id, marked_at)\n"
            f"SELECT DISTINCT x.id, now() FROM ({customers.format(rows='changed_rows')}) x (id)\n"
            f"WHERE x.id IS NOT NULL\n"
            f"ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at",
            skip_if=f"current_setting('{JOB_SETTING}', true) = 'on'",
        )
        for name, table, events, customers in SOURCES
        for event in events
    )


def uninstall_sql() -> str:
    return "\n".join(
        drop_trigger_sql(_function(name, event), table)
        for name, table, events, _customers in SOURCES
        for event in events
    )


def exposure_chunk(cursor, first: int, last: int, on: dt.date, result) -> None:
    """The chunk's step (`result`, a risk.recompute.ChunkResult over ids `first` to `last`);
    its counters say how many customer and group rows it wrote. A full chunk's statements
    read its range, as risk.recompute.chunk_sql makes the others do. The members of a moved
    group in the chunk's range join its customers (MEMBERS_MOVED), so call it before any
    step that reads them."""
    written, groups = refresh_exposures(
        cursor, result.customers, on, id_range=(first, last) if result.whole_range else None
    )
    if groups:
        cursor.execute(
            MEMBERS_MOVED,
            {
                "groups": groups,
                "customers": result.customers,
                "on": on,
                "first": first,
                "last": last,
            },
        )
        # Their inputs did not change (or they would be among the customers already): their
        # own stored exposure stands, only their group's moved.
        members = cursor.fetchone()[0]
        if members:
            result.customers = sorted([*result.customers, *members])
            result.add("customers_examined", len(members))
    result.add("exposures_written", written)
    result.add("group_exposures_written", len(groups))
