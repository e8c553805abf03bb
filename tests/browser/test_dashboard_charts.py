"""mary's dashboard draws every chart (ECharts, vendored) in English and in Simplified
Chinese without a console error (the CSP forbids inline scripts and styles, so a chart that
needed either would report one); a click on a bar opens the list behind it. A screenshot of
each language is kept in artifacts/screenshots/."""

import datetime as dt
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from dashboards.services import portfolio_snapshot
from lending.models import LoanProduct
from risk import jobs
from tests.browser.conftest import log_in
from tests.customers import factories
from tests.risk.conftest import assessed, disbursed_loan

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
DASHBOARD_CHARTS = [
    "plot-npl-ratio",
    "plot-exposure-trend",
    "plot-buckets",
    "plot-class",
    "plot-grade",
    "plot-product",
    "plot-alert-ages",
    "plot-funnel",
]


def _seed_book(cast):
    alice, mary = cast["alice"], cast["mary"]
    product = LoanProduct.objects.get(code="CONS-01")
    late = disbursed_loan(
        alice, mary, assessed(alice, factories.individual(alice, name="欠款人")), product
    )
    disbursed_loan(
        alice,
        mary,
        assessed(alice, factories.individual(alice, name="守信人")),
        product,
        amount="50000",
        on=dt.date(2025, 5, 20),
    )
    jobs.run_synchronously(jobs.NIGHTLY, dt.date(2025, 6, 1))
    for day in (dt.date(2025, 5, 15), dt.date(2025, 5, 25), dt.date(2025, 6, 1)):
        portfolio_snapshot(on=day)
    return late


def _watch_console(page) -> list[str]:
    problems = []
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def _expect_every_chart_drawn(page):
    for chart_id in DASHBOARD_CHARTS:
        chart = page.locator(f'[data-chart="{chart_id}"]')
        expect(chart).to_have_attribute("data-chart-drawn", "true")
        expect(chart.locator("canvas").first).to_be_visible()
        box = chart.bounding_box()
        assert box and box["width"] > 100 and box["height"] > 100, chart_id


@pytest.mark.parametrize(
    ("language", "heading"), [("en", "NPL ratio over time"), ("zh-hans", "驾驶舱")]
)
def test_dashboard_draws_every_chart_without_console_errors(
    browser_page, cast, settings, language, heading
):
    settings.BUSINESS_DATE = dt.date(2025, 6, 1)
    mary = cast["mary"]
    mary.language = language
    mary.save(update_fields=["language"])
    late = _seed_book(cast)
    problems = _watch_console(browser_page)

    page = log_in(browser_page, "mary", landing=r".*/dashboard/$")
    page.visit("/dashboard/?start=2025-05-01&end=2025-06-01")
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.get_by_role("heading").filter(has_text=heading).first).to_be_visible()
    _expect_every_chart_drawn(page)
    # Tooltips draw on hover; an HTML tooltip's inline styles would break the CSP here.
    for chart_id in ("plot-npl-ratio", "plot-exposure-trend", "plot-class", "plot-alert-ages"):
        page.locator(f'[data-chart="{chart_id}"]').hover()
        page.wait_for_timeout(100)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"dashboard-{language}.png"), full_page=True)
    assert problems == []

    # The substandard bar of the chart by class opens the loans it counts, as its link does.
    chart = page.locator('[data-chart="plot-class"]')
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    categories = page.evaluate(
        "JSON.parse(document.getElementById('plot-class').textContent).categories"
    )
    substandard = next(
        index for index, label in enumerate(categories) if label in ("Substandard", "次级")
    )
    # The bars share the plot between the axis (76 px from the left) and the right margin.
    plot_left, plot_width = box["x"] + 76, box["width"] - 76 - 16
    x = plot_left + plot_width * (substandard + 0.5) / len(categories)
    page.mouse.click(x, box["y"] + box["height"] - 50)
    page.wait_for_url(re.compile(r".*/loans/\?.*loan_class=3"))
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(late.account_number)
    assert problems == []


def test_charts_follow_the_window_and_htmx_swaps_and_the_customer_page(
    browser_page, cast, settings
):
    settings.BUSINESS_DATE = dt.date(2025, 6, 1)
    late = _seed_book(cast)
    problems = _watch_console(browser_page)
    page = log_in(browser_page, "mary", landing=r".*/dashboard/$")
    _expect_every_chart_drawn(page)

    # A narrower window redraws each chart at its box's new width.
    page.set_viewport_size({"width": 800, "height": 900})
    page.wait_for_function(
        "() => { const box = document.querySelector('[data-chart=\"plot-class\"]');"
        " const canvas = box.querySelector('canvas');"
        " return Math.abs(canvas.getBoundingClientRect().width - box.clientWidth) < 2; }"
    )

    # Content htmx swaps in is drawn too: the page's own main block, fetched again.
    page.evaluate(
        "() => { document.querySelectorAll('[data-chart]').forEach("
        "  (chart) => chart.removeAttribute('data-chart-drawn'));"
        " return htmx.ajax('GET', '/dashboard/', {target: 'main', select: 'main',"
        " swap: 'outerHTML'}); }"
    )
    _expect_every_chart_drawn(page)

    page.visit(f"/customers/{late.customer_id}/")
    score = page.locator('[data-chart="score-chart"]')
    expect(score).to_have_attribute("data-chart-drawn", "true")
    expect(score.locator("canvas").first).to_be_visible()
    assert problems == []
