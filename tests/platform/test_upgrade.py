"""An installation of the previous layout upgrades and loses nothing.

Lending moved out of the credit app in the migrations' state only: its tables keep their names
(credit_loan, credit_application…), their rows, constraints and indexes, and its content types
are relabelled credit → lending with their ids. This test holds that for a real installation:
the code of the last commit before the move (PREVIOUS_LAYOUT, taken from git) migrates a
scratch database on the test server and seeds the demo book into it; today's code then
migrates that database, and every row of every table is found again, read by SQL and by
today's models, and the schema is the one a fresh installation gets."""

import contextlib
import csv
import io
import os
import subprocess
import sys
import tarfile
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.apps import apps
from django.conf import settings
from django.db import connections
from django.db.models import Count, Sum
from psycopg import sql

from accounts.roles import GROUP_NAMES, ROLE_PERMISSIONS
from credit.models import Assessment
from lending.models import (
    Application,
    Collateral,
    Instalment,
    Loan,
    Repayment,
    RepaymentAllocation,
)
from ops import dev
from risk.models import LoanRisk
from tests.conftest import BANK_TIME_ZONE, SUITE_NOW

BASE_DIR = Path(settings.BASE_DIR)

# The last commit before lending/ existed: credit/ holds the lending models, migrated up to
# credit 0013 and risk 0016.
PREVIOUS_LAYOUT = "d50665dd3abaf440cefa86db2d58934e54c04bfd"

PROJECT_APPS = ["accounts", "audit", "customers", "credit", "lending", "risk", "dashboards"]

# The models that lending took over from credit (lending 0001), each on its old table,
# credit_<model>.
MOVED_MODELS = {
    "application",
    "applicationevent",
    "collateral",
    "collateralvaluation",
    "customernotification",
    "guarantor",
    "instalment",
    "loan",
    "loanproduct",
    "pricingrule",
    "repayment",
    "repaymentallocation",
    "repaymentreversalproposal",
    "restructuring",
    "restructuringproposal",
}

# Tables whose rows the new migrations change on purpose, each compared by what it means
# instead of row for row; every other table keeps every row as it was, column for column.
CHANGED_ON_PURPOSE = {
    # The new migrations are recorded as applied: the old records stay, new ones are added
    # (_assert_the_new_migrations_are_recorded).
    "django_migrations",
    # The moved models' content types are relabelled credit → lending keeping their ids
    # (lending 0002), so the permissions, group grants and admin log entries on them follow
    # (_assert_content_types_moved_with_their_models).
    "django_content_type",
    # The role groups are synced to accounts/roles.py (lending 0002): every grant stays as it
    # was and those the groups lacked are added. The previous layout's roles.py already named
    # the moved models' permissions under "lending", which did not exist there, so its risk
    # officers lacked the lending views until this upgrade
    # (_assert_role_groups_hold_what_the_roles_say).
    "auth_group_permissions",
    # The rules of one indicator became a ladder (risk 0018): of the active alerts one subject
    # held under one indicator, the highest step stays open and the others are dismissed as
    # merged, each with a history row (_assert_alerts_merged_into_their_ladders).
    "risk_alert",
    "risk_alertaction",
    # The credit bureau's factor enters the scorecards (credit 0016): a published card is
    # never edited, so each card in force is retired and its next version, the same card
    # with the factor, published (_assert_scorecards_superseded_not_edited).
    "credit_scorecardversion",
}

# Tables whose rows all stay while migrations of new features add their own reference rows:
# the compliance role's group and the new models' permissions, the new early-warning rules,
# the beat schedules of the new night steps (month-end provisions, payment reminders), and
# the customers marked for the next night because new rules, a new scorecard version and
# the exposure figures must be computed for them.
# Nothing in them may be lost or changed; rows may be added.
ROWS_ADDED_ON_PURPOSE = {
    "risk_pendingcustomer",
    "auth_group",
    "auth_permission",
    "django_celery_beat_crontabschedule",
    "django_celery_beat_intervalschedule",
    "django_celery_beat_periodictask",
    "risk_earlywarningrule",
}

