"""Adds a synthetic book at scale for benchmarks (customers, assessments, statements, loans
with schedules and repayments, interactions), with set-based SQL and COPY, then runs the
nightly risk job once so classes, history and alerts exist.

    python bench/seed_bench.py --customers N --loans N [--seed 1] [--business-date YYYY-MM-DD]
                               [--append] [--no-risk-run] [--json]

Tooling, not part of the product: it runs against the database that DATABASE_URL names (or
the embedded one), as `manage.py` would, and bench/run.py calls it for `make bench`."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def _setup_django() -> None:
    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm_site.settings")
    import django

    django.setup()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python bench/seed_bench.py", description=__doc__)
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
    args = parser.parse_args(argv)
    if args.customers < 1 or args.loans < 0:
        parser.error("--customers must be 1 or more and --loans 0 or more.")
    try:
        day = dt.date.fromisoformat(args.business_date) if args.business_date else None
    except ValueError:
        parser.error(f"--business-date {args.business_date!r} is not YYYY-MM-DD.")
    _setup_django()

    from bench import synthetic_book
    from core.business_date import business_date
    from customers.models import Customer
    from dashboards import figures

    if Customer.objects.exists() and not args.append:
        parser.error(
            "The book already has customers; seed_bench is for an empty benchmark "
            "database (or pass --append)."
        )
    today = day or business_date()
    say = (lambda text: None) if args.as_json else print
    timings = synthetic_book.generate(
        customers=args.customers, loans=args.loans, seed=args.seed, today=today, stdout=say
    )
    if not args.no_risk_run:
        timings["first nightly risk run"] = synthetic_book.first_risk_run(today, say)
    # The bulk load skips triggers: the dashboard's book figures are built once from it.
    started = time.perf_counter()
    figures.rebuild()
    timings["dashboard figures"] = round(time.perf_counter() - started, 2)
    print(
        json.dumps(timings)
        if args.as_json
        else f"{args.customers} customers, {args.loans} loans ready."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
