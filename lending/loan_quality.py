"""How good a loan is, in the numbers every floor counts loans by: its class on the five-tier
scale (五级分类; risk/classification.py assigns it under the 2023 rule) and how long it is past
due (lending/servicing.py counts the days). Pure Python: no Django.

They live on the lending floor because the loan list filters by them and the floors above
read them (risk's rules, the dashboards' figures): a lower floor never imports a higher one.
The Django choices with their translated labels are built from these numbers
(lending.models.LoanClass and DpdBucket), and the SQL that counts loans splices them
(risk/recompute.py, dashboards/figures.py, dashboards/services.py); tests hold them to agree.
"""

from __future__ import annotations

# The five classes, numbered from best to worst, so that "at least" is max() and "worse
# than" is a comparison, in Python and in SQL alike.
NORMAL, SPECIAL_MENTION, SUBSTANDARD, DOUBTFUL, LOSS = 1, 2, 3, 4, 5
LOAN_CLASSES = (NORMAL, SPECIAL_MENTION, SUBSTANDARD, DOUBTFUL, LOSS)
# Non-performing loans (NPL): substandard, doubtful and loss, the classes from substandard on
# (SQL counts them as `class >= NON_PERFORMING_FROM`).
NON_PERFORMING_FROM = SUBSTANDARD
NON_PERFORMING = frozenset(c for c in LOAN_CLASSES if c >= NON_PERFORMING_FROM)
# A loan is overdue from its first day past due.
OVERDUE_FROM_DAYS = 1

# The days-past-due buckets in order, each (first day, last day or None for no end): the
# loan list's filter, the dashboard's overdue bars and the book figures' columns.
DPD_BUCKETS: dict[str, tuple[int, int | None]] = {
    "current": (0, 0),
    "1-30": (1, 30),
    "31-60": (31, 60),
    "61-90": (61, 90),
    "91-180": (91, 180),
    "181-360": (181, 360),
    "360+": (361, None),
}
# The buckets of the overdue loans: all but "current".
OVERDUE_BUCKETS = {key: days for key, days in DPD_BUCKETS.items() if days[0] >= OVERDUE_FROM_DAYS}


def dpd_in_bucket_sql(column: str, key: str) -> str:
    """The SQL condition that the days past due in `column` fall in bucket `key`."""
    first, last = DPD_BUCKETS[key]
    if last is None:
        return f"{column} > {first - 1}"
    return f"{column} BETWEEN {first} AND {last}"
