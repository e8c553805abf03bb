"""alice's day in the browser: find a customer, log a call, plan a visit, record a complaint,
and see the visit on Today. charlie cannot open her customer."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.customers import factories

pytestmark = pytest.mark.django_db(transaction=True)


def test_alice_works_a_customer_and_sees_it_on_today(browser_page, cast):
    customer = factories.individual(cast["alice"], name="王小明")
    page = log_in(browser_page, "alice")
    expect(page.get_by_role("heading", name=re.compile("Today, Alice"))).to_be_visible()

    page.get_by_role("link", name="Customers").click()
    page.get_by_label("Search").fill("小明")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="王小明").click()
    expect(page).to_have_url(re.compile(rf"/customers/{customer.pk}/$"))

    # Log a call with the quick-add form: htmx swaps in the new timeline.
    page.get_by_text("Log a call, visit or message").click()
    page.get_by_label("Channel").select_option("phone")
    page.get_by_label("Summary").fill("Called about the mortgage renewal")
    page.get_by_label("Outcome").fill("Wants an offer")
    page.get_by_role("button", name="Log interaction").click()
    expect(page.get_by_test_id("timeline")).to_contain_text("Called about the mortgage renewal")
    expect(page.get_by_role("status")).to_contain_text("Interaction logged.")

    page.get_by_role("link", name="Plan a follow-up or visit").click()
    page.get_by_label("Kind").select_option("visit")
    page.get_by_label("Purpose").fill("Visit the flat with the appraiser")
    page.get_by_label("Due").fill(
        page.evaluate("new Date().toLocaleDateString('sv-SE', {timeZone: 'Asia/Shanghai'})")
    )
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#follow-ups")).to_contain_text("Visit the flat with the appraiser")

    page.get_by_role("link", name="Record a complaint").click()
    page.get_by_label("Category").select_option("process")
    page.get_by_label("Severity").select_option("high")
    page.get_by_label("Description").fill("Nobody told me the status of my application")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#complaints")).to_contain_text("Slow or unclear process")

    page.get_by_role("link", name="Today").click()
    expect(page.get_by_role("region", name="Due today")).to_contain_text(
        "Visit the flat with the appraiser"
    )


def test_charlie_cannot_open_alices_customer(browser_page, cast):
    customer = factories.individual(cast["alice"], name="王小明")
    page = log_in(browser_page, "charlie")
    response = page.visit(f"/customers/{customer.pk}/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    page.visit("/customers/?q=王小明")
    expect(page.get_by_test_id("empty-state")).to_be_visible()
