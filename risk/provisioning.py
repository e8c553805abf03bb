"""Provisions for one loan, two ways: the PRC loan-loss reserve (贷款损失准备) by class and the
expected credit loss (ECL) by stage under IFRS 9 / CAS 22 (企业会计准则第22号, 新金融工具准则).
Pure Python: no Django. The nightly (risk.provisions) gathers every loan's inputs set-based and
computes them here, so the stored figures are this module's by construction; the tests hold
them to hand-computed figures.

PRC reserve = balance × general rate (1%) + balance × the class's specific rate (special
mention 2%, substandard 25%, doubtful 50%, loss 100%; the substandard and doubtful rates may
float by up to ±20% of themselves), the balance being the outstanding principal.

Stages, worst first (each criterion configurable, every one met recorded as a reason):
- stage 3, credit-impaired: more than 90 days past due, or classified substandard or worse;
- stage 2, significant increase in credit risk: more than 30 days past due, a downgrade of N
  notches or more on the master scale since origination, classified special mention, or the
  customer's industry on the watch list;
- stage 1 otherwise.

ECL = Σ over the periods of the remaining schedule of marginal PD × LGD × EAD × discount:
- The term structure of PD is a constant hazard from the grade's annual (master-scale) PD p:
  survival S(t) = (1 − p)^t for t in years (hazard h = −ln(1 − p)), so the cumulative PD to
  t is 1 − S(t) and the marginal PD of the period (a, b] is S(a) − S(b).
- The periods end at the due dates of the instalments falling due after the as-of date,
  t = days from the as-of date / 365. A loan with none (past its maturity) is at risk over a
  single period of one year.
- Stage 1 counts the periods up to 12 months (the last is cut at t = 1); stage 2 all of them
  (lifetime); stage 3 has defaulted: PD = 1 now, ECL = LGD × EAD, nothing to discount.
- EAD today = outstanding principal + accrued interest (unpaid interest of instalments due
  + the outstanding principal's interest since the last due date, actual/365) + CCF × the
  undrawn amount of the facility. The exposure of a period is today's less the principal of
  the instalments due in the periods before it.
- LGD = max(floor, unsecured LGD × max(0, EAD − recovery) / EAD), recovery = Σ collateral
  value × (1 − the haircut of its type). The collateral securing a facility counts for the
  loans drawn on it, each item's value allocated to them pro rata to their EAD
  (with_facility_collateral); an item also pledged to one of those loans counts through the
  facility only.
- Each period's loss is discounted at the loan's annual rate to the end of the period:
  × (1 + rate)^(−t).
The stored PD is the cumulative PD over the stage's horizon (12 months, lifetime, or 1).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, localcontext

from lending.loan_quality import DOUBTFUL, LOSS, NORMAL, SPECIAL_MENTION, SUBSTANDARD

STAGE_1, STAGE_2, STAGE_3 = 1, 2, 3
STAGES = (STAGE_1, STAGE_2, STAGE_3)

# The reasons a loan is in its stage (stored as these codes; risk.provision_models labels them).
PAST_DUE_STAGE_2 = "past_due_30"
DOWNGRADE = "downgrade"
SPECIAL_MENTION_CLASS = "special_mention"
WATCH_LIST = "watch_list"
PAST_DUE_STAGE_3 = "past_due_90"
NON_PERFORMING_CLASS = "non_performing"
STAGE_REASONS = (
    PAST_DUE_STAGE_2,
    DOWNGRADE,
    SPECIAL_MENTION_CLASS,
    WATCH_LIST,
    PAST_DUE_STAGE_3,
    NON_PERFORMING_CLASS,
)

DAYS_PER_YEAR = Decimal(365)
STAGE_1_HORIZON_YEARS = Decimal(1)
CENT = Decimal("0.01")
RATIO = Decimal("0.000001")
ZERO = Decimal(0)
ONE = Decimal(1)

# The defaults of the settings (risk.provision_models.ProvisionSetting), as the PRC rules and
# common IFRS 9 practice set them.
GENERAL_RATE = Decimal("0.01")
SPECIFIC_RATES = {
    NORMAL: ZERO,
    SPECIAL_MENTION: Decimal("0.02"),
    SUBSTANDARD: Decimal("0.25"),
    DOUBTFUL: Decimal("0.50"),
    LOSS: Decimal("1.00"),
}
FLOAT_LIMIT = Decimal("0.20")
STAGE_2_DPD = 30
STAGE_3_DPD = 90
DOWNGRADE_NOTCHES = 3
CCF = Decimal("0.50")
LGD_FLOOR = Decimal("0.10")
UNSECURED_LGD = Decimal("0.45")
HAIRCUTS = {
    "deposit": Decimal("0.05"),
    "real_estate": Decimal("0.30"),
    "receivables": Decimal("0.40"),
    "vehicle": Decimal("0.50"),
    "equipment": Decimal("0.50"),
    "other": Decimal("0.60"),
}
MIN_COVERAGE = Decimal("1.50")
MIN_PROVISION_RATE = Decimal("0.025")


@dataclass(frozen=True)
class Parameters:
    general_rate: Decimal = GENERAL_RATE
    specific_rates: dict[int, Decimal] = field(default_factory=lambda: dict(SPECIFIC_RATES))
    # The float chosen for substandard and doubtful, as a share of their rate (−0.20…0.20).
    substandard_float: Decimal = ZERO
    doubtful_float: Decimal = ZERO
    float_limit: Decimal = FLOAT_LIMIT
    stage_2_dpd: int = STAGE_2_DPD
    stage_3_dpd: int = STAGE_3_DPD
    # 0 switches the criterion off.
    downgrade_notches: int = DOWNGRADE_NOTCHES
    special_mention_stage_2: bool = True
    watch_list_stage_2: bool = True
    ccf: Decimal = CCF
    lgd_floor: Decimal = LGD_FLOOR
    unsecured_lgd: Decimal = UNSECURED_LGD
    haircuts: dict[str, Decimal] = field(default_factory=lambda: dict(HAIRCUTS))


@dataclass(frozen=True)
class LoanInputs:
    as_of: dt.date
    outstanding_principal: Decimal
    annual_rate: Decimal
    loan_class: int
    dpd: int
    # The master-scale PD of the customer's grade, annual.
    annual_pd: Decimal
    # Interest accrues on the outstanding principal from this date (the last due date on or
    # before as_of, else the disbursement).
    accrual_start: dt.date
    # The unpaid interest of the instalments already due.
    unpaid_interest_due: Decimal = ZERO
    # (due date, principal still owed) of each instalment falling due after as_of.
    future_principal: tuple[tuple[dt.date, Decimal], ...] = ()
    # (collateral type, value) of the collateral securing the loan.
    collateral: tuple[tuple[str, Decimal], ...] = ()
    undrawn: Decimal = ZERO
    # Notches the grade fell on the master scale since origination (negative: it rose).
    notches_down: int = 0
    watch_listed: bool = False


@dataclass(frozen=True)
class Provision:
    stage: int
    reasons: tuple[str, ...]
    pd: Decimal
    lgd: Decimal
    ead: Decimal
    ecl: Decimal
    general_reserve: Decimal
    specific_reserve: Decimal

    @property
    def reserve(self) -> Decimal:
        return self.general_reserve + self.specific_reserve


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def specific_rate(loan_class: int, params: Parameters) -> Decimal:
    """The class's specific reserve rate, with the float chosen for substandard and doubtful."""
    rate = params.specific_rates.get(loan_class, ZERO)
    chosen = {SUBSTANDARD: params.substandard_float, DOUBTFUL: params.doubtful_float}.get(
        loan_class, ZERO
    )
    if abs(chosen) > params.float_limit:
        raise ValueError(f"float {chosen} beyond ±{params.float_limit}")
    return min(rate * (ONE + chosen), ONE)


