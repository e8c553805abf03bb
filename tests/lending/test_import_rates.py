"""The portfolio import reads rates as percentages, as the forms take them, and still reads
the files of the earlier layout, which carried fractions (docs/importing.md)."""

import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from lending.models import Loan
from tests.customers import factories

LOANS = "external_ref,customer,product,amount,annual_rate,term_months,disbursed_on\n"


@pytest.fixture
def borrower(alice):
    return factories.individual(alice, name="利率客户")


def upload(client, *rows: str):
    data = (LOANS + "\n".join(rows) + "\n").encode()
    return client.post(
        reverse("lending:portfolio-import"), {"loans": SimpleUploadedFile("loans.csv", data)}
    )


def rejected_rows(response) -> dict[str, str]:
    """The page's table of rejected rows: row number → the reason shown."""
    html = response.content.decode()
    return dict(re.findall(r"<tr><td>(\d+)</td><td>([^<]*)</td></tr>", html))


def test_rates_written_as_percentages_and_as_old_fractions_import_alike(
    client_for, mary, borrower, on_business_date
):
    response = upload(
        client_for(mary),
        f"CB-PCT,{borrower.resident_id},CONS-01,120000,4.35%,12,2026-01-15",
        f"CB-BARE,{borrower.resident_id},CONS-01,120000,4.35,12,2026-01-15",
        f"CB-OLD,{borrower.resident_id},CONS-01,120000,0.0435,12,2026-01-15",
        f"CB-HALF,{borrower.resident_id},CONS-01,120000,0.5%,12,2026-01-15",
    )
    assert response.status_code == 200
    assert rejected_rows(response) == {}
    rates = dict(Loan.objects.values_list("external_ref", "annual_rate"))
    assert rates == {
        "CB-PCT": Decimal("0.043500"),
        "CB-BARE": Decimal("0.043500"),
        "CB-OLD": Decimal("0.043500"),
        "CB-HALF": Decimal("0.005000"),
    }
    # The same file again, its rates read the same way: nothing changes, nothing is refused.
    again = upload(
        client_for(mary),
        f"CB-PCT,{borrower.resident_id},CONS-01,120000,4.35%,12,2026-01-15",
        f"CB-OLD,{borrower.resident_id},CONS-01,120000,0.0435,12,2026-01-15",
    )
    assert "0 new, 2 already on file, 0 rejected." in again.content.decode()
    assert Loan.objects.count() == 4


def test_a_rate_that_is_no_number_or_above_the_ceiling_refuses_its_row(
    client_for, mary, borrower, on_business_date
):
    response = upload(
        client_for(mary),
        f"CB-ABC,{borrower.resident_id},CONS-01,120000,abc%,12,2026-01-15",
        f"CB-435,{borrower.resident_id},CONS-01,120000,435%,12,2026-01-15",
        f"CB-FRAC,{borrower.resident_id},CONS-01,120000,0.5,12,2026-01-15",
        f"CB-FINE,{borrower.resident_id},CONS-01,120000,24%,12,2026-01-15",
        f"CB-TINY,{borrower.resident_id},CONS-01,120000,4.351234%,12,2026-01-15",
    )
    assert response.status_code == 200
    assert rejected_rows(response) == {
        "2": "annual_rate: is not a rate like 4.35%",
        "3": "annual_rate: 435.00% is above the ceiling of 24.00%",
        "4": "annual_rate: 50.00% is above the ceiling of 24.00%",
        "6": "annual_rate: has more than 4 decimal places as a percentage",
    }
    assert list(Loan.objects.values_list("external_ref", "annual_rate")) == [
        ("CB-FINE", Decimal("0.240000"))
    ]
