"""The risk jobs' runs: a run whose runner died blocks nothing and is carried on from its
chunks done, a live run still refuses a second, operators list and release runs (audited),
and the risk page shows a dead run as dead. tests/platform/test_fault_tolerance.py does the
same with real processes killed."""

import datetime as dt
import getpass
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from crm_site.beat import BEAT_LOCK_KEY, BEAT_LOCK_NAMESPACE
from lending.importer import LOAN_REFERENCE_LOCK
from risk import jobs, recompute
from risk.models import Alert, JobChunk, JobRun, JobRunner, LoanRisk, RiskHistory
from risk.tasks import risk_chunk
from tests.platform.test_celery_worker import database_url_of_the_test_database
from tests.risk.conftest import disbursed_loan

ON = dt.date(2025, 3, 1)


@pytest.fixture
def book(alice, mary, graded_customer, second_customer, consumer_product):
    """Two customers with a loan past due each; with chunks of one customer, a run has a
    chunk for each (and one for any id between them)."""
    disbursed_loan(alice, mary, graded_customer, consumer_product)
    disbursed_loan(alice, mary, second_customer, consumer_product)
    return graded_customer, second_customer


class OtherProcess:
    """Another database session, as a runner or a worker in another process has."""

    def __init__(self):
        self.connection = connections.create_connection("default")

    def works_on(self, run: JobRun) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_lock_shared(%s, %s)", [jobs.RUN_LOCK_NAMESPACE, run.pk]
            )

    def dies(self) -> None:
        self.connection.close()


@pytest.fixture
def other_process():
    process = OtherProcess()
    try:
        yield process
    finally:
        process.dies()


def risk_state() -> dict:
    return {
        "loans": sorted(LoanRisk.objects.values_list("loan_id", "dpd", "final_class")),
        "history": sorted(
            RiskHistory.objects.values_list("kind", "customer_id", "loan_id", "new_value")
        ),
        "alerts": sorted(Alert.objects.values_list("rule_id", "subject", "severity", "status")),
    }


def uncrashed() -> tuple[dict, dict]:
    """The counts and the state of the same night run without a crash (then undone)."""
    with transaction.atomic():
        run = jobs.run_synchronously(jobs.NIGHTLY, ON, chunk_size=1)
        assert run.status == "done", run.failures
        outcome = run.counts, risk_state()
        transaction.set_rollback(True)
    return outcome


def a_run_whose_runner_died(*, chunks_done: int, runner: str = JobRunner.SYNC) -> JobRun:
    """A run that did its first `chunks_done` chunks; then its runner's connection ended."""
    run = jobs.start_run(jobs.NIGHTLY, ON, runner=runner, chunk_size=1)
    for first, last in jobs.planned_ranges(run)[:chunks_done]:
        jobs.run_chunk(run.pk, first, last, ON, recompute=True)
    jobs.let_go(run.pk)
    run.refresh_from_db()
    assert run.status == "running"
    return run


def delivered(run: JobRun, first: int, last: int) -> dict:
    """A worker runs the chunk task the fan-out sent (in this process)."""
    return risk_chunk.apply((run.pk, first, last, ON.isoformat(), True)).get()


@pytest.fixture
def chunks_worked(monkeypatch):
    """The first customer id of every chunk that really works (not skipped as done)."""
    worked = []
    real = jobs.process_chunk

    def spy(first, last, on, **kwargs):
        worked.append(first)
        return real(first, last, on, **kwargs)

    monkeypatch.setattr(jobs, "process_chunk", spy)
    return worked


# --- A dead run blocks nothing and is carried on ---------------------------------------------


def test_a_run_whose_runner_died_is_carried_on_at_once_from_its_chunks_done(book, chunks_worked):
    expected_counts, expected_state = uncrashed()
    dead = a_run_whose_runner_died(chunks_done=1)
    assert jobs.run_liveness(dead) == jobs.Liveness(False, "dead: its process is gone")
    chunks_worked.clear()

    run = jobs.run_synchronously(jobs.NIGHTLY, ON, chunk_size=1)

    assert run.pk == dead.pk and JobRun.objects.count() == 1
    assert (run.status, run.resumed, run.resumed_after) == ("done", 1, 1)
    assert run.chunks_done == run.chunks_total >= 2
    # Only the chunks not done before the crash were worked, and each is counted once.
    assert chunks_worked == [first for first, _ in jobs.planned_ranges(run)[1:]]
    assert JobChunk.objects.filter(run=run).count() == run.chunks_total
    assert run.counts == expected_counts
    assert risk_state() == expected_state
    assert jobs.run_liveness(run) is None