def prc_reserve(balance: Decimal, loan_class: int, params: Parameters) -> tuple[Decimal, Decimal]:
    """(general reserve, specific reserve) of a balance in a class, each to the cent."""
    return cents(balance * params.general_rate), cents(balance * specific_rate(loan_class, params))


def stage_of(
    *, dpd: int, loan_class: int, notches_down: int, watch_listed: bool, params: Parameters
) -> tuple[int, tuple[str, ...]]:
    impaired = []
    if dpd > params.stage_3_dpd:
        impaired.append(PAST_DUE_STAGE_3)
    if loan_class >= SUBSTANDARD:
        impaired.append(NON_PERFORMING_CLASS)
    if impaired:
        return STAGE_3, tuple(impaired)
    increased = []
    if dpd > params.stage_2_dpd:
        increased.append(PAST_DUE_STAGE_2)
    if params.downgrade_notches and notches_down >= params.downgrade_notches:
        increased.append(DOWNGRADE)
    if params.special_mention_stage_2 and loan_class == SPECIAL_MENTION:
        increased.append(SPECIAL_MENTION_CLASS)
    if params.watch_list_stage_2 and watch_listed:
        increased.append(WATCH_LIST)
    if increased:
        return STAGE_2, tuple(increased)
    return STAGE_1, ()


def accrued_interest(inputs: LoanInputs) -> Decimal:
    days = max((inputs.as_of - inputs.accrual_start).days, 0)
    running = inputs.outstanding_principal * inputs.annual_rate * days / DAYS_PER_YEAR
    return cents(inputs.unpaid_interest_due + running)


