"""A document's expiry matters only while the business it supports is live: the insurance of a
loan repaid in full, or of collateral whose loan has left the book, asks for no renewal, while
the same document on a live loan raises the "document_expiry" alert."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from customers.models import DocumentType
from lending import services as lending_services
from lending.models import LoanStatus
from risk import jobs
from risk.models import Alert
from tests.customers.test_documents import documents_folder, pdf_bytes, upload_file  # noqa: F401
from tests.risk.conftest import disbursed_loan

TODAY = dt.date(2026, 11, 18)
ACTIVE = ["open", "acknowledged", "in_progress"]


def night(on: dt.date) -> None:
    run = jobs.run_synchronously(jobs.NIGHTLY, on)
    assert run.status == "done", run.failures


def upload_insurance(client, owner_kind: str, owner_id: int) -> None:
    response = client.post(
        reverse("documents:upload", args=[owner_kind, owner_id]),
        {
            "document_type": DocumentType.objects.get(code="collateral_insurance").pk,
            "file": upload_file("policy.pdf", pdf_bytes()),
            "expires_on": (TODAY + dt.timedelta(days=10)).isoformat(),
        },
    )
    assert response.status_code == 302, response.content.decode()[:500]


def expiring_subjects() -> set[str]:
    return set(
        Alert.objects.filter(rule__code="document_expiry", status__in=ACTIVE).values_list(
            "subject", flat=True
        )
    )


@pytest.fixture
def two_loans(settings, alice, mary, graded_customer, consumer_product):
    settings.BUSINESS_DATE = TODAY
    live = disbursed_loan(alice, mary, graded_customer, consumer_product, on=TODAY)
    repaid = disbursed_loan(
        alice, mary, graded_customer, consumer_product, amount="30000", on=TODAY
    )
    return live, repaid


def repay_in_full(officer, loan) -> None:
    lending_services.repayment_post(
        actor=officer,
        loan=loan,
        amount=Decimal(loan.outstanding_principal),
        paid_on=TODAY,
        channel="transfer",
        reference=f"PAYOFF-{loan.pk}",
        allow_prepayment=True,
    )
    loan.refresh_from_db()
    assert loan.status == LoanStatus.CLOSED


def test_only_the_live_loans_document_asks_for_renewal(client_for, alice, two_loans):
    live, repaid = two_loans
    client = client_for(alice)
    upload_insurance(client, "loan", live.pk)
    upload_insurance(client, "loan", repaid.pk)
    night(TODAY)
    assert expiring_subjects() == {
        f"document:loan:{live.pk}:{DocumentType.objects.get(code='collateral_insurance').pk}",
        f"document:loan:{repaid.pk}:{DocumentType.objects.get(code='collateral_insurance').pk}",
    }

    # The second loan is repaid in full: its alert is resolved the next night, the live
    # loan's stays.
    repay_in_full(alice, repaid)
    tomorrow = TODAY + dt.timedelta(days=1)
    night(tomorrow)
    type_id = DocumentType.objects.get(code="collateral_insurance").pk
    assert expiring_subjects() == {f"document:loan:{live.pk}:{type_id}"}


def secured_loan(officer, manager, customer, product, amount: str):
    """A loan disbursed today on an application secured by a flat; (loan, collateral)."""
    from tests.lending.conftest import add_collateral, make_application

    application = make_application(officer, customer, product, amount=amount)
    collateral = add_collateral(officer, application)
    lending_services.application_submit(actor=officer, application=application)
    lending_services.application_start_review(actor=manager, application=application)
    offer = lending_services.offer_for(product, customer.grade)
    lending_services.application_approve(
        actor=manager,
        application=application,
        amount=Decimal(amount),
        term_months=application.term_months,
        rate=offer["rate"],
    )
    loan = lending_services.application_disburse(actor=manager, application=application, on=TODAY)
    return loan, collateral


def test_only_collateral_still_securing_a_live_loan_asks_for_renewal(
    settings, client_for, alice, mary, graded_customer, consumer_product
):
    settings.BUSINESS_DATE = TODAY
    _live, live_flat = secured_loan(alice, mary, graded_customer, consumer_product, "80000")
    repaid, repaid_flat = secured_loan(alice, mary, graded_customer, consumer_product, "30000")
    repay_in_full(alice, repaid)
    client = client_for(alice)
    upload_insurance(client, "collateral", live_flat.pk)
    upload_insurance(client, "collateral", repaid_flat.pk)
    night(TODAY)
    type_id = DocumentType.objects.get(code="collateral_insurance").pk
    assert expiring_subjects() == {f"document:collateral:{live_flat.pk}:{type_id}"}
