"""Realised outcomes of scored loans: the performance data behind fitting a scorecard from the
bank's own history and behind monitoring a published one.

The unit is a loan. Its score is the latest assessment of its customer on or before the day it
was disbursed (what the bank knew when it lent). It turned bad when it reached 90 days past
due within the horizon after disbursement: some instalment fell due at least 90 days before
the end of the window and was not settled by the time it was 90 days late. An instalment that a
restructuring superseded while unpaid counts as unpaid until the restructuring date.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from django.conf import settings
from django.db import connection

from core.months import add_months
from credit.fitting import Table

BAD_DPD = 90

_OUTCOMES_SQL = """
WITH sample AS (
    SELECT l.id AS loan_id, l.disbursed_on, l.restructured_on,
           LEAST((l.disbursed_on + make_interval(months => %(horizon)s))::date,
                 %(observed_until)s::date) AS window_end,
           (SELECT a.id FROM credit_assessment a
             WHERE a.customer_id = l.customer_id
               AND (a.assessed_at AT TIME ZONE %(tz)s)::date <= l.disbursed_on
             ORDER BY a.assessed_at DESC, a.id DESC
             LIMIT 1) AS assessment_id
      FROM credit_loan l
      JOIN customers_customer c ON c.id = l.customer_id
     WHERE c.kind = %(kind)s
       AND l.disbursed_on <= %(disbursed_until)s
)
SELECT s.loan_id, s.disbursed_on, s.window_end, a.id, a.scorecard_id, a.score, a.grade,
       CASE WHEN %(with_inputs)s THEN a.inputs END,
       EXISTS (
           SELECT 1 FROM credit_instalment i
            WHERE i.loan_id = s.loan_id
              AND i.due_date + %(dpd)s <= s.window_end
              AND COALESCE(i.settled_on,
                           CASE WHEN i.superseded THEN s.restructured_on END,
                           'infinity'::date) >= i.due_date + %(dpd)s
       ) AS bad
  FROM sample s
  JOIN credit_assessment a ON a.id = s.assessment_id
 WHERE %(scorecard)s::bigint IS NULL OR a.scorecard_id = %(scorecard)s::bigint
 ORDER BY s.loan_id DESC
 LIMIT %(limit)s
"""


@dataclass(frozen=True)
class LoanOutcome:
    loan_id: int
    disbursed_on: dt.date
    window_end: dt.date
    assessment_id: int
    scorecard_id: int
    score: int
    grade: str
    inputs: dict
    bad: bool


def loan_outcomes(
    *,
    kind: str,
    disbursed_until: dt.date,
    observed_until: dt.date,
    horizon_months: int = 12,
    scorecard_id: int | None = None,
    with_inputs: bool = True,
    limit: int | None = None,
) -> list[LoanOutcome]:
    """Scored loans of one customer type disbursed by `disbursed_until`, each with whether it
    went bad within the horizon as far as `observed_until` shows; the newest first, at most
    `limit` of them."""
    with connection.cursor() as cursor:
        cursor.execute(
            _OUTCOMES_SQL,
            {
                "horizon": horizon_months,
                "observed_until": observed_until,
                "disbursed_until": disbursed_until,
                "tz": settings.TIME_ZONE,
                "kind": kind,
                "dpd": BAD_DPD,
                "scorecard": scorecard_id,
                "with_inputs": with_inputs,
                "limit": limit,
            },
        )
        # Django has psycopg hand jsonb over as text (its JSONField decodes it); so here.
        return [
            LoanOutcome(
                *row[:7], json.loads(row[7]) if isinstance(row[7], str) else row[7] or {}, row[8]
            )
            for row in cursor.fetchall()
        ]


def history_table(*, kind: str, as_of: dt.date, horizon_months: int):
    """The training table as the data stood on `as_of`: every scored loan disbursed at least
    `horizon_months` before it, the inputs of its assessment, and whether it went bad within
    the horizon. Returns a credit.fitting.Table with the outcome in the column "bad"."""
    outcomes = loan_outcomes(
        kind=kind,
        disbursed_until=add_months(as_of, -horizon_months),
        observed_until=as_of,
        horizon_months=horizon_months,
    )
    keys = sorted({key for row in outcomes for key in row.inputs})
    rows = [
        [_cell(row.inputs.get(key)) for key in keys] + ["1" if row.bad else "0"] for row in outcomes
    ]
    return Table(header=[*keys, "bad"], rows=rows, source=f"loan history as of {as_of}")


def _cell(value) -> str:
    return "" if value is None else str(value)
