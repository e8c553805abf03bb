from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from core.tabular import ImportFileError
from lending import importer


class Command(BaseCommand):
    help = (
        "Imports loans and/or repayments from core banking CSV or XLSX exports (layout: "
        "lending/importer.py). Loans first, then repayments."
    )

    def add_arguments(self, parser):
        parser.add_argument("--loans", help="loans file")
        parser.add_argument("--repayments", help="repayments file")
        parser.add_argument(
            "--as", dest="username", default="admin", help="the manager or admin the import runs as"
        )
        parser.add_argument(
            "--strict",
            action="store_true",
            help="import nothing from a file unless every row is valid",
        )

    def handle(self, *args, loans, repayments, username, strict, **options):
        if not loans and not repayments:
            raise CommandError("name --loans FILE, --repayments FILE, or both")
        actor = User.objects.filter(username=username, is_active=True).first()
        if actor is None:
            raise CommandError(f"no active user {username!r}")
        # Both files are read before either is imported: an unreadable repayments file
        # stops the command before any loan goes in.
        readable = []
        for label, path, read, run in (
            ("loans", loans, importer.read_loans, importer.import_loans),
            ("repayments", repayments, importer.read_repayments, importer.import_repayments),
        ):
            if not path:
                continue
            file = Path(path)
            if not file.is_file():
                raise CommandError(f"{path}: no such file")
            try:
                readable.append((label, read(file.read_bytes(), file.name), run))
            except ImportFileError as error:
                raise CommandError(f"{path}: {error}") from None
        failed = False
        for label, rows, run in readable:
            report = run(actor=actor, rows=rows, strict=strict)
            for row, reason in report.rejected:
                self.stdout.write(f"{label} row {row}: {reason}")
            outcome = "committed" if report.committed else "nothing imported (strict mode)"
            self.stdout.write(
                f"{label}: {report.created} new, {report.unchanged} already on "
                f"file, {len(report.rejected)} rejected; {outcome}"
            )
            failed = failed or not report.committed
        if failed:
            raise CommandError("a file was not imported")
        self.stdout.write(
            self.style.SUCCESS("Import done; run risk_recompute to refresh classes and alerts.")
        )
