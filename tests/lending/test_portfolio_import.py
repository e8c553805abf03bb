import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from core.tabular import ImportFileError
from lending.importer import import_loans, import_repayments, read_loans, read_repayments
from lending.models import Loan, Repayment
from tests.customers import factories

LOANS = "external_ref,customer,product,amount,annual_rate,term_months,disbursed_on\n"
PAYMENTS = "loan_ref,paid_on,amount,reference,channel\n"


def csv(header: str, *rows: str) -> bytes:
    return (header + "\n".join(rows) + "\n").encode()


@pytest.fixture
def borrower(alice):
    return factories.individual(alice, name="导入客户")


@pytest.fixture
def loans_file(borrower, on_business_date):
    return csv(
        LOANS,
        f"CB-001,{borrower.resident_id},CONS-01,120000,0.0435,12,2026-01-15",
        f"CB-002,{borrower.resident_id},CONS-01,-5,0.0435,12,2026-01-15",
        "CB-003,110105194912310021,CONS-01,10000,0.0435,12,2026-01-15",
        f"CB-004,{borrower.resident_id},NOPE,10000,0.0435,12,soon",
        f"CB-005,{borrower.resident_id},MORT-01,200000,0.5,60,2026-01-15",
    )


def test_loans_import_reports_bad_rows_and_reimport_changes_nothing(mary, loans_file):
    report = import_loans(actor=mary, rows=read_loans(loans_file, "loans.csv"), strict=False)
    assert (report.created, report.unchanged, report.committed) == (1, 0, True)
    reasons = dict(report.rejected)
    assert "zero or more" in reasons[3]
    assert "no customer" in reasons[4]
    assert "product" in reasons[5] and "disbursed_on" in reasons[5]
    assert "rate" in reasons[6]
    loan = Loan.objects.get(external_ref="CB-001")
    assert loan.instalments.count() == 12
    assert sum(i.principal_due for i in loan.instalments.all()) == Decimal("120000.00")
    again = import_loans(actor=mary, rows=read_loans(loans_file, "loans.csv"), strict=False)
    assert (again.created, again.unchanged) == (0, 1)
    assert Loan.objects.count() == 1


def test_changed_terms_are_refused_on_reimport(mary, borrower, loans_file):
    import_loans(actor=mary, rows=read_loans(loans_file, "loans.csv"), strict=False)
    changed = csv(LOANS, f"CB-001,{borrower.resident_id},CONS-01,99000,0.0435,12,2026-01-15")
    report = import_loans(actor=mary, rows=read_loans(changed, "l.csv"), strict=False)
    assert "other terms" in report.rejected[0][1]
    assert Loan.objects.get().principal == Decimal("120000.00")


def test_strict_mode_imports_nothing(mary, loans_file):
    report = import_loans(actor=mary, rows=read_loans(loans_file, "loans.csv"), strict=True)
    assert not report.committed
    assert not Loan.objects.exists()


def test_repayments_import_is_idempotent(mary, loans_file):
    import_loans(actor=mary, rows=read_loans(loans_file, "loans.csv"), strict=False)
    first = Loan.objects.get().instalments.order_by("number").first()
    payments = csv(
        PAYMENTS,
        f"CB-001,2026-02-15,{first.total_due},TX-1,transfer",
        "CB-999,2026-02-15,100,TX-2,",
        "CB-001,2026-02-15,abc,TX-3,pigeon",
    )
    report = import_repayments(actor=mary, rows=read_repayments(payments, "p.csv"), strict=False)
    assert (report.created, len(report.rejected)) == (1, 2)
    again = import_repayments(actor=mary, rows=read_repayments(payments, "p.csv"), strict=False)
    assert (again.created, again.unchanged) == (0, 1)
    assert Repayment.objects.count() == 1
    first.refresh_from_db()
    assert first.settled_on is not None


def test_imports_respect_scope_and_role(alice, charlie, mary, loans_file):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        import_loans(actor=alice, rows=[], strict=False)
    south_manager = charlie  # an officer: refused as well
    with pytest.raises(PermissionDenied):
        import_repayments(actor=south_manager, rows=[], strict=False)


def test_the_customer_must_be_in_the_importers_scope(admin_user, charlie, on_business_date):
    from accounts.models import Role
    from accounts.services import user_create

    south = user_create(
        actor=None,
        username="sam",
        password="Long-enough-1",
        role=Role.MANAGER,
        branch=charlie.branch,
    )
    northern = factories.individual(type(charlie).objects.get(username="alice"), name="北方客户")
    rows = read_loans(
        csv(LOANS, f"CB-9,{northern.resident_id},CONS-01,10000,0.04,12,2026-01-15"), "l.csv"
    )
    report = import_loans(actor=south, rows=rows, strict=False)
    assert "no customer" in report.rejected[0][1]
    assert import_loans(actor=admin_user, rows=rows, strict=False).created == 1


def test_unreadable_files_are_refused_whole():
    with pytest.raises(ImportFileError, match="Missing columns"):
        read_loans(b"external_ref,customer\nx,y\n", "l.csv")


def test_import_portfolio_command(tmp_path, mary, loans_file):
    loans = tmp_path / "loans.csv"
    loans.write_bytes(loans_file)
    out = io.StringIO()
    call_command("import_portfolio", "--loans", str(loans), "--as", "mary", stdout=out)
    assert "loans: 1 new, 0 already on file, 4 rejected; committed" in out.getvalue()
    with pytest.raises(CommandError, match="not imported"):
        call_command(
            "import_portfolio",
            "--loans",
            str(loans),
            "--as",
            "mary",
            "--strict",
            stdout=io.StringIO(),
        )
    with pytest.raises(CommandError, match="name --loans"):
        call_command("import_portfolio", stdout=io.StringIO())


def test_upload_page(client_for, mary, alice, loans_file):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    url = reverse("lending:portfolio-import")
    assert client_for(alice).get(url).status_code == 403
    client = client_for(mary)
    assert client.post(url, {}).status_code == 400
    response = client.post(url, {"loans": SimpleUploadedFile("loans.csv", loans_file)})
    assert response.status_code == 200
    assert "1 new, 0 already on file, 4 rejected." in response.content.decode()
    bad = client.post(url, {"loans": SimpleUploadedFile("loans.pdf", b"x")})
    assert bad.status_code == 400
    assert "Upload a .csv or .xlsx file." in bad.content.decode()
