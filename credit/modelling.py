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

Binning (credit.binning): numeric variables start from fine classes of about 5% of the observed
values each; categories are ordered by bad rate (those under 1% of the rows pooled first). The
fine classes are merged by an optimal binning: the highest IV such that every bin holds at least
5% of the rows, at most 8 bins remain, and the bad rate follows a trend the data choose
(ascending, descending, or a peak or valley when it adds enough IV and the analyst allows it).
Every decision is taken on shares, so duplicated rows bin exactly as the originals. Missing
values always keep a bin of their own, because "not provided" is information about an applicant.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from credit import binning, default_scorecards
from credit.binning import AUTO
from credit.scoring import odds_from_score, scaling_constants

MIN_BIN_SHARE = 0.05
FINE_CLASSES = 20
# More classes than this make a card hard to read and overfit the sample.
MAX_CLASSES = 8
# Categories rarer than this are pooled before binning: their own bad rate is mostly chance.
RARE_CATEGORY_SHARE = 0.01
IV_DROP_BELOW = 0.02
# A variable must also carry more IV than the binning search finds in shuffled outcomes, in all
# but 1% of CHANCE_PERMUTATIONS shuffles: at a few hundred rows an optimised binning of pure
# noise reaches an IV of 0.03 to 0.1, so the IV bar alone keeps noise. (This test, unlike the
# bins, rightly grows surer with more rows.)
CHANCE_LEVEL = 0.01
CHANCE_PERMUTATIONS = 399
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
    # How many fine classes (quantile classes or categories) the bin merges.
    fine_classes: int = 1

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
    # How the bins came about, for the validator: the trend chosen, the IV each allowed trend
    # reached, and why each boundary and merge is where it is.
    trend: str = ""
    trend_ivs: dict = field(default_factory=dict)
    binning_notes: list[str] = field(default_factory=list)
    # (fine class of each row or -1 for missing, classes, ordered by rate, trend): what the
    # chance test re-bins under shuffled outcomes.
    chance: tuple | None = field(default=None, repr=False)
    chance_p: float | None = None

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
    return value is None or value == "" or (isinstance(value, float) and math.isnan(value))


def _as_numbers(values) -> np.ndarray:
    """A numeric column as floats, NaN for missing (numpy reads None as NaN directly)."""
    try:
        return np.array(values, dtype=float)
    except (TypeError, ValueError):
        return np.array([math.nan if _missing(v) else float(v) for v in values], dtype=float)


def bin_indices(variable: Variable, values) -> np.ndarray:
    """Variable.bin_index over a whole column at once (-1: no bin takes the value)."""
    missing_index = next((i for i, b in enumerate(variable.bins) if b.is_missing), -1)
    if variable.kind == "numeric":
        numbers = _as_numbers(values)
        ranges = [i for i, b in enumerate(variable.bins) if not b.is_missing]
        result = np.full(len(numbers), missing_index)
        present = ~np.isnan(numbers)
        if ranges:
            # Ranges tile the line in order: a value at or above a bin's upper bound is beyond.
            uppers = np.array([variable.bins[i].upper for i in ranges[:-1]], dtype=float)
            position = np.searchsorted(uppers, numbers[present], side="right")
            result[present] = np.array(ranges)[position]
        else:
            result[present] = -1
        return result
    bin_of = {c: i for i, b in enumerate(variable.bins) for c in (b.categories or [])}
    return np.array(
        [missing_index if _missing(v) else bin_of.get(str(v), -1) for v in values], dtype=int
    )


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


def _finish(bins: list[Bin]) -> list[Bin]:
    total_goods = sum(b.goods for b in bins)
    total_bads = sum(b.bads for b in bins)
    for bin_ in bins:
        bin_.woe = woe(bin_.goods, bin_.bads, total_goods, total_bads)
    return bins


def _iv_of(bins: list[Bin]) -> float:
    return information_value([b.goods for b in bins], [b.bads for b in bins])


def _binning_choice(goods, bads, *, rows, trend, ordered_by_rate, total_goods, total_bads):
    return binning.choose(
        goods,
        bads,
        allowed=trend,
        ordered_by_rate=ordered_by_rate,
        total_goods=total_goods,
        total_bads=total_bads,
        rows=rows,
        min_share=MIN_BIN_SHARE,
        max_bins=MAX_CLASSES,
    )


def _percent(part: float, whole: float) -> str:
    return f"{part / whole:.1%}" if whole else "0%"


