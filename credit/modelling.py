"""Scorecard development and monitoring statistics. Pure: numpy and scikit-learn, no Django,
so the fitting command, the monitoring job and the tests share one implementation.

Conventions (the ones credit-risk teams use):
- y is 1 for a bad outcome, 0 for a good one; a score is higher for a better applicant.
- WoE of a bin = ln(share of all goods in the bin / share of all bads in the bin); half a
  count is added to an empty side so a pure bin has a finite WoE instead of ±∞.
- IV = Σ (good share − bad share) × WoE over the bins of a variable.
- AUC = P(a random good scores above a random bad), ties counted half; Gini = 2·AUC − 1;
  KS = the largest gap between the cumulative score distributions of goods and bads.
- PSI = Σ (actual share − expected share) × ln(actual share / expected share); an empty
  share is floored at 0.0001. Below 0.1 stable, 0.1–0.25 worth watching, above 0.25 shifted.

Binning: numeric variables start from fine classes at the 5% quantiles; adjacent classes are
pooled until the bad rate moves one way only (the direction with the higher IV wins), every
class holds at least 5% of the rows, neighbours that do not differ significantly (χ² test)
are merged, and at most 8 classes remain. Categories under 5% are grouped as "other"; the
rest are ordered by bad rate and merged the same way. Missing values
always keep a bin of their own, because "not provided" is information about an applicant.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from credit import default_scorecards
from credit.scoring import odds_from_score, scaling_constants

MIN_BIN_SHARE = 0.05
FINE_CLASSES = 20
# More classes than this make a card hard to read and overfit the sample.
MAX_CLASSES = 8
# Neighbouring classes whose bad rates differ less than chance would explain are merged, as
# in ChiMerge: χ² with one degree of freedom at the 0.1% level. A variable offers chance some
# forty cut points (twenty, read in two directions), so the usual 5% is divided by them
# (Bonferroni); at 5% a pure-noise column kept a lucky tail class in one fit of four.
CHI2_MERGE_BELOW = 10.83
IV_DROP_BELOW = 0.02
IV_LEAKAGE_ABOVE = 0.5
CORRELATION_LIMIT = 0.7
PSI_WATCH = 0.1
PSI_SHIFT = 0.25
MISSING = "missing"
OTHER = "other"
PSI_FLOOR = 0.0001


class ModellingError(ValueError):
    """The data cannot support a scorecard; the message says why in plain words."""


# --- measures ---------------------------------------------------------------------------------


def woe(goods: float, bads: float, total_goods: float, total_bads: float) -> float:
    if goods == 0 or bads == 0:
        goods, bads = goods + 0.5, bads + 0.5
    return math.log((goods / total_goods) / (bads / total_bads))


def information_value(goods: list[float], bads: list[float]) -> float:
    total_goods, total_bads = sum(goods), sum(bads)
    return sum(
        (g / total_goods - b / total_bads) * woe(g, b, total_goods, total_bads)
        for g, b in zip(goods, bads, strict=True)
    )


def _average_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n with ties sharing their average rank."""
    order = np.argsort(values, kind="mergesort")
    ranks = np.empty(len(values), dtype=float)
    sorted_values = values[order]
    _, first, counts = np.unique(sorted_values, return_index=True, return_counts=True)
    averages = first + (counts + 1) / 2.0
    ranks[order] = np.repeat(averages, counts)
    return ranks


def auc(scores, bad) -> float:
    """P(score of a random good > score of a random bad), ties half (Mann–Whitney U)."""
    scores, bad = np.asarray(scores, dtype=float), np.asarray(bad, dtype=bool)
    goods, bads = int((~bad).sum()), int(bad.sum())
    if goods == 0 or bads == 0:
        raise ModellingError("AUC needs both good and bad outcomes.")
    ranks = _average_ranks(scores)
    return float((ranks[~bad].sum() - goods * (goods + 1) / 2) / (goods * bads))


