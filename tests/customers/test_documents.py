"""Documents from the outside: an officer uploads files on a customer, an application, a loan
or a collateral through the pages; bad files are refused with the reason next to the field
and nothing is stored (no row, no file); files come back only through the app, to those who
see the owner, with the headers that stop a browser from sniffing them; every upload,
download and deletion is audited; outsiders get 404 everywhere."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from django.core.files.storage import storages
from django.urls import reverse

from audit.models import AuditEvent
from crm_site.document_storage import S3_BACKEND, documents_storage_setting
from customers.models import Document, DocumentType
from lending.models import LoanProduct
from tests.customers import factories
from tests.lending.conftest import add_collateral, make_application


@pytest.fixture(autouse=True)
def documents_folder(settings, tmp_path) -> Path:
    """Each test keeps its files in a folder of its own (the local storage, as by default)."""
    folder = tmp_path / "documents"
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": documents_storage_setting({}, data_dir=tmp_path),
    }
    settings.DOCUMENTS_MAX_BYTES = 50_000
    return folder


def stored_files(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


def pdf_bytes() -> bytes:
    return b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def png_bytes() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


def xlsx_bytes() -> bytes:
    from openpyxl import Workbook

    buffer = io.BytesIO()
    Workbook().save(buffer)
    return buffer.getvalue()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def docx_bytes() -> bytes:
    return zip_bytes({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})


def upload_file(name: str, content: bytes) -> io.BytesIO:
    handle = io.BytesIO(content)
    handle.name = name
    return handle


@pytest.fixture
def id_card() -> DocumentType:
    return DocumentType.objects.get(code="id_card")


@pytest.fixture
def statements() -> DocumentType:
    return DocumentType.objects.get(code="financial_statements")


@pytest.fixture
def customer(alice):
    return factories.individual(alice, name="李四")


def upload_url(kind: str, pk: int) -> str:
    return reverse("documents:upload", args=[kind, pk])


def post_upload(client, customer, document_type, name, content, **extra):
    return client.post(
        upload_url("customer", customer.pk),
        {"document_type": document_type.pk, "file": upload_file(name, content), **extra},
    )


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("statements.pdf", pdf_bytes()),
        ("scan.png", png_bytes()),
        ("book.xlsx", xlsx_bytes()),
        ("letter.docx", docx_bytes()),
    ],
    ids=["pdf", "png", "xlsx", "docx"],
)
def test_an_officer_uploads_each_accepted_kind_and_downloads_it_back(
    client_for, alice, customer, statements, documents_folder, name, content
):
    client = client_for(alice)
    response = post_upload(client, customer, statements, name, content)
    assert response.status_code == 302

    document = Document.objects.get(customer=customer)
    assert (document.owner_kind, document.owner_id) == ("customer", customer.pk)
    assert document.original_name == name
    assert document.size == len(content)
    # Stored under a key of the app's making, in the private folder, with the same bytes.
    files = stored_files(documents_folder)
    assert len(files) == 1 and files[0].read_bytes() == content
    assert name not in str(files[0])

    page = client.get(reverse("customers:detail", args=[customer.pk]))
    assert reverse("documents:download", args=[document.pk]) in page.content.decode()

    download = client.get(reverse("documents:download", args=[document.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == content
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("attachment")
    assert name in download["Content-Disposition"]
    assert download["Content-Type"] == document.media_type
    assert AuditEvent.objects.filter(
        action="customers.document.downloaded", object_id=str(document.pk), actor=alice
    ).exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        # A program with a PDF's name.
        ("contract.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200, "not what its name says"),
        # A real PNG behind a PDF's name.
        ("contract.pdf", png_bytes(), "not what its name says"),
        # A zip that is no workbook behind an XLSX's name.
        ("book.xlsx", zip_bytes({"evil.sh": b"rm -rf /"}), "not what its name says"),
        # A workbook behind a DOCX's name.
        ("letter.docx", xlsx_bytes(), "not what its name says"),
        ("empty.pdf", b"", "empty"),
        ("big.pdf", b"%PDF-1.4\n" + b"0" * 60_000, "larger than"),
        ("notes.txt", b"hello", "Upload a PDF"),
        ("noextension", pdf_bytes(), "Upload a PDF"),
    ],
    ids=[
        "program-as-pdf",
        "png-as-pdf",
        "zip-as-xlsx",
        "xlsx-as-docx",
        "empty",
        "oversize",
        "text-file",
        "no-extension",
    ],
)
def test_a_bad_file_is_refused_with_the_reason_and_nothing_is_stored(
    client_for, alice, customer, statements, documents_folder, name, content, message
):
    response = post_upload(client_for(alice), customer, statements, name, content)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Document.objects.exists()
    assert stored_files(documents_folder) == []
    assert not AuditEvent.objects.filter(action="customers.document.added").exists()


def _multipart(fields: dict[str, str], file_field: str, file_name: str, content: bytes):
    """A form body as a hostile client writes it: the file name exactly as given (the test
    client would send only its last part)."""
    boundary = "----xindai-test-boundary"
    parts = []
    for key, value in fields.items():
        disposition = f'Content-Disposition: form-data; name="{key}"'
        parts.append(f"--{boundary}\r\n{disposition}\r\n\r\n{value}\r\n".encode())
    parts.append(
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; '
            f'filename="{file_name}"\r\nContent-Type: application/pdf\r\n\r\n'
        ).encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@pytest.mark.parametrize(
    "file_name", ["../../etc/passwd.pdf", "..\\..\\boot.pdf", "reports/2026/q1.pdf", ".."]
)
def test_a_name_with_path_parts_is_refused(
    client_for, alice, customer, statements, documents_folder, file_name
):
    body, content_type = _multipart(
        {"document_type": str(statements.pk)}, "file", file_name, pdf_bytes()
    )
    response = client_for(alice).post(
        upload_url("customer", customer.pk), data=body, content_type=content_type
    )

    assert response.status_code == 400
    assert "plain name, without folders" in response.content.decode()
    assert not Document.objects.exists()
    assert stored_files(documents_folder) == []


def test_a_type_with_an_expiry_needs_its_date(client_for, alice, customer, id_card):
    client = client_for(alice)
    refused = post_upload(client, customer, id_card, "id.pdf", pdf_bytes())
    assert refused.status_code == 400
    assert "Enter the date this document expires" in refused.content.decode()
    assert not Document.objects.exists()

    accepted = post_upload(
        client, customer, id_card, "id.pdf", pdf_bytes(), expires_on="2030-01-31"
    )
    assert accepted.status_code == 302
    assert str(Document.objects.get().expires_on) == "2030-01-31"


def test_when_the_row_cannot_be_written_the_file_is_removed(
    client_for, alice, customer, statements, documents_folder, monkeypatch
):
    """File and row together: the audit row failing after the file was written leaves
    neither."""
    from customers import documents

    def failing_audit(**kwargs):
        raise RuntimeError("the audit trail is unavailable")

    monkeypatch.setattr(documents, "audit_log", failing_audit)
    client = client_for(alice)
    client.raise_request_exception = False
    response = post_upload(client, customer, statements, "a.pdf", pdf_bytes())

    assert response.status_code == 500
    assert not Document.objects.exists()
    assert stored_files(documents_folder) == []


def test_upload_and_delete_are_audited_and_delete_removes_the_file(
    client_for, alice, customer, statements, documents_folder, django_capture_on_commit_callbacks
):
    client = client_for(alice)
    post_upload(client, customer, statements, "a.pdf", pdf_bytes())
    document = Document.objects.get()
    added = AuditEvent.objects.get(action="customers.document.added")
    assert added.actor == alice and added.after["original_name"] == "a.pdf"

    # The file goes once the deletion has committed.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("documents:delete", args=[document.pk]))
    assert response.status_code == 302
    assert not Document.objects.exists()
    assert stored_files(documents_folder) == []
    deleted = AuditEvent.objects.get(action="customers.document.deleted")
    assert deleted.object_id == str(document.pk) and deleted.before["sha256"] == document.sha256


def test_outsiders_get_404_on_upload_download_delete_and_the_page(
    client_for, alice, charlie, customer, statements, documents_folder
):
    post_upload(client_for(alice), customer, statements, "a.pdf", pdf_bytes())
    document = Document.objects.get()
    files_before = stored_files(documents_folder)

    outsider = client_for(charlie)
    assert outsider.get(reverse("documents:download", args=[document.pk])).status_code == 404
    assert outsider.post(reverse("documents:delete", args=[document.pk])).status_code == 404
    assert (
        outsider.get(reverse("documents:owner", args=["customer", customer.pk])).status_code == 404
    )
    refused = post_upload(outsider, customer, statements, "b.pdf", pdf_bytes())
    assert refused.status_code == 404
    # An unknown kind (inspections are not built yet) and a missing document look the same.
    assert outsider.get(reverse("documents:owner", args=["inspection", 1])).status_code == 404
    assert outsider.get(reverse("documents:download", args=[document.pk + 999])).status_code == 404

    assert list(Document.objects.values_list("pk", flat=True)) == [document.pk]
    assert stored_files(documents_folder) == files_before
    assert not AuditEvent.objects.filter(
        action__in=["customers.document.downloaded", "customers.document.deleted"]
    ).exists()


def test_the_manager_downloads_and_the_risk_officer_may_not_upload_or_delete(
    client_for, alice, mary, rita, customer, statements
):
    post_upload(client_for(alice), customer, statements, "a.pdf", pdf_bytes())
    document = Document.objects.get()

    assert (
        client_for(mary).get(reverse("documents:download", args=[document.pk])).status_code == 200
    )
    risk = client_for(rita)
    assert risk.get(reverse("documents:download", args=[document.pk])).status_code == 200
    page = risk.get(reverse("documents:owner", args=["customer", customer.pk])).content.decode()
    assert 'data-testid="document-upload"' not in page
    assert post_upload(risk, customer, statements, "b.pdf", pdf_bytes()).status_code == 403
    assert risk.post(reverse("documents:delete", args=[document.pk])).status_code == 403
    assert Document.objects.count() == 1


def test_documents_on_an_application_a_loan_and_a_collateral_follow_their_owner(
    client_for, alice, charlie, statements, documents_folder
):
    customer = factories.individual(alice, name="赵六")
    application = make_application(alice, customer, LoanProduct.objects.get(code="CONS-01"))
    collateral = add_collateral(alice, application)
    client = client_for(alice)
    for kind, owner in (("application", application), ("collateral", collateral)):
        response = client.post(
            upload_url(kind, owner.pk),
            {"document_type": statements.pk, "file": upload_file(f"{kind}.pdf", pdf_bytes())},
        )
        assert response.status_code == 302, kind
        document = Document.objects.get(owner_kind=kind)
        assert document.customer == customer and document.owner_id == owner.pk
        page = client.get(reverse("documents:owner", args=[kind, owner.pk])).content.decode()
        assert f"{kind}.pdf" in page
        assert (
            client_for(charlie).get(reverse("documents:download", args=[document.pk])).status_code
            == 404
        )
        client = client_for(alice)

    detail = client.get(reverse("lending:application-detail", args=[application.pk]))
    assert "application.pdf" in detail.content.decode()


def test_the_local_storage_is_private_under_the_data_folder(tmp_path):
    setting = documents_storage_setting({}, data_dir=tmp_path)
    assert setting["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert setting["OPTIONS"]["location"] == str(tmp_path / "documents")
    assert setting["OPTIONS"]["base_url"] is None


def test_the_default_setting_keeps_documents_under_the_data_folder_not_static():
    from django.conf import settings as live

    location = Path(live.STORAGES["documents"]["OPTIONS"]["location"])
    assert location.name == "documents"
    assert Path(live.STATIC_ROOT) not in location.parents


def test_the_s3_configuration_builds_a_private_s3_storage(settings):
    setting = documents_storage_setting(
        {
            "DOCUMENTS_S3_BUCKET": "xindai-documents",
            "DOCUMENTS_S3_ENDPOINT_URL": "https://minio.bank.internal:9000",
            "DOCUMENTS_S3_REGION": "cn-north-1",
            "DOCUMENTS_S3_ACCESS_KEY_ID": "key-id",
            "DOCUMENTS_S3_SECRET_ACCESS_KEY": "secret",
        },
        data_dir=Path("/unused"),
    )
    assert setting["BACKEND"] == S3_BACKEND
    settings.STORAGES = {**settings.STORAGES, "documents": setting}

    storage = storages["documents"]  # built, no network touched

    from storages.backends.s3 import S3Storage

    assert isinstance(storage, S3Storage)
    assert storage.bucket_name == "xindai-documents"
    assert storage.endpoint_url == "https://minio.bank.internal:9000"
    assert storage.region_name == "cn-north-1"
    assert storage.default_acl == "private"
    assert storage.file_overwrite is False
    assert storage.location == "documents"
