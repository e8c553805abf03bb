"""Charts as data. A page passes one of these dicts through `json_script` and marks an
element with `data-chart` naming the script's id; static/js/charts.js draws it with the
vendored ECharts. Labels arrive translated; money and ratios travel as decimal strings (exact,
as the tables beside the charts print them) and counts as integers, so the numbers a chart
shows are the numbers the page's own lists show."""

from __future__ import annotations

from decimal import Decimal

# How the values of a chart read: yuan, a ratio shown as a percentage, a plain count or a
# score (a count that need not start at zero).
MONEY, PERCENT, COUNT, SCORE = "money", "percent", "count", "score"
# The kinds static/js/charts.js draws.
KINDS = ("bar", "hbar", "line", "area")
# Bootstrap's palette names; the browser reads each one's colour from the page's CSS.
COLOURS = ("primary", "danger", "warning", "info", "success", "secondary")


def _value(value, unit: str):
    if value is None:
        return None
    if unit in (MONEY, PERCENT):
        return str(Decimal(value))
    return int(value)


def series(
    name: str,
    values,
    *,
    unit: str,
    colour: str = "primary",
    urls: list[str] | None = None,
    notes: list[str] | None = None,
) -> dict:
    """One named series: its values in the chart's unit, optionally the drill-down URL a
    click on each point opens and a note per point shown in the tooltip."""
    if colour not in COLOURS:
        raise ValueError(f"unknown colour {colour!r}")
    data = {"name": str(name), "colour": colour, "values": [_value(v, unit) for v in values]}
    if urls is not None:
        data["urls"] = list(urls)
    if notes is not None:
        data["notes"] = [str(note) for note in notes]
    return data


def chart(
    kind: str,
    *,
    categories,
    series_list: list[dict],
    unit: str,
    category_title: str = "",
    value_title: str = "",
    stacked: bool = False,
    label: str = "",
) -> dict:
    """A chart of one or more series over the same categories (dates, stages, classes…);
    `label` is the accessible name of the drawn picture."""
    if kind not in KINDS:
        raise ValueError(f"unknown chart kind {kind!r}")
    return {
        "kind": kind,
        "unit": unit,
        "categories": [str(category) for category in categories],
        "series": series_list,
        "category_title": str(category_title),
        "value_title": str(value_title),
        "stacked": stacked,
        "label": str(label),
    }


def bars_chart(
    bars: list[dict],
    *,
    name: str,
    unit: str,
    category_title: str = "",
    value_title: str = "",
    horizontal: bool = False,
) -> dict | None:
    """Bars (dicts with label, value and url, as the dashboard's lists hold them) as a
    chart whose bars open the same URLs; None when there is no bar to draw."""
    if not bars:
        return None
    return chart(
        "hbar" if horizontal else "bar",
        categories=[bar["label"] for bar in bars],
        series_list=[
            series(
                name,
                [bar["value"] for bar in bars],
                unit=unit,
                urls=[bar["url"] for bar in bars],
            )
        ],
        unit=unit,
        category_title=category_title,
        value_title=value_title,
        label=name,
    )
