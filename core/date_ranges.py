"""The dates that make sense for each kind of date people type, in forms and in the columns
of imports: one table, so that a valuation or a follow-up is held to the same range wherever
it is entered, and the message next to the field says the range.

"Today" is the business date (core.business_date), the day servicing stands on. Records of
relationship work (a call logged now, a complaint received now, a follow-up planned from
today) follow the calendar instead, as the customers app dates them (their defaults and the
services' own checks use the local calendar day): a demo or test that pins the business date
in the past must not refuse a call logged at this moment. In production both are the same day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

# The business date's home is servicing; it reads only the settings and the clock.
from core.business_date import business_date


def _years_from(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class DateRange:
    """From `years_back` years before today to `years_ahead` years after it (0: today at
    the latest)."""

    years_back: int
    years_ahead: int = 0
    calendar: bool = False

    def today(self) -> dt.date:
        return timezone.localdate() if self.calendar else business_date()

    def bounds(self) -> tuple[dt.date, dt.date]:
        today = self.today()
        return _years_from(today, -self.years_back), _years_from(today, self.years_ahead)

    def message(self, value: dt.date | dt.datetime) -> str | None:
        """What is wrong with the value, for a form field; None when it is in range."""
        earliest, latest = self.bounds()
        bounds = {"earliest": earliest.isoformat(), "latest": latest.isoformat()}
        day = _day(value)
        if day > latest and not self.years_ahead:
            return (
                _("It cannot be in the future: enter a date from %(earliest)s to %(latest)s.")
                % bounds
            )
        if not earliest <= day <= latest:
            return _("Enter a date from %(earliest)s to %(latest)s.") % bounds
        return None

    def column_message(self, value: dt.date) -> str | None:
        """The same, worded for an import's report of a row ("birth_date: must be...")."""
        earliest, latest = self.bounds()
        if earliest <= _day(value) <= latest:
            return None
        return _("must be a date from %(earliest)s to %(latest)s") % {
            "earliest": earliest.isoformat(),
            "latest": latest.isoformat(),
        }

    def validate(self, value: dt.date | dt.datetime) -> None:
        problem = self.message(value)
        if problem:
            raise ValidationError(problem, code="date_range")

    def limit(self, field: forms.Field) -> None:
        """Holds a form field to the range: its validator, and the bounds on the browser's
        date picker (the server checks regardless)."""
        field.validators.append(self.validate)
        earliest, latest = self.bounds()
        if isinstance(field, forms.DateTimeField):
            field.widget.attrs.update(min=f"{earliest}T00:00", max=f"{latest}T23:59")
        elif getattr(field.widget, "input_type", None) == "month":
            # A month picker takes its bounds as months.
            field.widget.attrs.update(min=f"{earliest:%Y-%m}", max=f"{latest:%Y-%m}")
        else:
            field.widget.attrs.update(min=earliest.isoformat(), max=latest.isoformat())


def _day(value: dt.date | dt.datetime) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


# People: nobody banks here at more than 120.
BIRTH_DATE = DateRange(years_back=120)
# Enterprises: old firms exist (the oldest Chinese brands go back to the 1600s), a typo of
# 0201 or 9999 does not.
FOUNDING_DATE = DateRange(years_back=400)
# Financial statements: a record of periods that ended, up to twenty years of history.
STATEMENT_PERIOD_END = DateRange(years_back=20)
# Collateral valuations: done, not planned; one older than ten years is no valuation.
VALUATION_DATE = DateRange(years_back=10)
# Loans from the core system and their payments: the longest term is forty years.
DISBURSEMENT_DATE = DateRange(years_back=50)
PAYMENT_DATE = DateRange(years_back=50)
# Relationship work recorded after the fact: an interaction, a complaint received, a survey
# answered, needs noted; on the calendar, up to five years back.
RECORDED_EVENT = DateRange(years_back=5, calendar=True)
# Follow-ups and visits: from today, up to two years ahead.
FOLLOW_UP_DUE = DateRange(years_back=0, years_ahead=2, calendar=True)
# Industries on the watch list: since a day that has come, on the calendar (the default).
WATCH_LIST_SINCE = DateRange(years_back=50, calendar=True)
# Figures and settings in force from a date (tier-1 capital, provisioning settings): twenty
# years of history, and up to two years ahead for a change decided in advance.
EFFECTIVE_FROM = DateRange(years_back=20, years_ahead=2)
# Documents: an expiry up to fifty years ahead (a long lease, a land-use right); an expired
# one of the last ten years may still be filed, and reads as expired.
DOCUMENT_EXPIRY = DateRange(years_back=10, years_ahead=50)
# Related-party links (a parent company, a spouse, a guarantee) start and end by today, and
# none goes back further than a lifetime.
RELATION_DATE = DateRange(years_back=120)
# A promise to pay: from today, within a year (a longer one is a restructuring).
PROMISE_TO_PAY = DateRange(years_back=0, years_ahead=1)
# Credit facilities: one recorded after the fact starts up to five years back, one decided
# in advance within a year; its expiry and annual review come within thirty years (the
# longest facility, a project finance line). The service orders the three.
FACILITY_START = DateRange(years_back=5, years_ahead=1)
FACILITY_EXPIRY = DateRange(years_back=5, years_ahead=30)
FACILITY_REVIEW = DateRange(years_back=5, years_ahead=30)
# Post-loan inspections: done, not planned; recorded up to five years after the visit.
INSPECTED_ON = DateRange(years_back=5)
# A lawsuit's steps (filing, judgment, enforcement, assets preserved, costs, recoveries):
# recorded after the fact; a case runs for years, ten of them is plenty.
LEGAL_EVENT = DateRange(years_back=10)
# Month-end provisions: a month that has begun (the run refuses one that has not ended),
# twenty years of history.
PROVISION_MONTH = DateRange(years_back=20)


class DateRanges:
    """Form mixin: `date_ranges = {field name: DateRange}` holds those fields, where the form
    has them, to their ranges. tests/platform/test_date_ranges.py fails for a form with a
    date field that is neither here nor exempted there."""

    date_ranges: dict[str, DateRange] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, date_range in self.date_ranges.items():
            if name in self.fields:
                date_range.limit(self.fields[name])
