"""The statistics of scorecard development against values worked out by hand."""

import itertools
import math

import numpy as np
import pytest

from credit import default_scorecards, modelling, scoring
from credit.modelling import Column, ModellingError


def test_woe_and_iv_match_the_hand_computation():
    # Goods 40/30/30 of 100, bads 5/5/10 of 20.
    assert modelling.woe(40, 5, 100, 20) == pytest.approx(math.log(0.40 / 0.25))
    assert modelling.woe(30, 10, 100, 20) == pytest.approx(math.log(0.30 / 0.50))
    # 0.15·ln 1.6 + 0.05·ln 1.2 + (−0.20)·ln 0.6 = 0.070501 + 0.009116 + 0.102165
    assert modelling.information_value([40, 30, 30], [5, 5, 10]) == pytest.approx(
        0.181782, abs=1e-6
    )


def test_a_pure_bin_gets_a_finite_woe():
    assert math.isfinite(modelling.woe(10, 0, 100, 20))
    assert modelling.woe(10, 0, 100, 20) == pytest.approx(math.log((10.5 / 100) / (0.5 / 20)))


def test_auc_counts_ties_as_half_and_gini_follows():
    # Goods score 3, 4, 5; bads 1, 3. Of six pairs the good wins five and ties one.
    area = modelling.auc([3, 4, 5, 1, 3], [0, 0, 0, 1, 1])
    assert area == pytest.approx(5.5 / 6)
    assert modelling.gini(area) == pytest.approx(2 * 5.5 / 6 - 1)


def test_ks_is_the_largest_gap_between_the_cumulative_distributions():
    # At score 3 every bad and one good in three are at or below: gap 2/3.
    assert modelling.ks([3, 4, 5, 1, 3], [0, 0, 0, 1, 1]) == pytest.approx(2 / 3)


def test_perfect_and_useless_orderings():
    assert modelling.auc([9, 8, 7, 1, 2], [0, 0, 0, 1, 1]) == 1.0
    assert modelling.ks([9, 8, 7, 1, 2], [0, 0, 0, 1, 1]) == 1.0
    assert modelling.auc([5, 5, 5, 5], [0, 1, 0, 1]) == 0.5


def test_measures_refuse_a_single_outcome():
    with pytest.raises(ModellingError):
        modelling.auc([1, 2, 3], [0, 0, 0])
    with pytest.raises(ModellingError):
        modelling.ks([1, 2, 3], [1, 1, 1])


def test_psi_matches_the_hand_computation_and_bands():
    # (0.3−0.5)·ln 0.6 + 0 + (0.4−0.2)·ln 2 = 0.102165 + 0.138629
    value = modelling.psi([50, 30, 20], [30, 30, 40])
    assert value == pytest.approx(0.240795, abs=1e-6)
    assert modelling.psi([1, 1], [5, 5]) == pytest.approx(0)
    assert modelling.psi_band(0.05) == "stable"
    assert modelling.psi_band(value) == "watch"
    assert modelling.psi_band(0.3) == "shift"
    # An empty band on one side is floored, not a division by zero.
    assert math.isfinite(modelling.psi([10, 0], [5, 5]))


def _signal(rows=2000, seed=3):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 100, rows)
    bad = rng.random(rows) < 1 / (1 + np.exp(-(x - 70) / 8))
    return x, bad


def test_numeric_bins_are_monotone_large_enough_and_keep_missing_apart():
    x, bad = _signal()
    x[:120] = np.nan
    variable = modelling.bin_numeric("x", x, bad)
    ranges = [b for b in variable.bins if not b.is_missing]
    rates = [b.bad_rate for b in ranges]
    assert rates == sorted(rates)  # risk rises with x here
    assert 2 <= len(ranges) <= modelling.MAX_CLASSES
    assert all(b.count >= 0.05 * len(x) for b in ranges)
    missing = [b for b in variable.bins if b.is_missing]
    assert len(missing) == 1 and missing[0].count == 120
    assert sum(b.count for b in variable.bins) == len(x)
    # The ranges tile the line, so every value lands in exactly one bin.
    assert ranges[0].lower is None and ranges[-1].upper is None
    assert all(a.upper == b.lower for a, b in itertools.pairwise(ranges))
    assert variable.iv > 0.5


