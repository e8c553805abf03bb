"""Running the risk jobs over the whole book: chunks by customer-id range, a JobRun row that
records start, end, counts and failures, and the rule that one run of a job at a time.

A live run and a dead one
-------------------------
A run can be left "running" by a runner that died: a killed `risk_recompute`, a host that
restarted, a fan-out that died before it sent all its chunks. Such a run must not block the
next one, while a run that is only slow must. A run whose status is running is *live* when

1. a database session holds its run lock (`pg_advisory_lock_shared(RUN_LOCK_NAMESPACE, id)`):
   the synchronous runner holds it from the run's start to its end, the fan-out from the
   run's start until its last chunk is handed to the broker, and a worker for as long as it
   works on one of the run's chunks. PostgreSQL frees a session's locks when its connection
   ends, so a killed process, a host gone or a connection lost lets go at once; or
2. the run is fanned out to Celery, every chunk has been handed to the broker (`sent_at`),
   and its heartbeat (the chunks sent, a chunk committed) is younger than
   RISK_RUN_DEAD_AFTER_SECONDS: its remaining chunks wait in the queue for a worker, or for
   the broker to give a dead worker's chunk to another. That is not death.

Any other running run is *dead*: its synchronous runner is gone, its fan-out stopped before
sending every chunk, or none of its queued chunks has been taken up for that long (a Redis
restarted without its data loses them, and the broker redelivers a dead worker's chunk only
after CELERY_VISIBILITY_TIMEOUT).

A dead run blocks nothing. The next start of the same job *resumes* it when it is for the
same business date and the same scope (whole book or changed customers): the same row, its
chunks fixed at its start, and only the chunks not recorded in JobChunk are done, so nothing
is done or counted twice and the run ends as an uninterrupted one would. Should the dead
runner or a chunk of it come back meanwhile, the chunk records make them harmless. A dead
run that cannot be resumed (another date or scope) is marked failed with a note, and the new
run starts as usual. An operator sees the runs, live or dead, and releases a stuck one with
`manage.py risk_runs` (job_run_release, audited)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_log
from customers.models import Customer
from risk import pending
from risk.models import JobChunk, JobRun, JobRunner, JobRunStatus
from risk.recompute import ChunkResult, process_chunk

logger = logging.getLogger(__name__)
NIGHTLY = "risk.nightly"
SCAN = "risk.scan"
JOBS = (NIGHTLY, SCAN)
# pg_advisory_lock_shared(namespace, run id): held by whatever works on a run (see above).
# The other namespaces: 7_301 and 7_303 the risk chunks (risk.recompute), 7_302 beat
# (crm_site.beat), 7_401 loan references (lending.importer). Run ids stay far below 2^31.
RUN_LOCK_NAMESPACE = 7_304
# A chunk is delivered again within the broker's visibility timeout (an hour by default):
# the record of a run's chunks is kept a day after the run.
CHUNKS_KEPT = dt.timedelta(days=1)
# How long `job_run_release --force` waits for a chunk in progress to commit.
RELEASE_LOCK_TIMEOUT = "5s"
REASON_MAX_LENGTH = JobRun._meta.get_field("note").max_length


class RunEnded(Exception):
    """The run this chunk belongs to is no longer running (done, failed or released)."""


@dataclass(frozen=True)
class Liveness:
    alive: bool
    # Why, in the reader's language: the risk page and `manage.py risk_runs list` show it.
    reason: str


def chunk_ranges(chunk_size: int | None = None) -> list[tuple[int, int]]:
    size = chunk_size or settings.RISK_CHUNK_SIZE
    bounds = Customer.objects.aggregate(first=Min("id"), last=Max("id"))
    if bounds["first"] is None:
        return []
    return _split(bounds["first"], bounds["last"], size)


def _split(first: int, last: int, size: int) -> list[tuple[int, int]]:
    return [(start, min(start + size - 1, last)) for start in range(first, last + 1, size)]


def planned_ranges(run: JobRun) -> list[tuple[int, int]]:
    """The chunks of the run, as fixed at its start."""
    if run.chunk_size is None or run.first_customer_id is None:
        return []
    return _split(run.first_customer_id, run.last_customer_id, run.chunk_size)


def remaining_ranges(run: JobRun) -> list[tuple[int, int]]:
    """The run's chunks not yet recorded as done (or failed for good)."""
    done = set(JobChunk.objects.filter(run=run).values_list("first_customer_id", flat=True))
    return [(first, last) for first, last in planned_ranges(run) if first not in done]


