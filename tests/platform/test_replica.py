"""The read replica (core/replica.py) against a real streaming replica of the test PostgreSQL:
pg_basebackup -R from the test server's cluster (the test database lives in it), started on its
own socket, replaying the primary's WAL. The tests commit their data (transactional_db), so the
replica receives it; pausing its replay (pg_wal_replay_pause) makes it visibly behind."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, router
from django.urls import reverse

from core.replica import PRIMARY, REPLICA, reading_from_replica, replica_state
from crm_site.env import parse_database_url
from customers.models import Customer
from tests.customers import factories
from tests.platform.test_settings import run_django

# The whole replica is set up within this; catching up takes well under a second locally.
READY_TIMEOUT_SECONDS = 30


def _postgres_binaries() -> Path | None:
    """The folder of pg_basebackup and pg_ctl of the same build as the test server: the
    embedded server's (the pgserver wheel), else the ones on PATH."""
    try:
        from pgserver._commands import POSTGRES_BIN_PATH
    except ImportError:
        found = shutil.which("pg_basebackup")
        return Path(found).parent if found else None
    return POSTGRES_BIN_PATH if (POSTGRES_BIN_PATH / "pg_basebackup").exists() else None


def _run(argv: list[str], *, user: str | None) -> None:
    result = subprocess.run(argv, capture_output=True, text=True, timeout=60, user=user)
    assert result.returncode == 0, f"{argv[0]} failed:\n{result.stdout}\n{result.stderr}"


def _primary_lsn() -> str:
    with connections[PRIMARY].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        return cursor.fetchone()[0]


class StreamingReplica:
    def __init__(self, conninfo: dict):
        self.conninfo = conninfo

    def execute(self, sql: str, params=()):
        with psycopg.connect(**self.conninfo, autocommit=True) as connection:
            return connection.execute(sql, params).fetchone()

    def wait_until_caught_up(self) -> None:
        """Until the replica has replayed everything the primary had written when asked."""
        target = _primary_lsn()
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while True:
            try:
                in_recovery, caught_up = self.execute(
                    "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn() >= %s::pg_lsn",
                    [target],
                )
                if in_recovery and caught_up:
                    return
            except psycopg.OperationalError:
                pass  # Still starting.
            assert time.monotonic() < deadline, "the replica did not catch up"
            time.sleep(0.05)

    def pause_replay(self) -> None:
        self.execute("SELECT pg_wal_replay_pause()")

    def resume_replay(self) -> None:
        self.execute("SELECT pg_wal_replay_resume()")


