import datetime as dt
from decimal import Decimal

import pytest

from risk.classification import (
    DOUBTFUL,
    LOSS,
    NORMAL,
    SPECIAL_MENTION,
    SUBSTANDARD,
    apply_contagion,
    classify_loan,
    final_class,
    observation_end,
    override_latest_end,
)

ON = dt.date(2026, 6, 30)


@pytest.mark.parametrize(
    ("dpd", "expected"),
    [
        (0, NORMAL),
        (1, SPECIAL_MENTION),
        (90, SPECIAL_MENTION),
        (91, SUBSTANDARD),
        (270, SUBSTANDARD),
        (271, DOUBTFUL),
        (360, DOUBTFUL),
        (361, LOSS),
    ],
)
def test_days_past_due_floors_at_their_boundaries(dpd, expected):
    assert classify_loan(dpd=dpd, on=ON) == expected


def test_restructured_loan_is_special_mention_during_observation():
    restructured = dt.date(2026, 1, 15)
    until = observation_end(restructured, dt.date(2026, 3, 15))
    assert until == dt.date(2027, 1, 15)  # one year beats two monthly periods
    assert (
        classify_loan(dpd=0, on=ON, restructured_on=restructured, observation_until=until)
        == SPECIAL_MENTION
    )


def test_overdue_or_restructured_again_in_observation_is_substandard():
    restructured = dt.date(2026, 1, 15)
    until = observation_end(restructured, None)
    assert (
        classify_loan(dpd=3, on=ON, restructured_on=restructured, observation_until=until)
        == SUBSTANDARD
    )
    assert (
        classify_loan(
            dpd=0,
            on=ON,
            restructured_on=restructured,
            observation_until=until,
            restructured_again_in_observation=True,
        )
        == SUBSTANDARD
    )


def test_after_the_observation_period_only_days_past_due_count():
    restructured = dt.date(2024, 1, 15)
    until = observation_end(restructured, None)
    assert (
        classify_loan(dpd=0, on=ON, restructured_on=restructured, observation_until=until) == NORMAL
    )
    assert (
        classify_loan(dpd=5, on=ON, restructured_on=restructured, observation_until=until)
        == SPECIAL_MENTION
    )


def test_observation_takes_the_later_of_a_year_and_two_periods():
    # A quarterly schedule: the second instalment falls after the year.
    assert observation_end(dt.date(2026, 1, 15), dt.date(2027, 4, 15)) == dt.date(2027, 4, 15)


@pytest.mark.parametrize(
    ("bad_share", "infected"),
    [(Decimal("10"), False), (Decimal("10.01"), True), (Decimal("0"), False)],
)
def test_contagion_above_ten_percent_of_the_debtors_exposure(bad_share, infected):
    exposures = [
        (Decimal("100") - bad_share, NORMAL),
        (bad_share, SUBSTANDARD),
        (Decimal("0"), SPECIAL_MENTION),
    ]
    classes = apply_contagion(exposures)
    if infected:
        assert classes == [SUBSTANDARD, SUBSTANDARD, SUBSTANDARD]
    else:
        assert classes == [NORMAL, SUBSTANDARD, SPECIAL_MENTION]


def test_contagion_never_improves_a_class():
    assert apply_contagion([(Decimal(1), LOSS), (Decimal(1), NORMAL)]) == [LOSS, SUBSTANDARD]


def test_override_wins_until_it_expires():
    assert final_class(SPECIAL_MENTION, SUBSTANDARD, dt.date(2026, 6, 30), ON) == SUBSTANDARD
    assert final_class(SPECIAL_MENTION, SUBSTANDARD, dt.date(2026, 6, 29), ON) == (SPECIAL_MENTION)
    assert final_class(SUBSTANDARD, None, None, ON) == SUBSTANDARD


def test_an_override_never_goes_below_the_rules_floor():
    # A loan overridden to normal, or to special mention, whose days past due then passed 90
    # (substandard by Art. 12): the floor wins while the override lasts.
    assert final_class(SUBSTANDARD, NORMAL, dt.date(2026, 6, 30), ON) == SUBSTANDARD
    assert final_class(SUBSTANDARD, SPECIAL_MENTION, dt.date(2026, 6, 30), ON) == SUBSTANDARD
    assert final_class(SUBSTANDARD, DOUBTFUL, dt.date(2026, 6, 30), ON) == DOUBTFUL


def test_an_override_lasts_at_most_a_quarter():
    assert override_latest_end(dt.date(2026, 11, 18)) == dt.date(2027, 2, 18)
    assert override_latest_end(dt.date(2026, 11, 30)) == dt.date(2027, 2, 28)
