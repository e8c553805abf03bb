"""rita tunes an early-warning rule and overrides a classification, and sees both after the
recompute; the administrator creates a user, publishes a scorecard version and moves a beat
schedule, all in the browser."""

import datetime as dt
import re

import pytest
from django_celery_beat.models import PeriodicTask
from playwright.sync_api import expect

from accounts.models import User
from credit.models import ScorecardVersion
from lending.models import LoanProduct
from risk import jobs
from risk.models import Alert, EarlyWarningRule, LoanRisk
from tests.browser.conftest import log_in
from tests.customers import factories
from tests.risk.conftest import assessed, disbursed_loan

pytestmark = pytest.mark.django_db(transaction=True)

TODAY = dt.date(2025, 6, 9)


def test_rita_tunes_a_rule_and_overrides_a_class(browser_page, cast, settings):
    settings.BUSINESS_DATE = TODAY
    alice, mary = cast["alice"], cast["mary"]
    customer = assessed(alice, factories.individual(alice, name="周晓"))
    # First instalment due 2025-05-20 and unpaid: 20 days past due on the business date.
    loan = disbursed_loan(
        alice, mary, customer, LoanProduct.objects.get(code="CONS-01"), on=dt.date(2025, 4, 20)
    )
    jobs.run_synchronously(jobs.NIGHTLY, TODAY)
    rule = EarlyWarningRule.objects.get(code="dpd_30")
    assert not Alert.objects.filter(rule=rule, loan=loan).exists()

    page = log_in(browser_page, "rita", landing=r".*/dashboard/$")
    page.get_by_role("link", name="Administration").click()
    page.get_by_role("link", name="Early-warning rules").click()
    # The list names rules in words (the code is on the rule's own page).
    page.get_by_role("link", name=rule.name, exact=True).click()
    page.get_by_label("Threshold").fill("15")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    page.visit(f"/credit/loans/{loan.pk}/")
    expect(page.get_by_test_id("classification")).to_contain_text("Special mention")
    page.get_by_role("link", name="Override").click()
    page.get_by_label("Class").select_option(label="Substandard")
    page.get_by_label("Reason").fill("Borrower's employer closed; repayment source gone")
    page.get_by_label("Expires").fill("2025-08-31")  # within the quarter an override may last
    page.get_by_role("button", name="Override").click()
    expect(page.get_by_test_id("classification")).to_contain_text("Substandard")

    jobs.run_synchronously(jobs.NIGHTLY, TODAY)
    page.visit(f"/credit/loans/{loan.pk}/")
    expect(page.get_by_test_id("classification")).to_contain_text("Substandard")
    expect(page.get_by_text("Automatic class: Special mention")).to_be_visible()
    risk = LoanRisk.objects.get(loan=loan)
    assert risk.automatic_class != risk.final_class
    page.visit("/risk/alerts/?rule=" + str(rule.pk))
    expect(page.locator("table tbody tr").filter(has_text="周晓")).to_have_count(1)
    assert Alert.objects.filter(rule=rule, loan=loan).exists()


def test_admin_creates_a_user_publishes_a_scorecard_and_moves_a_schedule(browser_page, cast):
    page = log_in(browser_page, "admin", landing=r".*/dashboard/$")
    page.get_by_role("link", name="Administration").click()

    page.get_by_role("link", name="Users", exact=True).click()
    page.get_by_role("link", name=re.compile("Add user")).click()
    page.get_by_label("Username").fill("dora")
    page.locator("#id_password1").fill("a-Long-passphrase-2026")
    page.locator("#id_password2").fill("a-Long-passphrase-2026")
    page.locator("#id_first_name").fill("Dora")
    page.locator("#id_role").select_option(label="Loan officer")
    page.locator("#id_branch").select_option(label="South")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    dora = User.objects.get(username="dora")
    assert dora.role == "officer" and dora.branch.code == "SOUTH"

    page.visit("/admin/credit/scorecardversion/add/?customer_kind=individual")
    page.get_by_label("Name").fill("Individual scorecard 2026")
    page.get_by_role("button", name="Save", exact=True).click()
    draft = ScorecardVersion.objects.get(name="Individual scorecard 2026")
    row = page.locator("#result_list tr").filter(has_text="Individual scorecard 2026")
    row.locator("input[type=checkbox]").check()
    page.locator("select[name=action]").select_option("publish")
    page.get_by_role("button", name="Go").click()
    expect(page.locator(".messagelist")).to_contain_text("is now in force")
    draft.refresh_from_db()
    assert draft.status == "published"

    nightly = PeriodicTask.objects.get(task="risk.nightly")
    page.visit(f"/admin/django_celery_beat/crontabschedule/{nightly.crontab_id}/change/")
    page.locator("#id_hour").fill("2")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    nightly.refresh_from_db()
    assert nightly.crontab.hour == "2"
