# ruff: noqa: F811 (fixtures imported for pytest are the parameters of the tests below)
# ruff: noqa: S608 -- SQL names only this module's table names.
"""Monthly partitions of the tables that only grow (issue 26, 6b): the audit trail, risk
history and the alerts' history are split by month, a row lands in its month, a row of a
month without partition waits in the default partition until the daily maintenance step
moves it, and the migration converts a database that already holds rows, keeping every row
and id, after which the pages and the posting of a repayment work as before."""

import datetime as dt
from importlib import import_module
from zoneinfo import ZoneInfo

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from audit.tasks import maintain_partitions
from core.partitions import PARTITIONED_TABLES, default_partition_name, partitions_maintain
from lending.models import Repayment
from risk.models import Alert, AlertAction, EarlyWarningRule, RiskHistory
from tests.conftest import replay_data_migrations
from tests.credit.conftest import graded_customer, on_business_date  # noqa: F401
from tests.lending.conftest import (  # noqa: F401
    approved,
    consumer_product,
    draft,
    loan,
    submitted,
    under_review,
)

BANK = ZoneInfo("Asia/Shanghai")
GROWING = {growing.table for growing in PARTITIONED_TABLES}
# Kept whole, with the reasons in docs/partitions.md: foreign keys point at them and their
# unique rules span months.
WHOLE = {"credit_repayment", "credit_instalment"}
ALL_FIVE = sorted(GROWING | WHOLE)


def _partitioned() -> dict[str, tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, p.partstrat, a.attname FROM pg_partitioned_table p "
            "JOIN pg_class c ON c.oid = p.partrelid "
            "JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]"
        )
        return {table: (strategy, key) for table, strategy, key in cursor.fetchall()}


def _partitions(table: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass",
            [table],
        )
        return {name for (name,) in cursor.fetchall()}


