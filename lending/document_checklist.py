"""Whether an application has the documents its product's checklist asks for.

A required type is on file when a document of that type, not expired on the business date,
is attached to the application's customer (or one of their bureau consents: the ID card,
the licence, the consent are the customer's), to the application itself, to its collateral
(the valuation report) or to its loan. Submission needs the "before submission" types;
disbursement needs them all. Also the documents' owner kinds of lending (applications, loans,
collateral) registered with the document store (customers.document_owners).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from core.business_date import business_date
from customers.document_models import Document, DocumentOwner, DocumentType
from customers.document_owners import register_owner
from lending.document_checklist_models import ChecklistStage, ProductDocumentRequirement
from lending.models import Application, Collateral, Loan

# The stages whose types each step needs.
STAGES_NEEDED = {
    ChecklistStage.SUBMISSION: (ChecklistStage.SUBMISSION,),
    ChecklistStage.DISBURSEMENT: (ChecklistStage.SUBMISSION, ChecklistStage.DISBURSEMENT),
}
CUSTOMER_LEVEL_OWNERS = (DocumentOwner.CUSTOMER, DocumentOwner.BUREAU_CONSENT)


@dataclass(frozen=True)
class ChecklistItem:
    document_type: DocumentType
    stage: str
    stage_label: str
    on_file: bool


def _types_on_file(application: Application, type_ids: list[int], on: dt.date) -> set[int]:
    if not type_ids:
        return set()
    attached = (
        Q(owner_kind__in=CUSTOMER_LEVEL_OWNERS)
        | Q(owner_kind=DocumentOwner.APPLICATION, owner_id=application.pk)
        | Q(
            owner_kind=DocumentOwner.COLLATERAL,
            owner_id__in=Collateral.objects.filter(application_id=application.pk).values("id"),
        )
        | Q(
            owner_kind=DocumentOwner.LOAN,
            owner_id__in=Loan.objects.filter(application_id=application.pk).values("id"),
        )
    )
    return set(
        Document.objects.filter(
            attached,
            Q(expires_on__isnull=True) | Q(expires_on__gte=on),
            customer_id=application.customer_id,
            document_type_id__in=type_ids,
        )
        .values_list("document_type_id", flat=True)
        .distinct()
    )


def checklist_for(application: Application, *, on: dt.date | None = None) -> list[ChecklistItem]:
    """The product's checklist with what is on file (two queries; none for the documents
    when the product has no checklist)."""
    requirements = sorted(
        ProductDocumentRequirement.objects.filter(product_id=application.product_id).select_related(
            "document_type"
        ),
        # In the order the steps come: what submission needs first.
        key=lambda r: (r.stage != ChecklistStage.SUBMISSION, r.document_type.code),
    )
    on_file = _types_on_file(
        application, [r.document_type_id for r in requirements], on or business_date()
    )
    return [
        ChecklistItem(
            document_type=r.document_type,
            stage=r.stage,
            stage_label=r.get_stage_display(),
            on_file=r.document_type_id in on_file,
        )
        for r in requirements
    ]


def missing_documents(
    application: Application, *, stage: str, on: dt.date | None = None
) -> list[DocumentType]:
    needed = STAGES_NEEDED[stage]
    return [
        item.document_type
        for item in checklist_for(application, on=on)
        if item.stage in needed and not item.on_file
    ]


def require_documents(application: Application, *, stage: str, on: dt.date | None = None) -> None:
    """Refuses the step with the list of what is missing."""
    missing = missing_documents(application, stage=stage, on=on)
    if missing:
        names = ", ".join(str(document_type) for document_type in missing)
        if stage == ChecklistStage.SUBMISSION:
            message = _("Documents missing before submission: %(names)s.")
        else:
            message = _("Documents missing before disbursement: %(names)s.")
        raise ValidationError(message % {"names": names})


def register_lending_documents() -> None:
    """Applications, loans and collateral take documents; each found through its own scoped
    getter (lending.selectors)."""
    from lending import selectors

    register_owner(
        DocumentOwner.APPLICATION,
        get_for=selectors.application_get_for,
        customer_of=lambda application: application.customer,
        url_of=lambda application: reverse("lending:application-detail", args=[application.pk]),
    )
    register_owner(
        DocumentOwner.LOAN,
        get_for=selectors.loan_get_for,
        customer_of=lambda loan: loan.customer,
        url_of=lambda loan: reverse("lending:loan-detail", args=[loan.pk]),
    )
    register_owner(
        DocumentOwner.COLLATERAL,
        get_for=selectors.collateral_get_for,
        customer_of=lambda collateral: collateral.application.customer,
        url_of=lambda collateral: reverse(
            "lending:application-detail", args=[collateral.application_id]
        ),
    )
