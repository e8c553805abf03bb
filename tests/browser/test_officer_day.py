"""alice's day in the browser: find a customer, log a call, plan a visit, record a complaint,
and see the visit on Today. charlie, of another branch, cannot reach any of her book."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from customers.models import FollowUp
from lending.models import LoanProduct
from risk import jobs
from risk.models import Alert
from tests.browser.conftest import log_in
from tests.customers import factories
from tests.risk.conftest import assessed, disbursed_loan

pytestmark = pytest.mark.django_db(transaction=True)


def test_alice_works_a_customer_and_sees_it_on_today(browser_page, cast):
    customer = factories.individual(cast["alice"], name="王小明")
    call_back = FollowUp.objects.create(
        customer=customer,
        owner=cast["alice"],
        purpose="Call back about the rate",
        due_on=timezone.localdate() + dt.timedelta(days=3),
    )
    page = log_in(browser_page, "alice")
    expect(page.get_by_role("heading", name=re.compile("Today, Alice"))).to_be_visible()

    page.get_by_role("link", name="Customers").click()
    page.get_by_label("Search").fill("小明")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="王小明").click()
    expect(page).to_have_url(re.compile(rf"/customers/{customer.pk}/$"))

    # The resident ID is masked until she says why she needs it; htmx swaps in the full one.
    identifier = page.get_by_test_id("identifier")
    expect(identifier).to_have_text(customer.masked_identifier)
    page.get_by_label("Why do you need the full identifiers?").select_option("call")
    page.get_by_role("button", name="Show in full (recorded)").click()
    expect(page.get_by_test_id("identifier")).to_have_text(customer.resident_id)

    expect(page.locator("#follow-ups")).to_contain_text("Call back about the rate")
    # Log a call with the quick-add form: without a summary it comes back with the reason
    # next to the field; then htmx swaps in the new timeline, and the call-back it completes
    # leaves the upcoming follow-ups, without the page being loaded again.
    quick_add = page.locator("#quick-interaction")
    page.get_by_text("Log a call, visit or message").click()
    quick_add.get_by_label("Channel").select_option("phone")
    quick_add.get_by_label("Outcome").fill("Wants an offer")
    quick_add.get_by_role("button", name="Log interaction").click()
    expect(quick_add.locator("#error_1_id_summary")).to_be_visible()
    expect(quick_add.get_by_label("Outcome")).to_have_value("Wants an offer")
    quick_add.get_by_label("Summary").fill("Called about the mortgage renewal")
    quick_add.get_by_label("Completes follow-up").select_option(str(call_back.pk))
    page.evaluate("window.notReloaded = true")
    quick_add.get_by_role("button", name="Log interaction").click()
    expect(page.get_by_test_id("timeline")).to_contain_text("Called about the mortgage renewal")
    expect(page.get_by_role("status")).to_contain_text("Interaction logged.")
    expect(page.locator("#follow-ups")).not_to_contain_text("Call back about the rate")
    assert page.evaluate("window.notReloaded") is True

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


def test_charlie_cannot_reach_alices_customer_application_loan_or_alert(
    browser_page, cast, settings
):
    """An officer of another branch gets 404 for each of alice's objects by URL, and never
    sees them in a search or an export."""
    settings.BUSINESS_DATE = dt.date(2025, 6, 1)
    alice, mary = cast["alice"], cast["mary"]
    customer = assessed(alice, factories.individual(alice, name="王小明"))
    loan = disbursed_loan(alice, mary, customer, LoanProduct.objects.get(code="CONS-01"))
    jobs.run_synchronously(jobs.NIGHTLY, dt.date(2025, 6, 1))
    alert = Alert.objects.filter(customer=customer).first()
    assert alert is not None  # the unpaid loan raised one

    page = log_in(browser_page, "charlie")
    for path in (
        f"/customers/{customer.pk}/",
        f"/credit/applications/{loan.application_id}/",
        f"/credit/loans/{loan.pk}/",
        f"/risk/alerts/{alert.pk}/",
    ):
        assert page.visit(path).status == 404, path
        expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    page.visit("/customers/?q=王小明")
    expect(page.get_by_test_id("empty-state")).to_be_visible()
    page.visit(f"/credit/loans/?q={loan.account_number}")
    expect(page.get_by_text(loan.account_number)).to_have_count(0)
    page.visit("/risk/alerts/")
    expect(page.get_by_text("王小明")).to_have_count(0)
    for path in ("/customers/export/csv/", "/credit/loans/export/csv/"):
        exported = page.request.get(page.base_url + path)
        assert exported.status == 200
        body = exported.text()
        assert "王小明" not in body and loan.account_number not in body
