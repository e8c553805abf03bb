"""What the scorecard and the pages read from a credit bureau report. Pure Python: no Django.

- The debt service at other lenders: twelve times the monthly payments the report lists.
  The statement's debt service is what the customer declared for all their debts; the
  debt-service ratios (DTI, DSCR) take the larger of the two, so debt the customer left out
  of the statement still counts, and debt declared twice (on the statement and in the
  report) is not counted twice.
- The external overdue history, as one number the scorecard bins: 0 a clean 24 months,
  1 the worst was 1–30 days (M1), 2 the worst was 31–60 days (M2), 3 worse than that (M3+,
  or bad debt in the worst status).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

MONTHS_PER_YEAR = 12
# The external overdue depth: the scorecard factor's value (credit.default_scorecards).
CLEAN, DEPTH_M1, DEPTH_M2, DEPTH_M3_PLUS = 0, 1, 2, 3
# Worst statuses (credit.bureau.WorstStatus values) that are at least M3+.
SEVERE_STATUSES = frozenset({"m3_plus", "bad_debt"})
STATUS_DEPTH = {"normal": CLEAN, "m1": DEPTH_M1, "m2": DEPTH_M2}


def external_debt_service(monthly_payments: Iterable[Decimal]) -> Decimal:
    """Yearly principal and interest due at other lenders."""
    return sum((Decimal(payment) for payment in monthly_payments), Decimal(0)) * MONTHS_PER_YEAR


def combined_debt_service(declared: Decimal | None, external: Decimal | None) -> Decimal | None:
    """The debt service the ratios use: the larger of the declared and the bureau's."""
    known = [Decimal(value) for value in (declared, external) if value is not None]
    return max(known) if known else None


def overdue_depth(m1: int, m2: int, m3_plus: int, worst_status: str) -> int:
    """The deepest overdue the report shows over 24 months (see the module's docstring)."""
    if m3_plus or worst_status in SEVERE_STATUSES:
        return DEPTH_M3_PLUS
    if m2:
        return max(DEPTH_M2, STATUS_DEPTH.get(worst_status, CLEAN))
    if m1:
        return max(DEPTH_M1, STATUS_DEPTH.get(worst_status, CLEAN))
    return STATUS_DEPTH.get(worst_status, CLEAN)


def mask_account_number(number: str) -> str:
    """****1234: the last four characters, enough to match a statement line."""
    if not number:
        return ""
    if len(number) <= 4:
        return "*" * len(number)
    return "*" * (len(number) - 4) + number[-4:]


def mask_identifier(number: str) -> str:
    """1101**********1234, as the customer 360 masks a resident ID."""
    if not number:
        return ""
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]
