"""Demo documents for `seed_demo` (lending.demo). Before the applications: the
working-capital product gets a document checklist (business licence and financial statements
before submission) and every enterprise has them on file, so the demo's applications go
through as before and their pages show a complete checklist; a few individuals get an ID
card, one of them expiring within the month (the early-warning scan raises "Document
expiring" for it). After them: the working-capital applications approved or disbursed get
their loan contract. The files are small generated PDFs and PNGs. Idempotent: a document
already on file for its owner and type is not added again.
"""

from __future__ import annotations

import datetime as dt
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile

from core.business_date import business_date
from customers.document_models import Document, DocumentOwner, DocumentType
from customers.documents import document_upload
from customers.models import Customer, CustomerKind
from lending.document_checklist_models import ChecklistStage, ProductDocumentRequirement
from lending.models import Application, LoanProduct

CHECKLIST_PRODUCT = "WC-01"
CHECKLIST = [
    ("business_licence", ChecklistStage.SUBMISSION),
    ("financial_statements", ChecklistStage.SUBMISSION),
]


def demo_pdf(title: str) -> bytes:
    """A one-page PDF with `title` on it (ASCII), its cross-reference table exact."""
    text = title.encode("ascii", "replace").replace(b"(", b"[").replace(b")", b"]")
    stream = b"BT /F1 18 Tf 72 720 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


def demo_png(width: int = 8, height: int = 5) -> bytes:
    """A small grey PNG (a stand-in for a scanned card)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\x99" * width for _row in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def _keep(*, actor, kind, owner, type_code, name, content, expires_on=None) -> int:
    document_type = DocumentType.objects.get(code=type_code)
    if Document.objects.filter(
        owner_kind=kind, owner_id=owner.pk, document_type=document_type
    ).exists():
        return 0
    document_upload(
        actor=actor,
        owner_kind=kind,
        owner=owner,
        document_type=document_type,
        upload=SimpleUploadedFile(name, content),
        expires_on=expires_on,
    )
    return 1


def seed_documents() -> int:
    """The checklist and the customers' documents (before the demo's applications)."""
    product = LoanProduct.objects.filter(code=CHECKLIST_PRODUCT).first()
    if product is None or not DocumentType.objects.exists():
        return 0
    for code, stage in CHECKLIST:
        ProductDocumentRequirement.objects.get_or_create(
            product=product,
            document_type=DocumentType.objects.get(code=code),
            defaults={"stage": stage},
        )
    today = business_date()
    added = 0
    enterprises = Customer.objects.filter(kind=CustomerKind.ENTERPRISE, officer__isnull=False)
    for customer in enterprises.select_related("officer").order_by("id"):
        added += _keep(
            actor=customer.officer,
            kind=DocumentOwner.CUSTOMER,
            owner=customer,
            type_code="business_licence",
            name="business-licence.pdf",
            content=demo_pdf(f"Business licence {customer.credit_code}"),
            expires_on=today + dt.timedelta(days=3 * 365),
        )
        added += _keep(
            actor=customer.officer,
            kind=DocumentOwner.CUSTOMER,
            owner=customer,
            type_code="financial_statements",
            name="financial-statements.pdf",
            content=demo_pdf(f"Financial statements {today.year - 1}"),
        )
    individuals = Customer.objects.filter(kind=CustomerKind.INDIVIDUAL, officer__isnull=False)
    for number, customer in enumerate(individuals.select_related("officer").order_by("id")[:3]):
        # The first card expires within the month: the demo's "Document expiring" alert.
        added += _keep(
            actor=customer.officer,
            kind=DocumentOwner.CUSTOMER,
            owner=customer,
            type_code="id_card",
            name="id-card.png",
            content=demo_png(),
            expires_on=today + dt.timedelta(days=20 if number == 0 else 5 * 365),
        )
    return added


def seed_contracts() -> int:
    """The loan contract of each working-capital application approved or disbursed."""
    added = 0
    applications = Application.objects.filter(
        product__code=CHECKLIST_PRODUCT, status__in=["approved", "disbursed"]
    ).select_related("customer__officer")
    for application in applications.order_by("id"):
        added += _keep(
            actor=application.customer.officer,
            kind=DocumentOwner.APPLICATION,
            owner=application,
            type_code="loan_contract",
            name=f"contract-{application.pk}.pdf",
            content=demo_pdf(f"Loan contract {application.reference}"),
        )
    return added
