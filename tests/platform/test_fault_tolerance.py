"""Faults with real processes: a worker killed mid-chunk, Redis down while users work,
PostgreSQL restarted under the web process, beat started twice.

Every process a test starts runs in its own session and is stopped in a `finally`; every wait
is bounded. The suite's shared Redis and PostgreSQL are never stopped: a test that stops a
server starts a throwaway one of its own under tmp_path.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, Request, build_opener

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from ops import dev
from tests.platform.test_celery_worker import database_url_of_the_test_database
from tests.risk.conftest import risky_loan_committed  # noqa: F401 - a fixture

BASE_DIR = Path(settings.BASE_DIR)
WEB_PASSWORD = "fault-tolerance-pw-1"


# --- Processes ------------------------------------------------------------------------------


class Processes:
    """Starts real processes with their output in a log file; stops them all at the end."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.running: list[tuple[subprocess.Popen, Path]] = []

    def start(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = self.folder / f"{name}.log"
        with open(log, "a") as log_file:
            process = subprocess.Popen(
                args,
                cwd=BASE_DIR,
                env=env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        process.log = log
        self.running.append((process, log))
        return process

    def worker(self, name: str, env: dict[str, str], queue: str) -> subprocess.Popen:
        return self.start(
            name,
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "crm_site",
                "worker",
                "--pool=solo",
                f"--queues={queue}",
                f"--hostname={name}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=info",
            ],
            env,
        )

    def web(self, env: dict[str, str]) -> str:
        port = free_port()
        process = self.start(
            "web",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "crm_site.wsgi:application",
                f"--bind=127.0.0.1:{port}",
                "--workers=1",
                "--timeout=60",
            ],
            env,
        )
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: http_status(base + "/accounts/login/") == 200, 30, "web start", process)
        return base

    def logs(self) -> str:
        return "\n".join(f"--- {log.name}\n{log.read_text()[-3000:]}" for _, log in self.running)

    def stop_all(self) -> None:
        for process, _ in self.running:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for process, _ in self.running:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)


@pytest.fixture
def processes(tmp_path):
    started = Processes(tmp_path)
    try:
        yield started
    finally:
        started.stop_all()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition, timeout: float, what: str, *watched: subprocess.Popen) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        for process in watched:
            if process.poll() is not None:
                raise AssertionError(f"{what}: a process died:\n{process.log.read_text()}")
        if time.monotonic() > deadline:
            logs = "\n".join(process.log.read_text()[-3000:] for process in watched)
            raise AssertionError(f"{what}: not within {timeout}s\n{logs}")
        time.sleep(0.2)


def service_env(*, redis_url: str, database_url: str | None = None, **extra) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url or database_url_of_the_test_database(),
        "REDIS_URL": redis_url,
        # A queue of its own, so no other worker takes this test's tasks.
        "CELERY_QUEUE": f"faults-{uuid.uuid4().hex[:8]}",
        **extra,
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


@pytest.fixture
def throwaway_redis(tmp_path):
    """A Redis server of this test's own (the suite's shared one is never stopped)."""
    folder = tmp_path / "redis-service"
    state = dev.ensure_redis(folder)
    try:
        yield folder, state.url
    finally:
        dev.stop_redis(folder)


