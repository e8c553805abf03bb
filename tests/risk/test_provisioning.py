"""The PRC reserve and the ECL of risk.provisioning against figures worked out by hand."""

import datetime as dt
from decimal import Decimal

import pytest

from lending.loan_quality import DOUBTFUL, LOSS, NORMAL, SPECIAL_MENTION, SUBSTANDARD
from risk import provisioning as p

AS_OF = dt.date(2026, 11, 18)
IN_ONE_YEAR = dt.date(2027, 11, 18)  # 365 days: t = 1
IN_TWO_YEARS = dt.date(2028, 11, 17)  # 730 days (2028 is a leap year): t = 2
PARAMS = p.Parameters()


def inputs(**overrides):
    values = {
        "as_of": AS_OF,
        "outstanding_principal": Decimal("100000.00"),
        "annual_rate": Decimal("0.05"),
        "loan_class": NORMAL,
        "dpd": 0,
        "annual_pd": Decimal("0.02"),
        "accrual_start": AS_OF,
        "future_principal": ((IN_TWO_YEARS, Decimal("100000.00")),),
    }
    values.update(overrides)
    return p.LoanInputs(**values)


def test_stage_1_loan_counts_twelve_months_only():
    figures = p.provision(inputs(), PARAMS)
    assert figures.stage == p.STAGE_1 and figures.reasons == ()
    # Bullet in two years; stage 1 stops at one: marginal PD = 1 − 0.98 = 0.02, unsecured
    # LGD 0.45, EAD 100,000 (no interest accrued yet), discounted one year at 5%:
    # 0.02 × 0.45 × 100,000 / 1.05 = 857.142… → 857.14.
    assert figures.pd == Decimal("0.020000")
    assert figures.lgd == Decimal("0.450000")
    assert figures.ead == Decimal("100000.00")
    assert figures.ecl == Decimal("857.14")
    # PRC: general 1% of the balance, no specific reserve for a normal loan.
    assert (figures.general_reserve, figures.specific_reserve) == (Decimal("1000.00"), 0)


def test_the_same_loan_in_stage_2_counts_its_lifetime():
    # Downgraded three notches since origination: stage 2, lifetime PD 1 − 0.98² = 0.0396,
    # one period of two years discounted at 1.05² = 1.1025:
    # 0.0396 × 0.45 × 100,000 / 1.1025 = 1,616.326… → 1,616.33.
    figures = p.provision(inputs(notches_down=3), PARAMS)
    assert (figures.stage, figures.reasons) == (p.STAGE_2, (p.DOWNGRADE,))
    assert figures.pd == Decimal("0.039600")
    assert figures.ecl == Decimal("1616.33")


def test_stage_2_loan_with_collateral():
    figures = p.provision(
        inputs(
            outstanding_principal=Decimal("80000.00"),
            annual_rate=Decimal("0.06"),
            annual_pd=Decimal("0.03"),
            loan_class=SPECIAL_MENTION,
            dpd=45,
            unpaid_interest_due=Decimal("400.00"),
            accrual_start=AS_OF - dt.timedelta(days=30),
            future_principal=(
                (IN_ONE_YEAR, Decimal("40000.00")),
                (IN_TWO_YEARS, Decimal("40000.00")),
            ),
            collateral=(("real_estate", Decimal("60000.00")),),
        ),
        PARAMS,
    )
    assert figures.stage == p.STAGE_2
    assert figures.reasons == (p.PAST_DUE_STAGE_2, p.SPECIAL_MENTION_CLASS)
    # EAD = 80,000 + 400 unpaid interest + 80,000 × 6% × 30/365 (394.52) = 80,794.52.
    assert figures.ead == Decimal("80794.52")
    # Real estate at a 30% haircut recovers 42,000: LGD = 0.45 × 38,794.52 / 80,794.52.
    assert figures.lgd == Decimal("0.216073")
    # Year 1: 0.03 × 80,794.52 / 1.06; year 2: (0.97 − 0.9409) × 40,794.52 / 1.1236;
    # (2,286.6374 + 1,056.5330) × 0.216073 = 722.37.
    assert figures.pd == Decimal("0.059100")
    assert figures.ecl == Decimal("722.37")
    assert (figures.general_reserve, figures.specific_reserve) == (
        Decimal("800.00"),
        Decimal("1600.00"),
    )


