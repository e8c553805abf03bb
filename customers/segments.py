"""Computed segments: bands over age, income, revenue. Each band is a range, so filtering by
it is an indexable range condition on the stored column, never a computed column scan."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# key: (label, lower bound inclusive, upper bound exclusive); None is open-ended.
AGE_BANDS = {
    "18-29": (_("18–29"), 18, 30),
    "30-39": (_("30–39"), 30, 40),
    "40-49": (_("40–49"), 40, 50),
    "50-59": (_("50–59"), 50, 60),
    "60+": (_("60 and over"), 60, None),
}
# Monthly income in yuan.
INCOME_BANDS = {
    "lt5k": (_("under ¥5,000"), None, Decimal(5000)),
    "5k-10k": (_("¥5,000–10,000"), Decimal(5000), Decimal(10000)),
    "10k-20k": (_("¥10,000–20,000"), Decimal(10000), Decimal(20000)),
    "20k-50k": (_("¥20,000–50,000"), Decimal(20000), Decimal(50000)),
    "50k+": (_("¥50,000 and over"), Decimal(50000), None),
}
# Annual revenue in yuan.
REVENUE_BANDS = {
    "lt10m": (_("under ¥10m"), None, Decimal(10_000_000)),
    "10m-100m": (_("¥10m–100m"), Decimal(10_000_000), Decimal(100_000_000)),
    "100m-1b": (_("¥100m–1bn"), Decimal(100_000_000), Decimal(1_000_000_000)),
    "1b+": (_("¥1bn and over"), Decimal(1_000_000_000), None),
}


def choices(bands: dict) -> list[tuple[str, str]]:
    return [(key, label) for key, (label, _low, _high) in bands.items()]


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year - years, day=28)


def age_band_q(key: str, today: dt.date) -> Q:
    _label, low, high = AGE_BANDS[key]
    # Age >= low  <=>  born on or before today minus low years.
    condition = Q(birth_date__lte=_years_before(today, low))
    if high is not None:
        condition &= Q(birth_date__gt=_years_before(today, high))
    return condition


def _range_q(field: str, low, high) -> Q:
    condition = Q(**{f"{field}__isnull": False})
    if low is not None:
        condition &= Q(**{f"{field}__gte": low})
    if high is not None:
        condition &= Q(**{f"{field}__lt": high})
    return condition


def income_band_q(key: str) -> Q:
    _label, low, high = INCOME_BANDS[key]
    return _range_q("monthly_income", low, high)


def revenue_band_q(key: str) -> Q:
    _label, low, high = REVENUE_BANDS[key]
    return _range_q("annual_revenue", low, high)


def band_of(bands: dict, value) -> str:
    """The label of the band `value` falls in, or an empty string."""
    if value is None:
        return ""
    for label, low, high in bands.values():
        if (low is None or value >= low) and (high is None or value < high):
            return str(label)
    return ""
