# ruff: noqa: S608 -- every SQL string here is built from this module's constants, never from input.
"""Contagion between related parties: what the nightly needs beyond the rule's query
(risk.rules, indicator `related_party_distress`).

The rule reads the other end of each active link (customers.relations.CustomerRelation), so a
customer's alert depends on data that is not theirs:

- A link recorded or ended marks both its customers pending (the triggers below, installed by
  the risk migration that seeds the rule).
- A party whose distress changes (a loan turns non-performing, a red alert opens or closes)
  changes in a chunk of the nightly, whose own writes the pending triggers skip. The chunk
  compares its customers' distress before and after its work and marks the related parties of
  those whose distress moved (`mark_parties_of_changed`). A party in a later range is looked at
  by the same night; one in a range already done, by the next run.
"""

from __future__ import annotations

from core.db_triggers import drop_trigger_sql, statement_trigger_sql
from risk.pending import JOB_SETTING, TABLE
from risk.rules import DISTRESSED_IN_CHUNK, IN_CHUNK, IN_RANGE

# The other ends of the active links of `ids`, marked pending.
MARK_PARTIES = f"""
    INSERT INTO {TABLE} (customer_id, marked_at)
    SELECT DISTINCT x.id, now() FROM (
        SELECT r.to_customer_id FROM customers_customerrelation r
        WHERE r.from_customer_id = ANY(%(ids)s::bigint[]) AND r.ended_on IS NULL
        UNION
        SELECT r.from_customer_id FROM customers_customerrelation r
        WHERE r.to_customer_id = ANY(%(ids)s::bigint[]) AND r.ended_on IS NULL
    ) x (id)
    ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at
"""


def distressed_among(cursor, first: int, last: int, result) -> set[int]:
    """The customers of the chunk (`result`, a risk.recompute.ChunkResult over ids `first` to
    `last`) in distress now. A full chunk reads its range, as risk.recompute.chunk_sql does."""
    if not result.customers:
        return set()
    sql = DISTRESSED_IN_CHUNK
    if result.whole_range:
        sql = sql.replace(IN_CHUNK, IN_RANGE)
    cursor.execute(sql, {"customers": result.customers, "first": first, "last": last})
    return {row[0] for row in cursor.fetchall()}


def mark_parties_of_changed(cursor, before: set[int], after: set[int]) -> int:
    """Marks the related parties of the customers whose distress moved; how many rows."""
    moved = sorted(before ^ after)
    if not moved:
        return 0
    cursor.execute(MARK_PARTIES, {"ids": moved})
    return cursor.rowcount


# A link written (recorded, ended, edited in admin, deleted): both ends are looked at again.
LINK_TRIGGERS = [
    (f"risk_pending_relation_{event.lower()}", event, referencing)
    for event, referencing in (
        ("INSERT", "NEW TABLE AS changed_rows"),
        ("UPDATE", "NEW TABLE AS changed_rows"),
        ("DELETE", "OLD TABLE AS changed_rows"),
    )
]


def install_sql() -> str:
    return "\n".join(
        statement_trigger_sql(
            function,
            "customers_customerrelation",
            event,
            referencing,
            f"INSERT INTO {TABLE} (customer_id, marked_at)\n"
            "SELECT DISTINCT x.id, now() FROM (\n"
            "    SELECT r.from_customer_id FROM changed_rows r\n"
            "    UNION SELECT r.to_customer_id FROM changed_rows r) x (id)\n"
            "ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at",
            skip_if=f"current_setting('{JOB_SETTING}', true) = 'on'",
        )
        for function, event, referencing in LINK_TRIGGERS
    )


def uninstall_sql() -> str:
    return "\n".join(
        drop_trigger_sql(function, "customers_customerrelation")
        for function, _event, _referencing in LINK_TRIGGERS
    )
