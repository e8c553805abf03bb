import datetime as dt
from decimal import Decimal

import pytest

from lending.servicing import (
    InstalmentState,
    PaymentRefused,
    allocate,
    amount_due,
    days_past_due,
    penalty_for,
)

D = Decimal


def three_instalments() -> list[InstalmentState]:
    return [
        InstalmentState(1, dt.date(2026, 1, 31), D("300.00"), D("30.00")),
        InstalmentState(2, dt.date(2026, 2, 28), D("300.00"), D("20.00")),
        InstalmentState(3, dt.date(2026, 3, 31), D("400.00"), D("10.00")),
    ]


@pytest.mark.parametrize(
    ("business_date", "expected"),
    [(dt.date(2026, 1, 31), 0), (dt.date(2026, 2, 1), 1), (dt.date(2026, 3, 5), 33)],
)
def test_dpd_counts_from_the_oldest_unpaid_instalment(business_date, expected):
    assert days_past_due(business_date, three_instalments()) == expected


def test_dpd_moves_to_the_next_unpaid_instalment_once_the_oldest_is_paid():
    rows = three_instalments()
    rows[0].principal_paid, rows[0].interest_paid = D("300.00"), D("30.00")
    assert days_past_due(dt.date(2026, 3, 5), rows) == 5


def test_allocation_goes_penalty_interest_principal_oldest_first():
    rows = three_instalments()
    rows[0].penalty_accrued = D("5.00")
    result = allocate(D("400.00"), rows, paid_on=dt.date(2026, 3, 1), allow_prepayment=False)
    first, second = result.allocations
    assert (first.penalty, first.interest, first.principal) == (D("5.00"), D("30.00"), D("300.00"))
    assert (second.penalty, second.interest, second.principal) == (
        D("0.00"),
        D("20.00"),
        D("45.00"),
    )
    assert result.total == D("400.00") and result.prepayment == 0


def test_partial_payment_is_allowed():
    result = allocate(
        D("10.00"), three_instalments(), paid_on=dt.date(2026, 2, 1), allow_prepayment=False
    )
    assert [(a.key, a.interest, a.principal) for a in result.allocations] == [
        (1, D("10.00"), D("0.00"))
    ]


def test_overpayment_is_refused_unless_it_is_a_prepayment():
    rows = three_instalments()
    with pytest.raises(PaymentRefused, match=r"exceeds what is due by ¥70\.00"):
        allocate(D("400.00"), rows, paid_on=dt.date(2026, 2, 1), allow_prepayment=False)
    result = allocate(D("400.00"), rows, paid_on=dt.date(2026, 2, 1), allow_prepayment=True)
    assert result.prepayment == D("70.00")


def test_more_than_the_loan_owes_is_refused_even_as_prepayment():
    with pytest.raises(PaymentRefused, match=r"everything the loan owes by ¥0\.01"):
        allocate(
            D("1030.01"), three_instalments(), paid_on=dt.date(2026, 2, 1), allow_prepayment=True
        )


def test_zero_payment_is_refused():
    with pytest.raises(PaymentRefused):
        allocate(D("0"), three_instalments(), paid_on=dt.date(2026, 2, 1), allow_prepayment=True)


def test_penalty_accrues_per_day_late_on_a_360_day_year():
    row = three_instalments()[0]
    # 30 days late (31 January to 2 March): 330 × 18% × 30 / 360.
    assert penalty_for(row, dt.date(2026, 3, 2), D("0.18")) == D("4.95")
    assert penalty_for(row, dt.date(2026, 1, 31), D("0.18")) == D("0.00")
    assert penalty_for(row, dt.date(2026, 3, 2), D("0")) == D("0.00")


def test_amount_due_counts_only_what_has_fallen_due():
    assert amount_due(three_instalments(), dt.date(2026, 2, 28)) == D("650.00")
