"""The scorecard engine. Pure Python: no Django, so batch jobs and admins' previews share it.

A scorecard version is data (a dict, stored as JSON):

    {
      "scaling": {"base_score": 600, "base_odds": 50, "pdo": 20},
      "base_points": 300,
      "factors": [
        {"key": "dti", "label": "Debt to income", "dimension": "debt_service",
         "type": "numeric", "weight": 1,
         "bins": [{"label": "under 30%", "upper": 0.3, "points": 60},
                  {"label": "30% and over", "lower": 0.3, "points": 10}],
         "missing_points": 20},
        {"key": "management", "label": "Management quality", "dimension": "qualitative",
         "type": "categorical", "weight": 1, "expert": true,
         "bins": [{"label": "Strong", "categories": ["4", "5"], "points": 40},
                  {"label": "Weak", "categories": ["1", "2", "3"], "points": 5}],
         "missing_points": 0}
      ],
      "grades": [{"grade": "AAA", "min_score": 720, "pd": 0.0004}, …, {"grade": "C",
                 "min_score": 0, "pd": 0.45}]
    }

Numeric bins are half-open ranges [lower, upper); a missing bound is open. A value that is
absent (None or "") takes the factor's `missing_points`: a missing input is a fact about the
applicant, scored explicitly, never a crash. The score is base_points + Σ weight × points,
rounded half-up to a whole number; the grade is the best one whose min_score it reaches.

Score scaling follows the industry convention Score = A + B·ln(odds), B = PDO / ln 2,
A = S0 − B·ln(G0): with S0 = 600 at good:bad odds G0 = 50:1 and PDO = 20, every 20 points
double the odds. `pd_from_score` inverts it, so a grade's PD can be read off the scale.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

# Marks messages for the catalogue without Django; callers pass a translator to `validate`.
from customers.grades import GRADES
from customers.identifiers import gettext_noop

DIMENSIONS = {
    "financial_condition": "Financial condition",
    "debt_service": "Debt-service capacity",
    "operational_stability": "Operational stability",
    "development_prospects": "Development prospects",
    "qualitative": "Qualitative (expert)",
    # Characteristics a fitted scorecard found predictive that belong to none of the above.
    "other": "Other characteristics",
}
# The master scale (customers/grades.py), as a list for .index().
GRADE_ORDER = list(GRADES)


class DefinitionError(ValueError):
    """The scorecard definition is not usable; the message lists every problem."""


@dataclass(frozen=True)
class FactorResult:
    key: str
    label: str
    dimension: str
    value: object
    bin_label: str
    points: Decimal


@dataclass(frozen=True)
class ScoreResult:
    score: int
    grade: str
    grade_pd: Decimal
    model_pd: Decimal
    factors: tuple[FactorResult, ...]

    def points_by_factor(self) -> dict[str, str]:
        return {factor.key: str(factor.points) for factor in self.factors}


def scaling_constants(base_score: float, base_odds: float, pdo: float) -> tuple[float, float]:
    """(A, B) of Score = A + B·ln(odds)."""
    factor = pdo / math.log(2)
    offset = base_score - factor * math.log(base_odds)
    return offset, factor


def odds_from_score(score: float, scaling: dict) -> float:
    offset, factor = scaling_constants(scaling["base_score"], scaling["base_odds"], scaling["pdo"])
    return math.exp((score - offset) / factor)


def pd_from_score(score: float, scaling: dict) -> Decimal:
    """Probability of default implied by a score: bad / (good + bad) = 1 / (1 + odds)."""
    return Decimal(1 / (1 + odds_from_score(score, scaling))).quantize(Decimal("0.000001"))


def score_from_pd(pd: float, scaling: dict) -> float:
    offset, factor = scaling_constants(scaling["base_score"], scaling["base_odds"], scaling["pdo"])
    return offset + factor * math.log((1 - pd) / pd)


def _is_missing(value) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _bin_for(factor: dict, value) -> dict | None:
    if factor["type"] == "numeric":
        number = Decimal(str(value))
        for candidate in factor["bins"]:
            lower, upper = candidate.get("lower"), candidate.get("upper")
            if (lower is None or number >= Decimal(str(lower))) and (
                upper is None or number < Decimal(str(upper))
            ):
                return candidate
        return None
    text = str(value)
    for candidate in factor["bins"]:
        if text in [str(category) for category in candidate["categories"]]:
            return candidate
    return None


def score_factor(factor: dict, value) -> FactorResult:
    weight = Decimal(str(factor.get("weight", 1)))
    if _is_missing(value):
        label, points = "missing", Decimal(str(factor["missing_points"]))
        value = None
    else:
        try:
            chosen = _bin_for(factor, value)
        except (ArithmeticError, ValueError):
            chosen = None
        if chosen is None:
            # A value outside every bin (a typo, an unexpected category) scores as missing.
            label, points = "missing", Decimal(str(factor["missing_points"]))
        else:
            label, points = chosen["label"], Decimal(str(chosen["points"]))
    return FactorResult(
        key=factor["key"],
        label=factor.get("label", factor["key"]),
        dimension=factor_dimension(factor),
        value=value,
        bin_label=label,
        points=(weight * points).quantize(Decimal("0.01"), ROUND_HALF_UP),
    )


def factor_dimension(factor: dict) -> str:
    """The factor's dimension; a version stored before dimensions were required, or one naming
    a dimension this release does not know, groups it under "other" rather than failing."""
    dimension = factor.get("dimension")
    return dimension if dimension in DIMENSIONS else "other"


def factor_max_points(factor: dict) -> Decimal:
    """What the factor's best bin earns, weighted as `score_factor` weights it."""
    weight = Decimal(str(factor.get("weight", 1)))
    best = max(Decimal(str(candidate["points"])) for candidate in factor["bins"])
    return (weight * best).quantize(Decimal("0.01"), ROUND_HALF_UP)


