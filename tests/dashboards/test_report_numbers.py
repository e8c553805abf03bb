"""Reports as bankers read them: money formatted and right-aligned, a totals row over every
row, each row leading to what it lists, and XLSX cells typed."""

import io

import pytest
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from lending.models import Application, Loan


def speaking(user, language):
    user.language = language
    user.save(update_fields=["language"])
    return user


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_portfolio_report_has_a_totals_row_and_rows_linking_to_their_loans(
    client_for, mary, book, language
):
    response = client_for(speaking(mary, language)).get(
        reverse("dashboards:report", args=["portfolio"])
    )
    page = response.content.decode()
    north = Loan.objects.filter(status="active", customer__branch=mary.branch)
    total = north.aggregate(total=Sum("outstanding_principal"))["total"]
    assert north.count() == 2
    # The totals add up every loan of the report, right-aligned like the column above.
    assert f'<td class="text-end text-nowrap" data-testid="total-3">¥{total:,.2f}</td>' in page
    assert (
        f'<td class="text-end text-nowrap">¥{book["current"].outstanding_principal:,.2f}</td>'
        in page
    )
    assert ("Total: 2 rows" if language == "en" else "2") in page
    for loan in north:
        url = reverse("lending:loan-detail", args=[loan.pk])
        assert f'<a href="{url}" data-testid="row-link">{loan.account_number}</a>' in page
    assert reverse("lending:loan-detail", args=[book["south"].pk]) not in page


def test_the_pipeline_export_writes_moments_in_the_banks_time_and_amounts_as_money(
    client_for, mary, book
):
    response = client_for(mary).get(
        reverse("dashboards:report", args=["pipeline"]), {"export": "xlsx"}
    )
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header = [cell.value for cell in sheet[1]]
    rows = [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2)]
    by_reference = {row["Reference"].value: row for row in rows}
    application = Application.objects.get(pk=book["risky"].application_id)
    row = by_reference[application.reference]
    local = timezone.localtime(application.created_at).replace(tzinfo=None)
    assert row["Created"].is_date and row["Created"].number_format == "yyyy-mm-dd hh:mm"
    assert abs((row["Created"].value - local).total_seconds()) < 1
    assert row["Amount"].value == application.amount
    assert row["Amount"].number_format == "#,##0.00"
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(header)).column_letter}{len(rows) + 1}"
    assert all(sheet.column_dimensions[cell.column_letter].width for cell in sheet[1])