def test_a_live_run_still_refuses_a_second_until_its_process_dies(book, other_process):
    run = jobs.start_run(jobs.NIGHTLY, ON, runner=JobRunner.SYNC, chunk_size=1)
    other_process.works_on(run)
    jobs.let_go(run.pk)
    assert jobs.run_liveness(run) == jobs.Liveness(True, "live: a process is working on it")

    assert jobs.run_synchronously(jobs.NIGHTLY, ON, chunk_size=1) is None
    assert jobs.fan_out(jobs.NIGHTLY, ON, lambda *chunk: pytest.fail("sent")) is None
    assert not LoanRisk.objects.exists()

    other_process.dies()
    again = jobs.run_synchronously(jobs.NIGHTLY, ON, chunk_size=1)
    assert (again.pk, again.status, again.resumed) == (run.pk, "done", 1)
    assert LoanRisk.objects.count() == 2


def test_a_fan_out_that_stopped_before_sending_every_chunk_is_resumed_at_once(book):
    expected_counts, expected_state = uncrashed()
    sent = []

    def broker_lost_after_one(run, first, last):
        if sent:
            raise ConnectionError("the broker went away")
        sent.append((run, first, last))

    with pytest.raises(ConnectionError):
        jobs.fan_out(jobs.NIGHTLY, ON, broker_lost_after_one, chunk_size=1)
    run = JobRun.objects.get()
    assert run.sent_at is None
    assert jobs.run_liveness(run) == jobs.Liveness(
        False, "dead: its fan-out stopped before sending every chunk"
    )

    resent = []
    again = jobs.fan_out(jobs.NIGHTLY, ON, lambda *chunk: resent.append(chunk), chunk_size=1)
    assert again.pk == run.pk and again.resumed == 1
    # No chunk was done: all go again, the one already queued too (it will find itself done).
    assert [(first, last) for _, first, last in resent] == jobs.planned_ranges(run)
    for chunk in sent + resent:
        delivered(*chunk)
    run.refresh_from_db()
    assert run.status == "done" and run.chunks_done == run.chunks_total
    assert run.counts == expected_counts
    assert risk_state() == expected_state


def test_fanned_out_chunks_waiting_for_a_worker_are_not_death_until_none_moves_for_long(
    book, settings
):
    settings.RISK_RUN_DEAD_AFTER_SECONDS = 600
    expected_counts, _ = uncrashed()
    queue = []
    run = jobs.fan_out(jobs.NIGHTLY, ON, lambda *chunk: queue.append(chunk), chunk_size=1)
    assert len(queue) == run.chunks_total >= 2
    delivered(*queue.pop(0))  # a worker took one

    with time_machine.travel(timezone.now() + dt.timedelta(seconds=590), tick=False):
        assert jobs.run_liveness(run).alive
        assert jobs.fan_out(jobs.NIGHTLY, ON, lambda *chunk: pytest.fail("sent")) is None

    with time_machine.travel(timezone.now() + dt.timedelta(seconds=610), tick=False):
        assert jobs.run_liveness(run) == jobs.Liveness(
            False, "dead: no chunk taken up for over 10 minutes"
        )
        resent = []
        again = jobs.fan_out(jobs.NIGHTLY, ON, lambda *chunk: resent.append(chunk))
    assert again.pk == run.pk
    # The chunks still queued are sent again, not the one done.
    assert [chunk[1:] for chunk in resent] == [chunk[1:] for chunk in queue]
    for chunk in queue + resent:
        delivered(*chunk)
    run.refresh_from_db()
    assert run.status == "done" and run.counts == expected_counts


def test_a_worker_inside_a_chunk_keeps_a_quiet_run_live(book, settings, other_process):
    settings.RISK_RUN_DEAD_AFTER_SECONDS = 600
    run = jobs.fan_out(jobs.NIGHTLY, ON, lambda *chunk: None, chunk_size=1)
    other_process.works_on(run)  # a chunk longer than the quiet time
    with time_machine.travel(timezone.now() + dt.timedelta(hours=2), tick=False):
        assert jobs.run_liveness(run).alive
        assert jobs.run_synchronously(jobs.NIGHTLY, ON) is None


def test_a_dead_run_of_another_night_is_failed_and_the_new_night_runs(book):
    dead = a_run_whose_runner_died(chunks_done=1)
    tomorrow = ON + dt.timedelta(days=1)

    run = jobs.run_synchronously(jobs.NIGHTLY, tomorrow, chunk_size=1)

    assert run.pk != dead.pk and run.status == "done" and run.resumed == 0
    dead.refresh_from_db()
    assert dead.status == "failed" and dead.finished_at is not None
    assert dead.note == f"its runner died; a run for {tomorrow.isoformat()} started instead"


