"""What `make bench` checks of its book beyond speed (bench/run.py, bench/seed_bench.py).

- Its shape: the share of the book non-performing (NPL ratio, by balance and by count), the
  loans overdue, the customers with an open alert, facilities, groups, collateral and the
  applications in each stage, so a reader can see the book is one a bank could have.
- The fixed point: a full run (every customer) for the date the book stands at writes
  nothing. The incremental nights examine only the customers whose inputs or calendar moved;
  a full run after them recomputes everyone, so any row it would write is one the nights
  missed, or a book the product could not have produced. The full run is rolled back: the
  check does not move the book the later measurements work on.
"""

from __future__ import annotations

import datetime as dt
import time

# Counts of a run that are not rows written (bench/run.py counts the rest).
NOT_WRITES = frozenset({"chunks_skipped", "customers_examined"})


def rows_written(counts: dict) -> int:
    return sum(int(value) for key, value in counts.items() if key not in NOT_WRITES)


def full_run_writes(on: dt.date) -> dict:
    """A full nightly run for `on`, rolled back: the rows it would write, by kind."""
    from django.db import transaction

    from risk import jobs

    started = time.perf_counter()
    with transaction.atomic():
        run = jobs.run_synchronously(jobs.NIGHTLY, on, full=True)
        counts = dict(run.counts) if run is not None else {}
        transaction.set_rollback(True)
    written = {key: int(value) for key, value in counts.items() if key not in NOT_WRITES}
    return {
        "on": on.isoformat(),
        "seconds": round(time.perf_counter() - started, 2),
        "customers_examined": int(counts.get("customers_examined", 0)),
        "rows_written": sum(written.values()),
        # Only what it would write, so a failed check says what moved.
        "written": {key: value for key, value in sorted(written.items()) if value},
    }


SHAPE = """
WITH active AS (
    SELECT l.id, l.outstanding_principal AS balance, coalesce(r.final_class, 1) AS class,
           coalesce(r.dpd, 0) AS dpd
    FROM credit_loan l LEFT JOIN risk_loanrisk r ON r.loan_id = l.id
    WHERE l.status = 'active'
)
SELECT (SELECT count(*) FROM credit_loan),
       count(*),
       coalesce(sum(balance) FILTER (WHERE class >= %(substandard)s)
                / nullif(sum(balance), 0), 0),
       count(*) FILTER (WHERE class >= %(substandard)s),
       count(*) FILTER (WHERE dpd > 0),
       (SELECT count(*) FROM customers_customer),
       (SELECT count(DISTINCT customer_id) FROM risk_alert
        WHERE status IN ('open', 'acknowledged', 'in_progress')),
       (SELECT count(*) FROM lending_creditfacility),
       (SELECT count(*) FROM customers_customergroup),
       (SELECT count(*) FROM credit_collateral),
       (SELECT count(*) FROM credit_assessment WHERE factor_points = '{}'::jsonb)
FROM active
"""


def shape() -> dict:
    """The book's shape as the product sees it (after at least one nightly run)."""
    from django.db import connection

    from risk.classification import SUBSTANDARD

    with connection.cursor() as cursor:
        cursor.execute(SHAPE, {"substandard": SUBSTANDARD})
        (
            loans,
            active,
            npl_balance,
            npl_loans,
            overdue,
            customers,
            alerted,
            facilities,
            groups,
            collateral,
            unscored,
        ) = cursor.fetchone()
        cursor.execute(
            "SELECT status, count(*) FROM credit_application GROUP BY status ORDER BY status"
        )
        stages = dict(cursor.fetchall())
        cursor.execute(
            """
            SELECT indicator, count(*) FROM risk_alert
            WHERE status IN ('open', 'acknowledged', 'in_progress')
            GROUP BY indicator ORDER BY count(*) DESC, indicator
            """
        )
        alerts = dict(cursor.fetchall())

    def share(part: int, whole: int) -> float:
        return round(100 * part / whole, 2) if whole else 0.0

    return {
        "loans": loans,
        "active_loans": active,
        "npl_ratio_pct": round(100 * float(npl_balance), 2),
        "npl_loans_pct": share(npl_loans, active),
        "overdue_loans_pct": share(overdue, active),
        "customers": customers,
        "customers_with_open_alert_pct": share(alerted, customers),
        "open_alerts_by_indicator": alerts,
        "facilities": facilities,
        "groups": groups,
        "collateral": collateral,
        "applications_by_status": stages,
        "assessments_without_factor_points": unscored,
    }