def bin_numeric(name: str, values: np.ndarray, bad: np.ndarray, *, trend: str = AUTO) -> Variable:
    values = np.asarray(values, dtype=float)
    bad = np.asarray(bad, dtype=bool)
    rows = len(values)
    present = ~np.isnan(values)
    total_bads = int(bad.sum())
    total_goods = rows - total_bads
    observed, observed_bad = values[present], bad[present]
    bins: list[Bin] = []
    notes: list[str] = []
    chosen_trend, tried = "", {}
    if len(observed):
        distinct, fine_of_distinct = binning.quantile_classes(observed, FINE_CLASSES)
        position = np.searchsorted(distinct, observed)
        fine = fine_of_distinct[position]
        classes = int(fine.max()) + 1
        goods = [int(((fine == i) & ~observed_bad).sum()) for i in range(classes)]
        bads = [int(((fine == i) & observed_bad).sum()) for i in range(classes)]
        # The smallest and largest observed value of each fine class.
        lowest = [float(distinct[fine_of_distinct == i].min()) for i in range(classes)]
        highest = [float(distinct[fine_of_distinct == i].max()) for i in range(classes)]
        fine_rows = np.full(rows, -1)
        fine_rows[present] = fine
        chance = (fine_rows, classes, False, trend)
        choice = _binning_choice(
            goods,
            bads,
            rows=rows,
            trend=trend,
            ordered_by_rate=False,
            total_goods=total_goods,
            total_bads=total_bads,
        )
        notes.append(
            f"{classes} fine classes of about {1 / FINE_CLASSES:.0%} of the observed values "
            f"each ({len(distinct)} distinct values)"
        )
        ranges = choice.partition.ranges if choice else [(0, classes)]
        if choice:
            chosen_trend, tried = choice.partition.trend, choice.tried
            notes.append(f"trend {chosen_trend}: {choice.why}")
        else:
            notes.append(
                f"no binning keeps every bin at {MIN_BIN_SHARE:.0%} of the rows: one class"
            )
        # A boundary sits between the largest value of one bin and the smallest of the next,
        # at the roundest number there.
        cuts = [binning.readable_cut(highest[end - 1], lowest[end]) for _, end in ranges[:-1]]
        bounds = [None, *cuts, None]
        for k, (start, end) in enumerate(ranges):
            bin_goods, bin_bads = sum(goods[start:end]), sum(bads[start:end])
            bins.append(
                Bin(
                    label=_range_label(bounds[k], bounds[k + 1]),
                    goods=bin_goods,
                    bads=bin_bads,
                    lower=bounds[k],
                    upper=bounds[k + 1],
                    fine_classes=end - start,
                )
            )
        for k, (_start, end) in enumerate(ranges[:-1]):
            left, right = bins[k], bins[k + 1]
            notes.append(
                f"cut at {_number_label(cuts[k])}, between {_number_label(highest[end - 1])} "
                f"and {_number_label(lowest[end])}: bad rate {left.bad_rate:.1%} below, "
                f"{right.bad_rate:.1%} from there"
            )
        merged = [f"{b.label} ({b.fine_classes} fine classes)" for b in bins if b.fine_classes > 1]
        if merged:
            notes.append(
                "merged to keep the trend, at least "
                f"{MIN_BIN_SHARE:.0%} of the rows per bin and at most {MAX_CLASSES} bins "
                "with the highest IV: " + "; ".join(merged)
            )
    if (~present).any():
        missing_bin = Bin(
            label=MISSING,
            goods=int((~present & ~bad).sum()),
            bads=int((~present & bad).sum()),
            is_missing=True,
        )
        bins.append(missing_bin)
        notes.append(
            f"missing values ({_percent(missing_bin.count, rows)} of the rows) keep a bin of "
            "their own"
        )
    variable = _variable(name, "numeric", bins)
    variable.chance = chance if len(observed) else None
    variable.trend, variable.trend_ivs, variable.binning_notes = chosen_trend, tried, notes
    return variable


