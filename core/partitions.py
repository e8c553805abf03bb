# ruff: noqa: S608 -- SQL built from this module's table names and generated months, never input.
"""Monthly range partitions of the tables that only grow, and the step that keeps them ready.

The audit trail, risk history and the alerts' history are split by month (audit 0006, risk
0028): PostgreSQL prunes to the months a query names, an old month is detached or archived as
one table, and an index stays the size of a month. Each table has a default partition, so an
insert never fails for want of a partition; `partitions_maintain` (daily, audit's beat task
and `manage.py maintain_partitions`) creates this month's and the next months' partitions
ahead, and moves any row that landed in a default partition into its month.

Repayments and instalments stay whole tables: see docs/partitions.md for why."""

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction

from core.months import add_months

logger = logging.getLogger(__name__)

# This month and the next three: a missed run or two never sends rows to the default.
MONTHS_AHEAD = 3


@dataclass(frozen=True)
class GrowingTable:
    table: str
    # The partition column: a moment (timestamp with time zone, split by the bank's local
    # month) or a date.
    key: str
    moment: bool


PARTITIONED_TABLES = (
    GrowingTable("audit_auditevent", "created_at", moment=True),
    GrowingTable("risk_riskhistory", "changed_on", moment=False),
    GrowingTable("risk_alertaction", "taken_at", moment=True),
)


@dataclass
class MaintenanceReport:
    created: list[str] = field(default_factory=list)
    moved_rows: dict[str, int] = field(default_factory=dict)


def partition_name(table: str, month: date) -> str:
    return f"{table}_p{month:%Y%m}"


def default_partition_name(table: str) -> str:
    return f"{table}_default"


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _bound(growing: GrowingTable, month: date) -> str:
    """The first instant (or day) of `month` as a SQL literal: local midnight in the bank's
    time zone for a moment column, the same bounds the migration drew."""
    if growing.moment:
        start = datetime(month.year, month.month, 1, tzinfo=ZoneInfo(settings.TIME_ZONE))
        return f"'{start.isoformat()}'"
    return f"'{month.isoformat()}'"


def _partitions_of(cursor, table: str) -> set[str]:
    cursor.execute(
        "SELECT child.relname FROM pg_inherits "
        "JOIN pg_class child ON child.oid = pg_inherits.inhrelid "
        "WHERE pg_inherits.inhparent = %s::regclass",
        [table],
    )
    return {name for (name,) in cursor.fetchall()}


def _create_month(cursor, growing: GrowingTable, month: date, report: MaintenanceReport) -> None:
    name = partition_name(growing.table, month)
    cursor.execute(
        f"CREATE TABLE {_quote(name)} PARTITION OF {_quote(growing.table)} "
        f"FOR VALUES FROM ({_bound(growing, month)}) "
        f"TO ({_bound(growing, add_months(month, 1))})"
    )
    report.created.append(name)


def _months_in_default(cursor, growing: GrowingTable) -> list[date]:
    local = " AT TIME ZONE %s" if growing.moment else ""
    cursor.execute(
        f"SELECT DISTINCT date_trunc('month', {_quote(growing.key)}{local})::date "
        f"FROM {_quote(default_partition_name(growing.table))} ORDER BY 1",
        [settings.TIME_ZONE] if growing.moment else [],
    )
    return [month for (month,) in cursor.fetchall()]


def _move_out_of_default(cursor, growing: GrowingTable, report: MaintenanceReport) -> None:
    """Rows in the default partition go to their month's partition, created for them.

    PostgreSQL refuses a new partition while the default holds rows of its range, so the
    default is detached, its months' partitions are created, its rows inserted through the
    parent in one statement (ids as they were), and a new empty default attached. Dropping
    the detached table, not deleting its rows, keeps the audit trail's append-only trigger
    (which refuses DELETE) in force throughout."""
    months = _months_in_default(cursor, growing)
    if not months:
        return
    table, default = growing.table, default_partition_name(growing.table)
    moving = f"{default}_moving"
    cursor.execute(f"ALTER TABLE {_quote(table)} DETACH PARTITION {_quote(default)}")
    cursor.execute(f"ALTER TABLE {_quote(default)} RENAME TO {_quote(moving)}")
    existing = _partitions_of(cursor, table)
    for month in months:
        if partition_name(table, month) not in existing:
            _create_month(cursor, growing, month, report)
    cursor.execute(f"INSERT INTO {_quote(table)} SELECT * FROM {_quote(moving)}")
    report.moved_rows[table] = cursor.rowcount
    cursor.execute(f"DROP TABLE {_quote(moving)}")
    cursor.execute(f"CREATE TABLE {_quote(default)} PARTITION OF {_quote(table)} DEFAULT")


@transaction.atomic
def partitions_maintain(*, today: date) -> MaintenanceReport:
    """Idempotent: a second run on the same day creates and moves nothing."""
    report = MaintenanceReport()
    this_month = today.replace(day=1)
    with connection.cursor() as cursor:
        # Foreign-key checks deferred by earlier statements of this transaction would pin the
        # rows of a default partition, which then could not be dropped: they run now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for growing in PARTITIONED_TABLES:
            _move_out_of_default(cursor, growing, report)
            existing = _partitions_of(cursor, growing.table)
            for ahead in range(MONTHS_AHEAD + 1):
                month = add_months(this_month, ahead)
                if partition_name(growing.table, month) not in existing:
                    _create_month(cursor, growing, month, report)
    if report.created or report.moved_rows:
        logger.info(
            "partitions maintained",
            extra={"partitions_created": report.created, "rows_moved": report.moved_rows},
        )
    return report
