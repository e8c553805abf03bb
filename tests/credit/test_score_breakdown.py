"""Points by dimension and reason codes (credit/scoring.py), checked against sums done by hand."""

from decimal import Decimal

from credit import scoring

DEFINITION = {
    "scaling": {"base_score": 600, "base_odds": 50, "pdo": 20},
    "base_points": 300,
    "factors": [
        {
            "key": "dscr",
            "dimension": "debt_service",
            "type": "numeric",
            "weight": 1,
            "bins": [
                {"label": "< 1", "upper": 1, "points": 0},
                {"label": "1 – 2", "lower": 1, "upper": 2, "points": 30},
                {"label": "≥ 2", "lower": 2, "points": 45},
            ],
            "missing_points": 10,
        },
        {
            "key": "assets",
            "dimension": "financial_condition",
            "type": "numeric",
            "weight": 2,
            "bins": [
                {"label": "small", "upper": 100, "points": 5},
                {"label": "large", "lower": 100, "points": 20},
            ],
            "missing_points": 0,
        },
        {
            "key": "management",
            "dimension": "qualitative",
            "type": "categorical",
            "expert": True,
            "bins": [
                {"label": "Weak", "categories": ["1", "2"], "points": 0},
                {"label": "Strong", "categories": ["3"], "points": 20},
            ],
            "missing_points": 0,
        },
        # Stored before dimensions were required: grouped under "other".
        {
            "key": "legacy",
            "type": "numeric",
            "bins": [
                {"label": "low", "upper": 5, "points": 3},
                {"label": "high", "lower": 5, "points": 8},
            ],
            "missing_points": 0,
        },
        {
            "key": "liquidity",
            "dimension": "financial_condition",
            "type": "numeric",
            "bins": [
                {"label": "low", "upper": 1, "points": 0},
                {"label": "high", "lower": 1, "points": 15},
            ],
            "missing_points": 0,
        },
    ],
    "grades": [{"grade": "A", "min_score": 0, "pd": 0.01}],
}
INPUTS = {"dscr": 1.5, "assets": 50, "management": "3", "legacy": 1, "liquidity": 0.5}


def test_points_and_best_points_per_dimension_by_hand():
    result = scoring.apply(DEFINITION, INPUTS)
    # dscr 30; assets 2 × 5 = 10; management 20; legacy 3; liquidity 0.
    assert result.score == 300 + 30 + 10 + 20 + 3 + 0
    rows = scoring.points_by_dimension(DEFINITION, result.points_by_factor())
    assert [(row.dimension, row.points, row.max_points) for row in rows] == [
        # In the order the scorecard first names each dimension.
        ("debt_service", Decimal(30), Decimal(45)),
        # assets 10 of 2 × 20 = 40, liquidity 0 of 15.
        ("financial_condition", Decimal(10), Decimal(55)),
        ("qualitative", Decimal(20), Decimal(20)),
        ("other", Decimal(3), Decimal(8)),
    ]
    assert DEFINITION["base_points"] + sum(row.points for row in rows) == result.score


def test_reason_codes_are_the_largest_losses_against_the_best_bin():
    points = scoring.apply(DEFINITION, INPUTS).points_by_factor()
    reasons = scoring.reason_codes(DEFINITION, points)
    # Lost: assets 40 − 10 = 30, dscr 45 − 30 = 15, liquidity 15 − 0 = 15, legacy 8 − 3 = 5;
    # management earned its best and is no reason. dscr comes before liquidity on the card.
    assert [(reason.key, reason.lost) for reason in reasons] == [
        ("assets", Decimal(30)),
        ("dscr", Decimal(15)),
        ("liquidity", Decimal(15)),
        ("legacy", Decimal(5)),
    ]
    assert [reason.key for reason in scoring.reason_codes(DEFINITION, points, limit=2)] == [
        "assets",
        "dscr",
    ]


def test_a_perfect_applicant_has_no_reasons():
    best = {"dscr": 3, "assets": 500, "management": "3", "legacy": 9, "liquidity": 2}
    points = scoring.apply(DEFINITION, best).points_by_factor()
    assert scoring.reason_codes(DEFINITION, points) == []


def test_a_missing_input_loses_against_the_best_bin_too():
    points = scoring.apply(DEFINITION, {**INPUTS, "dscr": None}).points_by_factor()
    reasons = {reason.key: reason for reason in scoring.reason_codes(DEFINITION, points)}
    assert reasons["dscr"].points == Decimal(10)
    assert reasons["dscr"].lost == Decimal(35)


def test_a_factor_without_a_dimension_scores_under_other():
    result = scoring.apply(DEFINITION, INPUTS)
    assert {factor.key: factor.dimension for factor in result.factors}["legacy"] == "other"