def bin_categorical(name: str, values: list, bad: np.ndarray) -> Variable:
    bad = np.asarray(bad, dtype=bool)
    rows = len(values)
    total_bads = int(bad.sum())
    total_goods = rows - total_bads
    counts: dict[str, list[int]] = {}
    missing = [0, 0]
    for value, is_bad in zip(values, bad, strict=True):
        if _missing(value):
            missing[int(is_bad)] += 1
            continue
        counts.setdefault(str(value), [0, 0])[int(is_bad)] += 1
    rare = sorted(k for k, v in counts.items() if sum(v) / rows < RARE_CATEGORY_SHARE)
    groups: list[tuple[list[str], list[int]]] = [
        ([k], v) for k, v in sorted(counts.items()) if k not in rare
    ]
    if rare:
        groups.append((rare, [sum(counts[k][0] for k in rare), sum(counts[k][1] for k in rare)]))
    # Ordered by bad rate (ties by name, so the order never depends on the input's order).
    groups.sort(key=lambda g: (g[1][1] / sum(g[1]), g[0]))
    notes: list[str] = []
    if rare:
        notes.append(
            f"categories under {RARE_CATEGORY_SHARE:.0%} of the rows pooled before binning: "
            + ", ".join(rare)
        )
    bins: list[Bin] = []
    chosen_trend, tried = "", {}
    if groups:
        class_of = {c: i for i, g in enumerate(groups) for c in g[0]}
        fine_rows = np.array([-1 if _missing(v) else class_of[str(v)] for v in values])
        goods = [g[1][0] for g in groups]
        bads = [g[1][1] for g in groups]
        choice = _binning_choice(
            goods,
            bads,
            rows=rows,
            trend=AUTO,
            ordered_by_rate=True,
            total_goods=total_goods,
            total_bads=total_bads,
        )
        ranges = choice.partition.ranges if choice else [(0, len(groups))]
        notes.append(f"{len(groups)} classes ordered by bad rate, then merged by optimal binning")
        if choice:
            chosen_trend, tried = choice.partition.trend, choice.tried
        else:
            notes.append(
                f"no binning keeps every bin at {MIN_BIN_SHARE:.0%} of the rows: one class"
            )
        for start, end in ranges:
            categories = sorted(c for i in range(start, end) for c in groups[i][0])
            label = (
                ", ".join(categories) if len(categories) <= 4 else f"{OTHER} ({len(categories)})"
            )
            bins.append(
                Bin(
                    label=label,
                    goods=sum(goods[start:end]),
                    bads=sum(bads[start:end]),
                    categories=categories,
                    fine_classes=end - start,
                )
            )
            if end - start > 1:
                parts = [
                    f"{'/'.join(groups[i][0]) if len(groups[i][0]) <= 4 else OTHER} "
                    f"{groups[i][1][1] / sum(groups[i][1]):.1%}"
                    for i in range(start, end)
                ]
                notes.append(
                    f"merged (bad rates too close or a class under {MIN_BIN_SHARE:.0%} of the "
                    f"rows): {', '.join(parts)}"
                )
    if sum(missing):
        bins.append(Bin(label=MISSING, goods=missing[0], bads=missing[1], is_missing=True))
        notes.append(
            f"missing values ({_percent(sum(missing), rows)} of the rows) keep a bin of their own"
        )
    variable = _variable(name, "categorical", bins)
    variable.chance = (fine_rows, len(groups), True, AUTO) if groups else None
    variable.trend, variable.trend_ivs, variable.binning_notes = chosen_trend, tried, notes
    return variable


def _variable(name: str, kind: str, bins: list[Bin]) -> Variable:
    _finish(bins)
    variable = Variable(name=name, kind=kind, bins=bins)
    variable.iv = _iv_of(bins) if len(bins) > 1 else 0.0
    return variable


def _search_iv(fine_rows: np.ndarray, classes: int, ordered: bool, trend: str, bad) -> float:
    """The IV the binning search reaches on these outcomes (the missing bin included)."""
    rows = len(bad)
    total_bads = int(bad.sum())
    total_goods = rows - total_bads
    present = fine_rows >= 0
    bads = np.bincount(fine_rows[present], weights=bad[present], minlength=classes)
    counts = np.bincount(fine_rows[present], minlength=classes)
    goods = counts - bads
    if ordered:
        order = np.argsort(np.where(counts > 0, bads / np.maximum(counts, 1), 0), kind="stable")
        goods, bads = goods[order], bads[order]
    choice = _binning_choice(
        list(goods),
        list(bads),
        rows=rows,
        trend=trend,
        ordered_by_rate=ordered,
        total_goods=total_goods,
        total_bads=total_bads,
    )
    iv = choice.partition.iv if choice else 0.0
    missing_bads = float(bad[~present].sum())
    missing_goods = float((~present).sum()) - missing_bads
    if missing_goods + missing_bads:
        iv += float(binning._bin_iv(missing_goods, missing_bads, total_goods, total_bads))
    return iv


