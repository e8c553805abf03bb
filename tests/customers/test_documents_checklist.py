"""A product's document checklist, from the outside: the application page lists what is on
file and what is missing; submission and disbursement are refused with the missing list
(400, nothing moves) until the documents are uploaded; an expired document does not count;
a product without a checklist requires nothing."""

# ruff: noqa: F811 (fixtures imported for pytest are the parameters of the tests below)
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from customers.models import DocumentType
from lending import services
from lending.models import Application, ChecklistStage, Loan, ProductDocumentRequirement
from tests.customers.test_documents import documents_folder, pdf_bytes, upload_file  # noqa: F401
from tests.lending.conftest import (  # noqa: F401
    consumer_product,
    draft,
    graded_customer,
    make_application,
)


@pytest.fixture
def id_card():
    return DocumentType.objects.get(code="id_card")


@pytest.fixture
def contract():
    return DocumentType.objects.get(code="loan_contract")


@pytest.fixture
def checklist(consumer_product, id_card, contract):
    ProductDocumentRequirement.objects.create(
        product=consumer_product, document_type=id_card, stage=ChecklistStage.SUBMISSION
    )
    ProductDocumentRequirement.objects.create(
        product=consumer_product, document_type=contract, stage=ChecklistStage.DISBURSEMENT
    )


def upload(client, kind, owner, document_type, **extra):
    response = client.post(
        reverse("documents:upload", args=[kind, owner.pk]),
        {"document_type": document_type.pk, "file": upload_file("scan.pdf", pdf_bytes()), **extra},
    )
    assert response.status_code == 302, response.content.decode()[:2000]


def checklist_items(page) -> dict[str, str]:
    """{document type code: "yes"/"no"} as the page's checklist shows it."""
    return dict(
        re.findall(r'data-document-type="([a-z_]+)" data-on-file="(yes|no)"', page.content.decode())
    )


def test_submission_is_refused_with_the_missing_list_until_the_id_card_is_on_file(
    client_for, alice, draft, checklist, id_card
):
    client = client_for(alice)
    page = client.get(reverse("lending:application-detail", args=[draft.pk]))
    assert checklist_items(page) == {"id_card": "no", "loan_contract": "no"}

    refused = client.post(reverse("lending:application-submit", args=[draft.pk]))
    assert refused.status_code == 400
    assert "Documents missing before submission: Resident ID card." in refused.content.decode()
    draft.refresh_from_db()
    assert draft.status == "draft"

    # The ID card is the customer's: uploaded on the customer, it counts for the application.
    upload(client, "customer", draft.customer, id_card, expires_on="2036-01-01")
    page = client.get(reverse("lending:application-detail", args=[draft.pk]))
    assert checklist_items(page) == {"id_card": "yes", "loan_contract": "no"}
    accepted = client.post(reverse("lending:application-submit", args=[draft.pk]))
    assert accepted.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "submitted"


def test_an_expired_document_does_not_count(client_for, alice, draft, checklist, id_card):
    client = client_for(alice)
    # The suite's day is 2026-11-18: this card expired the day before.
    upload(client, "customer", draft.customer, id_card, expires_on="2026-11-17")

    refused = client.post(reverse("lending:application-submit", args=[draft.pk]))
    assert refused.status_code == 400
    assert "Resident ID card" in refused.content.decode()
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_disbursement_is_refused_until_the_contract_is_on_the_application(
    client_for, alice, mary, draft, checklist, id_card, contract
):
    officer = client_for(alice)
    upload(officer, "customer", draft.customer, id_card, expires_on="2036-01-01")
    submitted = services.application_submit(actor=alice, application=draft)
    reviewed = services.application_start_review(actor=mary, application=submitted)
    approved = services.application_approve(
        actor=mary,
        application=reviewed,
        amount=Decimal("100000"),
        term_months=12,
        rate=Decimal("0.0435"),
    )

    manager = client_for(mary)
    refused = manager.post(reverse("lending:application-disburse", args=[approved.pk]))
    assert refused.status_code == 400
    assert "Documents missing before disbursement: Loan contract." in refused.content.decode()
    assert not Loan.objects.filter(application=approved).exists()
    assert Application.objects.get(pk=approved.pk).status == "approved"

    upload(client_for(alice), "application", approved, contract)
    accepted = client_for(mary).post(reverse("lending:application-disburse", args=[approved.pk]))
    assert accepted.status_code == 302
    assert Loan.objects.filter(application=approved).exists()


def test_the_contract_on_another_application_does_not_count(
    client_for, alice, draft, checklist, id_card, contract, consumer_product
):
    from lending.document_checklist import missing_documents

    other = make_application(alice, draft.customer, consumer_product, amount="50000")
    upload(client_for(alice), "application", other, contract)

    assert [t.code for t in missing_documents(draft, stage=ChecklistStage.DISBURSEMENT)] == [
        "id_card",
        "loan_contract",
    ]
    assert missing_documents(other, stage=ChecklistStage.DISBURSEMENT) == [
        DocumentType.objects.get(code="id_card")
    ]


def test_a_product_without_a_checklist_requires_nothing(client_for, alice, draft):
    page = client_for(alice).get(reverse("lending:application-detail", args=[draft.pk]))
    assert 'data-testid="document-checklist"' not in page.content.decode()
    response = client_for(alice).post(reverse("lending:application-submit", args=[draft.pk]))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "submitted"