@dataclass(frozen=True)
class DimensionPoints:
    dimension: str
    points: Decimal
    max_points: Decimal


@dataclass(frozen=True)
class ReasonCode:
    """A factor that cost points: what its best bin earns and what the applicant earned."""

    key: str
    points: Decimal
    max_points: Decimal

    @property
    def lost(self) -> Decimal:
        return self.max_points - self.points


def _earned(factor_points: dict, key: str) -> Decimal:
    return Decimal(str(factor_points.get(key, 0)))


def points_by_dimension(definition: dict, factor_points: dict) -> list[DimensionPoints]:
    """Points earned and the most that could be earned per dimension, in the order the
    scorecard first names each dimension. `factor_points` maps a factor key to its points (an
    assessment's stored `factor_points`); with the base points they add up to the score."""
    earned: dict[str, Decimal] = {}
    best: dict[str, Decimal] = {}
    for factor in definition["factors"]:
        dimension = factor_dimension(factor)
        earned[dimension] = earned.get(dimension, Decimal(0)) + _earned(
            factor_points, factor["key"]
        )
        best[dimension] = best.get(dimension, Decimal(0)) + factor_max_points(factor)
    return [DimensionPoints(name, earned[name], best[name]) for name in earned]


def reason_codes(definition: dict, factor_points: dict, limit: int = 4) -> list[ReasonCode]:
    """The main reasons for the score, as credit bureaus give them: the factors that lost the
    most points against their best bin, largest loss first (ties in the scorecard's order),
    at most `limit`; a factor that lost nothing is no reason."""
    losing = [
        ReasonCode(factor["key"], _earned(factor_points, factor["key"]), factor_max_points(factor))
        for factor in definition["factors"]
    ]
    losing = [reason for reason in losing if reason.lost > 0]
    # sorted() is stable, so equal losses keep the scorecard's order.
    return sorted(losing, key=lambda reason: reason.lost, reverse=True)[:limit]


def grade_for(score: int, grades: list[dict]) -> dict:
    for row in sorted(grades, key=lambda g: g["min_score"], reverse=True):
        if score >= row["min_score"]:
            return row
    return min(grades, key=lambda g: g["min_score"])


def apply(definition: dict, inputs: dict) -> ScoreResult:
    """Scores `inputs` (factor key → value) with a scorecard definition."""
    factors = tuple(
        score_factor(factor, inputs.get(factor["key"])) for factor in definition["factors"]
    )
    total = Decimal(str(definition.get("base_points", 0))) + sum(
        (factor.points for factor in factors), Decimal(0)
    )
    score = int(total.quantize(Decimal(1), ROUND_HALF_UP))
    grade = grade_for(score, definition["grades"])
    return ScoreResult(
        score=score,
        grade=grade["grade"],
        grade_pd=Decimal(str(grade["pd"])),
        model_pd=pd_from_score(score, definition["scaling"]),
        factors=factors,
    )


def _untranslated(message: str) -> str:
    return message