# --- Liveness -------------------------------------------------------------------------------


def _sessions_holding(run_ids: Iterable[int]) -> set[int]:
    """The ids among `run_ids` whose run lock some session of this database holds."""
    run_ids = list(run_ids)
    if not run_ids:
        return set()
    with connection.cursor() as cursor:
        # A two-key advisory lock shows in pg_locks as (classid, objid) with objsubid 2; the
        # database column keeps another database's locks (a test run beside) out.
        cursor.execute(
            """
            SELECT DISTINCT objid::bigint FROM pg_locks
            WHERE locktype = 'advisory' AND granted AND objsubid = 2
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND classid::bigint = %s AND objid::bigint = ANY(%s::bigint[])
            """,
            [RUN_LOCK_NAMESPACE, run_ids],
        )
        return {row[0] for row in cursor.fetchall()}


def _liveness(run: JobRun, *, held: bool, now: dt.datetime) -> Liveness | None:
    """The rule of the module's docstring; None for a run that is not running."""
    if run.status != JobRunStatus.RUNNING:
        return None
    if held:
        return Liveness(True, _("live: a process is working on it"))
    if run.runner == JobRunner.CELERY and run.sent_at is not None:
        quiet = dt.timedelta(seconds=settings.RISK_RUN_DEAD_AFTER_SECONDS)
        if run.heartbeat_at is not None and run.heartbeat_at > now - quiet:
            return Liveness(True, _("live: its chunks wait for a worker"))
        return Liveness(
            False,
            _("dead: no chunk taken up for over %(minutes)s minutes")
            % {"minutes": max(1, settings.RISK_RUN_DEAD_AFTER_SECONDS // 60)},
        )
    if run.runner == JobRunner.CELERY:
        return Liveness(False, _("dead: its fan-out stopped before sending every chunk"))
    return Liveness(False, _("dead: its process is gone"))


def run_liveness(run: JobRun) -> Liveness | None:
    """Whether a running run is live or dead (None when it is not running)."""
    if run.status != JobRunStatus.RUNNING:
        return None
    held = run.pk in _sessions_holding([run.pk])
    return _liveness(run, held=held, now=timezone.now())


def with_liveness(runs: list[JobRun]) -> list[JobRun]:
    """Sets `run.liveness` on each run (None unless running), with one query for them all
    and none when no run is running."""
    running = [run.pk for run in runs if run.status == JobRunStatus.RUNNING]
    held = _sessions_holding(running)
    now = timezone.now()
    for run in runs:
        run.liveness = _liveness(run, held=run.pk in held, now=now)
    return runs


@contextlib.contextmanager
def _working_on(run_id: int) -> Iterator[None]:
    """This session holds the run's lock for the block (see the module's docstring)."""
    _hold(run_id)
    try:
        yield
    finally:
        let_go(run_id)


def let_go(run_id: int) -> None:
    """Releases this session's hold on the run's lock (taken by start_run or a chunk)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock_shared(%s, %s)", [RUN_LOCK_NAMESPACE, run_id])
    except (InterfaceError, OperationalError):
        # The connection is gone, and the lock with it.
        logger.warning("run lock released with a lost connection", extra={"run": run_id})


# --- Starting, resuming ---------------------------------------------------------------------


def start_run(
    job: str,
    on: dt.date,
    *,
    runner: str,
    chunk_size: int | None = None,
    full: bool | None = None,
) -> JobRun | None:
    """The run to work on, or None when the same job is already running live (then do
    nothing). On return this session holds the run's lock; `let_go(run.pk)` when done.

    A dead run of the job (see the module's docstring) is resumed when it is for the same
    date and scope; then `run.resumed_after` is the number of its chunks already done, and
    the run keeps its own chunks whatever `chunk_size` says. Otherwise a new run starts, and
    in the same transaction the customers the calendar moved since the previous run (of
    either job) are marked pending (risk.pending). A new run is full, every customer, when
    no nightly run has completed yet or when it is for an earlier date than the previous
    run; `full=True` forces it."""
    now = timezone.now()
    JobChunk.objects.filter(run__finished_at__lt=now - CHUNKS_KEPT).delete()
    current = JobRun.objects.filter(job=job, status=JobRunStatus.RUNNING).first()
    # Checked first without the row lock: a live run's chunks hold the row (FOR KEY SHARE),
    # and a second start must answer at once rather than wait for them.
    if current is not None and run_liveness(current).alive:
        logger.info("job already running", extra={"job": job, "run": current.pk})
        return None
    run = None
    try:
        with transaction.atomic():
            if current is not None:
                current = (
                    JobRun.objects.select_for_update()
                    .filter(pk=current.pk, status=JobRunStatus.RUNNING)
                    .first()
                )
            if current is not None:
                # Again under the row lock: another start may have taken it over meanwhile.
                if run_liveness(current).alive:
                    logger.info("job already running", extra={"job": job, "run": current.pk})
                    return None
                if (
                    current.business_date == on
                    and current.chunk_size is not None
                    and full in (None, current.full)
                ):
                    run = _resume(current, runner=runner)
                else:
                    _replace_dead(current, on)
            if run is None:
                run = _create(job, on, runner=runner, chunk_size=chunk_size, full=full)
            # Last, inside the transaction that creates or takes over the row: whoever sees
            # the run running sees it held. The lock is the session's, so it outlives the
            # commit, and only a failed commit after this point has to let go of it.
            _hold(run.pk)
    except IntegrityError:
        # Another start created its run between our look and our insert.
        logger.info("job already running", extra={"job": job})
        return None
    except BaseException:
        if run is not None:
            let_go(run.pk)
        raise
    return run


def _resume(run: JobRun, *, runner: str) -> JobRun:
    now = timezone.now()
    resumed_after = run.chunks_done
    JobRun.objects.filter(pk=run.pk).update(
        runner=runner, sent_at=None, heartbeat_at=now, resumed=F("resumed") + 1
    )
    run.refresh_from_db()
    run.resumed_after = resumed_after
    logger.warning(
        "job run resumed after its runner died",
        extra={"job": run.job, "run": run.pk, "chunks_done": resumed_after},
    )
    return run


def _replace_dead(run: JobRun, on: dt.date) -> None:
    run.status = JobRunStatus.FAILED
    run.finished_at = timezone.now()
    run.note = f"its runner died; a run for {on.isoformat()} started instead"
    run.save(update_fields=["status", "finished_at", "note"])
    logger.warning(
        "dead job run replaced", extra={"job": run.job, "run": run.pk, "on": on.isoformat()}
    )


def _create(
    job: str, on: dt.date, *, runner: str, chunk_size: int | None, full: bool | None
) -> JobRun:
    now = timezone.now()
    size = chunk_size or settings.RISK_CHUNK_SIZE
    ranges = chunk_ranges(size)
    previous = JobRun.objects.order_by("-business_date", "-started_at").first()
    if full is None:
        full = (
            previous is None
            or on < previous.business_date
            or not JobRun.objects.filter(job=NIGHTLY, status=JobRunStatus.DONE).exists()
        )
    run = JobRun.objects.create(
        job=job,
        business_date=on,
        started_at=now,
        heartbeat_at=now,
        runner=runner,
        chunk_size=size if ranges else None,
        first_customer_id=ranges[0][0] if ranges else None,
        last_customer_id=ranges[-1][1] if ranges else None,
        chunks_total=len(ranges),
        full=full,
        status=JobRunStatus.RUNNING if ranges else JobRunStatus.DONE,
        finished_at=None if ranges else now,
    )
    run.resumed_after = None
    if previous is not None and on >= previous.business_date:
        marked = pending.mark_calendar(previous.business_date, on, previous.started_at, now)
        logger.info("calendar marks", extra={"job": job, "marked": marked})
    return run


def _hold(run_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock_shared(%s, %s)", [RUN_LOCK_NAMESPACE, run_id])


# --- Chunks ---------------------------------------------------------------------------------


def _claim(run_id: int, first: int) -> bool:
    """Records the chunk starting at customer `first` as this transaction's; False when it is
    recorded already. A second delivery running at the same time waits here for the first
    to commit (the unique index), then finds it recorded."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO risk_jobchunk (run_id, first_customer_id) VALUES (%s, %s) "
            "ON CONFLICT (run_id, first_customer_id) DO NOTHING",
            [run_id, first],
        )
        return cursor.rowcount == 1


def _full_if_running(run_id: int) -> bool:
    """The run's `full`, once it is known to be running; RunEnded otherwise. FOR KEY SHARE
    keeps the row from being released or replaced until this chunk's transaction ends (both
    take it FOR UPDATE), while other chunks and their counts (FOR NO KEY UPDATE) go on."""
    with connection.cursor() as cursor:
        cursor.execute(
            'SELECT status, "full" FROM risk_jobrun WHERE id = %s FOR KEY SHARE', [run_id]
        )
        row = cursor.fetchone()
    if row is None or row[0] != JobRunStatus.RUNNING:
        logger.info("risk chunk not done: its run is no longer running", extra={"run": run_id})
        raise RunEnded(run_id)
    return row[1]


def record_failure(run_id: int, first: int, failure: str) -> None:
    """The chunk failed for good: recorded on the run, once."""
    with transaction.atomic():
        if _claim(run_id, first):
            _add_to_run(run_id, failure=failure)


def _add_to_run(run_id: int, *, counts: dict | None = None, failure: str | None = None) -> None:
    """Adds one chunk's counts (or failure) to the run, which is a heartbeat; the last chunk
    closes the run."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE risk_jobrun SET
                chunks_done = chunks_done + 1,
                heartbeat_at = %(now)s,
                counts = (SELECT coalesce(jsonb_object_agg(key,
                              coalesce((counts ->> key)::int, 0)
                              + coalesce((%(new)s::jsonb ->> key)::int, 0)), '{}'::jsonb)
                          FROM jsonb_object_keys(counts || %(new)s::jsonb) AS key),
                failures = CASE WHEN %(failure)s::text IS NULL THEN failures
                                ELSE failures || jsonb_build_array(%(failure)s::text) END
            WHERE id = %(id)s
            """,
            {
                "id": run_id,
                "new": json.dumps(counts or {}),
                "failure": failure,
                "now": timezone.now(),
            },
        )
    _close_if_complete(run_id)


def _close_if_complete(run_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE risk_jobrun
            SET status = CASE WHEN failures = '[]'::jsonb THEN 'done' ELSE 'failed' END,
                finished_at = %(now)s
            WHERE id = %(id)s AND status = 'running' AND chunks_done >= chunks_total
            """,
            {"id": run_id, "now": timezone.now()},
        )


def run_chunk(run_id: int, first: int, last: int, on: dt.date, *, recompute: bool) -> ChunkResult:
    """The chunk's work and its record on the run in one transaction: done and counted once,
    however many times it is delivered. RunEnded when the run is no longer running (an
    operator released it, or a later run replaced it): its chunks are no longer wanted."""
    with _working_on(run_id), transaction.atomic():
        full = _full_if_running(run_id)
        if not _claim(run_id, first):
            logger.info("risk chunk already done", extra={"run": run_id, "first": first})
            return ChunkResult(skipped=True)
        result = process_chunk(first, last, on, recompute=recompute, full=full is not False)
        # Last: the run's row is locked from here to the commit only.
        _add_to_run(run_id, counts={**result.counts, "chunks_skipped": int(result.skipped)})
    return result


# --- The two ways to run --------------------------------------------------------------------


def run_synchronously(
    job: str,
    on: dt.date,
    *,
    chunk_size: int | None = None,
    attempts: int = 3,
    full: bool | None = None,
) -> JobRun | None:
    """The whole job in this process, chunk after chunk; a chunk that fails is retried,
    and if it keeps failing it is recorded while the other chunks still commit. A dead run
    of the same date is resumed from its chunks already done."""
    run = start_run(job, on, runner=JobRunner.SYNC, chunk_size=chunk_size, full=full)
    if run is None:
        return None
    try:
        for first, last in remaining_ranges(run):
            if not _run_chunk_with_retries(run, first, last, on, job=job, attempts=attempts):
                break
        _close_if_complete(run.pk)
    finally:
        let_go(run.pk)
    run.refresh_from_db()  # keeps `resumed_after`, which is no field
    return run


def _run_chunk_with_retries(
    run: JobRun, first: int, last: int, on: dt.date, *, job: str, attempts: int
) -> bool:
    """False when the run ended meanwhile (released by an operator): stop there."""
    for attempt in range(1, attempts + 1):
        try:
            run_chunk(run.pk, first, last, on, recompute=job == NIGHTLY)
            return True
        except RunEnded:
            logger.warning("job run ended by someone else; stopping", extra={"run": run.pk})
            return False
        except Exception as error:
            logger.warning(
                "chunk failed",
                extra={"job": job, "first": first, "attempt": attempt, "error": str(error)},
            )
            if attempt == attempts:
                record_failure(run.pk, first, f"{first}-{last}: {error}")
    return True


def fan_out(
    job: str,
    on: dt.date,
    send: Callable[[JobRun, int, int], object],
    *,
    chunk_size: int | None = None,
    full: bool | None = None,
) -> JobRun | None:
    """Starts (or resumes) the job's run and hands each chunk still to do to `send(run,
    first, last)`, which queues it for a worker; None when the job is already running.
    `full=True` makes it a full run (every customer), as start_run says."""
    run = start_run(job, on, runner=JobRunner.CELERY, chunk_size=chunk_size, full=full)
    if run is None:
        return None
    try:
        for first, last in remaining_ranges(run):
            send(run, first, last)
        now = timezone.now()
        # Before the lock goes: from here the heartbeat speaks for the run (rule 2).
        JobRun.objects.filter(pk=run.pk).update(sent_at=now, heartbeat_at=now)
        _close_if_complete(run.pk)
    finally:
        let_go(run.pk)
    run.refresh_from_db()  # keeps `resumed_after`, which is no field
    return run


# --- Operators ------------------------------------------------------------------------------


@transaction.atomic
def job_run_release(*, run_id: int, reason: str, force: bool, actor, operator: str) -> JobRun:
    """Ends a stuck run by hand (status released, the reason in its note), so the next run
    of its job can start; audited with who asked (`actor`, a user or None, and `operator`,
    the OS account). A live run is refused unless `force`: its process is working, and
    releasing it under that process only makes sense when the process is hung."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Say why the run is released."), code="reason")
    if len(reason) > REASON_MAX_LENGTH or "\x00" in reason:
        raise ValidationError(
            _("The reason must be plain text of at most %(n)s characters.")
            % {"n": REASON_MAX_LENGTH},
            code="reason",
        )
    run = JobRun.objects.filter(pk=run_id).first()
    if run is None:
        raise ValidationError(_("There is no job run %(id)s.") % {"id": run_id}, code="missing")
    # Refused before taking the row, which a live run's chunk in progress holds.
    _refuse_unless_releasable(run, force=force)
    with connection.cursor() as cursor:
        # With --force, a chunk in progress holds the row until it commits: wait a little.
        cursor.execute("SET LOCAL lock_timeout = %s", [RELEASE_LOCK_TIMEOUT])
    try:
        with transaction.atomic():
            run = JobRun.objects.select_for_update().get(pk=run_id)
    except OperationalError:
        raise ValidationError(
            _("A chunk of run %(id)s is being worked on right now; try again in a moment.")
            % {"id": run_id},
            code="busy",
        ) from None
    # Again under the row lock: it may have ended, or been resumed, meanwhile.
    liveness = _refuse_unless_releasable(run, force=force)
    before = {
        "status": run.status,
        "chunks_done": run.chunks_done,
        "chunks_total": run.chunks_total,
        "heartbeat_at": run.heartbeat_at,
        "live": liveness.alive,
    }
    run.status = JobRunStatus.RELEASED
    run.finished_at = timezone.now()
    run.note = reason
    run.save(update_fields=["status", "finished_at", "note"])
    audit_log(
        actor=actor,
        action="risk.jobrun.released",
        obj=run,
        before=before,
        after={"status": run.status, "reason": reason, "operator": operator, "forced": force},
    )
    logger.warning("job run released", extra={"run": run.pk, "operator": operator})
    return run


def _refuse_unless_releasable(run: JobRun, *, force: bool) -> Liveness:
    liveness = run_liveness(run)
    if liveness is None:
        raise ValidationError(
            _("Run %(id)s is not running (%(status)s); there is nothing to release.")
            % {"id": run.pk, "status": run.get_status_display()},
            code="not_running",
        )
    if liveness.alive and not force:
        raise ValidationError(
            _(
                "Run %(id)s is %(liveness)s. Stop its process first, or release it with "
                "--force if the process is hung."
            )
            % {"id": run.pk, "liveness": liveness.reason},
            code="live",
        )
    return liveness
