import datetime as dt

from celery import shared_task

from core.business_date import business_date
from risk import jobs, services
from risk.models import JobRun


def _fan_out(job: str) -> int | None:
    run = jobs.fan_out(job, business_date(), send_chunk)
    return run.pk if run is not None else None


def send_chunk(run: JobRun, first: int, last: int, **options) -> None:
    """Queues one chunk of the run for a worker; `options` go to apply_async (a queue)."""
    risk_chunk.apply_async(
        (run.pk, first, last, run.business_date.isoformat(), run.job == jobs.NIGHTLY), **options
    )


@shared_task(name="risk.nightly")
def nightly() -> int | None:
    """Beat entry point: DPD, classification, grade history, risk levels and the scan for
    the whole book, one chunk task per customer-id range."""
    return _fan_out(jobs.NIGHTLY)


@shared_task(name="risk.scan")
def scan() -> int | None:
    """Beat entry point: the early-warning scan alone (and the risk levels it moves)."""
    return _fan_out(jobs.SCAN)


@shared_task(name="risk.chunk", bind=True, max_retries=3)
def risk_chunk(self, run_id: int, first: int, last: int, on: str, recompute: bool) -> dict:
    """One chunk in one transaction; on failure it is retried, and its failure recorded on
    the run only when retries are exhausted. Other chunks are unaffected either way."""
    try:
        result = jobs.run_chunk(run_id, first, last, dt.date.fromisoformat(on), recompute=recompute)
    except jobs.RunEnded:
        # Released by an operator or replaced by a later run: the chunk is no longer wanted.
        return {}
    except Exception as error:
        if self.request.retries >= self.max_retries:
            jobs.record_failure(run_id, first, f"{first}-{last}: {error}")
            return {}
        raise self.retry(exc=error, countdown=5 * (self.request.retries + 1)) from error
    return result.counts


@shared_task(name="risk.escalate")
def escalate() -> int:
    """Beat entry point: alerts not acknowledged within their SLA go to the manager."""
    return services.alerts_escalate_overdue()


@shared_task(name="risk.month_end_provisions")
def month_end_provisions() -> int | None:
    """Beat entry point, on the first of the month: freezes the month that just ended; a month
    already frozen is left as it is (the run is never replaced)."""
    from django.core.exceptions import ValidationError

    from risk import provision_services

    on = business_date()
    try:
        run = provision_services.provision_run_create(
            month=provision_services.last_closed_month(on), on=on
        )
    except ValidationError:
        return None
    return run.pk