@pytest.fixture(scope="module")
def streaming_replica(django_db_setup, django_db_blocker):
    binaries = _postgres_binaries()
    if binaries is None:
        pytest.skip("pg_basebackup is not installed: no streaming replica can be made")
    primary = connections[PRIMARY].settings_dict
    port = str(primary["PORT"] or 5432)
    # PostgreSQL refuses to run as root; the embedded server runs as its own system user.
    run_as = "pgserver" if os.geteuid() == 0 else None
    # Short: a unix socket path is limited to about 107 bytes.
    folder = Path(tempfile.mkdtemp(prefix="xr-"))
    data, sockets = folder / "data", folder / "s"
    sockets.mkdir()
    if run_as:
        shutil.chown(folder, user=run_as)
        shutil.chown(sockets, user=run_as)
    host_args = ["-h", primary["HOST"] or "localhost", "-p", port, "-U", primary["USER"]]
    # -R writes the standby's settings (standby.signal, primary_conninfo); -c fast asks for an
    # immediate checkpoint, --no-sync skips fsync: a throwaway copy.
    copy_options = ["-R", "-X", "stream", "-c", "fast", "--no-sync"]
    _run([str(binaries / "pg_basebackup"), *host_args, "-D", str(data), *copy_options], user=run_as)
    server_options = f"-h '' -k {sockets} -p {port} -c fsync=off -c hot_standby=on"
    pg_ctl = str(binaries / "pg_ctl")
    start_options = ["-w", "-t", "30", "-l", str(folder / "log"), "-o", server_options]
    _run([pg_ctl, "-D", str(data), *start_options, "start"], user=run_as)
    replica = StreamingReplica(
        {"host": str(sockets), "port": port, "user": primary["USER"], "dbname": primary["NAME"]}
    )
    try:
        with django_db_blocker.unblock():
            replica.wait_until_caught_up()
        # The replica alias as DATABASE_REPLICA_URL would make it: the primary's settings
        # (its test database's name included) on the replica's socket.
        # A test mirror of the primary for the test machinery: never flushed or created.
        settings.DATABASES[REPLICA] = {
            **primary,
            "HOST": str(sockets),
            "PORT": port,
            "TEST": {**primary["TEST"], "MIRROR": PRIMARY},
        }
        replica_state.forget()
        yield replica
    finally:
        if REPLICA in settings.DATABASES:
            connections[REPLICA].close()
            del connections[REPLICA]
            del settings.DATABASES[REPLICA]
        replica_state.forget()
        subprocess.run(
            [pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"],
            capture_output=True,
            timeout=60,
            user=run_as,
        )
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def replica(streaming_replica, settings):
    """Checked on every read, a generous lag bound; the replica caught up and replaying."""
    settings.DATABASE_REPLICA_CHECK_SECONDS = 0
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 3600
    settings.DATABASE_REPLICA_AFTER_WRITE_SECONDS = 5
    streaming_replica.wait_until_caught_up()
    replica_state.forget()
    yield streaming_replica
    streaming_replica.resume_replay()
    replica_state.forget()


class StatementsPerAlias:
    """Counts the statements each connection runs (connection.execute_wrapper)."""

    def __init__(self):
        self.counts = {PRIMARY: 0, REPLICA: 0}

    def __enter__(self):
        self._wrappers = []
        for alias in self.counts:

            def count(execute, sql, params, many, context, alias=alias):
                self.counts[alias] += 1
                return execute(sql, params, many, context)

            wrapper = connections[alias].execute_wrapper(count)
            wrapper.__enter__()
            self._wrappers.append(wrapper)
        return self

    def __exit__(self, *exc):
        for wrapper in reversed(self._wrappers):
            wrapper.__exit__(*exc)

    def reset(self):
        for alias in self.counts:
            self.counts[alias] = 0


def _body(response) -> bytes:
    # A streamed export runs its queries while it is read.
    return b"".join(response.streaming_content) if response.streaming else response.content


def _export(client) -> str:
    response = client.get(reverse("customers:export", args=["csv"]))
    assert response.status_code == 200
    return _body(response).decode("utf-8")


# Committed data, so the replica receives it; the replica alias may be queried.
with_replica = pytest.mark.django_db(transaction=True, databases=[PRIMARY, REPLICA])


@with_replica
def test_dashboard_reports_and_exports_read_from_the_replica_and_other_pages_do_not(
    replica, client, mary, alice
):
    factories.individual(alice, name="Replica Reader")
    client.force_login(mary)
    replica.wait_until_caught_up()
    pages = {
        "dashboard": reverse("dashboards:dashboard"),
        "report": reverse("dashboards:report", args=["portfolio"]),
        "report export": reverse("dashboards:report", args=["portfolio"]) + "?export=csv",
        "customer export": reverse("customers:export", args=["csv"]),
        "loan export": reverse("lending:loan-export", args=["xlsx"]),
    }
    with StatementsPerAlias() as statements:
        for name, url in pages.items():
            statements.reset()
            response = client.get(url)
            assert response.status_code == 200, name
            _body(response)
            assert statements.counts[REPLICA] > 0, name
        # The customer list is not a report: it reads the primary only.
        statements.reset()
        response = client.get(reverse("customers:list"))
        assert response.status_code == 200
        assert "Replica Reader" in response.content.decode()
        assert statements.counts[REPLICA] == 0


@with_replica
def test_a_page_on_the_replica_shows_what_the_replica_has_replayed(replica, client, alice):
    client.force_login(alice)
    replica.wait_until_caught_up()
    replica.pause_replay()
    factories.individual(alice, name="Written While Paused")
    assert "Written While Paused" not in _export(client)
    replica.resume_replay()
    replica.wait_until_caught_up()
    assert "Written While Paused" in _export(client)


@with_replica
def test_a_page_right_after_a_post_reads_the_primary(replica, client, alice, settings):
    settings.DATABASE_REPLICA_AFTER_WRITE_SECONDS = 2
    client.force_login(alice)
    replica.wait_until_caught_up()
    replica.pause_replay()
    response = client.post(
        reverse("customers:create"),
        {
            "kind": "individual",
            "name": "Posted Just Now",
            "resident_id": factories.resident_id(),
            "phone": "13800138001",
            "gender": "M",
            "birth_date": "1985-06-15",
            "monthly_income": "12000.00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    # The replica has not replayed the new customer, yet alice's export right after shows it.
    with StatementsPerAlias() as statements:
        assert "Posted Just Now" in _export(client)
    assert statements.counts[REPLICA] == 0
    # Once the read-your-writes window has passed, the (paused) replica answers again.
    time.sleep(2.1)
    with StatementsPerAlias() as statements:
        assert "Posted Just Now" not in _export(client)
    assert statements.counts[REPLICA] > 0


@with_replica
def test_a_replica_lagging_past_the_bound_is_not_used(replica, client, alice, settings, caplog):
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 1
    # Checked once for both pages: the answer is kept for a while in each process.
    settings.DATABASE_REPLICA_CHECK_SECONDS = 60
    client.force_login(alice)
    replica.wait_until_caught_up()
    replica.pause_replay()
    factories.individual(alice, name="Behind The Replica")
    time.sleep(1.2)
    with StatementsPerAlias() as statements, caplog.at_level("WARNING", logger="core.replica"):
        assert "Behind The Replica" in _export(client)
        assert "Behind The Replica" in _export(client)
    assert statements.counts[REPLICA] == 1, "only the lag check may run on the replica"
    # Logged once, not on every page.
    warnings = [r for r in caplog.records if "read replica not used" in r.getMessage()]
    assert len(warnings) == 1
    assert "replay lag" in warnings[0].getMessage()


@pytest.mark.django_db
def test_without_a_replica_the_reports_read_the_primary(client, mary):
    assert REPLICA not in settings.DATABASES
    client.force_login(mary)
    with reading_from_replica():
        assert router.db_for_read(Customer) == PRIMARY
    response = client.get(reverse("dashboards:report", args=["portfolio"]))
    assert response.status_code == 200


def test_the_replica_alias_exists_only_with_database_replica_url():
    without = run_django(
        "import django; django.setup(); from django.conf import settings;"
        "print(sorted(settings.DATABASES))",
        DJANGO_SETTINGS_MODULE="crm_site.settings",
        DATABASE_REPLICA_URL="",
    )
    assert without.returncode == 0, without.stderr
    assert without.stdout.strip() == "['default']"
    with_replica = run_django(
        "import django; django.setup(); from django.conf import settings;"
        "r = settings.DATABASES['replica'];"
        "print(r['HOST'], r['PORT'], r['NAME'], r['TEST']['MIRROR'])",
        DJANGO_SETTINGS_MODULE="crm_site.settings",
        DATABASE_REPLICA_URL="postgresql://reader:pw@replica.bank.example:5433/crm",
    )
    assert with_replica.returncode == 0, with_replica.stderr
    assert with_replica.stdout.split() == ["replica.bank.example", "5433", "crm", "default"]
    with pytest.raises(ImproperlyConfigured, match="DATABASE_REPLICA_URL must start with"):
        parse_database_url("mysql://replica/crm", variable="DATABASE_REPLICA_URL")
