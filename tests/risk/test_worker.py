"""The nightly job end to end through Celery: beat's entry task fans out chunk tasks over
the real Redis, a real worker process runs them against the real PostgreSQL."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from risk.models import JobRun, LoanRisk
from tests.platform.test_celery_worker import database_url_of_the_test_database


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_nightly_job_runs_through_celery(risky_loan_committed, tmp_path):
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url_of_the_test_database(),
        "REDIS_URL": settings.CELERY_BROKER_URL,
        "CELERY_QUEUE": queue,
        "BUSINESS_DATE": "2025-06-01",
        "RISK_CHUNK_SIZE": "1",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    log = tmp_path / "worker.log"
    with open(log, "w") as log_file:
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "crm_site",
                "worker",
                "--pool=solo",
                f"--queues={queue}",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=info",
            ],
            cwd=Path(settings.BASE_DIR),
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        from risk.tasks import nightly

        nightly.apply_async(queue=queue)
        deadline = time.monotonic() + 90
        while not JobRun.objects.filter(status__in=["done", "failed"]).exists():
            assert worker.poll() is None, f"worker died:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"the run never finished:\n{log.read_text()}"
            time.sleep(0.3)
    finally:
        worker.terminate()
        worker.wait(30)
    run = JobRun.objects.get()
    assert run.status == "done", run.failures
    assert run.chunks_done == run.chunks_total >= 1
    state = LoanRisk.objects.get(loan=risky_loan_committed)
    assert state.dpd == 111  # 1 June 2025 minus the first due date, 10 February 2025
    assert state.final_class == 3