def ks(scores, bad) -> float:
    """The largest gap between the cumulative score distributions of bads and goods."""
    scores, bad = np.asarray(scores, dtype=float), np.asarray(bad, dtype=bool)
    goods, bads = int((~bad).sum()), int(bad.sum())
    if goods == 0 or bads == 0:
        raise ModellingError("KS needs both good and bad outcomes.")
    thresholds = np.unique(scores)
    bad_cdf = np.searchsorted(np.sort(scores[bad]), thresholds, side="right") / bads
    good_cdf = np.searchsorted(np.sort(scores[~bad]), thresholds, side="right") / goods
    return float(np.max(np.abs(bad_cdf - good_cdf)))


def gini(area: float) -> float:
    return 2 * area - 1


def discrimination(scores, bad) -> dict:
    area = auc(scores, bad)
    return {"auc": round(area, 4), "ks": round(ks(scores, bad), 4), "gini": round(gini(area), 4)}


def psi(expected: list[float], actual: list[float]) -> float:
    """Population stability between two distributions over the same bands (counts or shares)."""
    expected_total, actual_total = sum(expected), sum(actual)
    if expected_total <= 0 or actual_total <= 0:
        raise ModellingError("PSI needs rows on both sides.")
    total = 0.0
    for e, a in zip(expected, actual, strict=True):
        e_share = max(e / expected_total, PSI_FLOOR)
        a_share = max(a / actual_total, PSI_FLOOR)
        total += (a_share - e_share) * math.log(a_share / e_share)
    return total


def psi_band(value: float | None) -> str:
    if value is None:
        return ""
    if value < PSI_WATCH:
        return "stable"
    return "watch" if value <= PSI_SHIFT else "shift"


# --- binning ----------------------------------------------------------------------------------


@dataclass
class Bin:
    label: str
    goods: int
    bads: int
    lower: float | None = None
    upper: float | None = None
    categories: list[str] | None = None
    is_missing: bool = False
    woe: float = 0.0
    points: int = 0

    @property
    def count(self) -> int:
        return self.goods + self.bads

    @property
    def bad_rate(self) -> float:
        return self.bads / self.count if self.count else 0.0


@dataclass
class Variable:
    name: str
    kind: str  # "numeric" or "categorical"
    bins: list[Bin]
    iv: float = 0.0
    selected: bool = False
    reason: str = ""
    leakage_suspect: bool = False
    coefficient: float | None = None

    def bin_index(self, value) -> int:
        """Which bin a raw value falls in; -1 for a value no bin takes (an unseen category)."""
        if _missing(value):
            for index, bin_ in enumerate(self.bins):
                if bin_.is_missing:
                    return index
            return -1
        for index, bin_ in enumerate(self.bins):
            if bin_.is_missing:
                continue
            if self.kind == "numeric":
                number = float(value)
                if (bin_.lower is None or number >= bin_.lower) and (
                    bin_.upper is None or number < bin_.upper
                ):
                    return index
            elif str(value) in (bin_.categories or []):
                return index
        return -1


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value == ""


def _edge(value: float) -> float:
    """Cut points rounded to 6 significant digits, so the stored card reads cleanly and
    scores exactly as the bins were counted."""
    return float(f"{value:.6g}")


