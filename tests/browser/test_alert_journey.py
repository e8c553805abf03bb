"""Alerts in the browser: alice works an alert from Today to resolution; mary sees the
branch's alerts and the escalations."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from risk import jobs, services
from risk.models import Alert
from tests.browser.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_alice_resolves_an_alert_and_mary_sees_the_escalation(
    browser_page, chromium, live_server, settings, cast
):
    from lending.models import LoanProduct
    from tests.customers import factories
    from tests.risk.conftest import assessed, disbursed_loan

    settings.BUSINESS_DATE = dt.date(2025, 2, 20)
    alice, mary = cast["alice"], cast["mary"]
    customer = assessed(alice, factories.individual(alice, name="周敏"))
    disbursed_loan(alice, mary, customer, LoanProduct.objects.get(code="CONS-01"))
    jobs.run_synchronously(jobs.NIGHTLY, dt.date(2025, 2, 20))
    alert = Alert.objects.get(rule__code="dpd_1")

    page = log_in(browser_page, "alice")
    expect(page.get_by_test_id("today-alerts")).to_contain_text("Payment overdue")
    page.get_by_test_id("today-alerts").get_by_role("link", name="Payment overdue").click()
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_test_id("status")).to_have_text("Acknowledged")
    page.get_by_role("combobox", name=re.compile("^Response")).select_option("closer_contact")
    page.get_by_label("What was done").fill("Called; the customer pays on Friday")
    page.get_by_label("Contact by").select_option("phone")
    page.get_by_role("button", name="Record response").click()
    expect(page.get_by_test_id("responses")).to_contain_text("pays on Friday")
    page.get_by_label("Resolution or reason").fill("Payment date agreed")
    page.get_by_role("button", name="Resolve").click()
    expect(page.get_by_test_id("status")).to_have_text("Resolved")
    page.visit(f"/customers/{customer.pk}/")
    expect(page.get_by_test_id("timeline")).to_contain_text("pays on Friday")

    # A second alert is left unacknowledged past its SLA and goes to mary.
    jobs.run_synchronously(jobs.NIGHTLY, dt.date(2025, 3, 15))
    late = Alert.objects.filter(status="open").order_by("-severity").first()
    services.alerts_escalate_overdue(now=late.sla_due_at + dt.timedelta(minutes=1))
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    manager = context.new_page()
    manager.visit = lambda path: manager.goto(live_server.url + path)
    log_in(manager, "mary", landing=r".*/dashboard/$")
    manager.goto(live_server.url + "/today/")
    expect(manager.get_by_test_id("today-alerts")).to_contain_text("escalated to you")
    manager.goto(live_server.url + "/risk/alerts/")
    expect(manager.get_by_test_id("alerts")).to_contain_text("周敏")
    expect(manager.get_by_test_id("alerts")).to_contain_text("escalated")
    manager.get_by_role("link", name="Risk", exact=True).click()
    expect(manager).to_have_url(re.compile(r"/risk/$"))
    context.close()
    alert.refresh_from_db()
    assert alert.actions.get().interaction is not None
