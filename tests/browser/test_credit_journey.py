"""The credit journey in the browser: alice assesses and applies, cannot approve her own
application; mary reviews, approves and disburses; a repayment brings days past due down."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from lending.models import Loan, LoanProduct
from tests.browser.conftest import log_in
from tests.customers import factories

pytestmark = pytest.mark.django_db(transaction=True)
START = dt.date(2026, 3, 2)


def test_alice_applies_and_mary_approves(browser_page, chromium, live_server, cast, settings):
    settings.BUSINESS_DATE = START
    from django.db import connection

    from credit.models import ScorecardVersion

    print(
        "DEBUG serialized",
        hasattr(connection, "_test_serialized_contents"),
        len(getattr(connection, "_test_serialized_contents", "")),
    )
    print("DEBUG scorecards", list(ScorecardVersion.objects.values_list("customer_kind", "status")))
    LoanProduct.objects.filter(code="CONS-01").update(penalty_rate=0)
    customer = factories.individual(cast["alice"], name="陈静", monthly_income=18000)
    page = log_in(browser_page, "alice")

    page.visit(f"/customers/{customer.pk}/")
    page.get_by_role("button", name="Credit actions").click()
    page.get_by_role("link", name="Assess credit").click()
    page.get_by_label("Debt to income").fill("0.25")
    page.get_by_label("Net worth (¥)").fill("600000")
    page.get_by_label("Years with the current employer").fill("6")
    # No loans with us yet; the credit bureau report shows a clean record.
    page.get_by_label("Late payments, last 12 months").fill("0")
    page.get_by_label("Late payments, last 36 months").fill("0")
    page.get_by_label("Worst days past due ever").fill("0")
    page.get_by_label("Character").select_option("4")
    page.get_by_label("Why this score").first.fill("Known for years, always reachable")
    page.get_by_label("Reputation").select_option("4")
    page.get_by_label("Why this score").nth(1).fill("Good references from the employer")
    page.get_by_role("button", name="Score and save").click()
    expect(page.get_by_test_id("reproduced")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("Grade A, score"))).to_be_visible()

    page.visit(f"/credit/customers/{customer.pk}/applications/new/")
    page.get_by_label("Product").select_option(label="CONS-01 Personal consumer loan")
    page.get_by_label("Amount").fill("60000")
    page.get_by_label("Term (months)").fill("12")
    page.get_by_label("Purpose").fill("Kitchen renovation")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_test_id("status")).to_have_text("Submitted")
    expect(page.get_by_test_id("maker-checker")).to_be_visible()
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)
    application_url = page.url

    mary_context = chromium.new_context(viewport={"width": 1280, "height": 900})
    mary = mary_context.new_page()
    mary.visit = lambda path: mary.goto(live_server.url + path)
    log_in(mary, "mary", landing=r".*/dashboard/$")
    mary.goto(application_url)
    # A submitted application is approved in one step; the review is recorded with it.
    mary.get_by_label("Note").fill("Stable income, low DTI")
    mary.get_by_role("button", name="Approve").click()
    expect(mary.get_by_test_id("status")).to_have_text("Approved")
    mary.once("dialog", lambda dialog: dialog.accept())
    mary.get_by_role("button", name="Disburse").click()
    expect(mary).to_have_url(re.compile(r"/credit/loans/\d+/$"))
    expect(mary.get_by_test_id("principal-total")).to_have_text("¥60,000.00")
    expect(mary.get_by_test_id("schedule").locator("tbody tr")).to_have_count(12)
    expect(mary.get_by_test_id("dpd")).to_have_text("0")
    mary_context.close()

    # Forty-five days later the first instalment is overdue; its payment clears it.
    settings.BUSINESS_DATE = START + dt.timedelta(days=45)
    loan = Loan.objects.get()
    first = loan.instalments.order_by("number").first()
    page.visit(f"/credit/loans/{loan.pk}/")
    expect(page.get_by_test_id("dpd")).to_have_text("14")
    page.get_by_role("spinbutton", name=re.compile("^Amount")).fill(str(first.total_due))
    page.get_by_label("Reference").fill("TRF-0001")
    page.get_by_role("button", name="Post payment").click()
    expect(page.get_by_test_id("dpd")).to_have_text("0")
    expect(page.get_by_test_id("repayments")).to_contain_text("TRF-0001")