def test_categorical_rare_categories_are_grouped():
    # Rare means under 1% of the rows (modelling.RARE_CATEGORY_SHARE): a 2% category is kept
    # and binned with its neighbours in bad rate, since a many-level variable may be all 2%s.
    rng = np.random.default_rng(4)
    values = list(rng.choice(["A", "B", "C", "x1", "x2"], 2000, p=[0.4, 0.3, 0.288, 0.006, 0.006]))
    bad = np.array([rng.random() < {"A": 0.3, "B": 0.1}.get(v, 0.2) for v in values])
    variable = modelling.bin_categorical("region", values, bad)
    as_lists = [b.categories for b in variable.bins]
    assert not any(c in (["x1"], ["x2"]) for c in as_lists)
    grouped = next(c for c in as_lists if "x1" in c)
    assert "x2" in grouped
    assert all(b.count >= 100 for b in variable.bins)
    assert [b.bad_rate for b in variable.bins] == sorted(b.bad_rate for b in variable.bins)


def test_fit_drops_noise_and_scores_like_the_engine():
    rng = np.random.default_rng(5)
    x, bad = _signal(3000, 6)
    noise = rng.normal(size=3000)
    columns = [
        Column("x", "numeric", [None if i % 25 == 0 else float(v) for i, v in enumerate(x)]),
        Column("noise", "numeric", [float(v) for v in noise]),
    ]
    result = modelling.fit(columns, bad, scaling={"base_score": 600, "base_odds": 50, "pdo": 20})
    by_name = {v.name: v for v in result.variables}
    assert by_name["x"].selected and by_name["x"].coefficient < 0
    assert not by_name["noise"].selected and by_name["noise"].iv < 0.02
    assert modelling.auc(result.train_scores, bad) > 0.85
    assert scoring.validate(result.definition) == []
    # The stored card, run through the engine, gives the scores the report measured.
    for i in range(0, 3000, 97):
        inputs = {"x": columns[0].values[i], "noise": columns[1].values[i]}
        assert scoring.apply(result.definition, inputs).score == result.train_scores[i]


def test_scaling_puts_the_base_score_at_the_base_odds():
    x, bad = _signal(2000, 8)
    result = modelling.fit(
        [Column("x", "numeric", list(x))],
        bad,
        scaling={"base_score": 600, "base_odds": 50, "pdo": 20},
    )
    variable = result.selected[0]
    # Score = A + B·ln(odds): the points of a bin equal B·ln(odds) implied by its WoE term.
    factor = 20 / math.log(2)
    offset = 600 - factor * math.log(50)
    assert result.definition["base_points"] == round(offset - factor * result.intercept)
    for bin_ in variable.bins:
        assert bin_.points == round(-factor * variable.coefficient * bin_.woe)


def test_grades_move_with_the_scaling_and_keep_their_pds():
    same = modelling.grades_for_scaling(default_scorecards.SCALING)
    assert same == default_scorecards.master_scale()
    doubled = modelling.grades_for_scaling({"base_score": 600, "base_odds": 50, "pdo": 40})
    assert [g["pd"] for g in doubled] == [g["pd"] for g in same]
    # With twice the points per doubling, a cut-off 120 above the base moves to 240 above.
    assert doubled[0]["min_score"] == 840


def test_fit_refuses_data_that_cannot_support_a_card():
    scaling = {"base_score": 600, "base_odds": 50, "pdo": 20}
    with pytest.raises(ModellingError, match="too few"):
        modelling.fit([Column("x", "numeric", [1.0] * 10)], np.zeros(10, bool), scaling=scaling)
    with pytest.raises(ModellingError, match="both good and bad"):
        modelling.fit([Column("x", "numeric", [1.0] * 100)], np.zeros(100, bool), scaling=scaling)
    rng = np.random.default_rng(9)
    with pytest.raises(ModellingError, match="enough information"):
        modelling.fit(
            [Column("noise", "numeric", list(rng.normal(size=5000)))],
            rng.random(5000) < 0.3,
            scaling=scaling,
        )
