"""Champion–challenger: a draft scorecard scored beside the one in force on the same inputs,
before anyone publishes it.

Two questions, answered on the bank's own data:
- Who moves? The latest assessment of each customer of the card's type is scored by both
  versions; the grade migration matrix shows how many customers each grade would send where.
- Which ranks better? Matured loans (disbursed at least the horizon ago) are scored by both on
  the inputs known when they were granted, and the AUC and KS of each on the realised
  outcomes are set side by side.
"""

from __future__ import annotations

from collections import Counter

from accounts.scope import scope_queryset
from core.business_date import business_date
from core.months import add_months
from credit import modelling, scoring
from credit.models import Assessment, ScorecardStatus, ScorecardVersion
from credit.outcomes import loan_outcomes

BOOK_SAMPLE = 5000
BACKTEST_SAMPLE = 20000
HORIZON_MONTHS = 12


def champion_for(version: ScorecardVersion) -> ScorecardVersion | None:
    return ScorecardVersion.objects.filter(
        customer_kind=version.customer_kind, status=ScorecardStatus.PUBLISHED
    ).first()


def _rank(grade: str) -> int:
    return scoring.GRADE_ORDER.index(grade) if grade in scoring.GRADE_ORDER else 99


def compare(challenger: ScorecardVersion, champion: ScorecardVersion, user) -> dict:
    inputs_of_book = list(
        scope_queryset(
            user,
            Assessment.objects.filter(customer__kind=challenger.customer_kind),
            officer_field="customer__officer",
            branch_field="customer__branch",
        )
        .order_by("customer_id", "-assessed_at")
        .distinct("customer_id")
        .values_list("inputs", flat=True)[:BOOK_SAMPLE]
    )
    moves: Counter = Counter()
    champion_grades: Counter = Counter()
    challenger_grades: Counter = Counter()
    missing: Counter = Counter()
    champion_total = challenger_total = 0
    for inputs in inputs_of_book:
        old = scoring.apply(champion.definition, inputs)
        new = scoring.apply(challenger.definition, inputs)
        champion_grades[old.grade] += 1
        challenger_grades[new.grade] += 1
        moves[(old.grade, new.grade)] += 1
        champion_total += old.score
        challenger_total += new.score
        for factor in challenger.definition["factors"]:
            if inputs.get(factor["key"]) in (None, ""):
                missing[factor["key"]] += 1
    grades = scoring.GRADE_ORDER
    size = len(inputs_of_book)
    return {
        "grades": grades,
        "rows": [
            {
                "grade": grade,
                "champion": champion_grades[grade],
                "challenger": challenger_grades[grade],
                "moves": [moves[(grade, other)] for other in grades],
            }
            for grade in grades
        ],
        "customers": size,
        "limit": BOOK_SAMPLE,
        "upgraded": sum(n for (a, b), n in moves.items() if _rank(b) < _rank(a)),
        "downgraded": sum(n for (a, b), n in moves.items() if _rank(b) > _rank(a)),
        "unchanged": sum(n for (a, b), n in moves.items() if a == b),
        "mean_champion": round(champion_total / size, 1) if size else None,
        "mean_challenger": round(challenger_total / size, 1) if size else None,
        # Inputs the book does not hold score as missing: a fitted card whose variables the
        # assessments never collect would grade everyone on its missing points alone.
        "missing_inputs": [
            {"factor": key, "share": round(count / size, 3)}
            for key, count in missing.most_common()
            if size and count / size >= 0.5
        ],
        "backtest": _backtest(challenger, champion),
    }


def _backtest(challenger: ScorecardVersion, champion: ScorecardVersion) -> dict:
    as_of = business_date()
    loans = loan_outcomes(
        kind=challenger.customer_kind,
        disbursed_until=add_months(as_of, -HORIZON_MONTHS),
        observed_until=as_of,
        horizon_months=HORIZON_MONTHS,
        limit=BACKTEST_SAMPLE,
    )
    bad = [row.bad for row in loans]
    result = {"loans": len(loans), "bads": sum(bad), "horizon_months": HORIZON_MONTHS}
    if len(set(bad)) < 2:
        return result
    for name, version in (("champion", champion), ("challenger", challenger)):
        scores = [scoring.apply(version.definition, row.inputs).score for row in loans]
        result[name] = modelling.discrimination(scores, bad)
    return result
