"""The portfolio import reads both files before importing either: an unreadable repayments
file refuses the whole import, on the page and in the command, and no loan goes in."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from lending.models import Loan
from tests.customers import factories

LOANS = "external_ref,customer,product,amount,annual_rate,term_months,disbursed_on\n"
# Excel saves 0x00 nowhere in a CSV: a repayments file with one is damaged.
DAMAGED_REPAYMENTS = b"loan_ref,paid_on,amount,reference\nCB-001,2026-02-15,\x00100,P-1\n"


@pytest.fixture
def loans_csv(alice, on_business_date):
    borrower = factories.individual(alice, name="导入客户")
    return (LOANS + f"CB-001,{borrower.resident_id},CONS-01,120000,0.0435,12,2026-01-15\n").encode()


def test_the_command_imports_no_loan_when_the_repayments_file_is_unreadable(
    tmp_path, mary, loans_csv
):
    loans, repayments = tmp_path / "loans.csv", tmp_path / "repayments.csv"
    loans.write_bytes(loans_csv)
    repayments.write_bytes(DAMAGED_REPAYMENTS)
    with pytest.raises(CommandError, match=r"repayments\.csv: The CSV file contains NUL"):
        call_command(
            "import_portfolio",
            "--loans",
            str(loans),
            "--repayments",
            str(repayments),
            "--as",
            "mary",
            stdout=io.StringIO(),
        )
    assert not Loan.objects.exists()


def test_the_page_imports_no_loan_when_the_repayments_file_is_unreadable(
    client_for, mary, loans_csv
):
    loans, repayments = io.BytesIO(loans_csv), io.BytesIO(DAMAGED_REPAYMENTS)
    loans.name, repayments.name = "loans.csv", "repayments.csv"
    response = client_for(mary).post(
        reverse("lending:portfolio-import"), {"loans": loans, "repayments": repayments}
    )
    assert response.status_code == 400
    assert "NUL" in response.context["form"].errors["repayments"][0]
    assert not Loan.objects.exists()