# Both codes run at the suite's moment, as the tests in this process do, and on its business
# date, so the demo book is the same whatever day the test runs.
AT_SUITE_MOMENT = (
    "import runpy, sys, time_machine; "
    "time_machine.travel(sys.argv[1], tick=True).start(); "
    "sys.argv = sys.argv[2:]; "
    "runpy.run_path(sys.argv[0], run_name='__main__')"
)

# Figures of the lending book computed in SQL on the old database, which today's models must
# find again (`_assert_todays_models_read_the_rows`).
FIGURES = {
    "loans": "SELECT count(*), sum(principal), sum(outstanding_principal) FROM credit_loan",
    "instalments": (
        "SELECT count(*), sum(principal_due), sum(interest_due), sum(principal_paid) "
        "FROM credit_instalment WHERE NOT superseded"
    ),
    "repayments": "SELECT count(*), sum(amount) FROM credit_repayment WHERE reversed_at IS NULL",
    "allocations": "SELECT count(*), sum(principal) FROM credit_repaymentallocation",
    "applications": "SELECT count(*), sum(amount) FROM credit_application",
    "assessed_applications": (
        "SELECT count(DISTINCT application_id) FROM credit_assessment "
        "WHERE application_id IS NOT NULL"
    ),
    "classified_loans": "SELECT count(*), sum(l.principal) FROM risk_loanrisk r "
    "JOIN credit_loan l ON l.id = r.loan_id",
    "collateral": "SELECT count(*), sum(value) FROM credit_collateral",
}


@dataclass
class Book:
    """What a database holds: each table's columns and rows (as text), the sequences' last
    values, the content types, the role groups' grants, and the figures above."""

    columns: dict[str, list[str]]
    rows: dict[str, list[str]]
    sequences: dict[str, int]
    migrations: set[tuple[str, str]]
    content_types: set[tuple[int, str, str]]
    grants: set[tuple[str, str, str, str]]
    figures: dict[str, tuple]


# The test database, which today's migrations built from nothing, is the fresh installation
# the upgraded schema is compared with.
@pytest.mark.django_db
def test_an_installation_of_the_previous_layout_upgrades_losing_nothing(tmp_path):
    old_tree = _archive_of(PREVIOUS_LAYOUT, tmp_path / "previous")
    redis_folder = tmp_path / "redis"
    scratch = f"upgrade_test_{uuid.uuid4().hex[:8]}"
    test_database = connections["default"].settings_dict["NAME"]
    server = _connect("postgres")
    server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(scratch)))
    try:
        # A Redis of the test's own: the seed queues notifications for tasks that no
        # worker of the suite must take (and whose names the old code had).
        env = _environment(scratch, dev.ensure_redis(redis_folder).url)
        _manage(old_tree, env, "migrate", "--noinput")
        _assert_the_old_code_ran(scratch, old_tree)
        _manage(old_tree, env, "seed_demo", "--customers", "24", "--force")
        before = _book(scratch)

        _manage(BASE_DIR, env, "migrate", "--noinput")
        after = _book(scratch, columns=before.columns)

        _assert_every_row_is_still_there(before, after)
        _assert_scorecards_superseded_not_edited(before, after)
        _assert_the_new_migrations_are_recorded(before, after, old_tree)
        _assert_content_types_moved_with_their_models(before, after)
        _assert_role_groups_hold_what_the_roles_say(before, after)
        _assert_sequences_kept_their_place(before, after)
        _assert_alerts_merged_into_their_ladders(before, after, scratch)
        with _django_connection(scratch) as alias:
            _assert_todays_models_read_the_rows(alias, before)
        _assert_the_schema_is_a_fresh_installations(scratch, test_database)
    finally:
        server.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(scratch))
        )
        server.close()
        dev.stop_redis(redis_folder)


# --- Running the two codes ------------------------------------------------------------------


def _archive_of(commit: str, folder: Path) -> Path:
    """The tree of `commit`, from the checkout's git history (CI has it: a clean clone)."""
    try:
        archive = subprocess.run(
            ["git", "-C", str(BASE_DIR), "archive", "--format=tar", commit],
            capture_output=True,
            timeout=120,
        )
    except FileNotFoundError:
        pytest.fail("git is needed to build the database of the previous layout: install git")
    if archive.returncode != 0:
        pytest.fail(
            f"Commit {commit} (the layout before lending/) is not in the git history of "
            f"{BASE_DIR}: a clone with the whole history is needed (git fetch --unshallow).\n"
            + archive.stderr.decode(errors="replace")
        )
    folder.mkdir()
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(folder, filter="data")
    return folder


