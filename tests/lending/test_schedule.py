import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.months import add_months
from lending.schedule import (
    ANNUITY,
    BULLET,
    EQUAL_PRINCIPAL,
    METHODS,
    annuity_payment,
    build_schedule,
)

START = dt.date(2026, 1, 31)


def test_annuity_known_answer():
    # 100,000 at 6% over 12 months: the textbook level payment is 8,606.64.
    assert annuity_payment(Decimal("100000"), Decimal("0.06"), 12) == Decimal("8606.64")
    rows = build_schedule(
        principal=Decimal("100000"),
        annual_rate=Decimal("0.06"),
        periods=12,
        start=START,
        method=ANNUITY,
    )
    assert [row.total for row in rows[:-1]] == [Decimal("8606.64")] * 11
    assert rows[0].interest == Decimal("500.00")
    assert rows[0].principal == Decimal("8106.64")
    assert sum(row.principal for row in rows) == Decimal("100000.00")
    # The last instalment absorbs the rounding of the others.
    assert abs(rows[-1].total - Decimal("8606.64")) < Decimal("0.10")


def test_mortgage_known_answer():
    # 1,000,000 at 4.9% over 30 years: 5,307.27 a month, a standard quoted figure.
    assert annuity_payment(Decimal("1000000"), Decimal("0.049"), 360) == Decimal("5307.27")


def test_quarterly_annuity_known_answer():
    # 100,000 at 6% over four quarters: 1.5% a quarter, 25,944.48 a quarter.
    assert annuity_payment(Decimal("100000"), Decimal("0.06"), 4, 3) == Decimal("25944.48")
    rows = build_schedule(
        principal=Decimal("100000"),
        annual_rate=Decimal("0.06"),
        periods=4,
        start=dt.date(2026, 1, 15),
        method=ANNUITY,
        months_per_period=3,
    )
    assert [row.due_date for row in rows] == [
        dt.date(2026, 4, 15),
        dt.date(2026, 7, 15),
        dt.date(2026, 10, 15),
        dt.date(2027, 1, 15),
    ]
    assert rows[0].interest == Decimal("1500.00")
    assert sum(row.principal for row in rows) == Decimal("100000.00")


def test_equal_principal():
    rows = build_schedule(
        principal=Decimal("10000"),
        annual_rate=Decimal("0.12"),
        periods=3,
        start=START,
        method=EQUAL_PRINCIPAL,
    )
    assert [row.principal for row in rows] == [
        Decimal("3333.33"),
        Decimal("3333.33"),
        Decimal("3333.34"),
    ]
    assert [row.interest for row in rows] == [Decimal("100.00"), Decimal("66.67"), Decimal("33.33")]


def test_bullet_pays_interest_then_principal_at_the_end():
    rows = build_schedule(
        principal=Decimal("50000"),
        annual_rate=Decimal("0.072"),
        periods=6,
        start=START,
        method=BULLET,
    )
    assert [row.principal for row in rows] == [Decimal("0.00")] * 5 + [Decimal("50000.00")]
    assert {row.interest for row in rows} == {Decimal("300.00")}


def test_due_dates_keep_the_day_or_take_the_month_end():
    assert add_months(START, 1) == dt.date(2026, 2, 28)
    assert add_months(START, 2) == dt.date(2026, 3, 31)
    assert add_months(dt.date(2027, 12, 15), 1) == dt.date(2028, 1, 15)


def test_zero_rate_annuity_is_equal_parts():
    rows = build_schedule(
        principal=Decimal("1000"), annual_rate=Decimal("0"), periods=3, start=START, method=ANNUITY
    )
    assert [row.total for row in rows] == [Decimal("333.33"), Decimal("333.33"), Decimal("333.34")]


@pytest.mark.parametrize(
    "bad",
    [
        {"principal": Decimal("0")},
        {"periods": 0},
        {"annual_rate": Decimal("-0.01")},
        {"method": "balloon"},
    ],
)
def test_bad_parameters_are_refused(bad):
    arguments = {
        "principal": Decimal("1000"),
        "annual_rate": Decimal("0.05"),
        "periods": 12,
        "start": START,
        "method": ANNUITY,
        **bad,
    }
    with pytest.raises(ValueError):
        build_schedule(**arguments)


@settings(max_examples=300, deadline=None)
@given(
    principal=st.decimals(min_value=Decimal("100"), max_value=Decimal("50000000"), places=2),
    rate=st.decimals(min_value=Decimal("0"), max_value=Decimal("0.36"), places=4),
    periods=st.integers(min_value=1, max_value=360),
    method=st.sampled_from(METHODS),
    months=st.sampled_from([1, 3]),
)
def test_schedule_properties(principal, rate, periods, method, months):
    rows = build_schedule(
        principal=principal,
        annual_rate=rate,
        periods=periods,
        start=START,
        method=method,
        months_per_period=months,
    )
    assert len(rows) == periods
    assert sum(row.principal for row in rows) == principal
    assert all(row.principal >= 0 and row.interest >= 0 for row in rows)
    assert all(row.principal == row.principal.quantize(Decimal("0.01")) for row in rows)
    assert rows[-1].closing_principal == 0
    assert [row.due_date for row in rows] == sorted({row.due_date for row in rows})
    for row in rows:
        expected = (row.opening_principal * rate * months / 12).quantize(Decimal("0.01"))
        assert abs(row.interest - expected) <= Decimal("0.01")
    if method == ANNUITY and periods > 1:
        # Level instalments, except where rounding drift has already repaid the principal
        # (tiny loans over long terms): then the instalment takes just what remains.
        level = annuity_payment(principal, rate, periods, months)
        assert all(
            row.total == level or row.principal == row.opening_principal for row in rows[:-1]
        )
