import datetime as dt
import json
import time

from django.core.management.base import BaseCommand, CommandError

from credit.business_date import business_date as current_business_date
from crm_site import synthetic_book
from customers.models import Customer
from dashboards import figures


class Command(BaseCommand):
    help = (
        "Adds a synthetic book at scale for benchmarks (customers, assessments, statements, "
        "loans with schedules and repayments, interactions), with set-based SQL and COPY, "
        "then runs the nightly risk job once so classes, history and alerts exist."
    )

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, required=True)
        parser.add_argument("--loans", type=int, required=True)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--business-date", help="YYYY-MM-DD the book is as of (default: the business date)"
        )
        parser.add_argument(
            "--append", action="store_true", help="add to a book that already has customers"
        )
        parser.add_argument("--no-risk-run", action="store_true", help="skip the nightly run")
        parser.add_argument(
            "--json", dest="as_json", action="store_true", help="print the timings as JSON"
        )

    def handle(self, *args, customers, loans, seed, business_date, append, no_risk_run,
               as_json, **options):  # fmt: skip
        if customers < 1 or loans < 0:
            raise CommandError("--customers must be 1 or more and --loans 0 or more.")
        if Customer.objects.exists() and not append:
            raise CommandError(
                "The book already has customers; seed_bench is for an empty benchmark "
                "database (or pass --append)."
            )
        try:
            today = (
                dt.date.fromisoformat(business_date) if business_date else current_business_date()
            )
        except ValueError:
            raise CommandError(f"--business-date {business_date!r} is not YYYY-MM-DD.") from None
        say = (lambda text: None) if as_json else self.stdout.write
        timings = synthetic_book.generate(
            customers=customers, loans=loans, seed=seed, today=today, stdout=say
        )
        if not no_risk_run:
            timings["first nightly risk run"] = synthetic_book.first_risk_run(today, say)
        # The bulk load skips triggers: the dashboard's book figures are built once from it.
        started = time.perf_counter()
        figures.rebuild()
        timings["dashboard figures"] = round(time.perf_counter() - started, 2)
        if as_json:
            self.stdout.write(json.dumps(timings))
        else:
            self.stdout.write(self.style.SUCCESS(f"{customers} customers, {loans} loans ready."))