def _url_of(database: str) -> str:
    """A URL for `database` on the test database's server, as the settings read it."""
    db = connections["default"].settings_dict
    credentials = f"{quote(db['USER'] or '')}:{quote(db['PASSWORD'] or '')}"
    if not db["HOST"] or db["HOST"].startswith("/"):
        return f"postgresql://{credentials}@/{quote(database)}?host={quote(db['HOST'] or '')}"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgresql://{credentials}@{db['HOST']}{port}/{quote(database)}"


def _connect(database: str) -> psycopg.Connection:
    return psycopg.connect(_url_of(database), autocommit=True)


def _environment(database: str, redis_url: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name != "PYTHONPATH"}
    env.update(
        DATABASE_URL=_url_of(database),
        REDIS_URL=redis_url,
        DEBUG="1",
        BUSINESS_DATE=SUITE_NOW.astimezone(BANK_TIME_ZONE).date().isoformat(),
        # This process's keys, so that today's models here decrypt what the old code wrote.
        SECRET_KEY=settings.SECRET_KEY,
        FIELD_ENCRYPTION_KEYS=",".join(settings.FIELD_ENCRYPTION_KEYS),
        FIELD_HASH_KEY=settings.FIELD_HASH_KEY,
        # A scratch database, dropped at the end: its commits need not each wait for the disk.
        PGOPTIONS=f"{os.environ.get('PGOPTIONS', '')} -c synchronous_commit=off".strip(),
    )
    return env


