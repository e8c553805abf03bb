import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from core.business_date import business_date
from risk import jobs


class Command(BaseCommand):
    help = (
        "Runs the nightly risk recompute (DPD, classification, history, risk levels and the "
        "early-warning scan) synchronously, with the same code as the Celery job."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--business-date", dest="day", help="YYYY-MM-DD (default: the business date)"
        )
        parser.add_argument("--chunk-size", type=int, help="customers per chunk")
        parser.add_argument("--scan-only", action="store_true", help="only the early-warning scan")
        parser.add_argument(
            "--full",
            action="store_true",
            help="every customer, not only those changed or moved by the calendar (after "
            "restoring a backup, or to check that the incremental nights missed nothing)",
        )

    def handle(
        self,
        *args,
        day: str | None,
        chunk_size: int | None,
        scan_only: bool,
        full: bool,
        **options,
    ):
        try:
            on = dt.date.fromisoformat(day) if day else business_date()
        except ValueError:
            raise CommandError("--business-date must look like 2026-11-30") from None
        if chunk_size is not None and chunk_size < 1:
            raise CommandError("--chunk-size must be at least 1")
        job = jobs.SCAN if scan_only else jobs.NIGHTLY
        run = jobs.run_synchronously(job, on, chunk_size=chunk_size, full=full or None)
        if run is None:
            raise CommandError(
                "the job is already running; nothing done (manage.py risk_runs list shows it)"
            )
        if run.resumed_after is not None:
            self.stdout.write(
                f"resumed run {run.pk} of {run.business_date}, whose runner had died: "
                f"{run.resumed_after} of {run.chunks_total} chunk(s) were already done"
            )
        if run.status == "released":
            raise CommandError(f"run {run.pk} was released meanwhile: {run.note}")
        for key, value in sorted(run.counts.items()):
            self.stdout.write(f"{key}: {value}")
        if run.failures:
            raise CommandError(f"{len(run.failures)} chunk(s) failed: {run.failures}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{run.job} for {run.business_date}: {run.chunks_done} chunk(s), "
                f"{'every customer' if run.full else 'changed customers only'}"
            )
        )
