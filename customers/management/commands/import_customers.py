from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from customers.importer import ImportFileError, import_customers, read_rows


class Command(BaseCommand):
    help = "Imports customers from a CSV or XLSX export (column layout: customers/importer.py)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--as",
            dest="username",
            default="admin",
            help="the user the import runs as (its scope and audit actor)",
        )
        parser.add_argument(
            "--strict", action="store_true", help="import nothing unless every row is valid"
        )

    def handle(self, *args, file: str, username: str, strict: bool, **options):
        actor = User.objects.filter(username=username, is_active=True).first()
        if actor is None:
            raise CommandError(f"no active user {username!r}")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file")
        try:
            rows = read_rows(path.read_bytes(), path.name)
        except ImportFileError as error:
            raise CommandError(str(error)) from None
        report = import_customers(actor=actor, rows=rows, strict=strict)
        for row, reason in report.rejected:
            self.stdout.write(f"row {row}: {reason}")
        if not report.committed:
            raise CommandError(
                f"nothing imported: {len(report.rejected)} of {report.total} rows rejected "
                "(strict mode)"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"{report.created} created, {report.updated} updated, "
                f"{len(report.rejected)} rejected"
            )
        )