def _manage(tree: Path, env: dict[str, str], *args: str) -> None:
    """`manage.py ARGS` of the code in `tree`. Run from there, its own packages come first on
    the path, before the checkout that the virtualenv has installed."""
    done = subprocess.run(
        [sys.executable, "-c", AT_SUITE_MOMENT, SUITE_NOW.isoformat(), "manage.py", *args],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, (
        f"manage.py {' '.join(args)} failed in {tree}:\n{done.stdout[-3000:]}\n{done.stderr}"
    )


def _assert_the_old_code_ran(database: str, old_tree: Path) -> None:
    """The migrations recorded are exactly the old tree's (no lending app yet): the old code
    ran, not the checkout's."""
    with _connect(database) as connection:
        recorded = set(
            connection.execute(
                "SELECT app, name FROM django_migrations WHERE app = ANY(%s)", [PROJECT_APPS]
            ).fetchall()
        )
    on_file = {
        (app, path.stem)
        for app in PROJECT_APPS
        for path in (old_tree / app / "migrations").glob("0*.py")
    }
    assert not (old_tree / "lending").exists()
    assert on_file and recorded == on_file


# --- What a database holds ------------------------------------------------------------------


def _book(database: str, *, columns: dict[str, list[str]] | None = None) -> Book:
    """The database's rows. Each table is read over `columns`, the old layout's, so that a
    column added since does not hide the old ones, and a column or table gone fails here."""
    with _connect(database) as connection:
        if columns is None:
            columns = {}
            for table, column in connection.execute(
                "SELECT c.relname, a.attname FROM pg_attribute a "
                "JOIN pg_class c ON c.oid = a.attrelid "
                "WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' "
                "AND a.attnum > 0 AND NOT a.attisdropped ORDER BY c.relname, a.attnum"
            ):
                columns.setdefault(table, []).append(column)
        rows = {}
        for table, names in columns.items():
            query = sql.SQL("SELECT ROW({})::text FROM {} AS t").format(
                sql.SQL(", ").join(sql.Identifier("t", name) for name in names),
                sql.Identifier(table),
            )
            rows[table] = sorted(row[0] for row in connection.execute(query))
        return Book(
            columns=columns,
            rows=rows,
            sequences=dict(
                connection.execute(
                    "SELECT sequencename, coalesce(last_value, 0) FROM pg_sequences "
                    "WHERE schemaname = 'public'"
                ).fetchall()
            ),
            migrations=set(connection.execute("SELECT app, name FROM django_migrations")),
            content_types=set(
                connection.execute("SELECT id, app_label, model FROM django_content_type")
            ),
            grants=set(
                connection.execute(
                    "SELECT g.name, ct.app_label, ct.model, p.codename "
                    "FROM auth_group_permissions gp "
                    "JOIN auth_group g ON g.id = gp.group_id "
                    "JOIN auth_permission p ON p.id = gp.permission_id "
                    "JOIN django_content_type ct ON ct.id = p.content_type_id"
                )
            ),
            figures={name: connection.execute(query).fetchone() for name, query in FIGURES.items()},
        )


@contextlib.contextmanager
def _django_connection(database: str):
    """A connection of Django's to `database`, so today's models can read it. It is made here,
    not declared in the settings, as Django's test case allows (the test's own connection
    stays on the test database)."""
    alias = f"upgraded_{database}"
    connection = connections["default"].copy(alias)
    connection.settings_dict["NAME"] = database
    connections[alias] = connection
    try:
        yield alias
    finally:
        connection.close()
        del connections[alias]


# --- The checks -----------------------------------------------------------------------------


def _assert_every_row_is_still_there(before: Book, after: Book) -> None:
    # The book seeded is there to be found: the moved models' tables hold rows, but for those
    # the demo may leave empty (it proposes no reversal, and restructures only when its dates
    # give a loan to restructure).
    empty = {f"credit_{model}" for model in MOVED_MODELS if not before.rows[f"credit_{model}"]}
    assert empty <= {
        "credit_repaymentreversalproposal",
        "credit_restructuring",
        "credit_restructuringproposal",
    }, empty
    changed = {}
    for table, old_rows in before.rows.items():
        if table in CHANGED_ON_PURPOSE or after.rows[table] == old_rows:
            continue
        lost = Counter(old_rows) - Counter(after.rows[table])
        added = Counter(after.rows[table]) - Counter(old_rows)
        if table in ROWS_ADDED_ON_PURPOSE and not lost:
            continue
        changed[table] = {"lost": sorted(lost)[:3], "added": sorted(added)[:3]}
    assert not changed, f"rows the upgrade changed: {changed}"


def _assert_scorecards_superseded_not_edited(before: Book, after: Book) -> None:
    """Every old scorecard version is still there, as it was but for its status: a version in
    force became retired, and a newer version of the same card is published in its place."""
    columns = before.columns["credit_scorecardversion"]
    status = columns.index("status")

    def fields(row: str) -> list[str]:
        return next(csv.reader([row[1:-1]]))

    old = {fields(row)[0]: fields(row) for row in before.rows["credit_scorecardversion"]}
    new = {fields(row)[0]: fields(row) for row in after.rows["credit_scorecardversion"]}
    assert old.keys() <= new.keys()
    published_before = 0
    for pk, row in old.items():
        assert [v for i, v in enumerate(new[pk]) if i != status] == [
            v for i, v in enumerate(row) if i != status
        ], f"scorecard version {pk} was edited"
        if row[status] == "published":
            published_before += 1
            assert new[pk][status] == "retired", f"scorecard version {pk}: {new[pk][status]}"
    published_after = [pk for pk in new.keys() - old.keys() if new[pk][status] == "published"]
    assert len(published_after) == published_before


def _assert_alerts_merged_into_their_ladders(before: Book, after: Book, database: str) -> None:
    """Every alert and every history row is still there. An alert the upgrade changed is one
    merged into its ladder: dismissed, saying so, with a history row of its own; the others
    are as they were, column for column."""
    assert Counter(before.rows["risk_alertaction"]) <= Counter(after.rows["risk_alertaction"])
    assert before.columns["risk_alert"][0] == "id"

    def by_id(rows: list[str]) -> dict[int, str]:
        return {int(row[1:].split(",", 1)[0]): row for row in rows}

    old, new = by_id(before.rows["risk_alert"]), by_id(after.rows["risk_alert"])
    assert new.keys() == old.keys()
    merged = sorted(pk for pk in old if new[pk] != old[pk])
    assert merged, "the demo book holds alerts of one ladder to merge"
    with _connect(database) as connection:
        rows = connection.execute(
            "SELECT a.status, a.close_reason, "
            "EXISTS (SELECT 1 FROM risk_alertaction h "
            "        WHERE h.alert_id = a.id AND h.action = 'merged') "
            "FROM risk_alert a WHERE a.id = ANY(%s)",
            [merged],
        ).fetchall()
    assert set(rows) == {("dismissed", "Merged into the ladder.", True)}, rows


def _assert_the_new_migrations_are_recorded(before: Book, after: Book, old_tree: Path) -> None:
    """The old records stay as they were (ids and dates too); the added ones are the
    migrations that today's tree has and the old one had not."""
    assert set(before.rows["django_migrations"]) <= set(after.rows["django_migrations"])
    added = after.migrations - before.migrations
    assert ("lending", "0001_initial") in added
    for app, name in added:
        assert not (old_tree / app / "migrations" / f"{name}.py").exists(), (app, name)
        if app in PROJECT_APPS:
            assert (BASE_DIR / app / "migrations" / f"{name}.py").exists(), (app, name)


def _assert_content_types_moved_with_their_models(before: Book, after: Book) -> None:
    """Each moved model's content type is the same row (same id) under its new app label, so
    what points at it follows; every other content type is as it was. A content type added
    is one of a model that did not exist before."""
    assert {("credit", model) for model in MOVED_MODELS} <= {
        (app, model) for _, app, model in before.content_types
    }
    expected = {
        (id_, "lending" if app == "credit" and model in MOVED_MODELS else app, model)
        for id_, app, model in before.content_types
    }
    assert expected <= after.content_types, (
        f"content types not as expected: {sorted(expected - after.content_types)}"
    )
    existing_before = {(app, model) for _, app, model in expected}
    for _, app, model in after.content_types - expected:
        assert (app, model) not in existing_before
        assert apps.get_model(app, model)


def _assert_role_groups_hold_what_the_roles_say(before: Book, after: Book) -> None:
    """Every grant of the old database is still held (the moved models' permissions now under
    their new app), and each role group holds exactly what accounts/roles.py lists."""
    assert {
        (group, "lending" if app == "credit" and model in MOVED_MODELS else app, model, codename)
        for group, app, model, codename in before.grants
    } <= after.grants
    held = {}
    for group, app, _, codename in after.grants:
        held.setdefault(group, set()).add(f"{app}.{codename}")
    assert held == {
        GROUP_NAMES[role]: set(permissions) for role, permissions in ROLE_PERMISSIONS.items()
    }


def _assert_sequences_kept_their_place(before: Book, after: Book) -> None:
    moved_back = {
        name: (value, after.sequences.get(name))
        for name, value in before.sequences.items()
        if after.sequences.get(name, -1) < value
    }
    assert not moved_back, f"sequences gone or moved back (new ids would collide): {moved_back}"


def _assert_todays_models_read_the_rows(alias: str, before: Book) -> None:
    """Today's models, lending's from their new app on their old tables, read every row (every
    field, the encrypted identifiers decrypted) and find the old book's figures, also across
    the keys from the apps that stayed."""
    for model in MOVED_MODELS:
        assert apps.get_model("lending", model)._meta.db_table == f"credit_{model}"
    for app in PROJECT_APPS:
        for model in apps.get_app_config(app).get_models(include_auto_created=True):
            if not model._meta.managed or model._meta.proxy:
                continue
            read = list(model._base_manager.using(alias).all())
            # A table that a new model brought has no old rows to compare with.
            if model._meta.db_table == "risk_alertaction":
                # The merges' history rows are added (_assert_alerts_merged_into_their_ladders).
                assert len(read) > len(before.rows["risk_alertaction"])
            elif model._meta.db_table in ROWS_ADDED_ON_PURPOSE | {"credit_scorecardversion"}:
                # Reference rows added by new features' migrations (see the sets above).
                assert len(read) >= len(before.rows[model._meta.db_table]), model
            elif model._meta.db_table in before.rows:
                assert len(read) == len(before.rows[model._meta.db_table]), model

    loans = Loan.objects.using(alias)
    assert (
        tuple(loans.aggregate(Count("id"), Sum("principal"), Sum("outstanding_principal")).values())
        == before.figures["loans"]
    )
    instalments = Instalment.objects.using(alias).filter(superseded=False)
    assert (
        tuple(
            instalments.aggregate(
                Count("id"), Sum("principal_due"), Sum("interest_due"), Sum("principal_paid")
            ).values()
        )
        == before.figures["instalments"]
    )
    repayments = Repayment.objects.using(alias).filter(reversed_at__isnull=True)
    assert (
        tuple(repayments.aggregate(Count("id"), Sum("amount")).values())
        == before.figures["repayments"]
    )
    allocations = RepaymentAllocation.objects.using(alias)
    assert (
        tuple(allocations.aggregate(Count("id"), Sum("principal")).values())
        == before.figures["allocations"]
    )
    applications = Application.objects.using(alias)
    assert (
        tuple(applications.aggregate(Count("id"), Sum("amount")).values())
        == before.figures["applications"]
    )
    assert (applications.filter(assessments__isnull=False).distinct().count(),) == before.figures[
        "assessed_applications"
    ]
    assert Assessment.objects.using(alias).filter(application__isnull=False).exists()
    classified = LoanRisk.objects.using(alias).select_related("loan")
    assert (
        classified.count(),
        sum(risk.loan.principal for risk in classified),
    ) == before.figures["classified_loans"]
    assert (
        tuple(Collateral.objects.using(alias).aggregate(Count("id"), Sum("value")).values())
        == before.figures["collateral"]
    )


# The partitions of the tables split by month (core/partitions.py) are one per month that
# holds rows, so they differ between databases by their data: the partitioned tables
# themselves are compared, their partitions (pg_class.relispartition) are not.
# The schema as the catalogue describes it, independent of how each object came to be.
CATALOGUE = {
    "columns": (
        "SELECT table_name, column_name, data_type, is_nullable, column_default, "
        "character_maximum_length, numeric_precision, numeric_scale, is_identity "
        "FROM information_schema.columns WHERE table_schema = 'public' "
        "AND table_name NOT IN (SELECT relname FROM pg_class WHERE relispartition)"
    ),
    "constraints": (
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
        "FROM pg_constraint WHERE connamespace = 'public'::regnamespace "
        "AND conrelid NOT IN (SELECT oid FROM pg_class WHERE relispartition)"
    ),
    "indexes": (
        "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' "
        "AND tablename NOT IN (SELECT relname FROM pg_class WHERE relispartition)"
    ),
    "triggers": (
        "SELECT tgrelid::regclass::text, tgname, pg_get_triggerdef(oid) FROM pg_trigger "
        "WHERE NOT tgisinternal "
        "AND tgrelid NOT IN (SELECT oid FROM pg_class WHERE relispartition)"
    ),
    "functions": (
        "SELECT proname, pg_get_function_identity_arguments(oid), md5(pg_get_functiondef(oid)) "
        "FROM pg_proc WHERE pronamespace = 'public'::regnamespace"
    ),
    "views": (
        "SELECT viewname, md5(definition) FROM pg_views WHERE schemaname = 'public' UNION ALL "
        "SELECT matviewname, md5(definition) FROM pg_matviews WHERE schemaname = 'public'"
    ),
}


def _catalogue(database: str) -> dict[str, set[tuple]]:
    with _connect(database) as connection:
        return {name: set(connection.execute(query)) for name, query in CATALOGUE.items()}


def _assert_the_schema_is_a_fresh_installations(database: str, test_database: str) -> None:
    """The upgraded database has the tables, columns, constraints, indexes, triggers and
    functions that today's migrations give an empty database (the test database): the state
    moves left nothing behind and nothing missing."""
    upgraded, fresh = _catalogue(database), _catalogue(test_database)
    differences = {
        name: {
            "upgraded only": sorted(upgraded[name] - fresh[name])[:5],
            "fresh only": sorted(fresh[name] - upgraded[name])[:5],
        }
        for name in CATALOGUE
        if upgraded[name] != fresh[name]
    }
    assert not differences, f"the upgraded schema differs from a fresh one: {differences}"
