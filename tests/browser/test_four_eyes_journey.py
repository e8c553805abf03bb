"""Four eyes in the browser: alice proposes a restructuring of her customer's loan and cannot
approve it herself; mary sees who proposed what, approves, and the new schedule is in force."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from lending.models import LoanProduct
from tests.browser.conftest import log_in
from tests.customers import factories

pytestmark = pytest.mark.django_db(transaction=True)


def test_alice_proposes_a_restructuring_and_mary_approves_it(
    browser_page, chromium, live_server, cast, settings
):
    from tests.risk.conftest import assessed, disbursed_loan

    settings.BUSINESS_DATE = dt.date(2026, 3, 15)
    alice, mary = cast["alice"], cast["mary"]
    customer = assessed(alice, factories.individual(alice, name="陈静"))
    product = LoanProduct.objects.get(code="CONS-01")
    loan = disbursed_loan(alice, mary, customer, product, term=12, on=dt.date(2026, 1, 15))

    page = log_in(browser_page, "alice")
    page.visit(f"/credit/loans/{loan.pk}/")
    page.get_by_label("New remaining term (months)").fill("24")
    page.get_by_label("New annual rate").fill("4")
    page.locator("#restructuring").get_by_label("Reason").fill("Income fell after a job change")
    page.get_by_role("button", name="Propose the restructuring").click()
    proposal = page.get_by_test_id("restructuring-proposal")
    expect(proposal).to_contain_text("Awaiting approval")
    expect(proposal).to_contain_text("24 months remaining at 4.00%")
    expect(page.get_by_test_id("four-eyes")).to_be_visible()
    expect(page.get_by_role("button", name="Approve the restructuring")).to_have_count(0)
    loan_url = page.url

    mary_context = chromium.new_context(viewport={"width": 1280, "height": 900})
    manager = mary_context.new_page()
    manager.visit = lambda path: manager.goto(live_server.url + path)
    log_in(manager, "mary", landing=r".*/dashboard/$")
    manager.goto(loan_url)
    expect(manager.get_by_test_id("restructuring-proposal")).to_contain_text("Alice")
    manager.once("dialog", lambda dialog: dialog.accept())
    manager.get_by_role("button", name="Approve the restructuring").click()
    expect(manager.get_by_role("heading", level=1)).to_contain_text(re.compile("restructured"))
    expect(manager.get_by_test_id("restructuring-proposal")).to_have_count(0)
    expect(manager.locator("#restructuring")).to_contain_text("approved by Mary")
    # Nothing was paid yet: the twelve instalments give way to twenty-four new ones.
    # The page shows the next ones and folds the rest (schedule-later).
    schedule = manager.locator("[data-testid^=schedule] tbody tr")
    expect(schedule).to_have_count(24)
    expect(manager.get_by_test_id("schedule-later")).to_contain_text("later instalments")
    mary_context.close()