def exposure_at_default(inputs: LoanInputs, params: Parameters) -> Decimal:
    return cents(
        inputs.outstanding_principal + accrued_interest(inputs) + params.ccf * inputs.undrawn
    )


def loss_given_default(
    ead: Decimal, collateral: tuple[tuple[str, Decimal], ...], params: Parameters
) -> Decimal:
    if ead <= 0:
        return params.lgd_floor
    other = params.haircuts.get("other", ONE)
    recovery = sum(
        (value * (ONE - params.haircuts.get(kind, other)) for kind, value in collateral), ZERO
    )
    uncovered = max(ead - recovery, ZERO) / ead
    return max(params.lgd_floor, params.unsecured_lgd * uncovered).quantize(
        RATIO, rounding=ROUND_HALF_UP
    )


def periods(inputs: LoanInputs) -> list[tuple[Decimal, Decimal]]:
    """(end in years from as_of, principal due at that end) of each remaining period."""
    rows = [
        (Decimal((due - inputs.as_of).days) / DAYS_PER_YEAR, principal)
        for due, principal in sorted(inputs.future_principal)
        if due > inputs.as_of
    ]
    return rows or [(ONE, inputs.outstanding_principal)]


def expected_credit_loss(
    inputs: LoanInputs, stage: int, lgd: Decimal, ead: Decimal
) -> tuple[Decimal, Decimal]:
    """(PD over the stage's horizon, ECL to the cent)."""
    if stage == STAGE_3:
        return ONE, cents(lgd * ead)
    horizon = STAGE_1_HORIZON_YEARS if stage == STAGE_1 else None
    with localcontext() as context:
        context.prec = 28
        # (1 − p)^t and (1 + r)^(−t) as exp(t · ln …), each logarithm taken once per loan:
        # the nightly computes this for every period of every loan it remeasures.
        log_survival = (ONE - inputs.annual_pd).ln() if inputs.annual_pd < ONE else None
        log_growth = (ONE + inputs.annual_rate).ln()
        loss = ZERO
        start = ZERO
        survived = ONE
        exposure = ead
        for end, principal in periods(inputs):
            cut_end = min(end, horizon) if horizon is not None else end
            if cut_end <= start:
                break
            survives = (cut_end * log_survival).exp() if log_survival is not None else ZERO
            discount = (-cut_end * log_growth).exp()
            loss += (survived - survives) * lgd * exposure * discount
            start, survived = cut_end, survives
            exposure -= principal
        pd = (ONE - survived).quantize(RATIO, rounding=ROUND_HALF_UP)
    return pd, cents(loss)


def provision(inputs: LoanInputs, params: Parameters) -> Provision:
    stage, reasons = stage_of(
        dpd=inputs.dpd,
        loan_class=inputs.loan_class,
        notches_down=inputs.notches_down,
        watch_listed=inputs.watch_listed,
        params=params,
    )
    ead = exposure_at_default(inputs, params)
    lgd = loss_given_default(ead, inputs.collateral, params)
    pd, ecl = expected_credit_loss(inputs, stage, lgd, ead)
    general, specific = prc_reserve(inputs.outstanding_principal, inputs.loan_class, params)
    return Provision(
        stage=stage,
        reasons=reasons,
        pd=pd,
        lgd=lgd,
        ead=ead,
        ecl=ecl,
        general_reserve=general,
        specific_reserve=specific,
    )


