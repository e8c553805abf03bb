import math
from decimal import Decimal

import pytest

from credit import scoring
from credit.default_scorecards import enterprise_definition, individual_definition

SCALING = {"base_score": 600, "base_odds": 50, "pdo": 20}


def small_card() -> dict:
    return {
        "scaling": SCALING,
        "base_points": 500,
        "factors": [
            {
                "key": "dti",
                "label": "DTI",
                "dimension": "debt_service",
                "type": "numeric",
                "weight": 2,
                "missing_points": 5,
                "bins": [
                    {"label": "low", "upper": 0.3, "points": 40},
                    {"label": "high", "lower": 0.3, "points": 10},
                ],
            },
            {
                "key": "character",
                "label": "Character",
                "dimension": "qualitative",
                "type": "categorical",
                "weight": 1,
                "missing_points": 0,
                "bins": [
                    {"label": "good", "categories": ["4", "5"], "points": 30},
                    {"label": "poor", "categories": ["1", "2", "3"], "points": 0},
                ],
            },
        ],
        "grades": [
            {"grade": "A", "min_score": 600, "pd": 0.01},
            {"grade": "B", "min_score": 560, "pd": 0.05},
            {"grade": "C", "min_score": 0, "pd": 0.3},
        ],
    }


def test_every_factor_gets_its_bin_points_times_weight():
    result = scoring.apply(small_card(), {"dti": "0.25", "character": 5})
    points = {factor.key: (factor.bin_label, factor.points) for factor in result.factors}
    assert points == {"dti": ("low", Decimal("80.00")), "character": ("good", Decimal("30.00"))}
    assert result.score == 610
    assert result.grade == "A"


def test_bin_edges_are_half_open():
    assert scoring.apply(small_card(), {"dti": 0.3}).factors[0].bin_label == "high"
    assert scoring.apply(small_card(), {"dti": 0.2999}).factors[0].bin_label == "low"


@pytest.mark.parametrize("value", [None, "", "   ", "not a number"])
def test_missing_or_unusable_inputs_take_the_missing_points(value):
    result = scoring.apply(small_card(), {"dti": value, "character": value})
    assert [f.bin_label for f in result.factors] == ["missing", "missing"]
    assert result.score == 500 + 2 * 5 + 0
    assert result.grade == "C"


def test_an_unknown_category_scores_as_missing():
    assert scoring.apply(small_card(), {"character": "7"}).factors[1].bin_label == "missing"


def test_cutoffs_are_inclusive():
    card = small_card()
    assert scoring.grade_for(600, card["grades"])["grade"] == "A"
    assert scoring.grade_for(599, card["grades"])["grade"] == "B"
    assert scoring.grade_for(560, card["grades"])["grade"] == "B"
    assert scoring.grade_for(559, card["grades"])["grade"] == "C"


def test_pdo_scaling():
    offset, factor = scoring.scaling_constants(600, 50, 20)
    assert factor == pytest.approx(20 / math.log(2))
    assert offset == pytest.approx(600 - factor * math.log(50))
    assert scoring.odds_from_score(600, SCALING) == pytest.approx(50)
    assert scoring.odds_from_score(620, SCALING) == pytest.approx(100)  # 20 points: double
    assert float(scoring.pd_from_score(600, SCALING)) == pytest.approx(1 / 51, abs=1e-6)
    assert scoring.score_from_pd(1 / 51, SCALING) == pytest.approx(600)


def test_scoring_is_reproducible():
    inputs = {"dti": 0.41, "character": "3"}
    assert scoring.apply(small_card(), inputs) == scoring.apply(small_card(), inputs)


@pytest.mark.parametrize("definition", [individual_definition(), enterprise_definition()])
def test_seeded_cards_are_valid_and_span_the_scale(definition):
    assert scoring.validate(definition) == []
    best = {f["key"]: max(f["bins"], key=lambda b: b["points"]) for f in definition["factors"]}
    best_inputs = {
        key: (
            b["categories"][0]
            if "categories" in b
            else (b.get("lower", 0) if b.get("lower") is not None else b["upper"] - 1)
        )
        for key, b in best.items()
    }
    assert scoring.apply(definition, best_inputs).grade == "AAA"
    worst = {f["key"]: min(f["bins"], key=lambda b: b["points"]) for f in definition["factors"]}
    worst_inputs = {
        key: (
            b["categories"][0]
            if "categories" in b
            else (b.get("lower") if b.get("lower") is not None else b["upper"] - 1)
        )
        for key, b in worst.items()
    }
    assert scoring.apply(definition, worst_inputs).grade == "C"
    dimensions = {f["dimension"] for f in definition["factors"]}
    assert dimensions == set(scoring.DIMENSIONS) - {"other"}


def test_seeded_grade_pds_rise_and_follow_the_scaling():
    grades = individual_definition()["grades"]
    assert [g["grade"] for g in grades] == scoring.GRADE_ORDER
    assert [g["pd"] for g in grades] == sorted(g["pd"] for g in grades)
    assert grades[4]["pd"] == pytest.approx(float(scoring.pd_from_score(615, SCALING)))


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda d: d["factors"][0].update(dimension="luck"), "dimension must be one of"),
        (lambda d: d["factors"][0]["bins"][1].update(lower=0.35), "must meet"),
        (lambda d: d["factors"][1]["bins"][0].update(categories=[]), "list its categories"),
        (lambda d: d["factors"].append(dict(d["factors"][0])), "used twice"),
        (lambda d: d["grades"][1].update(min_score=650), "Cut-offs must fall"),
        (lambda d: d["grades"][0].update(pd=0.5), "PDs must rise"),
        (lambda d: d["scaling"].update(pdo=0), "scaling.pdo"),
    ],
)
def test_validation_names_each_problem(change, problem):
    definition = small_card()
    change(definition)
    problems = scoring.validate(definition)
    assert any(problem in text for text in problems), problems
    with pytest.raises(scoring.DefinitionError):
        scoring.require_valid(definition)