def _number_label(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() and abs(value) >= 1000 else f"{value:g}"


def _range_label(lower, upper) -> str:
    if lower is None and upper is None:
        return "all"
    if lower is None:
        return f"< {_number_label(upper)}"
    if upper is None:
        return f"≥ {_number_label(lower)}"
    return f"{_number_label(lower)} – {_number_label(upper)}"


def _pool_monotone(groups: list[list[int]], increasing: bool) -> list[list[int]]:
    """Pool adjacent violators: merge neighbours until the bad rate moves one way only.
    A group is [goods, bads, first_fine_index, last_fine_index]."""
    stack: list[list[int]] = []
    for group in groups:
        stack.append(list(group))
        while len(stack) > 1:
            left, right = stack[-2], stack[-1]
            left_rate = left[1] / (left[0] + left[1])
            right_rate = right[1] / (right[0] + right[1])
            violates = right_rate < left_rate if increasing else right_rate > left_rate
            if not violates:
                break
            stack[-2:] = [[left[0] + right[0], left[1] + right[1], left[2], right[3]]]
    return stack


def _merge_small(groups: list[list[int]], minimum: int) -> list[list[int]]:
    """Each group below `minimum` rows joins the neighbour with the closer bad rate."""
    groups = [list(g) for g in groups]
    while len(groups) > 1:
        sizes = [g[0] + g[1] for g in groups]
        smallest = min(range(len(groups)), key=lambda i: sizes[i])
        if sizes[smallest] >= minimum:
            break
        rate = groups[smallest][1] / max(sizes[smallest], 1)
        candidates = [i for i in (smallest - 1, smallest + 1) if 0 <= i < len(groups)]
        partner = min(candidates, key=lambda i: abs(groups[i][1] / max(sizes[i], 1) - rate))
        low, high = sorted((smallest, partner))
        a, b = groups[low], groups[high]
        groups[low : high + 1] = [[a[0] + b[0], a[1] + b[1], a[2], b[3]]]
    return groups


def _merge_to_at_most(groups: list[list[int]], limit: int) -> list[list[int]]:
    """While there are too many groups, the adjacent pair with the closest bad rates merges."""
    groups = [list(g) for g in groups]
    while len(groups) > limit:
        rates = [g[1] / max(g[0] + g[1], 1) for g in groups]
        pair = min(range(len(groups) - 1), key=lambda i: abs(rates[i + 1] - rates[i]))
        a, b = groups[pair], groups[pair + 1]
        groups[pair : pair + 2] = [[a[0] + b[0], a[1] + b[1], a[2], b[3]]]
    return groups


def _chi2(a: list[int], b: list[int]) -> float:
    """Pearson χ² of the 2×2 table good/bad × class a/class b."""
    total = a[0] + a[1] + b[0] + b[1]
    goods, bads = a[0] + b[0], a[1] + b[1]
    if not goods or not bads:
        return 0.0
    statistic = 0.0
    for row in (a, b):
        size = row[0] + row[1]
        for observed, column in ((row[0], goods), (row[1], bads)):
            expected = size * column / total
            statistic += (observed - expected) ** 2 / expected
    return statistic


def _merge_similar(groups: list[list[int]]) -> list[list[int]]:
    groups = [list(g) for g in groups]
    while len(groups) > 1:
        tests = [_chi2(groups[i], groups[i + 1]) for i in range(len(groups) - 1)]
        pair = min(range(len(tests)), key=tests.__getitem__)
        if tests[pair] >= CHI2_MERGE_BELOW:
            break
        a, b = groups[pair], groups[pair + 1]
        groups[pair : pair + 2] = [[a[0] + b[0], a[1] + b[1], a[2], b[3]]]
    return groups


def _coarse(groups: list[list[int]], minimum: int) -> list[list[int]]:
    """From fine classes in order to coarse ones: large enough, distinct, not too many."""
    return _merge_to_at_most(_merge_similar(_merge_small(groups, minimum)), MAX_CLASSES)


def _finish(bins: list[Bin]) -> list[Bin]:
    total_goods = sum(b.goods for b in bins)
    total_bads = sum(b.bads for b in bins)
    for bin_ in bins:
        bin_.woe = woe(bin_.goods, bin_.bads, total_goods, total_bads)
    return bins


def _iv_of(bins: list[Bin]) -> float:
    return information_value([b.goods for b in bins], [b.bads for b in bins])


def bin_numeric(name: str, values: np.ndarray, bad: np.ndarray) -> Variable:
    values = np.asarray(values, dtype=float)
    bad = np.asarray(bad, dtype=bool)
    present = ~np.isnan(values)
    minimum = math.ceil(MIN_BIN_SHARE * len(values))
    observed, observed_bad = values[present], bad[present]
    bins: list[Bin] = []
    if len(observed):
        quantiles = np.quantile(observed, np.linspace(0, 1, FINE_CLASSES + 1)[1:-1])
        edges = sorted({_edge(q) for q in quantiles if q > observed.min()})
        fine = np.searchsorted(np.asarray(edges), observed, side="right")
        bounds = [None, *edges, None]
        groups = [
            [
                int(((fine == i) & ~observed_bad).sum()),
                int(((fine == i) & observed_bad).sum()),
                i,
                i,
            ]
            for i in range(len(edges) + 1)
        ]
        groups = [g for g in groups if g[0] + g[1] > 0]
        best: list[Bin] | None = None
        for increasing in (True, False):
            pooled = _coarse(_pool_monotone(groups, increasing), minimum)
            candidate = [
                Bin(
                    label=_range_label(
                        bounds[g[2]] if k > 0 else None,
                        bounds[g[3] + 1] if k < len(pooled) - 1 else None,
                    ),
                    goods=g[0],
                    bads=g[1],
                    lower=bounds[g[2]] if k > 0 else None,
                    upper=bounds[g[3] + 1] if k < len(pooled) - 1 else None,
                )
                for k, g in enumerate(pooled)
            ]
            if best is None or _iv_of(_finish(candidate)) > _iv_of(_finish(best)):
                best = candidate
        bins = best or []
    if (~present).any():
        bins.append(
            Bin(
                label=MISSING,
                goods=int((~present & ~bad).sum()),
                bads=int((~present & bad).sum()),
                is_missing=True,
            )
        )
    return _variable(name, "numeric", bins)


def bin_categorical(name: str, values: list, bad: np.ndarray) -> Variable:
    bad = np.asarray(bad, dtype=bool)
    minimum = math.ceil(MIN_BIN_SHARE * len(values))
    counts: dict[str, list[int]] = {}
    missing = [0, 0]
    for value, is_bad in zip(values, bad, strict=True):
        if _missing(value):
            missing[int(is_bad)] += 1
            continue
        counts.setdefault(str(value), [0, 0])[int(is_bad)] += 1
    common = {k: v for k, v in counts.items() if sum(v) >= minimum}
    rare = {k: v for k, v in counts.items() if sum(v) < minimum}
    groups: list[tuple[list[str], list[int]]] = [([k], v) for k, v in sorted(common.items())]
    if rare:
        groups.append(
            (sorted(rare), [sum(v[0] for v in rare.values()), sum(v[1] for v in rare.values())])
        )
    groups.sort(key=lambda g: g[1][1] / sum(g[1]))
    # Indices into `groups` stand in for fine classes so _merge_small can reuse its walk.
    as_fine = [[g[1][0], g[1][1], i, i] for i, g in enumerate(groups)]
    merged = _coarse(as_fine, minimum)
    bins = []
    for g in merged:
        categories = sorted(c for i in range(g[2], g[3] + 1) for c in groups[i][0])
        label = ", ".join(categories) if len(categories) <= 4 else f"{OTHER} ({len(categories)})"
        bins.append(Bin(label=label, goods=g[0], bads=g[1], categories=categories))
    if sum(missing):
        bins.append(Bin(label=MISSING, goods=missing[0], bads=missing[1], is_missing=True))
    return _variable(name, "categorical", bins)


def _variable(name: str, kind: str, bins: list[Bin]) -> Variable:
    _finish(bins)
    variable = Variable(name=name, kind=kind, bins=bins)
    variable.iv = _iv_of(bins) if len(bins) > 1 else 0.0
    return variable


# --- the fit ----------------------------------------------------------------------------------


@dataclass
class Column:
    name: str
    kind: str  # "numeric" or "categorical"
    values: list


@dataclass
class FitResult:
    variables: list[Variable]
    intercept: float
    scaling: dict
    definition: dict
    train_scores: np.ndarray
    train_bad: np.ndarray
    notes: list[str] = field(default_factory=list)

    @property
    def selected(self) -> list[Variable]:
        return [v for v in self.variables if v.selected]


def woe_matrix(variables: list[Variable], columns: dict[str, Column], rows: int) -> np.ndarray:
    matrix = np.zeros((rows, len(variables)))
    for j, variable in enumerate(variables):
        woes = [b.woe for b in variable.bins]
        for i, value in enumerate(columns[variable.name].values):
            index = variable.bin_index(value)
            matrix[i, j] = woes[index] if index >= 0 else 0.0
    return matrix


def _logistic(matrix: np.ndarray, bad: np.ndarray):
    from sklearn.linear_model import LogisticRegression

    # Practically unpenalised: the WoE coding already tamed the variables, and scorecard
    # points must follow the data rather than a shrinkage choice.
    model = LogisticRegression(C=1e4, max_iter=1000)
    model.fit(matrix, bad.astype(int))
    return float(model.intercept_[0]), [float(c) for c in model.coef_[0]]


def grades_for_scaling(scaling: dict) -> list[dict]:
    """The master scale's grades, their PDs kept, with cut-offs moved onto another scaling."""
    standard = default_scorecards.SCALING
    offset, factor = scaling_constants(scaling["base_score"], scaling["base_odds"], scaling["pdo"])
    grades = []
    for row in default_scorecards.master_scale():
        cutoff = row["min_score"]
        if cutoff:
            cutoff = round(offset + factor * math.log(odds_from_score(cutoff, standard)))
        grades.append({"grade": row["grade"], "min_score": cutoff, "pd": row["pd"]})
    return grades


def fit(
    columns: list[Column],
    bad: np.ndarray,
    *,
    scaling: dict,
    dimensions: dict[str, str] | None = None,
    labels: dict[str, str] | None = None,
) -> FitResult:
    """Bins, selects, fits and scales. `dimensions` names the scorecard dimension of a known
    variable; anything else is filed under "other"."""
    bad = np.asarray(bad, dtype=bool)
    rows = len(bad)
    if rows < 50:
        raise ModellingError(f"{rows} rows are too few to fit a scorecard; bring at least 50.")
    if bad.all() or not bad.any():
        raise ModellingError("The outcome column must hold both good and bad outcomes.")
    if bad.sum() < 10 or (~bad).sum() < 10:
        raise ModellingError("At least 10 goods and 10 bads are needed to fit a scorecard.")
    by_name = {c.name: c for c in columns}
    variables = []
    for column in columns:
        if column.kind == "numeric":
            numbers = np.array(
                [math.nan if _missing(v) else float(v) for v in column.values], dtype=float
            )
            variables.append(bin_numeric(column.name, numbers, bad))
        else:
            variables.append(bin_categorical(column.name, column.values, bad))
    notes: list[str] = []
    for variable in variables:
        variable.iv = round(variable.iv, 4)
        if len(variable.bins) < 2:
            variable.reason = "no class of it differs significantly in bad rate"
        elif variable.iv < IV_DROP_BELOW:
            variable.reason = f"IV {variable.iv:.3f} below {IV_DROP_BELOW}: too weak"
        else:
            variable.selected = True
            if variable.iv > IV_LEAKAGE_ABOVE:
                variable.leakage_suspect = True
                notes.append(
                    f"{variable.name}: IV {variable.iv:.2f} above {IV_LEAKAGE_ABOVE}; check that "
                    "it is known at application time and is not the outcome in disguise."
                )
    _resolve_correlation(variables, by_name, rows)
    intercept, coefficients = 0.0, []
    while True:
        chosen = [v for v in variables if v.selected]
        if not chosen:
            raise ModellingError(
                "No variable carries enough information (IV of 0.02 or more) to build a scorecard."
            )
        intercept, coefficients = _logistic(woe_matrix(chosen, by_name, rows), bad)
        # WoE rises with the share of goods, so every coefficient on the bad-odds must be
        # negative; a positive one means the variable flips its meaning in company of the
        # others, and a card whose points run backwards cannot be explained to anyone.
        wrong = [(c, v) for c, v in zip(coefficients, chosen, strict=True) if c >= 0]
        if not wrong:
            break
        _coefficient, worst = max(wrong, key=lambda pair: pair[0])
        worst.selected = False
        worst.reason = "its sign reversed beside the other variables"
    for coefficient, variable in zip(coefficients, chosen, strict=True):
        variable.coefficient = round(coefficient, 6)
    offset, factor = scaling_constants(scaling["base_score"], scaling["base_odds"], scaling["pdo"])
    base_points = round(offset - factor * intercept)
    for variable in chosen:
        for bin_ in variable.bins:
            bin_.points = round(-factor * variable.coefficient * bin_.woe)
    definition = _definition(chosen, scaling, base_points, dimensions or {}, labels or {})
    train_scores = score_rows(chosen, base_points, by_name, rows)
    return FitResult(
        variables=variables,
        intercept=intercept,
        scaling=scaling,
        definition=definition,
        train_scores=train_scores,
        train_bad=bad,
        notes=notes,
    )


def _resolve_correlation(variables: list[Variable], columns: dict[str, Column], rows: int):
    """Of two variables whose WoE codings move together, the weaker one leaves."""
    chosen = sorted((v for v in variables if v.selected), key=lambda v: -v.iv)
    if len(chosen) < 2:
        return
    matrix = woe_matrix(chosen, columns, rows)
    with np.errstate(invalid="ignore", divide="ignore"):
        correlation = np.corrcoef(matrix, rowvar=False)
    for j in range(len(chosen)):
        for i in range(j):
            if not chosen[i].selected:
                continue
            value = correlation[i, j]
            if not math.isnan(value) and abs(value) > CORRELATION_LIMIT:
                chosen[j].selected = False
                chosen[
                    j
                ].reason = f"correlated with {chosen[i].name} (r = {value:.2f}), which is stronger"
                break


def score_rows(chosen: list[Variable], base_points: int, columns: dict[str, Column], rows: int):
    scores = np.full(rows, float(base_points))
    for variable in chosen:
        missing_points = _missing_points(variable)
        points = [b.points for b in variable.bins]
        for i, value in enumerate(columns[variable.name].values):
            index = variable.bin_index(value)
            scores[i] += points[index] if index >= 0 else missing_points
    return scores


def _missing_points(variable: Variable) -> int:
    """Missing or unseen values: the missing bin's points when training had one, else
    neutral (a WoE of 0 earns 0 points)."""
    for bin_ in variable.bins:
        if bin_.is_missing:
            return bin_.points
    return 0


def _definition(chosen, scaling, base_points, dimensions, labels) -> dict:
    factors = []
    for variable in chosen:
        bins = []
        for bin_ in variable.bins:
            if bin_.is_missing:
                continue
            entry = {"label": bin_.label, "points": bin_.points}
            if variable.kind == "numeric":
                if bin_.lower is not None:
                    entry["lower"] = bin_.lower
                if bin_.upper is not None:
                    entry["upper"] = bin_.upper
            else:
                entry["categories"] = bin_.categories
            bins.append(entry)
        factors.append(
            {
                "key": variable.name,
                "label": labels.get(variable.name, variable.name),
                "dimension": dimensions.get(variable.name, "other"),
                "type": variable.kind,
                "weight": 1,
                "bins": bins,
                "missing_points": _missing_points(variable),
            }
        )
    return {
        "scaling": dict(scaling),
        "base_points": base_points,
        "factors": factors,
        "grades": grades_for_scaling(scaling),
    }


def development_profile(result: FitResult, columns: dict[str, Column], grades_of) -> dict:
    """What the development sample looked like, kept in the card for stability monitoring:
    the share of rows per grade and per bin of every factor."""
    rows = len(result.train_bad)
    grade_counts: dict[str, int] = {}
    for score in result.train_scores:
        grade = grades_of(int(score))
        grade_counts[grade] = grade_counts.get(grade, 0) + 1
    factor_shares = {}
    for variable in result.selected:
        counts: dict[str, int] = {}
        for value in columns[variable.name].values:
            index = variable.bin_index(value)
            label = variable.bins[index].label if index >= 0 else MISSING
            counts[label] = counts.get(label, 0) + 1
        factor_shares[variable.name] = {k: round(v / rows, 6) for k, v in counts.items()}
    return {
        "rows": rows,
        "bad_rate": round(float(result.train_bad.mean()), 6),
        "grade_shares": {k: round(v / rows, 6) for k, v in grade_counts.items()},
        "factor_shares": factor_shares,
    }
