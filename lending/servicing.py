"""Loan servicing arithmetic: days past due, penalty interest, and the allocation of a
payment. Pure Python: no Django, so the nightly batch and the payment service share it.

Allocation rule (as in Fineract's standard strategy): instalments already due are settled
oldest first, and within each instalment the payment goes to overdue penalty, then
interest, then principal. What remains after every due instalment is a prepayment: it is
applied only when the caller allows it, and never beyond what the loan owes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from core.numbers import format_money
from customers.identifiers import gettext_noop
from lending.schedule import to_cents

ZERO = Decimal("0.00")


@dataclass
class InstalmentState:
    """What one instalment owes and has received (the mutable view the allocator works on)."""

    key: int
    due_date: dt.date
    principal_due: Decimal
    interest_due: Decimal
    principal_paid: Decimal = ZERO
    interest_paid: Decimal = ZERO
    penalty_paid: Decimal = ZERO
    penalty_accrued: Decimal = ZERO

    @property
    def principal_outstanding(self) -> Decimal:
        return self.principal_due - self.principal_paid

    @property
    def interest_outstanding(self) -> Decimal:
        return self.interest_due - self.interest_paid

    @property
    def penalty_outstanding(self) -> Decimal:
        return max(self.penalty_accrued - self.penalty_paid, ZERO)

    @property
    def is_settled(self) -> bool:
        return self.principal_outstanding <= 0 and self.interest_outstanding <= 0


def days_past_due(business_date: dt.date, instalments: list[InstalmentState]) -> int:
    """Business date minus the due date of the oldest unpaid instalment; 0 when none is late.

    An instalment falling due today is not yet overdue.
    """
    unpaid = [i.due_date for i in instalments if not i.is_settled and i.due_date < business_date]
    return (business_date - min(unpaid)).days if unpaid else 0


def penalty_for(
    instalment: InstalmentState, business_date: dt.date, penalty_rate: Decimal
) -> Decimal:
    """Penalty interest on the overdue principal and interest of one instalment, per day
    late, at the product's annual penalty rate on a 360-day year."""
    if penalty_rate <= 0 or instalment.is_settled or instalment.due_date >= business_date:
        return ZERO
    days = (business_date - instalment.due_date).days
    overdue = instalment.principal_outstanding + instalment.interest_outstanding
    return to_cents(overdue * penalty_rate * days / 360)


@dataclass
class Arrears:
    """What a loan owes past its due dates on a business date: the unpaid principal and
    interest of the instalments fallen due before it, the penalty accrued on them, how many
    they are and since when the oldest is unpaid."""

    principal: Decimal = ZERO
    interest: Decimal = ZERO
    penalty: Decimal = ZERO
    missed_instalments: int = 0
    past_due_since: dt.date | None = None
    days_past_due: int = 0

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest + self.penalty


def arrears(
    instalments: list[InstalmentState], business_date: dt.date, penalty_rate: Decimal
) -> Arrears:
    """The arrears of a schedule on `business_date`. An instalment due that day is not yet
    overdue (as days_past_due counts); penalty is penalty_for's, what a payment that day
    would settle first."""
    late = [i for i in instalments if not i.is_settled and i.due_date < business_date]
    if not late:
        return Arrears()
    since = min(i.due_date for i in late)
    return Arrears(
        principal=sum((i.principal_outstanding for i in late), ZERO),
        interest=sum((i.interest_outstanding for i in late), ZERO),
        penalty=sum((penalty_for(i, business_date, penalty_rate) for i in late), ZERO),
        missed_instalments=len(late),
        past_due_since=since,
        days_past_due=(business_date - since).days,
    )


@dataclass
class Allocation:
    key: int
    penalty: Decimal = ZERO
    interest: Decimal = ZERO
    principal: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.penalty + self.interest + self.principal


@dataclass
class AllocationResult:
    allocations: list[Allocation] = field(default_factory=list)
    prepayment: Decimal = ZERO  # principal paid ahead of the schedule

    @property
    def total(self) -> Decimal:
        return sum((a.total for a in self.allocations), ZERO) + self.prepayment


class PaymentRefused(ValueError):
    """The payment cannot be applied as asked; nothing was changed. `message % params` is
    the explanation (forms translate `message` first)."""

    def __init__(self, message: str, params: dict | None = None):
        super().__init__(message % (params or {}))
        self.message = message
        self.params = params or {}


def amount_due(instalments: list[InstalmentState], on: dt.date) -> Decimal:
    return sum(
        (
            i.penalty_outstanding + i.interest_outstanding + i.principal_outstanding
            for i in instalments
            if i.due_date <= on and not i.is_settled
        ),
        ZERO,
    )


def allocate(
    amount: Decimal,
    instalments: list[InstalmentState],
    *,
    paid_on: dt.date,
    allow_prepayment: bool,
) -> AllocationResult:
    """Splits `amount` over the instalments (penalties must already be accrued on them)."""
    if amount <= 0:
        raise PaymentRefused(gettext_noop("A payment must be more than zero."))
    remaining = amount
    result = AllocationResult()
    for instalment in sorted(instalments, key=lambda i: (i.due_date, i.key)):
        if remaining <= 0:
            break
        if instalment.due_date > paid_on or instalment.is_settled:
            continue
        part = Allocation(key=instalment.key)
        part.penalty = min(remaining, instalment.penalty_outstanding)
        remaining -= part.penalty
        part.interest = min(remaining, instalment.interest_outstanding)
        remaining -= part.interest
        part.principal = min(remaining, instalment.principal_outstanding)
        remaining -= part.principal
        if part.total > 0:
            result.allocations.append(part)
    if remaining > 0:
        future_principal = sum(
            (i.principal_outstanding for i in instalments if i.due_date > paid_on), ZERO
        )
        if not allow_prepayment:
            raise PaymentRefused(
                gettext_noop(
                    "The payment exceeds what is due by %(amount)s; post it as a prepayment "
                    "to reduce the outstanding principal."
                ),
                {"amount": format_money(remaining)},
            )
        if remaining > future_principal:
            raise PaymentRefused(
                gettext_noop("The payment exceeds everything the loan owes by %(amount)s."),
                {"amount": format_money(remaining - future_principal)},
            )
        result.prepayment = remaining
    return result
