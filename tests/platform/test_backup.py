"""make backup / make restore on the test PostgreSQL server: a seeded book survives the round trip
row for row, and a restore that must not happen (data in the target, a bad file, a session in
the way) changes nothing."""

import contextlib
import io
import stat
import uuid
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command
from django.db import connections
from psycopg import sql
from psycopg.conninfo import make_conninfo

from crm_site.celery import app as celery_app
from ops import backup

# The tables whose contents, not only their row counts, must come back byte for byte.
KEY_TABLES = ["customers_customer", "credit_loan", "credit_repayment", "audit_auditevent"]
SCRATCH_PREFIX = f"backup_test_{uuid.uuid4().hex[:8]}"

# pytest-django creates and migrates the test database only for tests marked this way; the
# scratch databases are copies of it. The module's own fixtures copy it before any test's
# transaction opens, since a template database must have no session connected.
pytestmark = pytest.mark.django_db


@contextlib.contextmanager
def django_writes_to(database_name: str):
    """seed_demo and the services under it write through Django's default connection only, so
    the seed is pointed at the scratch database by renaming that connection's database for a
    while. Celery runs eagerly meanwhile: the notifications the seed queues must reach the
    scratch database, not a queue a developer's worker reads."""
    default = connections["default"]
    original_name = default.settings_dict["NAME"]
    default.close()
    default.settings_dict["NAME"] = database_name
    celery_app.conf.task_always_eager = True
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = False
        default.close()
        default.settings_dict["NAME"] = original_name


def partitioned_tables(database: backup.Database) -> list[str]:
    with database.connect() as connection:
        return [
            row[0]
            for row in connection.execute(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind = 'p'"
            )
        ]


def book_snapshot(database: backup.Database) -> dict:
    """Row counts of every table, a checksum of the key tables' rows and the sequence values."""
    with database.connect() as connection:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
        counts = {
            table: connection.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
            ).fetchone()[0]
            for table in tables
        }
        checksums = {
            table: connection.execute(
                sql.SQL(
                    "SELECT md5(coalesce(string_agg(row_text, E'\\n' ORDER BY id), '')) "
                    "FROM (SELECT id, t::text AS row_text FROM {} AS t) AS rows"
                ).format(sql.Identifier(table))
            ).fetchone()[0]
            for table in KEY_TABLES
        }
        sequences = dict(
            connection.execute(
                "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"
            ).fetchall()
        )
    return {"counts": counts, "checksums": checksums, "sequences": sequences}


def databases_named_like(server: backup.Database, prefix: str) -> set[str]:
    with backup.maintenance_connection(server) as connection:
        rows = connection.execute(
            "SELECT datname FROM pg_database WHERE starts_with(datname, %s)", [prefix]
        ).fetchall()
    return {row[0] for row in rows}


@pytest.fixture(scope="module")
def test_database(django_db_setup, django_db_blocker) -> backup.Database:
    """The migrated test database; its server hosts this module's scratch databases."""
    settings = connections["default"].settings_dict
    params = {
        "dbname": settings["NAME"],
        "user": settings["USER"],
        "password": settings["PASSWORD"],
        "host": settings["HOST"],
        "port": str(settings["PORT"] or ""),
    }
    database = backup.Database({key: value for key, value in params.items() if value})
    yield database
    with django_db_blocker.unblock(), backup.maintenance_connection(database) as connection:
        for name in databases_named_like(database, SCRATCH_PREFIX):
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture(scope="module")
def tools(test_database, django_db_blocker) -> backup.ClientTools:
    # The same search `make backup` does for a configured server: failing here means the
    # machine has no usable pg_dump, which the test should report, not skip.
    with django_db_blocker.unblock():
        return backup.tools_for(test_database, embedded=False)


@pytest.fixture(scope="module")
def seeded_source(test_database, django_db_blocker) -> backup.Database:
    """A copy of the migrated test database with a small demo book seeded into it."""
    source = test_database.sibling(f"{SCRATCH_PREFIX}_source")
    with django_db_blocker.unblock():
        # A database can serve as a template only while nobody is connected to it.
        connections.close_all()
        with backup.maintenance_connection(test_database) as connection:
            connection.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(source.name), sql.Identifier(test_database.name)
                )
            )
        with django_writes_to(source.name):
            call_command("seed_demo", "--customers", "4", "--force", stdout=io.StringIO())
    return source


@pytest.fixture(scope="module")
def backed_up(seeded_source, tools, tmp_path_factory) -> tuple[Path, dict]:
    """The backup of the seeded book, and the snapshot of the book it was taken from."""
    snapshot = book_snapshot(seeded_source)
    assert all(snapshot["counts"][table] > 0 for table in KEY_TABLES), snapshot["counts"]
    path = tmp_path_factory.mktemp("backups") / "source.dump"
    result = backup.backup_database(seeded_source, path, tools)
    assert result.size == path.stat().st_size > 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600, "a backup holds personal data"
    return path, snapshot


