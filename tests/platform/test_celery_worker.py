"""A real Celery worker process, over the real Redis broker, writing to the real PostgreSQL."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from audit.models import JobHeartbeat
from audit.tasks import BEAT_HEARTBEAT_JOB, beat_heartbeat

BASE_DIR = Path(settings.BASE_DIR)


def database_url_of_the_test_database() -> str:
    db = connection.settings_dict
    user = quote(db["USER"] or "")
    password = quote(db["PASSWORD"] or "")
    name = quote(db["NAME"])
    if db["HOST"].startswith("/"):
        return f"postgresql://{user}:{password}@/{name}?host={quote(db['HOST'])}"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgresql://{user}:{password}@{db['HOST']}{port}/{name}"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_a_task_and_its_effect_lands_in_postgres(tmp_path):
    # A queue of its own, so a developer's running worker cannot take this test's task.
    queue = f"test-{uuid.uuid4().hex[:8]}"
    log = tmp_path / "worker.log"
    worker = start_worker(queue, log)
    try:
        heartbeat_through(worker, queue, log)
    finally:
        worker.terminate()
        worker.wait(30)
    heartbeat = JobHeartbeat.objects.get(job=BEAT_HEARTBEAT_JOB)
    assert heartbeat.detail["worker"]


def start_worker(queue: str, log: Path, **environment: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url_of_the_test_database(),
        "REDIS_URL": settings.CELERY_BROKER_URL,
        **environment,
    }
    with open(log, "w") as log_file:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "crm_site",
                "worker",
                "--pool=solo",
                "--concurrency=1",
                f"--queues={queue}",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=info",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )


def heartbeat_through(worker: subprocess.Popen, queue: str, log: Path) -> None:
    """One heartbeat task through the worker, waited for until its row is in the database."""
    JobHeartbeat.objects.filter(job=BEAT_HEARTBEAT_JOB).delete()
    beat_heartbeat.apply_async(queue=queue)
    deadline = time.monotonic() + 60
    while not JobHeartbeat.objects.filter(job=BEAT_HEARTBEAT_JOB).exists():
        assert worker.poll() is None, f"worker died:\n{log.read_text()}"
        assert time.monotonic() < deadline, f"task never ran:\n{log.read_text()}"
        time.sleep(0.1)


def sessions_opened_on_the_test_database() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_keeps_its_database_connection_from_task_to_task(tmp_path):
    # Every chunk of the nightly is a task: a connection for each would start a PostgreSQL
    # backend and warm its catalog caches again for every chunk (crm_site/celery.py).
    queue = f"test-{uuid.uuid4().hex[:8]}"
    log = tmp_path / "worker.log"
    worker = start_worker(queue, log, DATABASE_CONN_MAX_AGE="600")
    try:
        heartbeat_through(worker, queue, log)
        before = sessions_opened_on_the_test_database()
        for _ in range(5):
            heartbeat_through(worker, queue, log)
        opened = sessions_opened_on_the_test_database() - before
    finally:
        worker.terminate()
        worker.wait(30)
    # PostgreSQL counts a session when the backend next reports its statistics (within a
    # second, or when it ends): the worker's one connection may be counted in this window.
    assert opened <= 1, f"{opened} connections opened for 5 tasks"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_replaces_a_database_connection_dropped_between_tasks(tmp_path):
    # A PostgreSQL restarted, or an idle connection cut by the network, between two tasks:
    # the next task runs on a new connection at once, not after a failure and a retry.
    queue = f"test-{uuid.uuid4().hex[:8]}"
    log = tmp_path / "worker.log"
    worker = start_worker(queue, log, DATABASE_CONN_MAX_AGE="600")
    try:
        heartbeat_through(worker, queue, log)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            assert cursor.fetchone()[0] >= 1  # the worker's connection, kept after its task
        heartbeat_through(worker, queue, log)
    finally:
        worker.terminate()
        worker.wait(30)
    assert "retry:" not in log.read_text()
    assert JobHeartbeat.objects.get(job=BEAT_HEARTBEAT_JOB).detail["worker"]


def test_tasks_are_acked_late_and_retry_on_outages():
    from django.db import OperationalError
    from redis.exceptions import ConnectionError as RedisConnectionError

    assert settings.CELERY_TASK_ACKS_LATE is True
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST is True
    assert OperationalError in beat_heartbeat.autoretry_for
    assert RedisConnectionError in beat_heartbeat.autoretry_for


@pytest.mark.django_db
def test_beat_heartbeat_is_scheduled_in_the_database_where_admins_edit_it():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="audit.beat_heartbeat")
    assert task.enabled
    assert task.interval.every == 1
    from celery.utils.imports import symbol_by_name
    from django_celery_beat.schedulers import DatabaseScheduler

    assert issubclass(symbol_by_name(settings.CELERY_BEAT_SCHEDULER), DatabaseScheduler)
