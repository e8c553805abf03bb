"""Calendar months, for every floor that counts in them: repayment schedules, observation
periods, outcome horizons. Pure Python: no Django."""

from __future__ import annotations

import calendar
import datetime as dt


def add_months(start: dt.date, months: int) -> dt.date:
    """The same day of the month `months` later (or earlier), or the month's last day when it
    has no such day: 31 January + 1 month is 28 or 29 February."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))
