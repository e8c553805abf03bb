"""Running the risk jobs over the whole book: chunks by customer-id range, a JobRun row that
records start, end, counts and failures, and the rule that one run of a job at a time."""

from __future__ import annotations

import datetime as dt
import json
import logging

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Min
from django.utils import timezone

from customers.models import Customer
from risk import pending
from risk.models import JobChunk, JobRun
from risk.recompute import ChunkResult, process_chunk

logger = logging.getLogger(__name__)
NIGHTLY = "risk.nightly"
SCAN = "risk.scan"
# A run still "running" after this long died with its worker; it no longer blocks the next.
STALE_AFTER = dt.timedelta(hours=6)
# A chunk is delivered again within the broker's visibility timeout (an hour by default):
# the record of a run's chunks is kept a day after the run.
CHUNKS_KEPT = dt.timedelta(days=1)


def chunk_ranges(chunk_size: int | None = None) -> list[tuple[int, int]]:
    size = chunk_size or settings.RISK_CHUNK_SIZE
    bounds = Customer.objects.aggregate(first=Min("id"), last=Max("id"))
    if bounds["first"] is None:
        return []
    return [
        (start, min(start + size - 1, bounds["last"]))
        for start in range(bounds["first"], bounds["last"] + 1, size)
    ]


def start_run(job: str, on: dt.date, chunks: int, *, full: bool | None = None) -> JobRun | None:
    """The run's row, or None when the same job is already running (then do nothing).

    In the same transaction, the customers the calendar moved since the previous run (of
    either job) are marked pending (risk.pending). The run is full, every customer, when no
    nightly run has completed yet or when it is for an earlier date than the previous run;
    `full=True` forces it."""
    now = timezone.now()
    JobRun.objects.filter(job=job, status="running", started_at__lt=now - STALE_AFTER).update(
        status="failed", finished_at=now
    )
    JobChunk.objects.filter(run__finished_at__lt=now - CHUNKS_KEPT).delete()
    previous = JobRun.objects.order_by("-business_date", "-started_at").first()
    if full is None:
        full = (
            previous is None
            or on < previous.business_date
            or not JobRun.objects.filter(job=NIGHTLY, status="done").exists()
        )
    try:
        with transaction.atomic():
            run = JobRun.objects.create(
                job=job,
                business_date=on,
                started_at=now,
                chunks_total=chunks,
                full=full,
                status="running" if chunks else "done",
                finished_at=None if chunks else now,
            )
            if previous is not None and on >= previous.business_date:
                marked = pending.mark_calendar(previous.business_date, on, previous.started_at, now)
                logger.info("calendar marks", extra={"job": job, "marked": marked})
            return run
    except IntegrityError:
        logger.info("job already running", extra={"job": job})
        return None


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


def record_failure(run_id: int, first: int, failure: str) -> None:
    """The chunk failed for good: recorded on the run, once."""
    with transaction.atomic():
        if _claim(run_id, first):
            _add_to_run(run_id, failure=failure)


def _add_to_run(run_id: int, *, counts: dict | None = None, failure: str | None = None) -> None:
    """Adds one chunk's counts (or failure) to the run; the last chunk closes the run."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE risk_jobrun SET
                chunks_done = chunks_done + 1,
                counts = (SELECT coalesce(jsonb_object_agg(key,
                              coalesce((counts ->> key)::int, 0)
                              + coalesce((%(new)s::jsonb ->> key)::int, 0)), '{}'::jsonb)
                          FROM jsonb_object_keys(counts || %(new)s::jsonb) AS key),
                failures = CASE WHEN %(failure)s::text IS NULL THEN failures
                                ELSE failures || jsonb_build_array(%(failure)s::text) END
            WHERE id = %(id)s
            """,
            {"id": run_id, "new": json.dumps(counts or {}), "failure": failure},
        )
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
    however many times it is delivered."""
    full = JobRun.objects.filter(pk=run_id).values_list("full", flat=True).first()
    with transaction.atomic():
        if not _claim(run_id, first):
            logger.info("risk chunk already done", extra={"run": run_id, "first": first})
            return ChunkResult(skipped=True)
        result = process_chunk(first, last, on, recompute=recompute, full=full is not False)
        # Last: the run's row is locked from here to the commit only.
        _add_to_run(run_id, counts={**result.counts, "chunks_skipped": int(result.skipped)})
    return result


def run_synchronously(
    job: str,
    on: dt.date,
    *,
    chunk_size: int | None = None,
    attempts: int = 3,
    full: bool | None = None,
) -> JobRun | None:
    """The whole job in this process, chunk after chunk; a chunk that fails is retried,
    and if it keeps failing it is recorded while the other chunks still commit."""
    ranges = chunk_ranges(chunk_size)
    run = start_run(job, on, len(ranges), full=full)
    if run is None:
        return None
    for first, last in ranges:
        for attempt in range(1, attempts + 1):
            try:
                run_chunk(run.pk, first, last, on, recompute=job == NIGHTLY)
                break
            except Exception as error:
                logger.warning(
                    "chunk failed",
                    extra={"job": job, "first": first, "attempt": attempt, "error": str(error)},
                )
                if attempt == attempts:
                    record_failure(run.pk, first, f"{first}-{last}: {error}")
    run.refresh_from_db()
    return run
