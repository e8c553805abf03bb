"""Adds a synthetic book at scale for benchmarks (customers, statements, assessments scored
by the engine, loans with schedules, repayments and collateral, applications in every stage,
facilities, groups, interactions), with set-based SQL and COPY, then runs the product's own
nightly risk job for its date so classes, levels, history and alerts are the product's, and
checks the fixed point: a full run for the same date, rolled back, would write nothing
("full run after seeding" in the timings; `make bench` prints it with its verdict).

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

    from bench import book_checks, synthetic_book
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
        timings["first collections run"] = synthetic_book.first_collections_run(today, say)
    # The bulk load skips triggers: the dashboard's book figures are built once from it.
    started = time.perf_counter()
    figures.rebuild()
    timings["dashboard figures"] = round(time.perf_counter() - started, 2)
    if not args.no_risk_run:
        # The book is one the product could have produced: a full run for its date, every
        # customer recomputed, finds nothing to write (rolled back either way).
        check = book_checks.full_run_writes(today)
        timings["full run after seeding"] = check
        say(f"full run after seeding: {check['rows_written']} rows would be written")
    print(
        json.dumps(timings)
        if args.as_json
        else f"{args.customers} customers, {args.loans} loans ready."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
