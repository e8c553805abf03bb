"""The nightly portfolio snapshot: one INSERT … SELECT per run, idempotent (a rerun with the
same book writes nothing)."""

import datetime as dt

from django.db import connection, transaction

SNAPSHOT = """
WITH customers AS (
    SELECT c.officer_id, c.branch_id, count(*) AS customers
    FROM customers_customer c GROUP BY c.officer_id, c.branch_id
),
loans AS (
    SELECT c.officer_id, count(*) AS loans, sum(l.outstanding_principal) AS exposure,
           coalesce(sum(l.outstanding_principal) FILTER (WHERE r.final_class >= 3), 0) AS npl,
           coalesce(sum(l.outstanding_principal) FILTER (WHERE r.dpd >= 1), 0) AS overdue
    FROM credit_loan l
    JOIN customers_customer c ON c.id = l.customer_id
    LEFT JOIN risk_loanrisk r ON r.loan_id = l.id
    WHERE l.status = 'active'
    GROUP BY c.officer_id
)
INSERT INTO dashboards_portfoliosnapshot
    (taken_on, officer_id, branch_id, customers, loans, exposure, npl_exposure, overdue_exposure)
SELECT %(on)s, k.officer_id, k.branch_id, k.customers, coalesce(l.loans, 0),
       coalesce(l.exposure, 0), coalesce(l.npl, 0), coalesce(l.overdue, 0)
FROM customers k LEFT JOIN loans l ON l.officer_id = k.officer_id
ON CONFLICT (taken_on, officer_id) DO UPDATE SET
    branch_id = EXCLUDED.branch_id, customers = EXCLUDED.customers, loans = EXCLUDED.loans,
    exposure = EXCLUDED.exposure, npl_exposure = EXCLUDED.npl_exposure,
    overdue_exposure = EXCLUDED.overdue_exposure
WHERE (dashboards_portfoliosnapshot.customers, dashboards_portfoliosnapshot.loans,
       dashboards_portfoliosnapshot.exposure, dashboards_portfoliosnapshot.npl_exposure,
       dashboards_portfoliosnapshot.overdue_exposure)
      IS DISTINCT FROM
      (EXCLUDED.customers, EXCLUDED.loans, EXCLUDED.exposure, EXCLUDED.npl_exposure,
       EXCLUDED.overdue_exposure)
"""


def portfolio_snapshot(*, on: dt.date) -> int:
    """Writes (or refreshes) every officer's snapshot for `on`; returns the rows written."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(SNAPSHOT, {"on": on})
        return cursor.rowcount