def test_a_chunk_of_a_released_run_does_nothing(book):
    run = jobs.start_run(jobs.NIGHTLY, ON, runner=JobRunner.CELERY, chunk_size=1)
    jobs.let_go(run.pk)
    jobs.job_run_release(run_id=run.pk, reason="stuck", force=False, actor=None, operator="ops")
    first, last = jobs.planned_ranges(run)[0]

    with pytest.raises(jobs.RunEnded):
        jobs.run_chunk(run.pk, first, last, ON, recompute=True)
    # The worker's task takes it as done, without a retry.
    assert risk_chunk.apply((run.pk, first, last, ON.isoformat(), True)).get() == {}
    assert not LoanRisk.objects.exists() and not JobChunk.objects.exists()


def test_a_nightly_chunk_is_not_skipped_while_beat_holds_its_lock(book, other_process):
    # Beat's leader holds its lock all day; a chunk starting at the same key (customer id 1
    # on a real book) must not take it for another worker on its range.
    with other_process.connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [BEAT_LOCK_NAMESPACE, BEAT_LOCK_KEY])
    assert not recompute.process_chunk(BEAT_LOCK_KEY, BEAT_LOCK_KEY, ON).skipped
    namespaces = [
        recompute.CHUNK_LOCK_NAMESPACE,
        recompute.NIGHTLY_LOCK_NAMESPACE,
        BEAT_LOCK_NAMESPACE,
        jobs.RUN_LOCK_NAMESPACE,
        LOAN_REFERENCE_LOCK,
    ]
    assert len(set(namespaces)) == len(namespaces)


# --- The operators' command -----------------------------------------------------------------


def risk_runs(*args: str) -> str:
    out = io.StringIO()
    call_command("risk_runs", *args, stdout=out)
    return out.getvalue()


def test_the_list_shows_each_run_live_or_dead_with_its_chunks(book, other_process):
    dead = a_run_whose_runner_died(chunks_done=1)
    live = jobs.start_run(jobs.SCAN, ON, runner=JobRunner.SYNC, chunk_size=1)
    other_process.works_on(live)
    jobs.let_go(live.pk)
    finished = JobRun.objects.create(
        job=jobs.NIGHTLY,
        business_date=ON - dt.timedelta(days=1),
        status="done",
        started_at=timezone.now() - dt.timedelta(days=1),
    )

    lines = risk_runs("list").splitlines()

    assert lines[0].split()[:4] == ["ID", "JOB", "DATE", "STATUS"]
    rows = {line.split()[0]: line for line in lines[1:]}
    assert set(rows) == {str(dead.pk), str(live.pk), str(finished.pk)}
    assert "dead: its process is gone" in rows[str(dead.pk)]
    assert f"1/{dead.chunks_total}" in rows[str(dead.pk)]
    assert "live: a process is working on it" in rows[str(live.pk)]
    assert rows[str(finished.pk)].split()[3] == "done"
    only_scan = risk_runs("list", "--job", jobs.SCAN).splitlines()[1:]
    assert [line.split()[0] for line in only_scan] == [str(live.pk)]


def test_releasing_a_dead_run_is_audited_and_the_next_run_starts_afresh(book, rita):
    dead = a_run_whose_runner_died(chunks_done=1)

    out = risk_runs("release", str(dead.pk), "--reason", "host lost at 01:40", "--as", "rita")

    assert f"run {dead.pk} (risk.nightly for 2025-03-01) released" in out
    dead.refresh_from_db()
    assert (dead.status, dead.note) == ("released", "host lost at 01:40")
    event = AuditEvent.objects.get(action="risk.jobrun.released")
    assert (event.actor, event.object_type, event.object_id) == (rita, "risk.jobrun", str(dead.pk))
    assert event.before["status"] == "running" and event.before["live"] is False
    assert event.after == {
        "status": "released",
        "reason": "host lost at 01:40",
        "operator": getpass.getuser(),
        "forced": False,
    }
    run = jobs.run_synchronously(jobs.NIGHTLY, ON, chunk_size=1)
    assert run.pk != dead.pk and run.status == "done" and run.resumed == 0


