"""Five-tier loan classification (五级分类) under the 2023 rule, 商业银行金融资产风险分类办法
(NFRA and PBoC Order 2023 No. 1). Pure Python: no Django. The nightly job applies the same
rules in SQL (risk/recompute.py); tests hold the two to the same answers.

The floors, each "at least" (a worse class from another rule always wins):
- Art. 11: any principal or interest overdue → at least special mention (关注).
- Art. 12: overdue more than 90 days → at least substandard (次级).
- Art. 13: overdue more than 270 days → at least doubtful (可疑).
- Art. 14: overdue more than 360 days → loss (损失).
- Art. 16–17: a restructured loan is at least special mention during its observation period
  (at least two repayment periods and at least one year from the restructuring); overdue,
  or restructured again, during that period → at least substandard.
- Art. 18: when more than 10% of a debtor's exposure at the bank is non-performing
  (substandard, doubtful or loss), all of that debtor's exposure is non-performing.

These floors bind a manual override too: it may classify a loan worse than the rules do,
never better (final_class).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from core.months import add_months

# The classes are numbered on the lending floor (the loan list filters by them); the rules
# that assign them are this module's.
from lending.loan_quality import (
    DOUBTFUL,
    LOSS,
    NON_PERFORMING,
    NORMAL,
    OVERDUE_FROM_DAYS,
    SPECIAL_MENTION,
    SUBSTANDARD,
)

# Art. 12–14: overdue more than this many days → at least that class.
SUBSTANDARD_AFTER_DAYS = 90
DOUBTFUL_AFTER_DAYS = 270
LOSS_AFTER_DAYS = 360
CONTAGION_SHARE = Decimal("0.10")
OBSERVATION_MONTHS = 12
OBSERVATION_PERIODS = 2
# The days past due at which dpd_floor (and CLASSIFY in risk/recompute.py) moves a loan up:
# the nightly calendar marks loans reaching them (risk.pending.past_due_thresholds).
DPD_FLOORS = (OVERDUE_FROM_DAYS, SUBSTANDARD_AFTER_DAYS, DOUBTFUL_AFTER_DAYS, LOSS_AFTER_DAYS)
# The longest an override may last. The rule has every asset classified again at least each
# quarter, so a judgement made by hand is looked at again within one: it ends after at most
# three months, and whoever wants it longer renews it with a fresh reason.
OVERRIDE_MAX_MONTHS = 3


def dpd_floor(dpd: int) -> int:
    if dpd > LOSS_AFTER_DAYS:
        return LOSS
    if dpd > DOUBTFUL_AFTER_DAYS:
        return DOUBTFUL
    if dpd > SUBSTANDARD_AFTER_DAYS:
        return SUBSTANDARD
    if dpd >= OVERDUE_FROM_DAYS:
        return SPECIAL_MENTION
    return NORMAL


def observation_end(restructured_on: dt.date, second_due_date: dt.date | None) -> dt.date:
    """The later of one year after the restructuring and the second new instalment."""
    year_later = add_months(restructured_on, OBSERVATION_MONTHS)
    return max(year_later, second_due_date) if second_due_date else year_later


def classify_loan(
    *,
    dpd: int,
    on: dt.date,
    restructured_on: dt.date | None = None,
    observation_until: dt.date | None = None,
    restructured_again_in_observation: bool = False,
) -> int:
    """The automatic class of one loan, before the debtor-level contagion rule."""
    grade = dpd_floor(dpd)
    if restructured_on and observation_until and on <= observation_until:
        grade = max(grade, SPECIAL_MENTION)
        if dpd >= OVERDUE_FROM_DAYS or restructured_again_in_observation:
            grade = max(grade, SUBSTANDARD)
    return grade


def apply_contagion(exposures: list[tuple[Decimal, int]]) -> list[int]:
    """Art. 18 for one debtor: (outstanding, class) per loan in, classes out."""
    total = sum((amount for amount, _cls in exposures), Decimal(0))
    bad = sum((amount for amount, cls in exposures if cls in NON_PERFORMING), Decimal(0))
    if total > 0 and bad / total > CONTAGION_SHARE:
        return [max(cls, SUBSTANDARD) for _amount, cls in exposures]
    return [cls for _amount, cls in exposures]


def override_latest_end(on: dt.date) -> dt.date:
    """The last day an override made on `on` may run to."""
    return add_months(on, OVERRIDE_MAX_MONTHS)


def final_class(
    automatic: int, override: int | None, override_until: dt.date | None, on: dt.date
) -> int:
    """A manager's or risk officer's override holds up to and including its end, but never
    below the rules' floor: the automatic class wins when it is worse (the days past due
    grew since the override was made)."""
    if override and (override_until is None or on <= override_until):
        return max(override, automatic)
    return automatic
