# ruff: noqa: S608 -- the SQL here is built from lending.collections' constants, never from input.
"""The month-end record of the roll rates (issue 24): on the last day of a month the nightly's
collections step writes, for the customers of its chunk, every loan on the book with its
days past due and outstanding principal, and every loan written off during the month (in
the written-off bucket, with the principal written off). One statement: rows are inserted,
updated only when their values differ, and a loan's row that no longer belongs (repaid later
the same day) is removed, so a rerun of the night, or a redelivered chunk, writes nothing."""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction

from core.months import add_months
from lending.collections import ROLL_DPD_BUCKETS, WRITTEN_OFF


def _bucket_sql(dpd: str) -> str:
    cases = []
    for code, first, last in ROLL_DPD_BUCKETS:
        upper = "" if last is None else f" AND {dpd} <= {int(last)}"
        cases.append(f"WHEN {dpd} >= {int(first)}{upper} THEN '{code}'")
    return f"CASE {' '.join(cases)} END"


MONTH_END_STEP = f"""
WITH wanted AS (
    SELECT l.id AS loan_id, l.customer_id,
           CASE WHEN l.status = 'written_off' THEN '{WRITTEN_OFF}'
                ELSE {_bucket_sql("coalesce(%(on)s::date - p.oldest, 0)")} END AS bucket,
           coalesce(%(on)s::date - p.oldest, 0) AS dpd,
           CASE WHEN l.status = 'written_off' THEN w.principal
                ELSE l.outstanding_principal END AS balance
    FROM credit_loan l
    LEFT JOIN LATERAL (
        SELECT min(i.due_date) AS oldest FROM credit_instalment i
        WHERE i.loan_id = l.id AND i.schedule_version = l.schedule_version
          AND NOT i.superseded AND i.settled_on IS NULL AND i.due_date < %(on)s
    ) p ON true
    LEFT JOIN lending_writtenoffloan w
           ON w.loan_id = l.id AND w.reversed_on IS NULL
          AND w.written_off_on BETWEEN %(month_start)s AND %(on)s
    WHERE l.customer_id BETWEEN %(first)s AND %(last)s
      AND (l.status = 'active' OR (l.status = 'written_off' AND w.id IS NOT NULL))
),
removed AS (
    DELETE FROM lending_loanmonthend m
    WHERE m.as_of = %(on)s AND m.customer_id BETWEEN %(first)s AND %(last)s
      AND NOT EXISTS (SELECT 1 FROM wanted w WHERE w.loan_id = m.loan_id)
    RETURNING 1
),
written AS (
    INSERT INTO lending_loanmonthend AS m (as_of, loan_id, customer_id, bucket, dpd, balance)
    SELECT %(on)s, loan_id, customer_id, bucket, dpd, balance FROM wanted
    ON CONFLICT (as_of, loan_id) DO UPDATE
    SET bucket = EXCLUDED.bucket, dpd = EXCLUDED.dpd, balance = EXCLUDED.balance,
        customer_id = EXCLUDED.customer_id
    WHERE (m.bucket, m.dpd, m.balance, m.customer_id)
          IS DISTINCT FROM (EXCLUDED.bucket, EXCLUDED.dpd, EXCLUDED.balance, EXCLUDED.customer_id)
    RETURNING 1
)
SELECT (SELECT count(*) FROM written), (SELECT count(*) FROM removed)
"""


def is_month_end(on: dt.date) -> bool:
    return (on + dt.timedelta(days=1)).day == 1


def month_end_of(day: dt.date) -> dt.date:
    """The last day of `day`'s month."""
    return add_months(day.replace(day=1), 1) - dt.timedelta(days=1)


@transaction.atomic
def loan_month_end_record(*, first_id: int, last_id: int, on: dt.date) -> int:
    """Writes the month-end rows of the customers first_id..last_id as of `on`, the last day
    of its month (see the module's docstring); the number of rows written or removed (0 on
    a rerun). Any other day writes nothing."""
    if not is_month_end(on):
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            MONTH_END_STEP,
            {"first": first_id, "last": last_id, "on": on, "month_start": on.replace(day=1)},
        )
        written, removed = cursor.fetchone()
    return written + removed
