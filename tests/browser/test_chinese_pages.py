"""The key pages in Simplified Chinese, for a user whose language is zh-hans: headings,
navigation, money and dates in Chinese form, and no English left in the page chrome."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from lending.models import LoanProduct
from risk import jobs
from risk.models import Alert
from tests.browser.conftest import log_in
from tests.customers import factories
from tests.risk.conftest import assessed, disbursed_loan

pytestmark = pytest.mark.django_db(transaction=True)

ENGLISH_NAVIGATION = ["Today", "Customers", "Applications", "Loans", "Alerts", "Dashboard"]


def test_key_pages_in_simplified_chinese(browser_page, cast, settings):
    settings.BUSINESS_DATE = dt.date(2025, 6, 1)
    alice, mary = cast["alice"], cast["mary"]
    alice.language = "zh-hans"
    alice.save(update_fields=["language"])
    customer = assessed(alice, factories.individual(alice, name="王小明"))
    loan = disbursed_loan(alice, mary, customer, LoanProduct.objects.get(code="CONS-01"))
    jobs.run_synchronously(jobs.NIGHTLY, dt.date(2025, 6, 1))
    alert = Alert.objects.filter(customer=customer).first()

    page = log_in(browser_page, "alice")
    pages = [
        ("/today/", "今日待办"),
        ("/customers/", "客户"),
        (f"/customers/{customer.pk}/", "王小明"),
        (f"/credit/loans/{loan.pk}/", "还款计划"),
        ("/risk/alerts/", "预警"),
        (f"/risk/alerts/{alert.pk}/", "预警"),
        ("/dashboard/", "驾驶舱"),
    ]
    for path, heading in pages:
        page.visit(path)
        expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
        expect(page.get_by_role("heading").filter(has_text=heading).first).to_be_visible()
        navigation = page.locator("nav").first.inner_text()
        for word in ENGLISH_NAVIGATION:
            assert word not in navigation, (path, word)
    page.visit(f"/credit/loans/{loan.pk}/")
    expect(page.get_by_text("¥120,000.00").first).to_be_visible()
    expect(page.get_by_text("五级分类")).to_be_visible()
    # Seeded reference data (products, rules, branches) reads in Chinese too.
    expect(page.get_by_text("个人消费贷款").first).to_be_visible()
    page.visit(f"/risk/alerts/{alert.pk}/")
    expect(page.locator("h1")).not_to_contain_text(re.compile("[A-Za-z]{3,}"))
    page.visit("/customers/")
    expect(page.locator("table").get_by_text("北区支行").first).to_be_visible()
