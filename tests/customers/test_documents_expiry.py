"""Documents with an expiry in early warning: an ID card, a licence or a collateral's insurance
expiring within the rule's days raises an alert (risk.rules "document_expiry") on the night
its date comes within reach with nothing else changed (risk.pending's calendar); a renewed
document uploaded clears it on the next night."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from customers.models import DocumentType
from risk import jobs
from risk.models import Alert
from tests.customers import factories
from tests.customers.test_documents import documents_folder, pdf_bytes, upload_file  # noqa: F401

RULE = "document_expiry"
ACTIVE = ["open", "acknowledged", "in_progress"]
TODAY = dt.date(2026, 11, 18)


def night(on: dt.date):
    run = jobs.run_synchronously(jobs.NIGHTLY, on)
    assert run.status == "done", run.failures
    return run


def expiry_alerts() -> list[Alert]:
    return list(Alert.objects.filter(rule__code=RULE, status__in=ACTIVE))


@pytest.fixture
def customer(alice):
    return factories.individual(alice, name="钱七")


def upload_id_card(client, customer, expires_on: dt.date) -> None:
    response = client.post(
        reverse("documents:upload", args=["customer", customer.pk]),
        {
            "document_type": DocumentType.objects.get(code="id_card").pk,
            "file": upload_file("id.pdf", pdf_bytes()),
            "expires_on": expires_on.isoformat(),
        },
    )
    assert response.status_code == 302


def test_an_id_card_expiring_soon_raises_an_alert_and_a_renewed_one_clears_it(
    settings, client_for, alice, customer
):
    settings.BUSINESS_DATE = TODAY
    client = client_for(alice)
    upload_id_card(client, customer, TODAY + dt.timedelta(days=20))
    night(TODAY)

    (alert,) = expiry_alerts()
    assert alert.customer_id == customer.pk
    assert alert.risk_type == "operational"
    assert alert.shown_value() == "expires 2026-12-08, in 20 days"
    page = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert "Document expiring" in page

    # The renewed card is uploaded: the next night resolves the alert.
    upload_id_card(client, customer, dt.date(2036, 12, 8))
    tomorrow = TODAY + dt.timedelta(days=1)
    settings.BUSINESS_DATE = tomorrow
    night(tomorrow)
    assert expiry_alerts() == []
    alert.refresh_from_db()
    assert alert.status == "resolved"


def test_no_alert_for_a_document_far_from_its_expiry_nor_one_without_expiry(
    settings, client_for, alice, customer
):
    settings.BUSINESS_DATE = TODAY
    client = client_for(alice)
    upload_id_card(client, customer, TODAY + dt.timedelta(days=31))
    response = client.post(
        reverse("documents:upload", args=["customer", customer.pk]),
        {
            "document_type": DocumentType.objects.get(code="financial_statements").pk,
            "file": upload_file("fs.pdf", pdf_bytes()),
        },
    )
    assert response.status_code == 302
    night(TODAY)
    assert expiry_alerts() == []


def test_the_night_the_expiry_comes_within_reach_raises_the_alert_with_nothing_else_changed(
    settings, client_for, alice, customer
):
    settings.BUSINESS_DATE = TODAY
    upload_id_card(client_for(alice), customer, TODAY + dt.timedelta(days=31))
    night(TODAY)
    assert expiry_alerts() == []

    # The next night only the calendar moved: 30 days left, the customer is looked at.
    tomorrow = TODAY + dt.timedelta(days=1)
    settings.BUSINESS_DATE = tomorrow
    run = night(tomorrow)
    assert run.counts["customers_examined"] == 1
    (alert,) = expiry_alerts()
    assert alert.shown_value() == "expires 2026-12-19, in 30 days"