def allocate_pro_rata(value: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """`value` split into cents in proportion to `weights` (negative weights count as none):
    each part rounded down to the cent, then the cents left over given one each to the
    largest remainders (the earlier on a tie), so that the parts add up to `value` exactly.
    Equal parts when the weights add up to nothing."""
    if not weights:
        return []
    shares = [max(weight, ZERO) for weight in weights]
    total = sum(shares, ZERO)
    if total <= 0:
        shares, total = [ONE] * len(weights), Decimal(len(weights))
    in_cents = int((value / CENT).to_integral_value(ROUND_HALF_UP))
    with localcontext() as context:
        context.prec = 40
        quotas = [Decimal(in_cents) * share / total for share in shares]
    parts = [int(quota.to_integral_value(ROUND_FLOOR)) for quota in quotas]
    left_over = in_cents - sum(parts)
    by_remainder = sorted(range(len(parts)), key=lambda i: (parts[i] - quotas[i], i))
    for index in by_remainder[:left_over]:
        parts[index] += 1
    return [Decimal(part) * CENT for part in parts]


def with_facility_collateral(
    loans: Sequence[LoanInputs],
    facility_collateral: tuple[tuple[str, Decimal], ...],
    params: Parameters,
) -> list[LoanInputs]:
    """The loans drawn on one facility, each with its share of the collateral securing the
    facility added to its own: every item's value allocated pro rata to the loans' EAD
    (allocate_pro_rata), so that the facility's collateral counts once over its loans."""
    eads = [exposure_at_default(loan, params) for loan in loans]
    shares: list[list[tuple[str, Decimal]]] = [[] for _ in loans]
    for kind, value in facility_collateral:
        for index, part in enumerate(allocate_pro_rata(value, eads)):
            shares[index].append((kind, part))
    return [
        replace(loan, collateral=loan.collateral + tuple(share))
        for loan, share in zip(loans, shares, strict=True)
    ]


def coverage_ratio(reserves: Decimal, non_performing: Decimal) -> Decimal | None:
    """拨备覆盖率 = reserves / non-performing loans; None when there are none."""
    return (reserves / non_performing) if non_performing else None


def provision_rate(reserves: Decimal, loans: Decimal) -> Decimal | None:
    """贷款拨备率 = reserves / loans; None for an empty book."""
    return (reserves / loans) if loans else None


@dataclass(frozen=True)
class FacilityInputs:
    """A live credit facility with an undrawn amount and no active loan drawn on it."""

    as_of: dt.date
    # The last day it may be drawn: its commitment ends with this day.
    expiry: dt.date
    undrawn: Decimal
    # The master-scale PD of the customer's grade, annual.
    annual_pd: Decimal
    # The customer's worst class and days past due over their active loans (none: normal, 0).
    loan_class: int = NORMAL
    dpd: int = 0
    # Notches the grade fell on the master scale since the facility's start.
    notches_down: int = 0
    watch_listed: bool = False
    # (collateral type, value) of the collateral securing the facility.
    collateral: tuple[tuple[str, Decimal], ...] = ()


@dataclass(frozen=True)
class FacilityProvision:
    stage: int
    reasons: tuple[str, ...]
    pd: Decimal
    lgd: Decimal
    ead: Decimal
    ecl: Decimal


def facility_horizon_years(inputs: FacilityInputs, stage: int) -> Decimal:
    """The years the undrawn commitment is at risk in its stage: to the end of its expiry
    day (the day counts: it may still be drawn), at most one year in stage 1."""
    lifetime = Decimal(max((inputs.expiry - inputs.as_of).days + 1, 0)) / DAYS_PER_YEAR
    return min(lifetime, STAGE_1_HORIZON_YEARS) if stage == STAGE_1 else lifetime


def facility_provision(inputs: FacilityInputs, params: Parameters) -> FacilityProvision:
    """The ECL of an undrawn facility (an off-balance-sheet loan commitment, IFRS 9 5.5.20).

    - Stage by the same criteria as a loan's (stage_of), from the customer's worst class and
      days past due over their active loans, the notches their grade fell since the
      facility's start and the watch list.
    - EAD = CCF × the undrawn amount, constant over the horizon: nothing is drawn, so nothing
      is repaid before default.
    - LGD from the collateral securing the facility, with the loans' haircuts and floor.
    - PD over the horizon from the same constant hazard: 1 − (1 − p)^t, t the years to the
      end of the commitment (facility_horizon_years), at most one in stage 1, all of them in
      stage 2 (lifetime); stage 3 has defaulted: PD = 1.
    - ECL = PD × LGD × EAD, undiscounted. The discount rate of a loan commitment is the
      effective rate of the loan it will become (IFRS 9 B5.5.47), and no loan exists yet: its
      rate is priced when it is drawn. Leaving the loss undiscounted overstates it by at most
      the horizon's discount (a few per cent over the stage 1 year), the prudent side, and
      needs no rate the facility does not have.
    The stored PD is the cumulative PD over the horizon, as for loans."""
    stage, reasons = stage_of(
        dpd=inputs.dpd,
        loan_class=inputs.loan_class,
        notches_down=inputs.notches_down,
        watch_listed=inputs.watch_listed,
        params=params,
    )
    ead = cents(params.ccf * inputs.undrawn)
    lgd = loss_given_default(ead, inputs.collateral, params)
    if stage == STAGE_3:
        pd = ONE
    elif inputs.annual_pd >= ONE:
        pd = ONE if facility_horizon_years(inputs, stage) > 0 else ZERO
    else:
        with localcontext() as context:
            context.prec = 28
            horizon = facility_horizon_years(inputs, stage)
            survives = (horizon * (ONE - inputs.annual_pd).ln()).exp()
            pd = ONE - survives
    pd = pd.quantize(RATIO, rounding=ROUND_HALF_UP)
    # From the PD as stored, so that the stored PD × LGD × EAD gives the stored ECL.
    ecl = cents(pd * lgd * ead)
    return FacilityProvision(stage=stage, reasons=reasons, pd=pd, lgd=lgd, ead=ead, ecl=ecl)