def validate(definition, translate=_untranslated) -> list[str]:
    """Every problem of a definition, in words an admin can act on; empty when usable.
    `translate` (gettext, in the admin) puts the messages in the reader's language."""
    problems: list[str] = []

    def say(message: str, **params) -> None:
        problems.append(translate(message) % params)

    if not isinstance(definition, dict):
        return [translate(gettext_noop("The definition must be a JSON object."))]
    scaling = definition.get("scaling") or {}
    for key in ("base_score", "base_odds", "pdo"):
        if not isinstance(scaling.get(key), int | float) or scaling.get(key, 0) <= 0:
            say(gettext_noop("scaling.%(key)s must be a positive number."), key=key)
    factors = definition.get("factors")
    if not isinstance(factors, list) or not factors:
        say(gettext_noop("There must be at least one factor."))
        factors = []
    seen = set()
    for position, factor in enumerate(factors, start=1):
        name = translate(gettext_noop("Factor %(key)s")) % {"key": position}
        if not isinstance(factor, dict):
            say(gettext_noop("%(factor)s must be an object."), factor=name)
            continue
        key = factor.get("key")
        if not key or not isinstance(key, str):
            say(gettext_noop("%(factor)s needs a key."), factor=name)
        elif key in seen:
            say(gettext_noop("%(factor)s: the key %(key)r is used twice."), factor=name, key=key)
        seen.add(key)
        name = translate(gettext_noop("Factor %(key)s")) % {"key": key or position}
        if factor.get("dimension") not in DIMENSIONS:
            say(
                gettext_noop("%(factor)s: dimension must be one of %(choices)s."),
                factor=name,
                choices=", ".join(DIMENSIONS),
            )
        if factor.get("type") not in ("numeric", "categorical"):
            say(gettext_noop("%(factor)s: type must be numeric or categorical."), factor=name)
        if not isinstance(factor.get("missing_points"), int | float):
            say(gettext_noop("%(factor)s: missing_points must be a number."), factor=name)
        if not isinstance(factor.get("weight", 1), int | float) or factor.get("weight", 1) <= 0:
            say(gettext_noop("%(factor)s: weight must be a positive number."), factor=name)
        bins = factor.get("bins")
        if not isinstance(bins, list) or not bins:
            say(gettext_noop("%(factor)s: there must be at least one bin."), factor=name)
            continue
        before = len(problems)
        for bin_position, candidate in enumerate(bins, start=1):
            where = translate(gettext_noop("%(factor)s, bin %(position)s")) % {
                "factor": name,
                "position": bin_position,
            }
            if not isinstance(candidate, dict) or not candidate.get("label"):
                say(gettext_noop("%(bin)s: needs a label."), bin=where)
                continue
            if not isinstance(candidate.get("points"), int | float):
                say(gettext_noop("%(bin)s: points must be a number."), bin=where)
            if factor.get("type") == "categorical" and not candidate.get("categories"):
                say(gettext_noop("%(bin)s: list its categories."), bin=where)
            if factor.get("type") == "numeric":
                lower, upper = candidate.get("lower"), candidate.get("upper")
                if lower is not None and upper is not None and lower >= upper:
                    say(gettext_noop("%(bin)s: lower must be below upper."), bin=where)
        if factor.get("type") == "numeric" and len(problems) == before:
            _numeric_gaps(name, bins, say)
    grades = definition.get("grades")
    if not isinstance(grades, list) or not grades:
        say(gettext_noop("There must be a grade scale."))
    else:
        names = [row.get("grade") for row in grades if isinstance(row, dict)]
        if (
            len(names) != len(grades)
            or len(set(names)) != len(names)
            or any(name not in GRADE_ORDER for name in names)
        ):
            say(
                gettext_noop("Grades must be distinct names from %(choices)s."),
                choices=", ".join(GRADE_ORDER),
            )
        ordered = sorted(
            (row for row in grades if isinstance(row, dict)),
            key=lambda row: (
                GRADE_ORDER.index(row.get("grade")) if row.get("grade") in GRADE_ORDER else 99
            ),
        )
        cutoffs = [row.get("min_score") for row in ordered]
        if any(not isinstance(cut, int | float) for cut in cutoffs):
            say(gettext_noop("Every grade needs a numeric min_score."))
        elif cutoffs != sorted(cutoffs, reverse=True) or len(set(cutoffs)) != len(cutoffs):
            say(gettext_noop("Cut-offs must fall strictly from the best grade to the worst."))
        pds = [row.get("pd") for row in ordered]
        if any(not isinstance(pd, int | float) or not 0 < pd < 1 for pd in pds):
            say(gettext_noop("Every grade needs a PD between 0 and 1."))
        elif pds != sorted(pds):
            say(gettext_noop("PDs must rise from the best grade to the worst."))
    return problems


def _numeric_gaps(name: str, bins: list[dict], say) -> None:
    """Numeric bins must cover the line without gaps or overlaps."""
    ordered = sorted(bins, key=lambda b: -math.inf if b.get("lower") is None else b["lower"])
    if ordered[0].get("lower") is not None:
        say(gettext_noop("%(factor)s: the lowest bin must have no lower bound."), factor=name)
    if ordered[-1].get("upper") is not None:
        say(gettext_noop("%(factor)s: the highest bin must have no upper bound."), factor=name)
    for below, above in itertools.pairwise(ordered):
        if below.get("upper") != above.get("lower"):
            say(
                gettext_noop("%(factor)s: bins %(below)r and %(above)r must meet."),
                factor=name,
                below=below["label"],
                above=above["label"],
            )


def require_valid(definition: dict, translate=_untranslated) -> None:
    problems = validate(definition, translate)
    if problems:
        raise DefinitionError(" ".join(problems))
