# ruff: noqa: S608 -- the SQL is built from lending.loan_quality's constants, never from input.
"""The nightly portfolio snapshot: one INSERT … SELECT per run, idempotent (a rerun with the
same book writes nothing)."""

import datetime as dt

from django.db import connection, transaction

from dashboards.models import CLASS_COLUMNS
from lending.loan_quality import (
    NON_PERFORMING_FROM,
    OVERDUE_BUCKETS,
    OVERDUE_FROM_DAYS,
    dpd_in_bucket_sql,
)

# The exposure of each overdue bucket, b1 … b6 in the buckets' order (the order of their
# columns, overdue_1_30 … overdue_360_plus, below).
BUCKET_SUMS = ",\n".join(
    f"coalesce(sum(l.outstanding_principal) FILTER (WHERE {dpd_in_bucket_sql('r.dpd', key)}), 0)"
    f" AS b{number}"
    for number, key in enumerate(OVERDUE_BUCKETS, start=1)
)
# The exposure of each five-tier class, c1 … c5 (the columns of CLASS_COLUMNS, in order).
CLASS_SUMS = ",\n".join(
    f"coalesce(sum(l.outstanding_principal) FILTER (WHERE r.final_class = {code}), 0) AS c{code}"
    for code in CLASS_COLUMNS
)
CLASS_TARGETS = ", ".join(CLASS_COLUMNS.values())
CLASS_VALUES = ", ".join(f"coalesce(l.c{code}, 0)" for code in CLASS_COLUMNS)
CLASS_UPDATES = ", ".join(f"{column} = EXCLUDED.{column}" for column in CLASS_COLUMNS.values())
CLASS_KEPT = ", ".join(
    f"dashboards_portfoliosnapshot.{column}" for column in CLASS_COLUMNS.values()
)
CLASS_NEW = ", ".join(f"EXCLUDED.{column}" for column in CLASS_COLUMNS.values())
SNAPSHOT = f"""
WITH customers AS (
    SELECT c.officer_id, c.branch_id, count(*) AS customers
    FROM customers_customer c GROUP BY c.officer_id, c.branch_id
),
loans AS (
    SELECT c.officer_id, count(*) AS loans, sum(l.outstanding_principal) AS exposure,
           coalesce(sum(l.outstanding_principal)
                    FILTER (WHERE r.final_class >= {NON_PERFORMING_FROM}), 0) AS npl,
           coalesce(sum(l.outstanding_principal)
                    FILTER (WHERE r.dpd >= {OVERDUE_FROM_DAYS}), 0) AS overdue,
{BUCKET_SUMS},
{CLASS_SUMS}
    FROM credit_loan l
    JOIN customers_customer c ON c.id = l.customer_id
    LEFT JOIN risk_loanrisk r ON r.loan_id = l.id
    WHERE l.status = 'active'
    GROUP BY c.officer_id
)
INSERT INTO dashboards_portfoliosnapshot
    (taken_on, officer_id, branch_id, customers, loans, exposure, npl_exposure, overdue_exposure,
     overdue_1_30, overdue_31_60, overdue_61_90, overdue_91_180, overdue_181_360,
     overdue_360_plus, {CLASS_TARGETS})
SELECT %(on)s, k.officer_id, k.branch_id, k.customers, coalesce(l.loans, 0),
       coalesce(l.exposure, 0), coalesce(l.npl, 0), coalesce(l.overdue, 0),
       coalesce(l.b1, 0), coalesce(l.b2, 0), coalesce(l.b3, 0), coalesce(l.b4, 0),
       coalesce(l.b5, 0), coalesce(l.b6, 0), {CLASS_VALUES}
FROM customers k LEFT JOIN loans l ON l.officer_id = k.officer_id
ON CONFLICT (taken_on, officer_id) DO UPDATE SET
    branch_id = EXCLUDED.branch_id, customers = EXCLUDED.customers, loans = EXCLUDED.loans,
    exposure = EXCLUDED.exposure, npl_exposure = EXCLUDED.npl_exposure,
    overdue_exposure = EXCLUDED.overdue_exposure, overdue_1_30 = EXCLUDED.overdue_1_30,
    overdue_31_60 = EXCLUDED.overdue_31_60, overdue_61_90 = EXCLUDED.overdue_61_90,
    overdue_91_180 = EXCLUDED.overdue_91_180, overdue_181_360 = EXCLUDED.overdue_181_360,
    overdue_360_plus = EXCLUDED.overdue_360_plus, {CLASS_UPDATES}
WHERE (dashboards_portfoliosnapshot.customers, dashboards_portfoliosnapshot.loans,
       dashboards_portfoliosnapshot.exposure, dashboards_portfoliosnapshot.npl_exposure,
       dashboards_portfoliosnapshot.overdue_exposure,
       dashboards_portfoliosnapshot.overdue_1_30, dashboards_portfoliosnapshot.overdue_31_60,
       dashboards_portfoliosnapshot.overdue_61_90, dashboards_portfoliosnapshot.overdue_91_180,
       dashboards_portfoliosnapshot.overdue_181_360,
       dashboards_portfoliosnapshot.overdue_360_plus, {CLASS_KEPT})
      IS DISTINCT FROM
      (EXCLUDED.customers, EXCLUDED.loans, EXCLUDED.exposure, EXCLUDED.npl_exposure,
       EXCLUDED.overdue_exposure, EXCLUDED.overdue_1_30, EXCLUDED.overdue_31_60,
       EXCLUDED.overdue_61_90, EXCLUDED.overdue_91_180, EXCLUDED.overdue_181_360,
       EXCLUDED.overdue_360_plus, {CLASS_NEW})
"""


def portfolio_snapshot(*, on: dt.date) -> int:
    """Writes (or refreshes) every officer's snapshot for `on`; returns the rows written."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(SNAPSHOT, {"on": on})
        return cursor.rowcount
