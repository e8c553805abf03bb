"""Money, rates and PDs read as bankers write them, in both languages; a rate is typed as a
percentage; XLSX exports carry typed cells."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from lending.models import Application
from lending.services import offer_for


def speaking(user, language):
    user.language = language
    user.save(update_fields=["language"])
    return user


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_one_money_filter_writes_yuan_with_separators_in_both_languages(language):
    template = Template(
        "{% load credit_format %}{{ a|yuan }} {{ b|yuan }} {{ c|yuan }} {{ r|percent }}"
    )
    with translation.override(language):
        shown = template.render(
            Context({"a": Decimal("4245228.05"), "b": Decimal("-12.5"), "c": None, "r": "0.212"})
        )
    assert shown == "¥4,245,228.05 -¥12.50 — 21.20%"


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_360_the_loan_and_the_assessment_show_money_and_rates_formatted(
    client_for, alice, charlie, loan, language
):
    customer = loan.customer
    customer.monthly_income = Decimal("4245228.05")
    customer.save(update_fields=["monthly_income"])
    client = client_for(speaking(alice, language))
    page = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert "¥4,245,228.05" in page and "¥100,000.00" in page
    assessment = customer.assessments.latest("assessed_at")
    pd = f"{assessment.pd * 100:.2f}%"
    assert f"PD {pd}" in page
    detail = client.get(reverse("credit:assessment-detail", args=[assessment.pk]))
    assert f'<span data-testid="pd">{pd}</span>' in detail.content.decode()
    loan_page = client.get(reverse("lending:loan-detail", args=[loan.pk])).content.decode()
    assert "¥100,000.00" in loan_page and "4.35%" in loan_page
    assert "0.0435" not in loan_page
    outsider = client_for(charlie)
    assert outsider.get(reverse("lending:loan-detail", args=[loan.pk])).status_code == 404
    assert (
        outsider.get(reverse("credit:assessment-detail", args=[assessment.pk])).status_code == 404
    )


def test_an_approved_rate_is_typed_as_a_percentage_and_stored_as_a_fraction(
    client_for, mary, under_review
):
    client = client_for(mary)
    offered = offer_for(under_review.product, under_review.customer.grade)["rate"]
    page = client.get(reverse("lending:application-detail", args=[under_review.pk]))
    # The offer is the form's initial value, shown as the percentage it is typed as.
    assert page.context["decision_form"]["rate"].value() == f"{(offered * 100).normalize():f}"
    response = client.post(
        reverse("lending:application-approve", args=[under_review.pk]),
        {"amount": "100000", "term_months": "12", "rate": "4.35"},
    )
    assert response.status_code == 302
    under_review.refresh_from_db()
    assert (under_review.status, under_review.approved_rate) == ("approved", Decimal("0.0435"))


def test_a_rate_above_the_ceiling_is_refused_with_the_bound_as_a_percentage(
    client_for, mary, under_review
):
    response = client_for(mary).post(
        reverse("lending:application-approve", args=[under_review.pk]),
        {"amount": "100000", "term_months": "12", "rate": "30"},
    )
    assert response.status_code == 400
    assert response.context["decision_form"].errors["rate"] == ["The rate cannot exceed 24.00%."]
    assert "The rate cannot exceed 24.00%." in response.content.decode()
    assert Application.objects.get(pk=under_review.pk).status == "under_review"


def test_an_amount_beyond_the_grade_is_refused_with_the_bound_in_yuan(
    client_for, mary, under_review
):
    most = offer_for(under_review.product, under_review.customer.grade)["max_amount"]
    response = client_for(mary).post(
        reverse("lending:application-approve", args=[under_review.pk]),
        {"amount": str(most + 1), "term_months": "12", "rate": "7"},
    )
    assert response.status_code == 400
    message = str(response.context["decision_form"].errors["amount"])
    assert f"¥{most:,.2f}" in message
    assert Application.objects.get(pk=under_review.pk).status == "under_review"


def test_the_loan_export_types_its_cells_freezes_its_header_and_filters(client_for, alice, loan):
    response = client_for(alice).get(reverse("lending:loan-export", args=["xlsx"]))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header = [cell.value for cell in sheet[1]]
    row = {label: cell for label, cell in zip(header, sheet[2], strict=True)}
    assert row["Disbursed"].value == dt.datetime(2026, 1, 15)
    assert row["Disbursed"].number_format == "yyyy-mm-dd" and row["Disbursed"].is_date
    assert row["Amount disbursed"].value == 100000
    assert row["Amount disbursed"].number_format == "#,##0.00"
    assert row["Annual rate"].value == pytest.approx(0.0435)
    assert row["Annual rate"].number_format == "0.00%"
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(header)).column_letter}2"
    # Wide enough for what they hold: the account numbers, the header, a money amount.
    assert sheet.column_dimensions["A"].width == len(loan.account_number) + 2
    assert sheet.column_dimensions["B"].width >= len("Customer")
    assert sheet.column_dimensions["D"].width >= len("¥100,000.00")


def test_the_csv_export_stays_plain(client_for, alice, loan):
    response = client_for(alice).get(reverse("lending:loan-export", args=["csv"]))
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert f"{loan.account_number},王小明," in body
    assert ",100000.00,100000.00,0.043500,2026-01-15," in body
