"""Each indicator's value reads with its unit and its date (risk.alert_values): pure
functions of the stored value and the business date."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from risk.alert_values import format_measure, format_value

ON = dt.date(2026, 11, 18)


@pytest.mark.parametrize(
    ("indicator", "value", "shown"),
    [
        ("dpd", "2026-11-03", "15 days past due (since 2026-11-03)"),
        ("missed_instalments", "1", "1 instalment missed"),
        ("missed_instalments", "3", "3 instalments missed"),
        ("score_drop", "44;2026-10-01", "\u221244 points since 2026-10-01"),
        ("score_drop", "44", "\u221244 points"),  # stored before the date was
        ("grade_downgrade", "AA→BBB", "AA → BBB"),
        ("dti_limit", "0.6234", "debt service 62.34% of income"),
        ("dscr_limit", "1.1", "1.10×"),
        ("dscr_limit", "0.9876", "0.99×"),
        ("revenue_drop", "0.25", "down 25.00% on the previous statement"),
        ("ltv_limit", "0.8123", "loan to value 81.23%"),
        ("collateral_down", "0.3", "revalued down 30.00%"),
        ("industry_watch", "C13", "industry C13 on the watch list"),
        ("signal_lawsuit", "2", "2 active signals"),
        ("signal_negative_news", "1", "1 active signal"),
        ("complaint_sla", "1", "1 complaint past its SLA"),
        ("no_contact", "2026-08-20", "90 days without contact (last 2026-08-20)"),
        ("maturity_no_renewal", "2026-12-18", "matures in 30 days (2026-12-18)"),
    ],
)
def test_each_indicator_has_its_unit(indicator, value, shown):
    with translation.override("en"):
        assert format_value(indicator, value, on=ON) == shown


@pytest.mark.parametrize(
    ("indicator", "value"),
    [
        ("dpd", "15"),  # a value from before dates were stored
        ("score_drop", "many;yesterday"),
        ("dscr_limit", "n/a"),
        ("grade_downgrade", "BBB"),
        ("unknown_indicator", "0.5"),
        ("dpd", ""),
    ],
)
def test_a_value_that_cannot_be_read_is_shown_as_it_is(indicator, value):
    assert format_value(indicator, value, on=ON) == value


def test_the_days_are_counted_on_the_business_date():
    assert format_value("dpd", "2026-11-03", on=dt.date(2026, 11, 4)).startswith("1 days")
    assert format_value("dpd", "2026-11-03", on=dt.date(2026, 12, 3)).startswith("30 days")


def test_values_are_translated():
    with translation.override("zh-hans"):
        shown = format_value("dpd", "2026-11-03", on=ON)
    assert shown == "逾期 15 天（自 2026-11-03 起）"


def test_a_steps_measure_has_its_unit():
    with translation.override("en"):
        assert format_measure("dpd", Decimal("31")) == "31 days past due"
        assert format_measure("dpd", Decimal("1")) == "1 day past due"
        assert format_measure("missed_instalments", Decimal("4")) == "4 instalments missed"
        assert format_measure("score_drop", Decimal("40.5000")) == "40.5"
        assert format_measure("dpd", None) == ""
