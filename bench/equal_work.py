"""Equal-work comparisons for `make bench` (bench/run.py), so that every ratio it prints
compares the same work done two ways.

- The naive way (bench/run.py's naive_recompute: ORM objects, two queries and one save per
  loan) and the set-based way (the nightly's own classification statement,
  risk.recompute.CLASSIFY, as a full night runs it over a range of customers) both classify
  every loan of the same sample (the active loans of the book's first customers) and write
  every row; the ratio is of loans per second.
- A full night (every customer: scores, classes, exposure, provisions, alerts, levels)
  against the naive way's classification alone, extrapolated per loan to the whole book.
- The bare floor, measured in the same run: one UPDATE computing a grade and a five-tier class
  for every loan of the book, the least any job that writes a result per loan could cost on
  this PostgreSQL. Each set-based figure is also given as a multiple of it.

Everything here is rolled back: the book the later measurements work on does not move.
"""

from __future__ import annotations

import datetime as dt
import time


def _rate(rows: int, seconds: float) -> float:
    return rows / max(seconds, 0.000001)


def set_based_classification(loan_ids: list[int], on: dt.date) -> dict:
    """The nightly's classification statement as a full night runs it, over the range of
    customers that holds `loan_ids` (every loan of theirs), each row made stale first
    (untimed, by a count of overdue instalments off by one) so that the statement computes and
    writes every one of them, as the naive way does. Rolled back."""
    from django.conf import settings
    from django.db import connection, transaction
    from django.utils import timezone

    from risk.recompute import CLASSIFY
    from risk.rules import IN_CHUNK, IN_RANGE

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT array_agg(c.id ORDER BY c.id) FROM customers_customer c
            WHERE c.id BETWEEN (SELECT min(customer_id) FROM credit_loan WHERE id = ANY(%(loans)s))
                           AND (SELECT max(customer_id) FROM credit_loan WHERE id = ANY(%(loans)s))
            """,
            {"loans": loan_ids},
        )
        customers = cursor.fetchone()[0] or []
        params = {
            "first": min(customers, default=0),
            "last": max(customers, default=0),
            "on": on,
            "now": timezone.now(),
            "tz": settings.TIME_ZONE,
            "customers": customers,
        }
        # Stale by a count no figure reads: the naive way rewrites each row with its values
        # unchanged, so the book figures' trigger finds nothing to move for either way. (Stale
        # by a day past due, most loans moved from current to overdue and back, and the
        # set-based way alone paid for moving the dashboard's figures twice.)
        cursor.execute(
            "UPDATE risk_loanrisk SET overdue_instalments = overdue_instalments + 1 "
            "WHERE customer_id = ANY(%s)",
            [customers],
        )
        started = time.perf_counter()
        # A full night's chunk holds every customer of its range and selects them by it.
        cursor.execute(CLASSIFY.replace(IN_CHUNK, IN_RANGE), params)
        loans, _history, _added = cursor.fetchone()
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return {"loans": loans, "customers": len(customers), "seconds": round(seconds, 3)}


# The five-tier class from the days past due and a grade from the latest score, the master
# scale's cut-offs: the simplest thing that writes a graded, classified row per loan.
FLOOR = """
UPDATE bench_floor
SET class = CASE WHEN dpd > 360 THEN 5 WHEN dpd > 270 THEN 4 WHEN dpd > 90 THEN 3
                 WHEN dpd >= 1 THEN 2 ELSE 1 END,
    grade = CASE WHEN score >= 720 THEN 'AAA' WHEN score >= 690 THEN 'AA'
                 WHEN score >= 660 THEN 'A' WHEN score >= 630 THEN 'BBB'
                 WHEN score >= 600 THEN 'BB' WHEN score >= 570 THEN 'B'
                 WHEN score >= 540 THEN 'CCC' WHEN score >= 510 THEN 'CC' ELSE 'C' END
"""


def bare_floor() -> dict:
    """One UPDATE over a row per loan of the book (its days past due and its customer's
    score, copied untimed into a table of their own), computing a grade and a five-tier
    class. Rolled back."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            CREATE TABLE bench_floor AS
            SELECT l.id AS loan_id, coalesce(r.dpd, 0) AS dpd, c.grade,
                   coalesce(a.score, 0) AS score, 0::smallint AS class
            FROM credit_loan l
            JOIN customers_customer c ON c.id = l.customer_id
            LEFT JOIN risk_loanrisk r ON r.loan_id = l.id
            LEFT JOIN LATERAL (SELECT a.score FROM credit_assessment a
                               WHERE a.customer_id = l.customer_id
                               ORDER BY a.assessed_at DESC, a.id DESC LIMIT 1) a ON true
            """
        )
        cursor.execute("ALTER TABLE bench_floor ADD PRIMARY KEY (loan_id)")
        cursor.execute("ANALYZE bench_floor")
        started = time.perf_counter()
        cursor.execute(FLOOR)
        rows = cursor.rowcount
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return {"loans": rows, "seconds": round(seconds, 3)}


def compare(*, naive: dict, set_based: dict, floor: dict, full_night: dict, book: int) -> dict:
    """The ratios `make bench` prints, each between equal work."""
    naive_rate = _rate(naive["loans"], naive["seconds"])
    set_rate = _rate(set_based["loans"], set_based["seconds"])
    floor_rate = _rate(floor["loans"], floor["seconds"])
    naive_book_seconds = book / max(naive_rate, 0.000001)
    full_rate = _rate(book, full_night["seconds"])
    return {
        "naive_loans_per_second": round(naive_rate),
        "set_based_loans_per_second": round(set_rate),
        "floor_loans_per_second": round(floor_rate),
        "set_based_vs_naive": round(set_rate / max(naive_rate, 0.000001), 1),
        "set_based_vs_floor": round(floor_rate / max(set_rate, 0.000001), 1),
        "naive_extrapolated_seconds": round(naive_book_seconds, 1),
        "full_night_seconds": full_night["seconds"],
        "full_night_vs_naive": round(naive_book_seconds / max(full_night["seconds"], 0.001), 1),
        "full_night_vs_floor": round(floor_rate / max(full_rate, 0.000001), 1),
    }
