"""The dashboard's lists, built in Python: its seven lists of bars (each with its drill-down
link) through an included template cost a fifth of the page, the rows of its largest
exposures and the cells of its migration matrices a twentieth each."""

from django import template
from django.utils.formats import localize
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import ngettext

from core.numbers import format_money, format_percent

register = template.Library()


@register.simple_tag
def bar_list(bars, *, money=False, empty="", testid="", chart=None) -> SafeString:
    """Rows of dashboards.views._bars as a list; its bars drawn in SVG when no chart of the
    same figures stands above it."""
    items = (
        format_html_join("", "{}", ((_bar(bar, money, chart),) for bar in bars))
        if bars
        else format_html('\n  <li class="text-body-secondary">{}</li>\n  ', empty)
    )
    testid_attribute = format_html('data-testid="{}"', testid) if testid else ""
    return format_html(
        '<ul class="list-unstyled small mb-0 bar-chart" {}>\n  {}\n</ul>\n',
        testid_attribute,
        items,
    )


def _amount(value, money: bool) -> str:
    return format_money(value) if money else localize(value)


def _bar(bar: dict, money: bool, chart) -> SafeString:
    figures = _amount(bar["value"], money)
    if bar["loans"] is not None:
        figures += " · " + ngettext("%(loans)s loan", "%(loans)s loans", bar["loans"]) % {
            "loans": localize(bar["loans"])
        }
    if bar["delta"] is not None:
        sign = "+" if bar["delta"] >= 0 else ""
        figures += f" ({sign}{_amount(bar['delta'], money)})"
    svg = (
        ""
        if chart
        else format_html(
            '<svg width="100%" height="8" role="presentation" aria-hidden="true"><rect x="0" '
            'y="0" width="{}%" height="8" rx="2" fill="#0d6efd"></rect></svg>',
            localize(bar["width"]),
        )
    )
    return format_html(
        '\n  <li class="mb-1">\n    <a href="{}" class="d-block text-decoration-none">\n'
        '      <span class="d-flex justify-content-between"><span>{}</span>'
        '<span class="text-body-secondary">{}</span></span>\n'
        "      {}\n    </a>\n  </li>\n  ",
        bar["url"],
        bar["label"],
        figures,
        svg,
    )


@register.simple_tag
def exposure_rows(rows) -> SafeString:
    """The rows of dashboards.concentration's largest exposures, marked when they break their
    limit or reach its warning level."""
    return format_html_join("", "{}", ((_exposure_row(row),) for row in rows))


def _exposure_row(row: dict) -> SafeString:
    cells = format_html(
        '<td><a href="{}">{}</a></td><td class="text-end">{}</td><td class="text-end">{}</td>'
        '<td class="text-end">{}</td>',
        row["url"],
        row["label"],
        format_money(row["value"]),
        format_money(row["limit"]),
        format_percent(row["share"]) or "—",
    )
    if row["breached"]:
        return format_html('\n      <tr class="table-danger">{}</tr>\n      ', cells)
    if row["warned"]:
        return format_html('\n      <tr class="table-warning">{}</tr>\n      ', cells)
    return format_html("\n      <tr>{}</tr>\n      ", cells)


@register.simple_tag
def matrix_rows(matrix_cells, *, exposure=False) -> SafeString:
    """The migration matrix's rows (dashboards.views._matrix_cells): in each cell the number
    of subjects, or with `exposure` their exposure on the first date, linking to their report;
    an empty cell for none."""
    return format_html_join(
        "",
        '<tr><th scope="row" class="text-start">{}</th>{}</tr>',
        (
            (label, format_html_join("", "{}", ((_matrix_cell(cell, exposure),) for cell in cells)))
            for label, cells in matrix_cells
        ),
    )


def _matrix_cell(cell: tuple, exposure: bool) -> SafeString:
    count, amount, url = cell
    if exposure:
        figure = format_money(amount) if amount else None
    else:
        figure = localize(count) if count else None
    if figure is None:
        return format_html("<td>{}</td>", "")
    return format_html('<td><a href="{}">{}</a></td>', url, figure)
