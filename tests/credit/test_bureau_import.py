"""Importing a credit bureau report file (docs/bureau.md): a good JSON or CSV file is one
report with its accounts; a malformed file is refused whole, each problem named by its line
or record and field, and nothing is written."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEvent
from credit.bureau import BureauAccount, BureauReport
from tests.credit.bureau_book import TODAY, consent
from tests.customers import factories

HEADER = (
    "record,source,reference,report_date,valid_until,overdue_m1_24m,overdue_m2_24m,"
    "overdue_m3_plus_24m,enquiries_6m,worst_status,lender,account_type,account_number,limit,"
    "balance,monthly_payment,overdue_amount"
)
REPORT_ROW = "report,pboc,PBOC-2026-0042,2026-11-10,2026-12-10,2,0,0,3,m1,,,,,,,"
ACCOUNT_ROW = "account,,,,,,,,,,招商银行,credit_card,6225880112345678,50000,12000,1200,0"


@pytest.fixture(autouse=True)
def _today(settings):
    settings.BUSINESS_DATE = TODAY


@pytest.fixture
def customer(alice):
    customer = factories.individual(alice, name="王导入")
    consent(customer, alice)
    return customer


def _json_report(customer, **changes):
    data = {
        "source": "baihang",
        "reference": "BH-77",
        "report_date": "2026-11-12",
        "valid_until": "2026-12-12",
        "subject_identifier": customer.resident_id,
        "overdue_m1_24m": 0,
        "overdue_m2_24m": 1,
        "overdue_m3_plus_24m": 0,
        "enquiries_6m": 4,
        "worst_status": "m2",
        "court_enforcements": 1,
        "tax_arrears": 0,
        "accounts": [
            {
                "lender": "平安银行",
                "account_type": "loan",
                "account_number": "6230580000012345",
                "limit": "300000",
                "balance": "210000.50",
                "monthly_payment": "5200",
                "overdue_amount": "0",
            },
            {
                "lender": "微众银行",
                "account_type": "loan",
                "account_number": "6236680000099887",
                "limit": "20000",
                "balance": "8000",
                "monthly_payment": "900",
            },
        ],
    }
    data.update(changes)
    return json.dumps(data, ensure_ascii=False).encode()


def _upload(client, customer, name: str, content: bytes):
    return client.post(
        reverse("credit:bureau-report-import", args=[customer.pk]),
        {"file": SimpleUploadedFile(name, content)},
    )


def test_a_json_report_is_imported_with_its_accounts(client_for, alice, customer):
    response = _upload(client_for(alice), customer, "report.json", _json_report(customer))
    report = BureauReport.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("credit:bureau-report", args=[report.pk])
    assert (report.source.code, report.reference, report.channel) == ("baihang", "BH-77", "import")
    assert (report.overdue_m2_24m, report.worst_status, report.court_enforcements) == (1, "m2", 1)
    assert sorted(report.accounts.values_list("lender", "balance")) == [
        ("平安银行", 210000.50),
        ("微众银行", 8000),
    ]
    assert AuditEvent.objects.filter(action="credit.bureau_report.imported").count() == 1


def test_a_csv_report_is_imported(client_for, alice, customer):
    content = "\n".join([HEADER, REPORT_ROW, ACCOUNT_ROW]).encode()
    response = _upload(client_for(alice), customer, "report.csv", content)
    assert response.status_code == 302
    report = BureauReport.objects.get()
    assert (report.reference, report.overdue_m1_24m, report.enquiries_6m) == (
        "PBOC-2026-0042",
        2,
        3,
    )
    assert report.accounts.get().masked_account_number == "************5678"


@pytest.mark.parametrize(
    ("rows", "problem"),
    [
        # The third line's balance is no number.
        (
            [HEADER, REPORT_ROW, ACCOUNT_ROW.replace("12000", "twelve")],
            "Line 3, field balance: Enter a number.",
        ),
        # The report row's date is not a date.
        (
            [HEADER, REPORT_ROW.replace("2026-11-10", "2026-13-40"), ACCOUNT_ROW],
            "Line 2, field report_date: Enter a valid date.",
        ),
        # An unknown bureau.
        (
            [HEADER, REPORT_ROW.replace(",pboc,", ",equifax,"), ACCOUNT_ROW],
            "Line 2, field source: Select a valid choice.",
        ),
        ([HEADER, ACCOUNT_ROW], "The file has no report row."),
        ([HEADER + ",colour", REPORT_ROW + ",red"], "Line 1: unknown columns: colour."),
        ([HEADER, REPORT_ROW, "summary,,,,,,,,,,,,,,,,"], "Line 3, field record: enter report"),
    ],
)
def test_a_malformed_csv_is_refused_with_line_and_field_and_writes_nothing(
    client_for, alice, customer, rows, problem
):
    response = _upload(client_for(alice), customer, "report.csv", "\n".join(rows).encode())
    assert response.status_code == 400
    body = response.content.decode()
    assert problem in body
    assert "nothing was written" in body
    assert not BureauReport.objects.exists() and not BureauAccount.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="credit.bureau_report").exists()


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b'{"source": "pboc",', "Line 1: not valid JSON"),
        (b"[1, 2]", "The file must hold one JSON object"),
        ("_bad_account", "Account 2, field account_number: This field is required."),
        ("_bad_worst", "Report, field worst_status: The report counts overdue months"),
        ("_unknown_field", "Unknown fields: colour."),
    ],
)
def test_a_malformed_json_file_is_refused_and_writes_nothing(
    client_for, alice, customer, content, problem
):
    if content == "_bad_account":
        data = json.loads(_json_report(customer))
        del data["accounts"][1]["account_number"]
        content = json.dumps(data).encode()
    elif content == "_bad_worst":
        content = _json_report(customer, worst_status="normal")
    elif content == "_unknown_field":
        content = _json_report(customer, colour="red")
    response = _upload(client_for(alice), customer, "report.json", content)
    assert response.status_code == 400
    assert problem in response.content.decode()
    assert not BureauReport.objects.exists() and not BureauAccount.objects.exists()


def test_a_file_that_is_neither_json_nor_csv_is_refused(client_for, alice, customer):
    response = _upload(client_for(alice), customer, "report.xlsx", b"PK\x03\x04")
    assert response.status_code == 400
    assert "Upload a .json or .csv file." in response.content.decode()
    assert not BureauReport.objects.exists()


def test_importing_the_same_report_again_is_refused(client_for, alice, customer):
    client = client_for(alice)
    assert _upload(client, customer, "report.json", _json_report(customer)).status_code == 302
    again = _upload(client, customer, "report.json", _json_report(customer))
    assert again.status_code == 400
    assert "already exists" in again.content.decode()
    assert BureauReport.objects.count() == 1 and BureauAccount.objects.count() == 2


def test_another_persons_report_is_refused(client_for, alice, customer):
    other = factories.resident_id(male=False)
    response = _upload(
        client_for(alice), customer, "report.json", _json_report(customer, subject_identifier=other)
    )
    assert response.status_code == 400
    assert "Report, field subject_identifier: This ID number is not the customer" in (
        response.content.decode()
    )
    assert not BureauReport.objects.exists()
