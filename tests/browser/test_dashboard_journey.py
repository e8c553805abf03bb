"""mary opens the dashboard, clicks the substandard segment, lands on exactly those loans
and exports them to XLSX."""

import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from credit.models import LoanProduct
from risk import jobs
from tests.browser.conftest import log_in
from tests.customers import factories
from tests.risk.conftest import assessed, disbursed_loan

pytestmark = pytest.mark.django_db(transaction=True)


def test_mary_drills_down_from_the_dashboard_and_exports(browser_page, cast, settings):
    settings.BUSINESS_DATE = dt.date(2025, 6, 1)
    product = LoanProduct.objects.get(code="CONS-01")
    alice, mary = cast["alice"], cast["mary"]
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

    page = log_in(browser_page, "mary", landing=r".*/dashboard/$")
    chart = page.get_by_test_id("chart-class")
    chart.get_by_role("link", name="Substandard").click()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(late.account_number)
    with page.expect_download() as download_info:
        page.get_by_test_id("export-xlsx").click()
    content = download_info.value.path().read_bytes()
    sheet = load_workbook(io.BytesIO(content)).active
    exported = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert exported == [late.account_number]
