"""Brings every stored resident ID and phone under the current keys (README, Security)."""

from django.core.management.base import BaseCommand
from django.db import connection

from customers.encryption import protect_identifiers


class Command(BaseCommand):
    help = (
        "Re-encrypt resident IDs and phones under the first of FIELD_ENCRYPTION_KEYS and "
        "recompute their lookup hashes under FIELD_HASH_KEY. Chunked, safe while people work, "
        "safe to run twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--chunk-rows", type=int, default=5000)

    def handle(self, *args, chunk_rows: int, **options):
        written = protect_identifiers(connection, chunk_rows=chunk_rows)
        for table, rows in written.items():
            self.stdout.write(f"{table}: {rows} rows re-encrypted")
