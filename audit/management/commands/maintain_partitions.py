from django.core.management.base import BaseCommand
from django.utils import timezone

from core.partitions import partitions_maintain


class Command(BaseCommand):
    help = (
        "Creates this month's and the next months' partitions of the tables that only grow and "
        "moves rows that landed in a default partition into their month (safe to run any time)."
    )

    def handle(self, *args, **options):
        report = partitions_maintain(today=timezone.localdate())
        moved = sum(report.moved_rows.values())
        self.stdout.write(f"created {len(report.created)} partitions, moved {moved} rows")
