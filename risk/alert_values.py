"""How an alert's value reads, with its unit and its date: "15 days past due (since
2026-11-03)", "−44 points since 2026-10-01", "1.10×", "62.34% of income", "AA → BBB", not "15"
and "44". One formatter per indicator, pure (the value, the business date it is counted on,
no query), used wherever an alert is shown: the alert list and page, the customer 360, Today,
the mails and the reports (through Alert.shown_value).

The scan stores what does not move by itself (risk.rules): the date a loan is past due since,
not the days, so an open alert is not rewritten every night; the days are counted here. A
value these formatters cannot read (one stored before its indicator stored dates, say) is
shown as it is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.numbers import format_percent

# The score drop stores its points and the date of the assessment it dropped from
# ("44;2026-10-01", risk.rules "score_drop").
SCORE_DROP_SEPARATOR = ";"
MINUS = "\u2212"


def _date(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


def _count(value: str) -> int:
    return int(Decimal(value))


def days_past_due(value: str, on: dt.date) -> str:
    since = _date(value)
    return _("%(days)s days past due (since %(date)s)") % {
        "days": (on - since).days,
        "date": since.isoformat(),
    }


def no_contact(value: str, on: dt.date) -> str:
    last = _date(value)
    return _("%(days)s days without contact (last %(date)s)") % {
        "days": (on - last).days,
        "date": last.isoformat(),
    }


def maturity(value: str, on: dt.date) -> str:
    matures = _date(value)
    return _("matures in %(days)s days (%(date)s)") % {
        "days": abs((matures - on).days),
        "date": matures.isoformat(),
    }


def missed_instalments(value: str, on: dt.date) -> str:
    count = _count(value)
    return ngettext("%(count)s instalment missed", "%(count)s instalments missed", count) % {
        "count": count
    }


def score_drop(value: str, on: dt.date) -> str:
    points, _separator, since = value.partition(SCORE_DROP_SEPARATOR)
    points = _count(points)
    if not since:
        return _("%(minus)s%(points)s points") % {"minus": MINUS, "points": points}
    return _("%(minus)s%(points)s points since %(date)s") % {
        "minus": MINUS,
        "points": points,
        "date": _date(since).isoformat(),
    }


def grade_downgrade(value: str, on: dt.date) -> str:
    before, arrow, after = value.partition("→")
    if not arrow:
        raise ValueError(value)
    return f"{before.strip()} → {after.strip()}"


def debt_to_income(value: str, on: dt.date) -> str:
    return _("debt service %(share)s of income") % {"share": format_percent(Decimal(value))}


def debt_service_coverage(value: str, on: dt.date) -> str:
    return f"{Decimal(value):.2f}×"


def revenue_drop(value: str, on: dt.date) -> str:
    return _("down %(share)s on the previous statement") % {"share": format_percent(Decimal(value))}


def loan_to_value(value: str, on: dt.date) -> str:
    return _("loan to value %(share)s") % {"share": format_percent(Decimal(value))}


def collateral_down(value: str, on: dt.date) -> str:
    return _("revalued down %(share)s") % {"share": format_percent(Decimal(value))}


def industry_watch(value: str, on: dt.date) -> str:
    return _("industry %(code)s on the watch list") % {"code": value}


def active_signals(value: str, on: dt.date) -> str:
    count = _count(value)
    return ngettext("%(count)s active signal", "%(count)s active signals", count) % {"count": count}


def complaints_past_sla(value: str, on: dt.date) -> str:
    count = _count(value)
    return ngettext(
        "%(count)s complaint past its SLA", "%(count)s complaints past their SLA", count
    ) % {"count": count}


def related_parties_in_distress(value: str, on: dt.date) -> str:
    count = _count(value)
    return ngettext(
        "%(count)s related party in distress", "%(count)s related parties in distress", count
    ) % {"count": count}


def _count_and_report_date(value: str) -> tuple[int, dt.date]:
    count, _separator, day = value.partition(SCORE_DROP_SEPARATOR)
    return _count(count), _date(day)


def external_overdue(value: str, on: dt.date) -> str:
    months, reported_on = _count_and_report_date(value)
    return ngettext(
        "%(count)s more overdue month at other lenders (bureau report of %(date)s)",
        "%(count)s more overdue months at other lenders (bureau report of %(date)s)",
        months,
    ) % {"count": months, "date": reported_on.isoformat()}


def enquiry_spike(value: str, on: dt.date) -> str:
    enquiries, reported_on = _count_and_report_date(value)
    return ngettext(
        "%(count)s lender's enquiry in 6 months (bureau report of %(date)s)",
        "%(count)s lenders' enquiries in 6 months (bureau report of %(date)s)",
        enquiries,
    ) % {"count": enquiries, "date": reported_on.isoformat()}


def document_expiry(value: str, on: dt.date) -> str:
    expires = _date(value)
    days = (expires - on).days
    if days < 0:
        return ngettext(
            "expired %(date)s, %(days)s day ago",
            "expired %(date)s, %(days)s days ago",
            -days,
        ) % {"date": expires.isoformat(), "days": -days}
    return ngettext(
        "expires %(date)s, in %(days)s day",
        "expires %(date)s, in %(days)s days",
        days,
    ) % {"date": expires.isoformat(), "days": days}


def facility_review_overdue(value: str, on: dt.date) -> str:
    due = _date(value)
    days = (on - due).days
    return ngettext(
        "review due %(date)s, %(days)s day overdue",
        "review due %(date)s, %(days)s days overdue",
        days,
    ) % {"date": due.isoformat(), "days": days}


def inspection_overdue(value: str, on: dt.date) -> str:
    due = _date(value)
    days = (on - due).days
    return ngettext(
        "inspection due %(date)s, %(days)s day overdue",
        "inspection due %(date)s, %(days)s days overdue",
        days,
    ) % {"date": due.isoformat(), "days": days}


def broken_promise(value: str, on: dt.date) -> str:
    promised = _date(value)
    days = (on - promised).days
    return ngettext(
        "promised for %(date)s, %(days)s day ago",
        "promised for %(date)s, %(days)s days ago",
        days,
    ) % {"date": promised.isoformat(), "days": days}


def share_of_concentration_limit(value: str, on: dt.date) -> str:
    return _("%(share)s of the concentration limit") % {"share": format_percent(Decimal(value))}


FORMATTERS: dict[str, Callable[[str, dt.date], str]] = {
    "dpd": days_past_due,
    "missed_instalments": missed_instalments,
    "score_drop": score_drop,
    "grade_downgrade": grade_downgrade,
    "dti_limit": debt_to_income,
    "dscr_limit": debt_service_coverage,
    "revenue_drop": revenue_drop,
    "ltv_limit": loan_to_value,
    "collateral_down": collateral_down,
    "industry_watch": industry_watch,
    "no_contact": no_contact,
    "complaint_sla": complaints_past_sla,
    "maturity_no_renewal": maturity,
    "external_overdue": external_overdue,
    "enquiry_spike": enquiry_spike,
    "related_party_distress": related_parties_in_distress,
    "single_concentration": share_of_concentration_limit,
    "group_concentration": share_of_concentration_limit,
    "facility_review_overdue": facility_review_overdue,
    "document_expiry": document_expiry,
    "broken_promise": broken_promise,
    "inspection_overdue": inspection_overdue,
}
SIGNAL_PREFIX = "signal_"


def format_value(indicator: str, value: str, *, on: dt.date) -> str:
    """The value of an alert of `indicator` as people read it on business date `on`."""
    formatter = FORMATTERS.get(indicator)
    if formatter is None and indicator.startswith(SIGNAL_PREFIX):
        formatter = active_signals
    if formatter is None or not value:
        return value
    try:
        return formatter(value, on)
    except (ValueError, InvalidOperation, ArithmeticError):
        return value


def format_measure(indicator: str, measure: Decimal | None) -> str:
    """What a measured indicator (risk.rules.MEASURED) counted when its alert stepped."""
    if measure is None:
        return ""
    count = int(measure)
    if indicator == "dpd":
        return ngettext("%(days)s day past due", "%(days)s days past due", count) % {"days": count}
    if indicator == "missed_instalments":
        return missed_instalments(str(count), dt.date.min)
    return f"{measure.normalize():f}"
