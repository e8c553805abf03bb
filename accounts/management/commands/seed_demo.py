from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.demo import CAST, DEMO_PASSWORD


class Command(BaseCommand):
    help = (
        "Creates the demo branches, users and book (idempotent). "
        "Refused when DEBUG=0 unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--customers", type=int, default=80, help="how many demo customers (default 80)"
        )
        parser.add_argument(
            "--seed", type=int, default=2026, help="random seed: the same seed, the same book"
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="seed even with DEBUG=0 (demo passwords are public: never on a real bank)",
        )

    def handle(self, *args, force: bool, customers: int, seed: int, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates users with a public password; refused with DEBUG=0. "
                "Use --force only on a demo server."
            )
        if customers < 0:
            raise CommandError("--customers must be 0 or more")
        # Each app with a `demo` module seeds its part, in INSTALLED_APPS order.
        for app_config in apps.get_app_configs():
            try:
                demo = import_module(f"{app_config.name}.demo")
            except ModuleNotFoundError as error:
                if error.name != f"{app_config.name}.demo":
                    raise
                continue
            summary = demo.seed_demo(customers=customers, seed=seed)
            if summary:
                self.stdout.write(f"{app_config.verbose_name}: {summary}")
        names = ", ".join(row[0] for row in CAST)
        self.stdout.write(
            self.style.SUCCESS(f"Demo users ready: {names} (password {DEMO_PASSWORD})")
        )
