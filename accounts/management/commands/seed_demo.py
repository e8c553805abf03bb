from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.demo import CAST, DEMO_PASSWORD, seed_cast


class Command(BaseCommand):
    help = "Creates the demo branches and users (idempotent). Refused when DEBUG=0 unless --force."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="seed even with DEBUG=0 (demo passwords are public: never on a real bank)",
        )

    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates users with a public password; refused with DEBUG=0. "
                "Use --force only on a demo server."
            )
        seed_cast()
        names = ", ".join(row[0] for row in CAST)
        self.stdout.write(
            self.style.SUCCESS(f"Demo users ready: {names} (password {DEMO_PASSWORD})")
        )
