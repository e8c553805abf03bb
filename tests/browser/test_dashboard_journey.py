"""mary opens the dashboard, clicks the substandard segment, lands on exactly those loans,
exports them to XLSX, and reassigns a customer to another officer."""

import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from lending.models import LoanProduct
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
    reliable = assessed(alice, factories.individual(alice, name="守信人"))
    disbursed_loan(
        alice,
        mary,
        reliable,
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

    # mary hands the reliable customer over to bob, who has more time for them.
    page.visit(f"/customers/{reliable.pk}/")
    page.get_by_role("link", name="Transfer").click()
    page.get_by_label("New relationship manager").select_option(label=str(cast["bob"]))
    page.get_by_label("Reason").fill("Alice's book is full; bob covers the same district")
    page.get_by_role("button", name="Transfer").click()
    expect(page.get_by_text(str(cast["bob"])).first).to_be_visible()
    reliable.refresh_from_db()
    assert reliable.officer == cast["bob"]