def _clearly_significant(variable: Variable, classes: int, ordered: bool) -> bool:
    """The likelihood-ratio test of the bins, its p-value multiplied by the number of binnings
    the search could have tried (Bonferroni; every ordering of the categories, every way to
    cut the classes, four trends): when even that is below the level, no shuffle is needed."""
    from scipy.special import gammaincc

    goods = np.array([b.goods for b in variable.bins], dtype=float)
    bads = np.array([b.bads for b in variable.bins], dtype=float)
    total = goods.sum() + bads.sum()
    expected_bad_rate = bads.sum() / total
    statistic = 0.0
    for observed, expected in (
        (bads, (goods + bads) * expected_bad_rate),
        (goods, (goods + bads) * (1 - expected_bad_rate)),
    ):
        used = observed > 0
        statistic += 2 * float((observed[used] * np.log(observed[used] / expected[used])).sum())
    # The χ² survival function; a p-value below the float range counts as the smallest float.
    log_p = math.log(max(float(gammaincc((len(variable.bins) - 1) / 2, statistic / 2)), 1e-300))
    log_searched = math.log(4) + (classes - 1) * math.log(2)
    if ordered:
        log_searched += math.lgamma(classes + 1)
    return log_p + log_searched < math.log(CHANCE_LEVEL)


def _permutation_p(chance: tuple, allowed: str, bad: np.ndarray, seed: int, level: float):
    """The share of shuffled outcomes on which the search reaches the observed IV (with the
    usual +1); it stops once the share cannot end at or below `level`, so a failing p is a
    lower bound."""
    fine_rows, classes, ordered, _trend = chance
    observed = _search_iv(fine_rows, classes, ordered, allowed, bad)
    tolerated = level * (CHANCE_PERMUTATIONS + 1) - 1
    rng = np.random.default_rng(seed)
    reached = 0
    for _ in range(CHANCE_PERMUTATIONS):
        if _search_iv(fine_rows, classes, ordered, allowed, rng.permutation(bad)) >= observed:
            reached += 1
            if reached > tolerated:
                break
    return (reached + 1) / (CHANCE_PERMUTATIONS + 1)


def chance_p_value(variable: Variable, bad: np.ndarray, *, seed: int = 0) -> float:
    """How often the same binning search finds as much IV on shuffled outcomes. The search
    itself is what is tested, so a variable cut eight ways out of twenty is not flattered by
    its own optimisation. A numeric variable allowed to turn is tested twice, under its own
    search and under the monotone one alone (which chance flatters less, so a plain trend is
    found at fewer rows), each at half the level (Bonferroni); the result is doubled."""
    if variable.chance is None:
        return 1.0
    _fine_rows, classes, ordered, trend = variable.chance
    if _clearly_significant(variable, classes, ordered):
        return 1 / (CHANCE_PERMUTATIONS + 1)
    searches = [trend]
    if not ordered and trend == AUTO:
        searches.append(binning.MONOTONE)
    bad = np.asarray(bad, dtype=float)
    level = CHANCE_LEVEL / len(searches)
    p_values = [_permutation_p(variable.chance, allowed, bad, seed, level) for allowed in searches]
    return min(1.0, len(searches) * min(p_values))


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
        woes = np.array([b.woe for b in variable.bins] + [0.0])
        # Index -1 (no bin) picks the appended 0.0.
        matrix[:, j] = woes[bin_indices(variable, columns[variable.name].values)]
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
    trend: str = AUTO,
) -> FitResult:
    """Bins, selects, fits and scales. `dimensions` names the scorecard dimension of a known
    variable; anything else is filed under "other". `trend` is the bad-rate trend numeric
    variables may follow (credit.binning.TREND_CHOICES)."""
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
            numbers = _as_numbers(column.values)
            variables.append(bin_numeric(column.name, numbers, bad, trend=trend))
        else:
            variables.append(bin_categorical(column.name, column.values, bad))
    notes: list[str] = []
    for variable in variables:
        variable.iv = round(variable.iv, 4)
        if len(variable.bins) < 2:
            variable.reason = "a single bin: no split keeps the bins large enough and in trend"
        elif variable.iv < IV_DROP_BELOW:
            variable.reason = f"IV {variable.iv:.3f} below {IV_DROP_BELOW}: too weak"
        elif (p_value := chance_p_value(variable, bad)) > CHANCE_LEVEL:
            variable.chance_p = round(p_value, 4)
            variable.reason = (
                f"chance explains it: on shuffled outcomes the same binning reaches its IV "
                f"too often (p ≥ {p_value:.3f}, {CHANCE_LEVEL} needed)"
            )
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
        points = np.array([b.points for b in variable.bins] + [_missing_points(variable)])
        scores += points[bin_indices(variable, columns[variable.name].values)]
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
        labels = [b.label for b in variable.bins] + [MISSING]
        for index in bin_indices(variable, columns[variable.name].values):
            label = labels[index]
            counts[label] = counts.get(label, 0) + 1
        factor_shares[variable.name] = {k: round(v / rows, 6) for k, v in counts.items()}
    return {
        "rows": rows,
        "bad_rate": round(float(result.train_bad.mean()), 6),
        "grade_shares": {k: round(v / rows, 6) for k, v in grade_counts.items()},
        "factor_shares": factor_shares,
    }