def test_a_live_run_is_released_only_with_force(book, admin_user, other_process):
    run = jobs.start_run(jobs.NIGHTLY, ON, runner=JobRunner.SYNC, chunk_size=1)
    other_process.works_on(run)
    jobs.let_go(run.pk)

    with pytest.raises(CommandError, match=r"is live: a process is working on it.*--force"):
        risk_runs("release", str(run.pk), "--reason", "looks stuck")
    run.refresh_from_db()
    assert run.status == "running"
    assert not AuditEvent.objects.filter(action="risk.jobrun.released").exists()

    risk_runs("release", str(run.pk), "--reason", "hung on a lock", "--force", "--as", "admin")
    run.refresh_from_db()
    assert run.status == "released"
    event = AuditEvent.objects.get(action="risk.jobrun.released")
    assert event.before["live"] is True and event.after["forced"] is True
    # The hung process, should it wake, does no further chunk of the run.
    first, last = jobs.planned_ranges(run)[0]
    with pytest.raises(jobs.RunEnded):
        jobs.run_chunk(run.pk, first, last, ON, recompute=True)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["release", "999999", "--reason", "x"], "There is no job run 999999."),
        (["release", "{dead}", "--reason", "   "], "Say why the run is released."),
        (["release", "{dead}", "--reason", "x" * 501], "at most 500 characters"),
        (["release", "{dead}", "--reason", "a\x00b"], "plain text"),
        (["release", "{done}", "--reason", "x"], "is not running (done)"),
        (["release", "{dead}", "--reason", "x", "--as", "nobody"], "no active user 'nobody'"),
        (["release", "{dead}"], "--reason"),
        (["release", "abc", "--reason", "x"], "invalid int value"),
        (["list", "--limit", "0"], "--limit must be between 1 and 1000"),
        (["list", "--job", "risk.other"], "invalid choice"),
        (["forget"], "invalid choice"),
    ],
)
def test_bad_input_to_the_command_is_refused_and_changes_nothing(book, args, message):
    dead = a_run_whose_runner_died(chunks_done=1)
    done = JobRun.objects.create(job=jobs.SCAN, business_date=ON, status="done")
    args = [arg.format(dead=dead.pk, done=done.pk) for arg in args]

    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        risk_runs(*args)

    assert list(JobRun.objects.order_by("pk").values_list("status", "note")) == [
        ("running", ""),
        ("done", ""),
    ]
    assert not AuditEvent.objects.filter(action="risk.jobrun.released").exists()


def test_the_command_exits_non_zero_with_its_message(db):
    done = subprocess.run(
        [sys.executable, "manage.py", "risk_runs", "release", "424242", "--reason", "stuck"],
        cwd=Path(django_settings.BASE_DIR),
        env={
            **os.environ,
            "DATABASE_URL": database_url_of_the_test_database(),
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "There is no job run 424242." in done.stderr


# --- The risk page --------------------------------------------------------------------------


def test_the_risk_page_shows_a_dead_run_as_dead_and_a_live_one_as_running(
    book, client_for, rita, other_process
):
    dead = a_run_whose_runner_died(chunks_done=1)
    live = jobs.start_run(jobs.SCAN, ON, runner=JobRunner.SYNC, chunk_size=1)
    other_process.works_on(live)
    jobs.let_go(live.pk)
    client = client_for(rita)
    client.get(reverse("risk:overview"))  # the session's first request loads more

    with CaptureQueriesContext(connection) as with_running:
        page = client.get(reverse("risk:overview"))

    assert page.status_code == 200
    html = page.content.decode()
    dead_row = html.split(f'data-testid="run-{dead.pk}"')[1].split("</tr>")[0]
    live_row = html.split(f'data-testid="run-{live.pk}"')[1].split("</tr>")[0]
    assert '<span class="badge text-bg-danger">dead</span>' in dead_row
    assert "dead: its process is gone" in dead_row
    assert f"1/{dead.chunks_total}" in dead_row
    assert "running" in live_row and "live: a process is working on it" in live_row
    assert "dead" not in live_row

    # Telling live from dead costs one query for all the runs listed, none when none runs.
    JobRun.objects.filter(status="running").update(status="done")
    with CaptureQueriesContext(connection) as without_running:
        client.get(reverse("risk:overview"))
    assert len(with_running) == len(without_running) + 1
    assert sum("pg_locks" in query["sql"] for query in with_running.captured_queries) == 1


def test_a_fanned_out_full_run_recomputes_every_customer_and_on_the_fixed_point_writes_nothing(
    book,
):
    """make bench's full night through Celery (bench/full_night.py): `full=True` fans out a
    run over every customer, which a later night of the same date would not be."""
    first = jobs.run_synchronously(jobs.NIGHTLY, ON, chunk_size=1)
    assert first.status == "done" and first.full
    state = risk_state()

    queue = []
    run = jobs.fan_out(
        jobs.NIGHTLY, ON, lambda *chunk: queue.append(chunk), chunk_size=1, full=True
    )
    assert run.full and run.runner == JobRunner.CELERY
    for chunk in queue:
        delivered(*chunk)
    run.refresh_from_db()
    assert run.status == "done"
    assert run.counts["customers_examined"] == len(book)
    # The night was already worked: recomputing everyone changes nothing.
    assert {key: value for key, value in run.counts.items() if value} == {
        "customers_examined": len(book)
    }
    assert risk_state() == state

    # Without `full`, the same date again looks only at the customers that moved: none.
    queue.clear()
    again = jobs.fan_out(jobs.NIGHTLY, ON, lambda *chunk: queue.append(chunk), chunk_size=1)
    for chunk in queue:
        delivered(*chunk)
    again.refresh_from_db()
    assert not again.full and again.status == "done"
    assert again.counts.get("customers_examined", 0) == 0