def test_stage_3_loan():
    figures = p.provision(
        inputs(
            outstanding_principal=Decimal("50000.00"),
            loan_class=SUBSTANDARD,
            dpd=120,
            unpaid_interest_due=Decimal("1000.00"),
            accrual_start=AS_OF - dt.timedelta(days=30),
        ),
        PARAMS,
    )
    assert figures.stage == p.STAGE_3
    assert figures.reasons == (p.PAST_DUE_STAGE_3, p.NON_PERFORMING_CLASS)
    # EAD = 50,000 + 1,000 + 50,000 × 5% × 30/365 (205.48) = 51,205.48; PD = 1, no discount:
    # 0.45 × 51,205.48 = 23,042.466 → 23,042.47.
    assert figures.pd == Decimal("1")
    assert figures.ead == Decimal("51205.48")
    assert figures.ecl == Decimal("23042.47")
    # General 1% and substandard 25%.
    assert (figures.general_reserve, figures.specific_reserve) == (
        Decimal("500.00"),
        Decimal("12500.00"),
    )


def test_facility_undrawn_amount_enters_the_exposure():
    figures = p.provision(
        inputs(
            annual_rate=Decimal("0.04"),
            annual_pd=Decimal("0.01"),
            future_principal=((IN_ONE_YEAR, Decimal("100000.00")),),
            undrawn=Decimal("200000.00"),
        ),
        PARAMS,
    )
    # EAD = 100,000 drawn + CCF 50% × 200,000 undrawn = 200,000;
    # ECL = 0.01 × 0.45 × 200,000 / 1.04 = 865.384… → 865.38.
    assert figures.ead == Decimal("200000.00")
    assert figures.ecl == Decimal("865.38")


def test_reserve_rates_by_class_and_their_float():
    balance = Decimal("10000.00")
    assert p.prc_reserve(balance, DOUBTFUL, PARAMS) == (Decimal("100.00"), Decimal("5000.00"))
    assert p.prc_reserve(balance, LOSS, PARAMS) == (Decimal("100.00"), Decimal("10000.00"))
    floated = p.Parameters(substandard_float=Decimal("0.20"), doubtful_float=Decimal("-0.20"))
    # 25% × 1.2 = 30%; 50% × 0.8 = 40%.
    assert p.prc_reserve(balance, SUBSTANDARD, floated)[1] == Decimal("3000.00")
    assert p.prc_reserve(balance, DOUBTFUL, floated)[1] == Decimal("4000.00")
    with pytest.raises(ValueError):
        p.prc_reserve(balance, SUBSTANDARD, p.Parameters(substandard_float=Decimal("0.25")))


def test_stage_criteria_are_configurable():
    quiet = p.Parameters(
        downgrade_notches=0, special_mention_stage_2=False, watch_list_stage_2=False
    )
    loan = {"dpd": 10, "loan_class": SPECIAL_MENTION, "notches_down": 5, "watch_listed": True}
    assert p.stage_of(**loan, params=PARAMS) == (
        p.STAGE_2,
        (p.DOWNGRADE, p.SPECIAL_MENTION_CLASS, p.WATCH_LIST),
    )
    assert p.stage_of(**loan, params=quiet) == (p.STAGE_1, ())
    assert p.stage_of(**{**loan, "dpd": 31}, params=quiet) == (p.STAGE_2, (p.PAST_DUE_STAGE_2,))
    assert p.stage_of(**{**loan, "dpd": 91}, params=quiet) == (p.STAGE_3, (p.PAST_DUE_STAGE_3,))


def test_lgd_has_a_floor():
    # A deposit of twice the exposure covers it all: the floor of 10% remains.
    assert p.loss_given_default(
        Decimal("1000.00"), (("deposit", Decimal("2000.00")),), PARAMS
    ) == Decimal("0.100000")


def test_a_loan_past_maturity_is_at_risk_over_one_year():
    figures = p.provision(inputs(future_principal=(), notches_down=3), PARAMS)
    # One period of a year: 0.02 × 0.45 × 100,000 / 1.05 = 857.14.
    assert figures.ecl == Decimal("857.14")


def test_ratios():
    assert p.coverage_ratio(Decimal("300"), Decimal("200")) == Decimal("1.5")
    assert p.coverage_ratio(Decimal("300"), Decimal("0")) is None
    assert p.provision_rate(Decimal("25"), Decimal("1000")) == Decimal("0.025")
