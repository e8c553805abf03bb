"""The cost curve: how the night and the pages grow with the book, from the results `make bench`
wrote per scale (bench/results/<scale>.json), and what they would be at 10 and 50 million loans.

    python bench/cost_curve.py [--results DIR]

For each measure: its figure at each scale present (small 10,000, medium 100,000, full
1,000,000 loans), the growth factor per 10× of loans between neighbouring scales, and a power
law fitted through all of them, seconds = a · loans^b (least squares on log seconds against
log loans): b near 1 grows with the book (linear), near 0 stays flat; 10^b is the growth per
10× of loans the fit implies. The projection to 10,000,000 and 50,000,000 loans extrapolates
that law, so it says from how many scales it comes and is not made from fewer than 2; a
figure that shrank as the book grew (b < 0, noise on a shared machine) is held flat at its
figure on the largest book rather than projected to fall. A
measure missing at a scale (an older result, a step skipped) is left out of that scale; a
figure of 0 (rounded to nothing) cannot be put on a log scale and is left out of the fit.

Pure: no Django, so the fit is unit-tested on its own (tests/platform/test_bench_cost_curve.py)
and the curve prints without a database.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
# The scales `make bench` runs, smallest first (bench/run.py SCALES).
SCALE_ORDER = ("small", "medium", "full")
PROJECTED_LOANS = (10_000_000, 50_000_000)
MIN_SCALES = 2


@dataclass(frozen=True)
class PowerLaw:
    """value = a · loans^b, fitted through `points` scales."""

    a: float
    b: float
    points: int

    def at(self, loans: float) -> float:
        return self.a * loans**self.b

    @property
    def per_tenfold(self) -> float:
        return 10**self.b


def fit_power_law(points: Iterable[tuple[float, float | None]]) -> PowerLaw | None:
    """The least-squares line through (log loans, log value) of the points with a positive
    value; None from fewer than MIN_SCALES of them (a line through one point says nothing
    about growth) or when all are at the same number of loans."""
    usable = [(loans, value) for loans, value in points if value is not None and value > 0]
    if len(usable) < MIN_SCALES:
        return None
    xs = [math.log(loans) for loans, _value in usable]
    ys = [math.log(value) for _loans, value in usable]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    if spread == 0:
        return None
    b = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread
    return PowerLaw(a=math.exp(mean_y - b * mean_x), b=b, points=len(usable))


def growth_per_tenfold(
    smaller: tuple[float, float | None], larger: tuple[float, float | None]
) -> float | None:
    """How much the value grows per 10× of loans between two scales: (v2 / v1)^(1 / log10(n2 /
    n1)), which is v2 / v1 for scales 10× apart. None when either value is missing or 0."""
    (loans_1, value_1), (loans_2, value_2) = smaller, larger
    if not value_1 or not value_2 or value_1 <= 0 or value_2 <= 0 or loans_2 <= loans_1:
        return None
    return (value_2 / value_1) ** (1 / math.log10(loans_2 / loans_1))


# --- the measures --------------------------------------------------------------------------


def _dig(result: dict, *keys):
    value = result
    for key in keys:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def _full_night(result: dict):
    """The full run of the last night (every customer; rolled back), the fixed point after the
    nights."""
    for check in result.get("fixed_points", []):
        if check.get("when") == "after the nights":
            return check.get("seconds")
    return None


@dataclass(frozen=True)
class Measure:
    name: str
    unit: str  # "s" or "ms"
    read: Callable[[dict], float | None]


MEASURES = [
    Measure("typical night", "s", lambda r: _dig(r, "nightly", "seconds")),
    Measure("full night", "s", _full_night),
    Measure(
        "full night, Celery 2 workers",
        "s",
        lambda r: _dig(r, "full_nights", "two_workers", "seconds"),
    ),
    Measure("rerun, nothing changed", "s", lambda r: _dig(r, "rerun", "seconds")),
    Measure("early-warning scan", "s", lambda r: _dig(r, "scan", "seconds")),
    Measure("provision step", "s", lambda r: _dig(r, "provisions", "seconds")),
    Measure("exposure step", "s", lambda r: _dig(r, "exposures", "seconds")),
    Measure("collections step", "s", lambda r: _dig(r, "collections", "seconds")),
    Measure("month-end provision run", "s", lambda r: _dig(r, "month_end", "seconds")),
    Measure("dashboard refresh", "s", lambda r: _dig(r, "dashboard_refresh", "seconds")),
    Measure("seed (generate the book)", "s", lambda r: _dig(r, "seed", "total")),
]


def page_measures(results: Iterable[dict]) -> list[Measure]:
    """A p95 measure per page and role that any scale timed, in the order first met."""
    keys: dict[tuple[str, str], None] = {}
    for result in results:
        for page in result.get("pages", []) + result.get("admin_pages", []):
            keys.setdefault((page["page"], page["role"]), None)

    def reader(page: str, role: str):
        def read(result: dict):
            for timed in result.get("pages", []) + result.get("admin_pages", []):
                if (timed["page"], timed["role"]) == (page, role):
                    return timed.get("p95_ms")
            return None

        return read

    return [Measure(f"p95 {page} ({role})", "ms", reader(page, role)) for page, role in keys]


# --- reading and printing ------------------------------------------------------------------


def load_results(directory: Path = RESULTS) -> list[dict]:
    """The results of the scales present, smallest book first."""
    found = []
    for scale in SCALE_ORDER:
        path = directory / f"{scale}.json"
        if path.exists():
            found.append(json.loads(path.read_text()))
    return sorted(found, key=lambda result: result["loans"])


@dataclass(frozen=True)
class Row:
    measure: Measure
    values: list[float | None]  # one per scale
    growth: list[float | None]  # one per pair of neighbouring scales
    law: PowerLaw | None
    projected: list[float] | None  # one per PROJECTED_LOANS
    held_flat: bool = False


def curve(results: list[dict]) -> list[Row]:
    loans = [result["loans"] for result in results]
    rows = []
    for measure in MEASURES + page_measures(results):
        values = [measure.read(result) for result in results]
        if all(value is None for value in values):
            continue
        points = list(zip(loans, values, strict=True))
        law = fit_power_law(points)
        projected = [law.at(n) for n in PROJECTED_LOANS] if law else None
        # A figure that shrank as the book grew (b < 0) measured noise, not a cost that falls
        # with more loans: it is projected flat, at its figure on the largest book.
        held_flat = law is not None and law.b < 0
        if held_flat:
            largest = next(value for value in reversed(values) if value)
            projected = [largest for _n in PROJECTED_LOANS]
        rows.append(
            Row(
                measure=measure,
                values=values,
                growth=[growth_per_tenfold(a, b) for a, b in pairwise(points)],
                law=law,
                projected=projected,
                held_flat=held_flat,
            )
        )
    return rows


def _figure(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "ms":
        return f"{value:,.0f} ms" if value >= 100 else f"{value:,.1f} ms"
    if value >= 3600:
        return f"{value / 3600:,.1f} h"
    return f"{value:,.0f} s" if value >= 100 else f"{value:,.2f} s"


def _factor(value: float | None) -> str:
    return "—" if value is None else f"×{value:,.2f}"


def render(results: list[dict]) -> str:
    """The table, or why there is none."""
    if len(results) < MIN_SCALES:
        have = ", ".join(result["scale"] for result in results) or "none"
        return (
            f"cost curve: needs the results of at least {MIN_SCALES} scales "
            f"(bench/results/<scale>.json; have: {have}); no projection."
        )
    loans = [result["loans"] for result in results]
    scales = [f"{result['scale']} {n:,}" for result, n in zip(results, loans, strict=True)]
    steps = [f"{a // 1000:,}k→{b // 1000:,}k" for a, b in pairwise(loans)]
    projected = [f"{n // 1_000_000}M loans" for n in PROJECTED_LOANS]
    name_width = 34
    header = (
        f"{'measure':<{name_width}}"
        + "".join(f"{label:>17}" for label in scales)
        + "".join(f"{label:>13}" for label in steps)
        + f"{'fit b':>7}{'per 10×':>9}"
        + "".join(f"{label:>13}" for label in projected)
    )
    lines = [
        f"cost curve of {', '.join(r['scale'] for r in results)}: the figure at each scale, "
        "its growth per 10× of loans between scales, and the power law seconds = a · loans^b "
        "(b ≈ 1 linear, ≈ 0 flat)",
        f"projection to {' and '.join(f'{n:,}' for n in PROJECTED_LOANS)} loans "
        f"from {len(results)} scales",
        "",
        header,
    ]
    for row in curve(results):
        unit = row.measure.unit
        line = (
            f"{row.measure.name[: name_width - 1]:<{name_width}}"
            + "".join(f"{_figure(value, unit):>17}" for value in row.values)
            + "".join(f"{_factor(value):>13}" for value in row.growth)
        )
        if row.law is None:
            line += f"{'':>7}{'':>9}" + f"{'needs 2 scales':>26}"
        else:
            line += f"{row.law.b:>7.2f}{_factor(row.law.per_tenfold):>9}" + "".join(
                f"{_figure(value, unit):>13}" for value in row.projected
            )
            if row.law.points < len(results):
                line += f"  (projection from {row.law.points} scales)"
            if row.held_flat:
                line += "  (shrank with the book: held flat)"
        lines.append(line)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    print(render(load_results(args.results)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
