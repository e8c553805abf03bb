# ruff: noqa: F811 (open_as is a fixture imported for pytest: the walks take it as a parameter)
"""Issue 22's concentration card walked in Chromium, in English and in Simplified Chinese:
mary's dashboard lists the ten largest single and group exposures of her branch, largest
first, each against its concentration limit with the share it uses (a breach in red, a share
past the warning in amber), draws both as bars, leaves the South branch's customer out, and a
name opens the customer's page. The exposures are the nightly's, from loans disbursed through
the services. A screenshot per language is kept under artifacts/screenshots/<language>/."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from core.numbers import format_money
from lending.exposure_models import Tier1Capital
from lending.models import LoanProduct
from risk import jobs
from tests.browser.test_daily_use_journey import (  # noqa: F401 - open_as is a fixture
    LANGUAGES,
    assert_reads_as_words,
    keep_screenshot,
    open_as,
    speaking,
)
from tests.customers import factories
from tests.risk.conftest import assessed, disbursed_loan

pytestmark = pytest.mark.django_db(transaction=True)

NIGHT = dt.date(2025, 2, 1)


def said(language: str, message: str) -> str:
    with translation.override(language):
        return gettext(message)


def rows_of(table) -> list[list[str]]:
    """The table's body as the reader sees it, cell by cell."""
    return [
        [cell.strip() for cell in row.locator("td").all_inner_texts()]
        for row in table.locator("tbody tr").all()
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_mary_reads_the_largest_exposures_against_their_limits(
    browser_page, open_as, cast, settings, language
):
    from customers.relation_services import group_member_add, group_save
    from customers.relations import CustomerGroup

    alice, bob, charlie, mary, admin = (
        cast[name] for name in ("alice", "bob", "charlie", "mary", "admin")
    )
    speaking(mary, language)
    product = LoanProduct.objects.get(code="CONS-01")

    def borrower(officer, manager, name, amount):
        customer = assessed(officer, factories.individual(officer, name=name))
        disbursed_loan(officer, manager, customer, product, amount=amount)
        return customer

    largest = borrower(alice, mary, "甲大户", "120000")
    second = borrower(bob, mary, "乙企业主", "90000")
    third = borrower(alice, mary, "丙店主", "50000")
    southern = borrower(charlie, admin, "南方大户", "200000")
    group = group_save(
        actor=mary, group=CustomerGroup(name="华北集团", group_limit=Decimal("5000000.00"))
    )
    for member in (second, third):
        group_member_add(actor=mary, group=group, customer=member)
    # Capital of ¥1,000,000 (recorded after the loans, so no decision was held by it): the
    # single-customer limit is 10% of it, ¥100,000, the group one 15%, ¥150,000; the warning
    # starts at 80% of each.
    Tier1Capital.objects.create(amount=Decimal("1000000"), effective_on=NIGHT, note="Annual")
    settings.BUSINESS_DATE = NIGHT
    result = jobs.run_synchronously(jobs.NIGHTLY, NIGHT)
    assert result.status == "done", result.failures
    typed = {largest.name, second.name, third.name, group.name}

    mary_page = open_as("mary", landing=r".*/dashboard/$")
    card = mary_page.get_by_test_id("largest-exposures")
    expect(card).to_contain_text(said(language, "Largest single exposures"))
    expect(card).to_contain_text(said(language, "Largest group exposures"))
    singles = mary_page.get_by_test_id("largest-singles")
    assert rows_of(singles) == [
        [largest.name, "¥120,000.00", "¥100,000.00", "120.00%"],
        [second.name, "¥90,000.00", "¥100,000.00", "90.00%"],
        [third.name, "¥50,000.00", "¥100,000.00", "50.00%"],
    ]
    # The breach reads red, the share past the warning amber, the rest plain.
    body_rows = singles.locator("tbody tr")
    expect(body_rows.nth(0)).to_have_class(re.compile(r"\btable-danger\b"))
    expect(body_rows.nth(1)).to_have_class(re.compile(r"\btable-warning\b"))
    expect(body_rows.nth(2)).not_to_have_class(re.compile(r"table-(danger|warning)"))
    assert rows_of(mary_page.get_by_test_id("largest-groups")) == [
        [group.name, format_money(Decimal("140000")), "¥150,000.00", "93.33%"]
    ]
    # The South branch's customer is another manager's: not on mary's card.
    expect(card).not_to_contain_text(southern.name)
    # Both lists are drawn as bars (ECharts paints a canvas into each chart's box), with the
    # limit's dashed line named in the legend beside the exposures.
    for chart_id, limit in (
        ("plot-largest-singles", Decimal("100000")),
        ("plot-largest-groups", Decimal("150000")),
    ):
        chart = mary_page.locator(f'[data-chart="{chart_id}"]')
        expect(chart).to_have_attribute("data-chart-drawn", "true")
        expect(chart.locator("canvas").first).to_be_visible()
        drawn = chart.evaluate(
            "box => echarts.getInstanceByDom(box).getOption().series.map("
            "  (one) => [one.name, (one.markLine || {data: []}).data.length])"
        )
        limit_name = said(language, "Limit %(amount)s") % {"amount": format_money(limit)}
        assert drawn == [[said(language, "Exposure"), 0], [limit_name, 1]], drawn
    keep_screenshot(mary_page, language, "dashboard-concentration")
    assert_reads_as_words(mary_page, language, typed)

    # The largest name opens the customer's page.
    singles.get_by_role("link", name=largest.name).click()
    mary_page.wait_for_url(re.compile(rf".*/customers/{largest.pk}/$"))
    expect(mary_page.get_by_role("heading", level=1)).to_contain_text(largest.name)
