"""Collections (催收) in numbers, with no Django: the contact result codes, the default stages,
which stage a number of days past due falls in, a case's priority in the work queue and the
page's rates. The models, the nightly step and the pages read these."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

# Contact attempt results (lending.collection_models.ContactResult).
REACHED = "reached"
NO_ANSWER = "no_answer"
PROMISED = "promised"
REFUSED = "refused"
WRONG_NUMBER = "wrong_number"

# The stages lending migration 0009 seeds: (code, name, from days past due, work). Admins
# edit, add or remove them.
DEFAULT_STAGES = (
    ("reminder", "Officer's reminder", 1, "The officer reminds the customer and agrees a date."),
    ("calls_visits", "Collector calls and visits", 31, "A collector calls and visits."),
    ("legal", "Legal action and asset preservation", 91, "Legal action; preserve the assets."),
)

CENT = Decimal("0.01")


def stage_for(dpd: int, starts: list[int]) -> int | None:
    """The start (from_days) of the stage `dpd` days past due falls in, or None when it is
    before the first stage (not past due, or below the first stage's start)."""
    reached = [start for start in sorted(starts) if start <= dpd]
    return reached[-1] if reached else None


def priority(amount_overdue: Decimal, dpd: int) -> Decimal:
    """The work queue's order: the amount overdue times the days past due, highest first."""
    return (amount_overdue * max(dpd, 0)).quantize(CENT, rounding=ROUND_HALF_UP)


def rate(part: int, whole: int) -> Decimal | None:
    """part / whole as a share to four places, or None when there is nothing to measure."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
