"""Collections (催收) in numbers, with no Django: the contact result codes, the default stages,
which stage a number of days past due falls in, a case's priority in the work queue and the
page's rates. The models, the nightly step and the pages read these."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from lending.loan_quality import DPD_BUCKETS

# Contact attempt results (lending.collection_models.ContactResult).
REACHED = "reached"
NO_ANSWER = "no_answer"
PROMISED = "promised"
REFUSED = "refused"
WRONG_NUMBER = "wrong_number"

# The stage whose cases may go to court (a legal case, lending.legal_models).
LEGAL_STAGE = "legal"

# The stages lending migration 0009 seeds: (code, name, from days past due, work). Admins
# edit, add or remove them.
DEFAULT_STAGES = (
    ("reminder", "Officer's reminder", 1, "The officer reminds the customer and agrees a date."),
    ("calls_visits", "Collector calls and visits", 31, "A collector calls and visits."),
    (LEGAL_STAGE, "Legal action and asset preservation", 91, "Legal action; preserve the assets."),
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


# Roll rates (the collections page): the buckets a loan sits in at a month's end, by its days
# past due then, in the order a loan rolls through them; (code, first day, last day or None).
# A written-off loan sits in WRITTEN_OFF; a loan that left the book otherwise (repaid) is in
# REPAID at the next month's end. lending.services.roll_rates splices these into its SQL.
# The book's buckets up to 90 days (lending.loan_quality.DPD_BUCKETS), then one for the rest.
ROLL_CURRENT = "current"
ROLL_OVER_90 = "90+"
ROLL_DPD_BUCKETS = (
    *((code, *DPD_BUCKETS[code]) for code in (ROLL_CURRENT, "1-30", "31-60", "61-90")),
    (ROLL_OVER_90, DPD_BUCKETS["61-90"][1] + 1, None),
)
WRITTEN_OFF = "written_off"
REPAID = "repaid"
# The rows of the matrix (where a balance was) and its columns (where it went).
ROLL_FROM = tuple(code for code, _first, _last in ROLL_DPD_BUCKETS)
ROLL_TO = (*ROLL_FROM, WRITTEN_OFF, REPAID)
# The roll rate the page follows month by month.
TREND_FROM, TREND_TO = "1-30", "31-60"


def roll_rates(moves: dict[tuple[str, str], Decimal]) -> dict[str, dict[str, Decimal | None]]:
    """The roll-rate matrix from the balances that moved: `moves[(from, to)]` is the balance
    at the end of the previous month of the loans in bucket `from` then and in bucket `to` at
    the end of this month. Each row is the share of its bucket's balance that went to each
    column (the row sums to one); None where the bucket held nothing."""
    matrix: dict[str, dict[str, Decimal | None]] = {}
    for source in ROLL_FROM:
        whole = sum((moves.get((source, target), Decimal(0)) for target in ROLL_TO), Decimal(0))
        matrix[source] = {
            target: (
                (moves.get((source, target), Decimal(0)) / whole).quantize(
                    Decimal("0.0001"), rounding=ROUND_HALF_UP
                )
                if whole
                else None
            )
            for target in ROLL_TO
        }
    return matrix