def test_a_seeded_book_round_trips_into_a_fresh_database(seeded_source, tools, backed_up):
    backup_file, source_snapshot = backed_up
    target = seeded_source.sibling(f"{SCRATCH_PREFIX}_fresh")
    table_count = backup.restore_database(target, backup_file, tools)
    snapshot = book_snapshot(target)
    assert snapshot == source_snapshot
    # The backup holds the rows of each table that holds rows: a partitioned table's are in
    # its partitions (each month of the audit trail is a table of its own).
    partitioned = set(partitioned_tables(target))
    assert table_count == len(snapshot["counts"].keys() - partitioned)
    assert databases_named_like(seeded_source, SCRATCH_PREFIX) == {
        seeded_source.name,
        target.name,
    }, "the scratch database of the restore was left behind"


def test_restore_refuses_a_database_holding_data_unless_forced(seeded_source, tools, backed_up):
    backup_file, source_snapshot = backed_up
    with seeded_source.connect() as connection:
        connection.execute("INSERT INTO auth_group (name) VALUES ('added after the backup')")
    edited = book_snapshot(seeded_source)
    assert edited != source_snapshot

    with pytest.raises(backup.RestoreRefused, match=r"already holds data .* Nothing was changed"):
        backup.restore_database(seeded_source, backup_file, tools)
    assert book_snapshot(seeded_source) == edited

    backup.restore_database(seeded_source, backup_file, tools, force=True)
    assert book_snapshot(seeded_source) == source_snapshot


def test_restore_refuses_while_another_session_uses_the_database(seeded_source, tools, backed_up):
    backup_file, _ = backed_up
    before = book_snapshot(seeded_source)
    with (
        psycopg.connect(make_conninfo(**seeded_source.params, application_name="web")),
        pytest.raises(backup.RestoreRefused, match=r"1 other session\(s\) .*\(web\)"),
    ):
        backup.restore_database(seeded_source, backup_file, tools, force=True)
    assert book_snapshot(seeded_source) == before


def test_a_missing_or_foreign_file_is_rejected_and_creates_nothing(seeded_source, tools, tmp_path):
    target = seeded_source.sibling(f"{SCRATCH_PREFIX}_never")
    with pytest.raises(backup.BackupError, match="does not exist"):
        backup.restore_database(target, tmp_path / "missing.dump", tools)
    not_a_dump = tmp_path / "notes.dump"
    not_a_dump.write_text("CREATE TABLE customers_customer (id int);\n")
    with pytest.raises(backup.BackupError, match="not a PostgreSQL custom-format backup"):
        backup.restore_database(target, not_a_dump, tools)
    assert target.name not in databases_named_like(seeded_source, SCRATCH_PREFIX)


def test_a_damaged_backup_fails_in_the_scratch_database_and_the_target_is_unchanged(
    seeded_source, tools, backed_up, tmp_path
):
    # Cut from the end: the table of contents at the start still reads, so the damage is
    # found only while the data is restored, after the scratch database exists.
    damaged = tmp_path / "damaged.dump"
    content = backed_up[0].read_bytes()
    damaged.write_bytes(content[: len(content) * 97 // 100])
    assert backup.archive_table_count(damaged, tools) > 0
    before = book_snapshot(seeded_source)
    existing = databases_named_like(seeded_source, SCRATCH_PREFIX)

    with pytest.raises(backup.BackupError, match=r"pg_restore failed; .* left unchanged"):
        backup.restore_database(seeded_source, damaged, tools, force=True)
    assert book_snapshot(seeded_source) == before
    assert databases_named_like(seeded_source, SCRATCH_PREFIX) == existing


def test_the_command_line_backs_up_and_reports_the_file(
    seeded_source, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("DATABASE_URL", make_conninfo(**seeded_source.params))
    assert backup.main(["backup", "--dir", str(tmp_path)]) == 0
    (written,) = tmp_path.glob(f"{seeded_source.name}-*.dump")
    output = capsys.readouterr().out
    assert str(written) in output
    assert backup.human_size(written.stat().st_size) in output

    assert backup.main(["restore", str(tmp_path / "missing.dump")]) == 1
    assert "missing.dump does not exist" in capsys.readouterr().err


def test_a_client_older_than_the_server_is_passed_over_with_the_reason(tmp_path):
    def fake_client_folder(name: str, version: str):
        folder = tmp_path / name
        folder.mkdir()
        for program in ("pg_dump", "pg_restore"):
            path = folder / program
            path.write_text(f'#!/bin/sh\necho "{program} (PostgreSQL) {version}"\n')
            path.chmod(0o755)
        return folder

    old = fake_client_folder("old", "15.18 (Debian 15.18-0+deb12u1)")
    new = fake_client_folder("new", "16.2")
    assert backup.find_client_tools(16, [old, new]).pg_dump == new / "pg_dump"
    with pytest.raises(backup.BackupError, match="version 15, older than the server") as error:
        backup.find_client_tools(16, [old, tmp_path / "nothing"])
    assert "nothing: no pg_dump and pg_restore there" in str(error.value)
    assert "postgresql-client-16" in str(error.value)
