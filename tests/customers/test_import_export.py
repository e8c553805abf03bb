import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from customers.importer import ImportFileError, import_customers, read_rows
from customers.models import Customer, resident_id_digest
from tests.customers import factories

HEADER = "kind,name,resident_id,credit_code,officer,phone,monthly_income,industry,size\n"


def csv_file(*rows: str) -> bytes:
    return (HEADER + "\n".join(rows) + "\n").encode("utf-8")


@pytest.fixture
def good_and_bad_rows(alice):
    good_id = factories.resident_id()
    good_code = factories.credit_code()
    return (
        good_id,
        good_code,
        csv_file(
            f"individual,陈静,{good_id},,alice,13900001111,8000,,",
            f"enterprise,鑫源商贸有限公司,,{good_code},alice,010-87654321,,F,small",
            "individual,坏身份证,110105194912310021,,alice,,,,",
            "individual,没有经理,11010519491231002X,,nobody,,,,",
            "enterprise,坏行业,,91350100M000100Y43,alice,,,ZZ,huge",
            f"individual,重复,{good_id},,alice,,,,",
        ),
    )


def test_good_rows_import_and_bad_rows_are_reported(admin_user, good_and_bad_rows):
    good_id, good_code, data = good_and_bad_rows
    report = import_customers(actor=admin_user, rows=read_rows(data, "book.csv"), strict=False)
    assert (report.created, report.updated, report.committed) == (2, 0, True)
    reasons = dict(report.rejected)
    assert "check digit" in reasons[4]
    assert "officer" in reasons[5]
    assert "industry" in reasons[6] and "size" in reasons[6]
    assert "repeats the customer of row 2" in reasons[7]
    assert Customer.objects.get(resident_id_hash=resident_id_digest(good_id)).monthly_income == 8000
    assert Customer.objects.get(credit_code=good_code).industry.code == "F"


def test_reimport_updates_and_never_duplicates(admin_user, good_and_bad_rows):
    _good_id, _good_code, data = good_and_bad_rows
    import_customers(actor=admin_user, rows=read_rows(data, "book.csv"), strict=False)
    changed = data.replace(b"13900001111,8000", b"13900001111,9500")
    report = import_customers(actor=admin_user, rows=read_rows(changed, "book.csv"), strict=False)
    assert (report.created, report.updated) == (0, 2)
    assert Customer.objects.count() == 2
    assert Customer.objects.get(name="陈静").monthly_income == 9500


def test_strict_mode_imports_nothing_when_a_row_is_bad(admin_user, good_and_bad_rows):
    _good_id, _good_code, data = good_and_bad_rows
    report = import_customers(actor=admin_user, rows=read_rows(data, "book.csv"), strict=True)
    assert not report.committed
    assert not Customer.objects.exists()


def test_a_manager_cannot_import_into_another_branch(mary, charlie):
    data = csv_file(f"individual,南方客户,{factories.resident_id()},,charlie,,,,")
    report = import_customers(actor=mary, rows=read_rows(data, "x.csv"), strict=False)
    assert "not an officer of your branch" in report.rejected[0][1]
    assert not Customer.objects.exists()


def test_an_import_cannot_touch_a_customer_outside_the_scope(mary, charlie):
    theirs = factories.individual(charlie, name="赵南方")
    data = csv_file(f"individual,改名,{theirs.resident_id},,alice,,,,")
    report = import_customers(actor=mary, rows=read_rows(data, "x.csv"), strict=False)
    # The customer form's answer, which does not say whose customer it is (test_duplicates).
    assert report.rejected == [
        (
            2,
            "resident_id: This resident ID cannot be registered. If the person is already a "
            "customer of the bank, their relationship manager has been told.",
        )
    ]
    theirs.refresh_from_db()
    assert theirs.name == "赵南方"


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"name,colour\nx,y\n", "a.csv", "Unknown columns"),
        (b"kind,name\nindividual,x\n", "a.csv", "Missing columns: officer"),
        (b"", "a.csv", "empty"),
        (b"not a zip", "a.xlsx", "not a readable XLSX"),
        (b"kind,name,officer\n", "a.pdf", "Upload a .csv or .xlsx"),
    ],
)
def test_unreadable_files_are_refused_whole(data, name, message):
    with pytest.raises(ImportFileError, match=message):
        read_rows(data, name)


def test_xlsx_formulas_are_never_evaluated_and_dates_are_read(alice):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["kind", "name", "resident_id", "officer", "birth_date"])
    number = factories.resident_id()
    sheet.append(["individual", '=HYPERLINK("http://evil")', number, "alice", "1985-06-15"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    rows = read_rows(buffer.getvalue(), "book.xlsx")
    # A formula cell without a cached value reads as empty text, never as a computed result.
    assert rows[0]["name"] in {"", '=HYPERLINK("http://evil")'}


def test_upload_page_imports_and_reports(client_for, mary, good_and_bad_rows):
    _good_id, _good_code, data = good_and_bad_rows
    data = data.replace(b",alice,", b",alice,")
    response = client_for(mary).post(
        reverse("customers:import"),
        {"file": SimpleUploadedFile("book.csv", data, content_type="text/csv")},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "2 created, 0 updated, 4 rejected." in page
    assert "check digit" in page


def test_upload_of_a_bad_file_is_a_400_with_the_reason(client_for, mary):
    response = client_for(mary).post(
        reverse("customers:import"),
        {"file": SimpleUploadedFile("book.txt", b"hello", content_type="text/plain")},
    )
    assert response.status_code == 400
    assert "Upload a .csv or .xlsx file." in response.content.decode()


def test_risk_officer_cannot_import(client_for, rita):
    assert client_for(rita).get(reverse("customers:import")).status_code == 403


def test_import_command(tmp_path, admin_user, good_and_bad_rows):
    _good_id, _good_code, data = good_and_bad_rows
    path = tmp_path / "book.csv"
    path.write_bytes(data)
    out = io.StringIO()
    call_command("import_customers", str(path), stdout=out)
    assert "2 created, 0 updated, 4 rejected" in out.getvalue()
    with pytest.raises(CommandError, match="nothing imported"):
        call_command("import_customers", str(path), "--strict", stdout=io.StringIO())


def test_csv_export_is_masked_and_neutralises_formulas(client_for, alice):
    customer = factories.individual(alice, name="=SUM(A1:A9)")
    response = client_for(alice).get(reverse("customers:export", args=["csv"]))
    assert response["Content-Disposition"].startswith("attachment;")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "'=SUM(A1:A9)" in body
    assert customer.resident_id not in body
    assert customer.masked_identifier in body
    assert "138****8000" in body


def test_xlsx_export_follows_the_filters(client_for, alice, alices_customer, alices_enterprise):
    response = client_for(alice).get(
        reverse("customers:export", args=["xlsx"]), {"kind": "enterprise"}
    )
    content = b"".join(response.streaming_content)
    rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    assert rows[0][2] == "Name"
    assert [row[2] for row in rows[1:]] == ["华盛制造有限公司"]


def test_unknown_export_format_is_404(client_for, alice):
    assert client_for(alice).get(reverse("customers:export", args=["pdf"])).status_code == 404


def test_exports_are_audited(client_for, alice):
    client_for(alice).get(reverse("customers:export", args=["csv"]), {"kind": "individual"})
    from audit.models import AuditEvent

    event = AuditEvent.objects.get(action="customers.customer.exported")
    assert event.after == {"format": "csv", "query": "kind=individual"}