def _where(table: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def _count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        return cursor.fetchone()[0]


def _history(customer, changed_on: dt.date) -> RiskHistory:
    return RiskHistory.objects.create(
        kind="grade", customer=customer, changed_on=changed_on, old_value="A", new_value="BBB"
    )


def _alert_action(customer, taken_at: dt.datetime) -> AlertAction:
    rule = EarlyWarningRule.objects.order_by("pk").first()
    alert = Alert.objects.create(
        rule=rule,
        customer=customer,
        subject=f"customer:{customer.pk}:{taken_at:%Y%m%d%H%M}",
        severity="yellow",
        risk_type="credit",
        value="1",
        sla_due_at=taken_at,
        assignee=customer.officer,
    )
    return AlertAction.objects.create(alert=alert, action="note", note="", taken_at=taken_at)


@pytest.mark.django_db
def test_the_growing_tables_are_split_by_month_with_a_default_partition():
    partitioned = _partitioned()
    assert {table: partitioned.get(table) for table in GROWING} == {
        "audit_auditevent": ("r", "created_at"),
        "risk_riskhistory": ("r", "changed_on"),
        "risk_alertaction": ("r", "taken_at"),
    }
    for table in GROWING:
        assert default_partition_name(table) in _partitions(table)
    # Repayments and instalments are kept whole (see WHOLE).
    assert not WHOLE & partitioned.keys()


@pytest.mark.django_db
def test_a_row_lands_in_its_local_months_partition(alice, graded_customer):
    partitions_maintain(today=dt.date(2026, 11, 18))
    # The bank's month: 1 December 00:10 in Shanghai is still 30 November in UTC.
    last_of_november = dt.datetime(2026, 11, 30, 23, 50, tzinfo=BANK)
    first_of_december = dt.datetime(2026, 12, 1, 0, 10, tzinfo=BANK)
    late = AuditEvent.objects.create(action="test.partition", created_at=last_of_november)
    early = AuditEvent.objects.create(action="test.partition", created_at=first_of_december)
    assert _where("audit_auditevent", late.pk) == "audit_auditevent_p202611"
    assert _where("audit_auditevent", early.pk) == "audit_auditevent_p202612"

    history = _history(graded_customer, dt.date(2027, 1, 31))
    assert _where("risk_riskhistory", history.pk) == "risk_riskhistory_p202701"
    action = _alert_action(graded_customer, first_of_december)
    assert _where("risk_alertaction", action.pk) == "risk_alertaction_p202612"
    # The ORM reads them back by id as before.
    assert AuditEvent.objects.get(pk=early.pk).created_at == first_of_december
    assert RiskHistory.objects.get(pk=history.pk).changed_on == dt.date(2027, 1, 31)


@pytest.mark.django_db
def test_a_row_without_its_month_waits_in_default_and_is_moved_by_the_daily_step(
    alice, graded_customer
):
    far = dt.datetime(2031, 5, 10, 9, 0, tzinfo=BANK)
    event = AuditEvent.objects.create(
        actor=alice, action="test.partition", object_label="far", created_at=far
    )
    history = _history(graded_customer, far.date())
    action = _alert_action(graded_customer, far)
    for table, row in [
        ("audit_auditevent", event),
        ("risk_riskhistory", history),
        ("risk_alertaction", action),
    ]:
        assert _where(table, row.pk) == default_partition_name(table)

    report = partitions_maintain(today=dt.date(2026, 11, 18))

    assert report.moved_rows == {
        "audit_auditevent": 1,
        "risk_riskhistory": 1,
        "risk_alertaction": 1,
    }
    for table, row in [
        ("audit_auditevent", event),
        ("risk_riskhistory", history),
        ("risk_alertaction", action),
    ]:
        assert _where(table, row.pk) == f"{table}_p203105"
        assert _count(default_partition_name(table)) == 0
    moved = AuditEvent.objects.get(pk=event.pk)
    assert (moved.actor, moved.object_label, moved.created_at) == (alice, "far", far)
    # The trail is still append-only, moved rows included.
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(object_label="rewritten")


@pytest.mark.django_db
def test_the_daily_step_creates_the_coming_months_once():
    report = partitions_maintain(today=dt.date(2027, 6, 10))
    for table in GROWING:
        assert {f"{table}_p2027{month:02}" for month in (6, 7, 8, 9)} <= _partitions(table)
        assert f"{table}_p202710" not in _partitions(table)
    assert {f"audit_auditevent_p2027{month:02}" for month in (6, 7, 8, 9)} <= set(report.created)

    before = {table: _partitions(table) for table in GROWING}
    again = partitions_maintain(today=dt.date(2027, 6, 10))
    assert (again.created, again.moved_rows) == ([], {})
    assert {table: _partitions(table) for table in GROWING} == before


@pytest.mark.django_db
def test_the_beat_task_runs_the_step_for_the_bank_s_today():
    maintain_partitions()
    this_month = timezone.localdate().replace(day=1)
    for table in GROWING:
        assert f"{table}_p{this_month:%Y%m}" in _partitions(table)
    assert maintain_partitions() == {"created": [], "moved_rows": {}}


# --- The migration on a database that holds rows --------------------------------------------

# The two migrations that split the tables; each runs its frozen SQL (migrations/sql/) through
# `_run_frozen`, which the test calls as the migration executor would, without rebuilding
# Django's migration state (minutes on two cores) for what is plain SQL.
SPLITTING = [
    import_module("audit.migrations.0006_monthly_partitions"),
    import_module("risk.migrations.0028_monthly_partitions"),
]


def _migrate(direction: str) -> None:
    for migration in SPLITTING if direction == "forward" else reversed(SPLITTING):
        with transaction.atomic():
            migration._run_frozen(direction)(None, None)


@pytest.fixture
def _latest_schema_after():
    """The database is left split, as the other tests expect it (the forward SQL converges:
    nothing to do when the tables are split already)."""
    yield
    _migrate("forward")


@pytest.fixture
def _reference_data(transactional_db):
    """A transactional test run before this one emptied every table: the rows the data
    migrations write (scorecards, products, rules) are written again."""
    replay_data_migrations()


def _rows_and_sequences() -> tuple[dict[str, list[str]], dict[str, int]]:
    rows, sequences = {}, {}
    with connection.cursor() as cursor:
        for table in ALL_FIVE:
            cursor.execute(f"SELECT ROW(t.*)::text FROM {table} AS t ORDER BY t.id")
            rows[table] = [row for (row,) in cursor.fetchall()]
            cursor.execute(
                "SELECT last_value FROM pg_sequences WHERE sequencename = %s", [f"{table}_id_seq"]
            )
            sequences[table] = cursor.fetchone()[0]
    return rows, sequences


@pytest.mark.django_db(transaction=True)
def test_the_migration_splits_a_database_holding_rows_keeping_every_row_and_id(
    _latest_schema_after, _reference_data, alice, mary, loan, graded_customer, client_for
):
    _migrate("reverse")
    assert not GROWING & _partitioned().keys()
    # Rows over years, as an installation holds them, written before the split.
    for months_back in range(0, 40, 3):
        day = dt.date(2026, 11, 18) - dt.timedelta(days=30 * months_back)
        _history(graded_customer, day)
        moment = dt.datetime.combine(day, dt.time(23, 59), tzinfo=BANK)
        AuditEvent.objects.create(actor=alice, action="test.partition", created_at=moment)
        _alert_action(graded_customer, moment)
    # A row far from the others: its month gets a partition of its own.
    _history(graded_customer, dt.date(2012, 2, 29))
    officer = client_for(alice)
    repayment = reverse("lending:repayment-post", args=[loan.pk])
    paid = {"amount": "500.00", "paid_on": "2026-03-15", "channel": "counter"}
    assert officer.post(repayment, {**paid, "reference": "BEFORE-1"}).status_code == 302
    rows, sequences = _rows_and_sequences()
    assert all(rows[table] for table in ALL_FIVE), {t: len(r) for t, r in rows.items()}

    _migrate("forward")

    assert _partitioned().keys() >= GROWING
    assert _rows_and_sequences() == (rows, sequences)
    with connection.cursor() as cursor:
        for growing in PARTITIONED_TABLES:
            # Every row is in its month's partition, none in the default.
            local = " AT TIME ZONE 'Asia/Shanghai'" if growing.moment else ""
            cursor.execute(
                f"SELECT count(*) FROM {growing.table} WHERE tableoid::regclass::text <> "
                f"'{growing.table}_p' || to_char({growing.key}{local}, 'YYYYMM')"
            )
            assert cursor.fetchone() == (0,), growing.table
    assert "risk_riskhistory_p201202" in _partitions("risk_riskhistory")

    # The application works on the split tables: a page, and a repayment posted.
    assert officer.get(reverse("lending:loan-detail", args=[loan.pk])).status_code == 200
    assert officer.post(repayment, {**paid, "reference": "AFTER-1"}).status_code == 302
    assert Repayment.objects.filter(loan=loan, reference="AFTER-1").exists()
    # The audit trail goes on from where its ids stopped.
    newest = AuditEvent.objects.order_by("-id").first()
    assert newest.pk > max(int(row[1:].split(",", 1)[0]) for row in rows["audit_auditevent"])
    assert _where("audit_auditevent", newest.pk).startswith("audit_auditevent_p")
