"""Repayment schedules, exact to the cent. Pure Python: no Django.

Conventions (documented for customers and auditors):
- Periods are calendar months (monthly by default, or quarterly and so on); instalment k
  falls due k periods after the start date, on the same day of the month (or the month's
  last day when it has no such day).
- Day count 30/360: every month carries one twelfth of the annual rate, so the interest of
  a period is outstanding principal × annual rate × months in the period / 12.
- Each period's interest is rounded half-up to the cent where it is computed. Principal
  instalments are rounded the same way, and the last instalment takes whatever principal
  remains, so the principal column always sums exactly to the amount lent.

Methods: annuity (等额本息, equal total instalments), equal principal (等额本金) and
interest-only with the principal at the end (先息后本, bullet).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext

from core.months import add_months

CENT = Decimal("0.01")
ANNUITY = "annuity"
EQUAL_PRINCIPAL = "equal_principal"
BULLET = "bullet"
METHODS = (ANNUITY, EQUAL_PRINCIPAL, BULLET)


def to_cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class ScheduledInstalment:
    number: int
    due_date: dt.date
    opening_principal: Decimal
    principal: Decimal
    interest: Decimal

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest

    @property
    def closing_principal(self) -> Decimal:
        return self.opening_principal - self.principal


def annuity_payment(
    principal: Decimal, annual_rate: Decimal, periods: int, months_per_period: int = 1
) -> Decimal:
    """The level instalment P·r / (1 − (1 + r)^−n), r the rate of one period, to the cent."""
    if annual_rate == 0:
        return to_cents(principal / periods)
    with localcontext() as context:
        context.prec = 40
        rate = annual_rate * months_per_period / 12
        factor = (1 + rate) ** periods
        return to_cents(principal * rate * factor / (factor - 1))


def build_schedule(
    *,
    principal: Decimal,
    annual_rate: Decimal,
    periods: int,
    start: dt.date,
    method: str,
    first_number: int = 1,
    months_per_period: int = 1,
) -> list[ScheduledInstalment]:
    """The instalments of `principal` lent on `start` over `periods` periods of
    `months_per_period` months (1: monthly, 3: quarterly)."""
    if principal <= 0:
        raise ValueError("principal must be positive")
    if periods < 1:
        raise ValueError("there must be at least one period")
    if annual_rate < 0:
        raise ValueError("the rate cannot be negative")
    if method not in METHODS:
        raise ValueError(f"unknown repayment method {method!r}")
    if months_per_period not in (1, 3, 6, 12):
        raise ValueError("a period is 1, 3, 6 or 12 months")
    principal = to_cents(principal)
    period_rate = annual_rate * months_per_period / 12
    level_payment = annuity_payment(principal, annual_rate, periods, months_per_period)
    level_principal = to_cents(principal / periods)
    outstanding = principal
    rows = []
    for index in range(1, periods + 1):
        interest = to_cents(outstanding * period_rate)
        last = index == periods
        if last:
            part = outstanding
        elif method == ANNUITY:
            # Early instalments of a high-rate loan may be nearly all interest, never negative.
            part = min(max(level_payment - interest, Decimal(0)), outstanding)
        elif method == EQUAL_PRINCIPAL:
            part = min(level_principal, outstanding)
        else:
            part = Decimal("0.00")
        rows.append(
            ScheduledInstalment(
                number=first_number + index - 1,
                due_date=add_months(start, index * months_per_period),
                opening_principal=outstanding,
                principal=part,
                interest=interest,
            )
        )
        outstanding -= part
    return rows