def manage(*args: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, str(BASE_DIR / "manage.py"), *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


# --- HTTP -----------------------------------------------------------------------------------


def http_status(url: str) -> int:
    try:
        with build_opener().open(url, timeout=5) as response:
            return response.status
    except HTTPError as error:
        return error.code
    except (URLError, OSError):
        return 0


class Browser:
    """A person with a browser: cookies, the CSRF token, redirects followed."""

    def __init__(self, base: str):
        self.base = base
        self.cookies = CookieJar()
        self.opener = build_opener(HTTPCookieProcessor(self.cookies))

    def request(self, path: str, data: dict | None = None) -> tuple[int, str, str]:
        body = None
        if data is not None:
            token = next(c.value for c in self.cookies if c.name == "csrftoken")
            body = urlencode({**data, "csrfmiddlewaretoken": token}).encode()
        try:
            request = Request(self.base + path, data=body)  # noqa: S310 - our own http://
            with self.opener.open(request, timeout=20) as response:
                return response.status, response.geturl(), response.read().decode()
        except HTTPError as error:
            return error.code, error.url, error.read().decode()

    def log_in(self, username: str, password: str) -> None:
        assert self.request("/accounts/login/")[0] == 200
        status, url, _ = self.request(
            "/accounts/login/", {"username": username, "password": password}
        )
        assert status == 200 and "/accounts/login/" not in url, (status, url)


# --- Data -----------------------------------------------------------------------------------


def committed_book():
    """alice (with a password the web process can check), her customer and a draft
    application, committed for the other processes to see."""
    from accounts.demo import seed_cast
    from lending.models import LoanProduct
    from tests.conftest import replay_data_migrations
    from tests.customers import factories
    from tests.lending.conftest import make_application
    from tests.risk.conftest import assessed

    replay_data_migrations()
    cast = seed_cast()
    alice = cast["alice"]
    # The web process checks passwords with the production hasher, not the tests' fast one.
    hasher = PBKDF2PasswordHasher()
    alice.password = hasher.encode(WEB_PASSWORD, hasher.salt())
    alice.save(update_fields=["password"])
    customer = assessed(alice, factories.individual(alice))
    application = make_application(alice, customer, LoanProduct.objects.get(code="CONS-01"))
    return alice, customer, application


# --- Redis down while users work ------------------------------------------------------------


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_redis_down_pages_serve_and_the_enqueue_waits_in_the_outbox(
    throwaway_redis, processes, settings
):
    from audit import outbox
    from audit.models import OutboxMessage
    from crm_site.celery import app as celery_app
    from lending.models import CustomerNotification

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    _alice, customer, application = committed_book()
    redis_folder, redis_url = throwaway_redis
    env = service_env(redis_url=redis_url)
    base = processes.web(env)
    assert http_status(base + "/healthz") == 200

    dev.stop_redis(redis_folder)
    assert http_status(base + "/healthz") == 503
    person = Browser(base)
    person.log_in("alice", WEB_PASSWORD)  # sessions live in PostgreSQL
    assert person.request("/customers/")[0] == 200
    status, _, page = person.request(f"/customers/{customer.pk}/")
    assert status == 200 and customer.name in page
    status, url, page = person.request(f"/credit/applications/{application.pk}/submit/", {})
    assert status == 200 and url.endswith(f"/credit/applications/{application.pk}/"), page

    application.refresh_from_db()
    assert application.status == "submitted"
    message = OutboxMessage.objects.get()
    assert message.task == "credit.send_customer_notification"
    assert message.sent_at is None and message.attempts == 1 and message.last_error
    notification = CustomerNotification.objects.get(application=application)
    assert message.args == [notification.pk]
    assert not notification.delivered

    dev.ensure_redis(redis_folder)
    assert http_status(base + "/healthz") == 200
    # The relay task, as beat sends it every minute; a worker runs it, then the task it sent.
    worker = processes.worker("worker", env, env["CELERY_QUEUE"])
    with celery_app.connection_for_write(redis_url) as connection:
        celery_app.send_task("audit.relay_outbox", queue=env["CELERY_QUEUE"], connection=connection)
    wait_for(
        lambda: CustomerNotification.objects.filter(pk=notification.pk, delivered=True).exists(),
        30,
        "the held notification is delivered",
        worker,
    )
    message.refresh_from_db()
    assert message.sent_at is not None and message.attempts == 2
    assert outbox.relay() == 0  # sent once: nothing is left for a second sweep


def test_the_outbox_sends_after_commit_and_holds_on_a_broker_failure(
    db, monkeypatch, django_capture_on_commit_callbacks
):
    from celery import current_app
    from kombu.exceptions import OperationalError

    from audit import outbox
    from audit.models import OutboxMessage

    published = []
    monkeypatch.setattr(current_app, "send_task", lambda name, **kw: published.append(name))
    with django_capture_on_commit_callbacks(execute=True):
        sent = outbox.enqueue("audit.beat_heartbeat")
    sent.refresh_from_db()
    assert published == ["audit.beat_heartbeat"] and sent.sent_at and sent.attempts == 1

    def broker_down(name, **kw):
        raise OperationalError("Error 111 connecting. Connection refused.")

    monkeypatch.setattr(current_app, "send_task", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        held = outbox.enqueue("audit.beat_heartbeat")
    held.refresh_from_db()
    assert held.sent_at is None and held.attempts == 1
    assert held.last_error.startswith("OperationalError")
    assert outbox.relay() == 0
    assert OutboxMessage.objects.filter(sent_at__isnull=True).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_relay_skips_a_message_another_sender_holds(monkeypatch):
    from celery import current_app
    from django.db import connections

    from audit import outbox
    from audit.models import OutboxMessage

    monkeypatch.setattr(current_app, "send_task", lambda name, **kw: None)
    held, free = OutboxMessage.objects.bulk_create(
        [OutboxMessage(task="audit.beat_heartbeat"), OutboxMessage(task="audit.beat_heartbeat")]
    )
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute("SELECT 1 FROM audit_outboxmessage WHERE id = %s FOR UPDATE", [held.pk])
            assert outbox.relay() == 1
            cursor.execute("ROLLBACK")
    finally:
        other.close()
    assert not OutboxMessage.objects.get(pk=held.pk).sent_at
    assert OutboxMessage.objects.get(pk=free.pk).sent_at
    assert outbox.relay() == 1


# --- A worker killed mid-chunk --------------------------------------------------------------

NIGHT = "2025-06-01"


def risk_state() -> dict:
    """What the nightly job leaves behind, without ids and clock times."""
    from credit.models import Assessment
    from customers.models import Customer
    from risk.models import Alert, LoanRisk, RiskHistory

    return {
        "loans": sorted(
            LoanRisk.objects.values_list(
                "loan_id", "dpd", "overdue_instalments", "automatic_class", "final_class"
            )
        ),
        "history": sorted(
            RiskHistory.objects.values_list(
                "kind", "customer_id", "loan_id", "changed_on", "old_value", "new_value"
            )
        ),
        "alerts": sorted(
            Alert.objects.values_list(
                "rule_id", "customer_id", "loan_id", "subject", "severity", "status", "value"
            )
        ),
        "levels": sorted(Customer.objects.values_list("id", "risk_level")),
        "assessments": Assessment.objects.count(),
    }


class CleanRunRolledBack(Exception):
    pass


def clean_run() -> tuple[dict, dict]:
    """The state and the counts a run without any crash leaves, computed here and rolled
    back."""
    import datetime as dt

    from django.db import transaction

    from risk import jobs

    try:
        with transaction.atomic():
            run = jobs.run_synchronously(jobs.NIGHTLY, dt.date.fromisoformat(NIGHT), chunk_size=1)
            assert run.status == "done"
            outcome = risk_state(), run.counts
            raise CleanRunRolledBack
    except CleanRunRolledBack:
        return outcome


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_chunk_hands_the_chunk_to_the_next_and_nothing_doubles(
    risky_loan_committed,  # noqa: F811 - the fixture
    throwaway_redis,
    processes,
    tmp_path,
):
    from accounts.models import User
    from lending.models import LoanProduct
    from risk.models import JobRun, LoanRisk
    from tests.customers import factories
    from tests.risk.conftest import assessed, disbursed_loan

    alice, mary = (User.objects.get(username=name) for name in ("alice", "mary"))
    other = assessed(alice, factories.individual(alice, name="李华"))
    disbursed_loan(alice, mary, other, LoanProduct.objects.get(code="CONS-01"))
    clean, _ = clean_run()
    assert clean["history"] and clean["alerts"]
    assert risk_state() != clean

    _, redis_url = throwaway_redis
    hold = tmp_path / "chunk-held"
    env = service_env(
        redis_url=redis_url,
        BUSINESS_DATE=NIGHT,
        RISK_CHUNK_SIZE="1",
        # Redis hands an unacknowledged message on after this; the default is an hour.
        CELERY_VISIBILITY_TIMEOUT="2",
    )
    first = processes.worker(
        "first", {**env, "RISK_CHUNK_HOLD_FILE": str(hold)}, env["CELERY_QUEUE"]
    )
    from crm_site.celery import app as celery_app

    with celery_app.connection_for_write(redis_url) as connection:
        celery_app.send_task("risk.nightly", queue=env["CELERY_QUEUE"], connection=connection)
    wait_for(hold.exists, 60, "the first chunk reaches its commit", first)
    # The chunk has done all its work, uncommitted: nothing is visible yet.
    assert not LoanRisk.objects.exists()
    assert JobRun.objects.get().chunks_done == 0
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(10)
    held_task = re.findall(r"risk\.chunk\[([0-9a-f-]+)\] received", first.log.read_text())
    assert len(held_task) == 1, first.log.read_text()

    time.sleep(2.5)  # past the visibility timeout: the next worker takes the message back
    second = processes.worker("second", env, env["CELERY_QUEUE"])
    wait_for(
        lambda: JobRun.objects.filter(status__in=["done", "failed"]).exists(),
        60,
        "the run finishes on the second worker",
        second,
    )
    run = JobRun.objects.get()
    assert run.status == "done", run.failures
    assert run.chunks_done == run.chunks_total >= 2
    assert f"risk.chunk[{held_task[0]}] received" in second.log.read_text()
    assert risk_state() == clean


# --- A risk run whose process died ----------------------------------------------------------


def a_second_customer_with_a_loan() -> None:
    """With chunks of one customer, the night has a chunk before and one after a crash."""
    from accounts.models import User
    from lending.models import LoanProduct
    from tests.customers import factories
    from tests.risk.conftest import assessed, disbursed_loan

    alice, mary = (User.objects.get(username=name) for name in ("alice", "mary"))
    other = assessed(alice, factories.individual(alice, name="李华"))
    disbursed_loan(alice, mary, other, LoanProduct.objects.get(code="CONS-01"))


def risk_runs_list() -> str:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("risk_runs", "list", stdout=out)
    return out.getvalue()


def the_run_is_dead() -> bool:
    from risk import jobs
    from risk.models import JobRun

    return not jobs.run_liveness(JobRun.objects.get()).alive


@pytest.mark.wall_clock
@pytest.mark.django_db(transaction=True)
def test_a_killed_risk_recompute_blocks_nothing_and_the_next_carries_on_from_its_chunks(
    risky_loan_committed,  # noqa: F811 - the fixture
    processes,
    tmp_path,
):
    from risk.models import JobChunk, JobRun

    a_second_customer_with_a_loan()
    clean, clean_counts = clean_run()
    hold = tmp_path / "chunk-held"
    env = service_env(redis_url=settings.CELERY_BROKER_URL)
    command = ["risk_recompute", "--business-date", NIGHT, "--chunk-size", "1"]
    first = processes.start(
        "first-run",
        [sys.executable, str(BASE_DIR / "manage.py"), *command],
        {**env, "RISK_CHUNK_HOLD_FILE": str(hold)},
    )
    wait_for(hold.exists, 60, "the first chunk reaches its commit", first)
    hold.unlink()  # the first chunk commits; the second holds before its commit
    wait_for(
        lambda: hold.exists() and JobChunk.objects.count() == 1,
        60,
        "the second chunk reaches its commit",
        first,
    )
    assert "live: a process is working on it" in risk_runs_list()

    # Two runs at once: the second is refused at once and does nothing.
    second = subprocess.run(
        [sys.executable, str(BASE_DIR / "manage.py"), *command],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert second.returncode == 1, second.stdout + second.stderr
    assert "the job is already running; nothing done" in second.stderr
    assert JobRun.objects.count() == 1

    os.killpg(first.pid, signal.SIGKILL)
    first.wait(10)
    # PostgreSQL ends the killed process's session (and its lock) as its socket closes.
    wait_for(the_run_is_dead, 10, "the database sees the runner gone")
    assert "dead: its process is gone" in risk_runs_list()
    run = JobRun.objects.get()
    assert (run.status, run.chunks_done) == ("running", 1)

    out = manage(*command, env=env)

    run = JobRun.objects.get()
    assert (
        f"resumed run {run.pk} of {NIGHT}, whose runner had died: 1 of {run.chunks_total} "
        "chunk(s) were already done"
    ) in out
    assert (run.status, run.resumed) == ("done", 1), run.failures
    assert run.chunks_done == run.chunks_total == JobChunk.objects.count() >= 2
    assert run.counts == clean_counts  # the chunk done before the crash counted once
    assert risk_state() == clean


# Stands for beat's nightly task: sends the first chunk, then holds before the second, for
# the test to kill it there.
FAN_OUT_THAT_HOLDS = """
import datetime as dt
import os
import time

import django

django.setup()

from risk import jobs, tasks

hold = os.environ["FAN_OUT_HOLD_FILE"]
sent = []


def send_then_hold(run, first, last):
    if sent:
        open(hold, "w").close()
        time.sleep(60)
    tasks.send_chunk(run, first, last)
    sent.append(first)


jobs.fan_out(jobs.NIGHTLY, dt.date.fromisoformat(os.environ["BUSINESS_DATE"]), send_then_hold)
"""


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_fan_out_killed_before_sending_its_chunks_is_carried_on_by_the_next_nightly(
    risky_loan_committed,  # noqa: F811 - the fixture
    throwaway_redis,
    processes,
    tmp_path,
):
    from crm_site.celery import app as celery_app
    from risk.models import JobRun

    a_second_customer_with_a_loan()
    clean, clean_counts = clean_run()
    _, redis_url = throwaway_redis
    hold = tmp_path / "fan-out-held"
    env = service_env(
        redis_url=redis_url,
        BUSINESS_DATE=NIGHT,
        RISK_CHUNK_SIZE="1",
        DJANGO_SETTINGS_MODULE="crm_site.settings",
    )
    fan_out = processes.start(
        "fan-out",
        [sys.executable, "-c", FAN_OUT_THAT_HOLDS],
        {**env, "FAN_OUT_HOLD_FILE": str(hold)},
    )
    wait_for(hold.exists, 60, "the fan-out sends its first chunk", fan_out)
    assert len(sent_by(redis_url, env["CELERY_QUEUE"])) == 1
    assert "live: a process is working on it" in risk_runs_list()

    os.killpg(fan_out.pid, signal.SIGKILL)
    fan_out.wait(10)
    wait_for(the_run_is_dead, 10, "the database sees the fan-out gone")
    assert "dead: its fan-out stopped before sending every chunk" in risk_runs_list()

    # The next nightly (beat's next tick, or an operator's) starts at once: a worker takes
    # the chunk already queued, then the nightly, which sends the chunks never sent.
    worker = processes.worker("worker", env, env["CELERY_QUEUE"])
    with celery_app.connection_for_write(redis_url) as connection:
        celery_app.send_task("risk.nightly", queue=env["CELERY_QUEUE"], connection=connection)
    wait_for(
        lambda: JobRun.objects.exclude(status="running").exists(),
        60,
        "the run finishes",
        worker,
    )
    run = JobRun.objects.get()
    assert (run.status, run.resumed) == ("done", 1), run.failures
    assert run.chunks_done == run.chunks_total >= 2
    assert run.counts == clean_counts
    assert risk_state() == clean


# --- Beat started twice ---------------------------------------------------------------------


def sent_by(redis_url: str, queue: str) -> list[str]:
    """The producer of each message waiting in the queue, oldest first: 'gen<pid>@<host>'."""
    import redis

    from crm_site.env import redis_cache_url

    client = redis.Redis.from_url(redis_cache_url(redis_url))
    # Kombu pushes on the left and workers pop on the right.
    return [json.loads(raw)["headers"]["origin"] for raw in reversed(client.lrange(queue, 0, -1))]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_two_beats_send_each_tick_once_and_the_standby_takes_over(throwaway_redis, processes):
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    every_second = IntervalSchedule.objects.create(every=1, period="seconds")
    PeriodicTask.objects.create(
        name="Fault test tick", task="audit.beat_heartbeat", interval=every_second
    )
    _, redis_url = throwaway_redis

    def two_beats(scheduler: str, env: dict) -> list[subprocess.Popen]:
        return [
            processes.start(
                f"beat-{scheduler.rsplit(':', 1)[1]}-{n}",
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "crm_site",
                    "beat",
                    "--loglevel=info",
                    f"--scheduler={scheduler}",
                ],
                env,
            )
            for n in (1, 2)
        ]

    # The same schedule, two pairs of beats, each pair sending to a queue of its own: the
    # plain database scheduler (the problem) and ours (the fix).
    plain_env, locked_env = service_env(redis_url=redis_url), service_env(redis_url=redis_url)
    plain = two_beats("django_celery_beat.schedulers:DatabaseScheduler", plain_env)
    locked = two_beats("crm_site.beat:SingleBeatScheduler", locked_env)
    wait_for(
        lambda: len(set(sent_by(redis_url, plain_env["CELERY_QUEUE"]))) == 2,
        40,
        "two plain beats both send the tick",
        *plain,
    )
    wait_for(
        lambda: (
            any("waits as a standby" in beat.log.read_text() for beat in locked)
            and len(sent_by(redis_url, locked_env["CELERY_QUEUE"])) >= 3
        ),
        40,
        "one beat leads, the other stands by",
        *locked,
    )
    senders = set(sent_by(redis_url, locked_env["CELERY_QUEUE"]))
    assert len(senders) == 1, senders
    leader = next(beat for beat in locked if f"gen{beat.pid}@" in next(iter(senders)))
    standby = next(beat for beat in locked if beat is not leader)

    os.killpg(leader.pid, signal.SIGKILL)
    leader.wait(10)
    before = len(sent_by(redis_url, locked_env["CELERY_QUEUE"]))
    wait_for(
        lambda: len(sent_by(redis_url, locked_env["CELERY_QUEUE"])) >= before + 2,
        20,
        "the standby takes over",
        standby,
    )
    after = sent_by(redis_url, locked_env["CELERY_QUEUE"])[before:]
    assert all(sender.startswith(f"gen{standby.pid}@") for sender in after), after
    assert "holds the beat lock" in standby.log.read_text()


# --- PostgreSQL restarted under the web process ---------------------------------------------


@pytest.fixture
def throwaway_postgres():
    """A PostgreSQL server of this test's own, in a folder its server user can enter."""
    folder = Path(tempfile.mkdtemp(prefix="xindai-pg-"))
    folder.chmod(0o755)
    try:
        yield folder, dev.ensure_postgres(folder).url
    finally:
        dev.stop_postgres(folder)
        shutil.rmtree(folder, ignore_errors=True)


def copy_database(source_url: str, target_url: str) -> None:
    pgserver_bin = Path(dev._import_pgserver()[0].__file__).parent / "pginstall" / "bin"
    dump = subprocess.run(
        [str(pgserver_bin / "pg_dump"), "--no-owner", f"--dbname={source_url}"],
        capture_output=True,
        check=True,
        timeout=60,
    )
    subprocess.run(
        [str(pgserver_bin / "psql"), "-q", "-v", "ON_ERROR_STOP=1", f"--dbname={target_url}"],
        input=dump.stdout,
        capture_output=True,
        check=True,
        timeout=60,
    )


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_web_process_serves_again_right_after_postgres_restarts(
    throwaway_postgres, processes, settings
):
    from accounts.demo import seed_cast
    from tests.customers import factories

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    alice = seed_cast()["alice"]
    hasher = PBKDF2PasswordHasher()
    alice.password = hasher.encode(WEB_PASSWORD, hasher.salt())
    alice.save(update_fields=["password"])
    customer = factories.individual(alice)
    folder, database_url = throwaway_postgres
    copy_database(database_url_of_the_test_database(), database_url)

    # Connections are kept between requests (DATABASE_CONN_MAX_AGE), so the web process holds
    # one across the restart: the health check before the next request replaces it.
    env = service_env(
        redis_url=settings.CELERY_BROKER_URL,
        database_url=database_url,
        DATABASE_CONN_MAX_AGE="600",
    )
    base = processes.web(env)
    person = Browser(base)
    person.log_in("alice", WEB_PASSWORD)
    assert person.request(f"/customers/{customer.pk}/")[0] == 200

    # No request in between: the web process's kept connection is the one that died.
    dev.stop_postgres(folder)
    dev.ensure_postgres(folder)

    status, _, page = person.request(f"/customers/{customer.pk}/")
    assert status == 200 and customer.name in page  # the same session, kept in PostgreSQL
    assert http_status(base + "/healthz") == 200
