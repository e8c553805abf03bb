import getpass
import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.models import User
from risk import jobs
from risk.models import JobRun

LIST_LIMIT_MAX = 1000


class Command(BaseCommand):
    help = (
        "Shows the risk jobs' recent runs, live or dead, and releases a stuck one (audited). "
        "A dead run does not need releasing: the next run of its job resumes or replaces it."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{list,release}")
        listing = actions.add_parser("list", help="recent runs, newest first")
        listing.add_argument("--limit", type=int, default=20, help="how many runs (default 20)")
        listing.add_argument("--job", choices=jobs.JOBS, help="only the runs of this job")
        release = actions.add_parser(
            "release", help="end a stuck run so that the next run of its job can start"
        )
        release.add_argument("run_id", type=int, metavar="RUN_ID")
        release.add_argument("--reason", required=True, help="why (kept on the run and audited)")
        release.add_argument(
            "--force",
            action="store_true",
            help="release a run even though it is live (its process is hung)",
        )
        release.add_argument(
            "--as", dest="username", help="the user named in the audit trail (default: none)"
        )

    def handle(self, *args, action: str, **options):
        if action == "list":
            self.list_runs(limit=options["limit"], job=options["job"])
        else:
            self.release(
                run_id=options["run_id"],
                reason=options["reason"],
                force=options["force"],
                username=options["username"],
            )

    def list_runs(self, *, limit: int, job: str | None) -> None:
        if not 1 <= limit <= LIST_LIMIT_MAX:
            raise CommandError(f"--limit must be between 1 and {LIST_LIMIT_MAX}")
        runs = JobRun.objects.all()
        if job:
            runs = runs.filter(job=job)
        runs = jobs.with_liveness(list(runs[:limit]))
        if not runs:
            self.stdout.write("no run yet")
            return
        header = (
            "ID",
            "JOB",
            "DATE",
            "STATUS",
            "LIVENESS",
            "CHUNKS",
            "RUNS IN",
            "STARTED",
            "LAST HEARTBEAT",
            "NOTE",
        )
        rows = [header] + [
            (
                str(run.pk),
                run.job,
                run.business_date.isoformat(),
                run.status,
                run.liveness.reason if run.liveness else "-",
                f"{run.chunks_done}/{run.chunks_total}",
                run.runner,
                _local(run.started_at),
                _local(run.heartbeat_at),
                _note(run),
            )
            for run in runs
        ]
        widths = [max(len(row[column]) for row in rows) for column in range(len(header) - 1)]
        for row in rows:
            cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
            self.stdout.write("  ".join([*cells, row[-1]]).rstrip())

    def release(self, *, run_id: int, reason: str, force: bool, username: str | None) -> None:
        actor = None
        if username is not None:
            actor = User.objects.filter(username=username, is_active=True).first()
            if actor is None:
                raise CommandError(f"no active user {username!r}")
        try:
            run = jobs.job_run_release(
                run_id=run_id, reason=reason, force=force, actor=actor, operator=_os_user()
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"run {run.pk} ({run.job} for {run.business_date}) released after "
                f"{run.chunks_done} of {run.chunks_total} chunk(s); the next run of "
                f"{run.job} starts afresh"
            )
        )


def _note(run: JobRun) -> str:
    parts = [f"resumed {run.resumed} time(s)"] if run.resumed else []
    if run.note:
        parts.append(run.note)
    return "; ".join(parts) or "-"


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S") if moment else "-"


def _os_user() -> str:
    """The account that ran the command, for the audit trail."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.getuid()}"
