"""rita follows the individual scorecard: computes its monitoring, sees the population shift
and decides on the alert, then compares a stricter draft with the card in force."""

import copy
import datetime as dt

import pytest
from playwright.sync_api import expect

from credit import services
from credit.models import ScorecardAlert, ScorecardVersion
from tests.browser.conftest import log_in
from tests.credit import scored_book
from tests.credit.test_monitoring import assess_in_month
from tests.customers import factories

pytestmark = pytest.mark.django_db(transaction=True)

TODAY = dt.date(2026, 3, 15)


def test_rita_monitors_a_scorecard_and_compares_a_challenger(browser_page, cast, settings):
    settings.BUSINESS_DATE = TODAY
    alice, mary, admin = cast["alice"], cast["mary"], cast["admin"]
    card = ScorecardVersion.objects.get(customer_kind="individual", status="published")
    scored_book.build(alice, mary, count=60, today=TODAY, seed=5)
    customers = [factories.individual(alice, name=f"新客户{i}") for i in range(3)]
    assess_in_month(card, customers, alice, dt.date(2025, 9, 1), [0.1] * 90 + [0.6] * 10)
    assess_in_month(card, customers, alice, dt.date(2026, 2, 1), [0.1] * 10 + [0.6] * 40)

    page = log_in(browser_page, "rita", landing=r".*/dashboard/$")
    # Scorecards are folded under Risk in the navigation bar.
    page.get_by_role("button", name="More under Risk").click()
    page.get_by_role("link", name="Scorecards").click()
    page.get_by_role("row", name="Individual scorecard v2").get_by_role(
        "link", name="Monitoring"
    ).click()
    expect(page.get_by_test_id("no-report")).to_be_visible()
    page.get_by_role("button", name="Compute now").click()
    expect(page.get_by_text("Monitoring figures computed as of 2026-03-15.")).to_be_visible()
    expect(page.get_by_test_id("cohorts")).to_be_visible()
    expect(page.get_by_test_id("calibration")).to_be_visible()
    expect(page.get_by_test_id("psi-months")).to_contain_text("2026-02")
    alert = page.get_by_test_id("scorecard-alert")
    expect(alert).to_contain_text("2026-02")
    alert.get_by_label("Reason").fill("New payroll customers expected; cut-offs reviewed")
    alert.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_text("Alert updated.")).to_be_visible()
    assert ScorecardAlert.objects.get(version=card).status == "acknowledged"
    # Closing asks first; declining keeps the alert as it was.
    alert = page.get_by_test_id("scorecard-alert")
    alert.get_by_label("Reason").fill("Cut-offs recalibrated in version 2")
    questions = []

    def decline(dialog):
        questions.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", decline)
    alert.get_by_role("button", name="Close").click()
    assert questions == ["Close this alert? A closed alert cannot be reopened."]
    page.wait_for_load_state()
    expect(alert).to_be_visible()
    assert ScorecardAlert.objects.get(version=card).status == "acknowledged"
    page.once("dialog", lambda dialog: dialog.accept())
    alert.get_by_role("button", name="Close").click()
    expect(page.get_by_test_id("scorecard-alert")).to_have_count(0)
    assert ScorecardAlert.objects.get(version=card).status == "closed"

    definition = copy.deepcopy(card.definition)
    definition["base_points"] -= 30
    services.scorecard_draft_save(
        actor=admin,
        version=ScorecardVersion(
            name="Stricter", customer_kind="individual", definition=definition
        ),
    )
    page.get_by_role("button", name="More under Risk").click()
    page.get_by_role("link", name="Scorecards").first.click()
    page.get_by_role("link", name="Compare with the card in force").click()
    expect(page.get_by_test_id("migration")).to_be_visible()
    expect(page.get_by_test_id("upgraded")).to_have_text("0")
    expect(page.get_by_test_id("backtest")).to_be_visible()
