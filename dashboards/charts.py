"""The dashboard's charts as data (core/charts.py): built from the same figures as the cards
and lists beside them, each drill-down URL the same as its list's."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core import charts
from lending.models import LoanClass

# Each severity's colour on the chart, as the "Open alerts" card colours its numbers.
SEVERITY_COLOURS = {"red": "danger", "orange": "warning", "yellow": "info"}
# Each five-tier class's colour on the exposure chart, from best to worst.
CLASS_COLOURS = {
    LoanClass.NORMAL: "success",
    LoanClass.SPECIAL_MENTION: "info",
    LoanClass.SUBSTANDARD: "warning",
    LoanClass.DOUBTFUL: "danger",
    LoanClass.LOSS: "secondary",
}


def _severity_names() -> dict[str, str]:
    return {
        "red": _("Red"),
        "orange": _("Orange"),
        "yellow": _("Yellow"),
    }


def portfolio_trend(snapshots: list[dict]) -> tuple[dict | None, dict | None]:
    """The NPL ratio and the exposure by class over the nightly snapshots (oldest first).

    The exposure chart stacks the five classes, best at the bottom; a date whose snapshots
    have no split by class (taken before the split was kept and not derivable from the
    history) is a gap, not a zero. None for each when there is no snapshot."""
    if not snapshots:
        return None, None
    days = [row["taken_on"].isoformat() for row in snapshots]
    date_title = _("Snapshot date")
    npl_ratio = charts.chart(
        "line",
        categories=days,
        series_list=[
            charts.series(
                _("NPL ratio"),
                [row["npl_ratio"] for row in snapshots],
                unit=charts.PERCENT,
                colour="danger",
            )
        ],
        unit=charts.PERCENT,
        category_title=date_title,
        value_title=_("NPL ratio (%)"),
        label=_("NPL ratio over time"),
    )
    exposure = charts.chart(
        "area",
        categories=days,
        series_list=[
            charts.series(
                LoanClass(code).label,
                [row["classes"][code] for row in snapshots],
                unit=charts.MONEY,
                colour=colour,
            )
            for code, colour in CLASS_COLOURS.items()
        ],
        unit=charts.MONEY,
        category_title=date_title,
        value_title=_("Exposure (¥)"),
        stacked=True,
        label=_("Exposure by class over time"),
    )
    return npl_ratio, exposure


def alert_ages(alerts: dict, ages: list[tuple[str, str, str]], url) -> dict | None:
    """Open alerts by age, stacked by severity: `ages` are (figure key, label, the alert
    list's age filter), `url(severity, age)` the list behind one bar. None when no alert is
    open. Figures kept before the split by severity existed are drawn as one series."""
    if not sum(alerts.get(key) or 0 for key, _label, _age in ages):
        return None
    labels = [label for _key, label, _age in ages]
    split = all(f"{key}_{severity}" in alerts for key, *_ in ages for severity in SEVERITY_COLOURS)
    if split:
        names = _severity_names()
        series_list = [
            charts.series(
                names[severity],
                [alerts[f"{key}_{severity}"] for key, *_ in ages],
                unit=charts.COUNT,
                colour=colour,
                urls=[url(severity, age) for *_, age in ages],
            )
            for severity, colour in SEVERITY_COLOURS.items()
        ]
    else:
        series_list = [
            charts.series(
                _("Open alerts"),
                [alerts[key] for key, *_ in ages],
                unit=charts.COUNT,
                urls=[url(None, age) for *_, age in ages],
            )
        ]
    return charts.chart(
        "bar",
        categories=labels,
        series_list=series_list,
        unit=charts.COUNT,
        category_title=_("Alert age"),
        value_title=_("Alerts"),
        stacked=True,
        label=_("Open alerts by age"),
    )


def pipeline_funnel(stages: list[dict]) -> dict | None:
    """Applications by stage (the funnel's bars, in the pipeline's order), each bar opening
    the applications at that stage; None when there is no application."""
    if not any(stage["value"] for stage in stages):
        return None
    return charts.bars_chart(
        stages,
        name=_("Applications"),
        unit=charts.COUNT,
        category_title=_("Stage"),
        value_title=_("Applications"),
        horizontal=True,
    )


def exposure_bars(bars: list[dict], *, category_title: str) -> dict | None:
    """One of today's exposure breakdowns (by class, grade, product, industry or overdue
    bucket) as bars opening the loans behind each."""
    if not any(bar["value"] for bar in bars):
        return None
    return charts.bars_chart(
        bars,
        name=_("Exposure"),
        unit=charts.MONEY,
        category_title=category_title,
        value_title=_("Exposure (¥)"),
    )
