"""Constrained optimal binning for scorecards. Pure: numpy only, no Django.

Fine classes (numeric values cut at quantiles, or categories ordered by bad rate) are merged
into coarse bins by dynamic programming that maximises the information value (IV) under three
constraints, as optbinning does with its solver:

- every bin holds at least a minimum share of all rows (5%),
- at most a maximum number of bins (8, so the points stay a readable table),
- the bad rate follows a trend across the bins: ascending, descending, a peak (rises, then
  falls) or a valley (falls, then rises).

Everything is decided on shares, never on counts, so duplicating every row leaves the bins
exactly as they were: the data's shape decides, not its size. (The former χ² merge did the
opposite: significance grows with the row count, so a small sample lost its signal.)

A peak or valley beats the best monotone binning only when it adds at least TURN_MIN_GAIN of IV,
absolute and relative, because a turn costs an extra pair of bins and is easily found in noise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

ASCENDING = "ascending"
DESCENDING = "descending"
PEAK = "peak"
VALLEY = "valley"
# What the analyst may allow: "auto" lets the data choose any of the four, "monotone" only the
# first two; naming a single trend forces it.
AUTO = "auto"
MONOTONE = "monotone"
TREND_CHOICES = (AUTO, MONOTONE, ASCENDING, DESCENDING, PEAK, VALLEY)
# A turn must add this much IV over the best monotone binning, and this share of it.
TURN_MIN_GAIN = 0.02
TURN_MIN_RELATIVE_GAIN = 0.10
# Shares of goods or bads below this count as this in the objective, so that a pure bin's
# IV stays finite and does not depend on the row count (a half-count correction would).
SHARE_FLOOR = 0.001
# Float noise in shares must not decide whether a bin is large enough.
_EPSILON = 1e-12

# A trend as a small automaton over the bins, left to right: phases, the moves between phases
# with the direction the bad rate must take ("up" = rises strictly), and the accepting phases.
_TRENDS: dict[str, tuple[int, dict[tuple[int, int], str], set[int]]] = {
    ASCENDING: (1, {(0, 0): "up"}, {0}),
    DESCENDING: (1, {(0, 0): "down"}, {0}),
    # Phase 0: one bin so far; 1: rising; 2: falling after a rise (a real turn needs 3 bins).
    PEAK: (3, {(0, 1): "up", (1, 1): "up", (1, 2): "down", (2, 2): "down"}, {2}),
    VALLEY: (3, {(0, 1): "down", (1, 1): "down", (1, 2): "up", (2, 2): "up"}, {2}),
}


@dataclass
class Partition:
    """Coarse bins as [start, end) ranges over the fine classes, with the trend they follow."""

    trend: str
    ranges: list[tuple[int, int]]
    iv: float


@dataclass
class Choice:
    partition: Partition
    # IV of the best binning under each trend tried (None: no binning satisfies it).
    tried: dict[str, float | None] = field(default_factory=dict)
    why: str = ""


def trends_for(allowed: str, *, ordered_by_rate: bool = False) -> list[str]:
    if allowed not in TREND_CHOICES:
        raise ValueError(f"Unknown trend {allowed!r}; choose one of {', '.join(TREND_CHOICES)}.")
    if ordered_by_rate:
        # Categories sorted by bad rate rise by construction.
        return [ASCENDING]
    if allowed == AUTO:
        return [ASCENDING, DESCENDING, PEAK, VALLEY]
    if allowed == MONOTONE:
        return [ASCENDING, DESCENDING]
    return [allowed]


def _bin_iv(goods, bads, total_goods: float, total_bads: float):
    good_share = np.maximum(goods / total_goods, SHARE_FLOOR)
    bad_share = np.maximum(bads / total_bads, SHARE_FLOOR)
    return (good_share - bad_share) * np.log(good_share / bad_share)


def optimal_partition(
    goods: list[int],
    bads: list[int],
    *,
    trend: str,
    total_goods: int,
    total_bads: int,
    rows: int,
    min_share: float,
    max_bins: int,
) -> Partition | None:
    """The IV-maximising merge of adjacent fine classes under the constraints, or None when
    no merge satisfies them. `total_*` and `rows` count every row (missing ones too), so bin
    shares and WoE are those of the whole sample."""
    n = len(goods)
    if n == 0:
        return None
    phases, moves, accepting = _TRENDS[trend]
    cum_goods = np.concatenate([[0.0], np.cumsum(np.asarray(goods, dtype=float))])
    cum_bads = np.concatenate([[0.0], np.cumsum(np.asarray(bads, dtype=float))])
    # Matrices over (start, end) of a candidate bin [start, end), start < end.
    bin_goods = cum_goods[None, :] - cum_goods[:, None]
    bin_bads = cum_bads[None, :] - cum_bads[:, None]
    bin_rows = bin_goods + bin_bads
    starts, ends = np.indices((n + 1, n + 1))
    feasible = (starts < ends) & (bin_rows / rows >= min_share - _EPSILON)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(bin_rows > 0, bin_bads / np.where(bin_rows > 0, bin_rows, 1), 0.0)
        value = np.where(feasible, _bin_iv(bin_goods, bin_bads, total_goods, total_bads), -np.inf)
    rate = np.where(feasible, rate, np.nan)
    limit = min(max_bins, n)
    # best[k][phase][start, end]: the highest IV of k bins covering [0, end), the last bin being
    # [start, end), in that phase of the trend.
    best = np.full((limit + 1, phases, n + 1, n + 1), -np.inf)
    best[1, 0, 0, :] = value[0, :]
    for k in range(2, limit + 1):
        for (before, after), direction in moves.items():
            # previous[p, s]: best k-1 bins ending with [p, s); the next bin is [s, e).
            previous = best[k - 1, before]
            if not np.isfinite(previous).any():
                continue
            if direction == "up":
                allowed = rate[None, :, :] > rate[:, :, None]
            else:
                allowed = rate[None, :, :] < rate[:, :, None]
            options = np.where(allowed, previous[:, :, None], -np.inf).max(axis=0)
            best[k, after] = np.maximum(best[k, after], options + value)
    # The best final state that covers all fine classes.
    candidate = None
    for k in range(1, limit + 1):
        for phase in accepting:
            column = best[k, phase, :, n]
            start = int(np.argmax(column))
            if np.isfinite(column[start]) and (candidate is None or column[start] > candidate[0]):
                candidate = (float(column[start]), k, phase, start)
    if candidate is None:
        return None
    total_iv, k, phase, start = candidate
    ranges = [(start, n)]
    end = start
    while k > 1:
        target = best[k, phase, start, ranges[-1][1]] - value[start, ranges[-1][1]]
        found = None
        for (before, after), direction in moves.items():
            if after != phase:
                continue
            for previous_start in range(end):
                score = best[k - 1, before, previous_start, end]
                if not np.isfinite(score) or not math.isclose(score, target, abs_tol=1e-12):
                    continue
                previous_rate, next_rate = rate[previous_start, end], rate[end, ranges[-1][1]]
                ok = next_rate > previous_rate if direction == "up" else next_rate < previous_rate
                if ok:
                    found = (before, previous_start)
                    break
            if found:
                break
        if found is None:  # pragma: no cover - the table was filled by these same rules
            raise AssertionError("optimal binning: lost the path back")
        phase, start = found
        ranges.append((start, end))
        end = start
        k -= 1
    ranges.reverse()
    return Partition(trend=trend, ranges=ranges, iv=total_iv)


def choose(
    goods: list[int],
    bads: list[int],
    *,
    allowed: str,
    ordered_by_rate: bool,
    total_goods: int,
    total_bads: int,
    rows: int,
    min_share: float,
    max_bins: int,
) -> Choice | None:
    """The binning under the trend the data support best among those the analyst allows."""
    tried: dict[str, float | None] = {}
    found: dict[str, Partition] = {}
    for trend in trends_for(allowed, ordered_by_rate=ordered_by_rate):
        partition = optimal_partition(
            goods,
            bads,
            trend=trend,
            total_goods=total_goods,
            total_bads=total_bads,
            rows=rows,
            min_share=min_share,
            max_bins=max_bins,
        )
        tried[trend] = None if partition is None else round(partition.iv, 4)
        if partition is not None:
            found[trend] = partition
    if not found:
        return None
    monotone = [found[t] for t in (ASCENDING, DESCENDING) if t in found]
    turning = [found[t] for t in (PEAK, VALLEY) if t in found]
    best_monotone = max(monotone, key=lambda p: p.iv, default=None)
    best_turning = max(turning, key=lambda p: p.iv, default=None)
    if best_monotone is None:
        return Choice(best_turning, tried, f"{best_turning.trend} is the only trend allowed")
    if best_turning is None:
        why = (
            "bad rate ordered by category"
            if ordered_by_rate
            else f"{best_monotone.trend} gave the higher IV"
        )
        return Choice(best_monotone, tried, why)
    gain = best_turning.iv - best_monotone.iv
    needed = max(TURN_MIN_GAIN, TURN_MIN_RELATIVE_GAIN * best_monotone.iv)
    if gain >= needed:
        return Choice(
            best_turning,
            tried,
            f"a {best_turning.trend} adds {gain:.3f} IV over {best_monotone.trend} "
            f"(at least {needed:.3f} needed for a turn)",
        )
    return Choice(
        best_monotone,
        tried,
        f"{best_monotone.trend} gave the higher monotone IV; a turn would add only "
        f"{max(gain, 0):.3f} (at least {needed:.3f} needed)",
    )


def quantile_classes(values: np.ndarray, classes: int) -> tuple[np.ndarray, np.ndarray]:
    """Fine classes over the distinct observed values: value i joins class
    floor(share of rows below it × classes), so each class holds about 1/classes of the rows
    and a value that fills several quantiles stays whole. Returns (distinct values, class of
    each). Shares, not counts: duplicated rows give the same classes."""
    distinct, counts = np.unique(values, return_counts=True)
    below = np.concatenate([[0], np.cumsum(counts)[:-1]]) / len(values)
    fine = np.minimum(np.floor(below * classes + _EPSILON), classes - 1).astype(int)
    # Renumber 0..m-1 without gaps.
    _, fine = np.unique(fine, return_inverse=True)
    return distinct, fine


def readable_cut(low: float, high: float) -> float:
    """The number with the fewest significant digits in (low, high]: a boundary between two
    observed neighbours that reads cleanly (30000 rather than 29873.41)."""
    if high == 0 or low < 0 < high:
        return 0.0 if low < 0 else high
    magnitude = math.floor(math.log10(abs(high)))
    for digits in range(1, 16):
        step = 10.0 ** (magnitude - digits + 1)
        cut = float(f"{math.floor(high / step) * step:.{digits}g}")
        if low < cut <= high:
            return cut
    return high
