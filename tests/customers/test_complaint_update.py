"""A complaint update keeps nothing the officer typed out of sight: a resolution goes with
the status Resolved; typed with another status it is refused next to the field (400, the
text still in the box, the complaint unchanged), never saved as "Complaint updated." while
the text is thrown away."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent


@pytest.fixture
def update_url(alices_customer, alices_complaint):
    return reverse("customers:complaint-update", args=[alices_customer.pk, alices_complaint.pk])


@pytest.mark.parametrize("status", ["open", "in_progress"])
def test_a_resolution_with_a_status_other_than_resolved_is_refused_and_kept_on_the_page(
    client_for, alice, alices_complaint, update_url, status
):
    response = client_for(alice).post(
        update_url, {"status": status, "resolution": "Refunded the fee on the phone"}
    )
    assert response.status_code == 400
    errors = response.context["form"].errors["resolution"]
    assert "Only a resolved complaint has a resolution" in errors[0]
    assert "Refunded the fee on the phone</textarea>" in response.content.decode()
    alices_complaint.refresh_from_db()
    assert (alices_complaint.status, alices_complaint.resolution) == ("open", "")
    assert not AuditEvent.objects.filter(action="customers.complaint.updated").exists()


def test_a_status_change_without_a_resolution_is_saved(
    client_for, alice, alices_complaint, update_url
):
    response = client_for(alice).post(update_url, {"status": "in_progress", "resolution": "  "})
    assert response.status_code == 302
    alices_complaint.refresh_from_db()
    assert (alices_complaint.status, alices_complaint.resolution) == ("in_progress", "")


def test_the_resolution_is_saved_with_the_status_resolved(
    client_for, alice, alices_complaint, update_url
):
    response = client_for(alice).post(
        update_url, {"status": "resolved", "resolution": "Refunded the fee on the phone"}
    )
    assert response.status_code == 302
    alices_complaint.refresh_from_db()
    assert alices_complaint.status == "resolved" and alices_complaint.resolved_at
    assert alices_complaint.resolution == "Refunded the fee on the phone"
    event = AuditEvent.objects.get(action="customers.complaint.updated")
    assert event.after["resolution"] == "Refunded the fee on the phone"


def test_resolved_without_a_resolution_is_refused_with_400(
    client_for, alice, alices_complaint, update_url
):
    response = client_for(alice).post(update_url, {"status": "resolved", "resolution": ""})
    assert response.status_code == 400
    assert response.context["form"].errors["resolution"]
    alices_complaint.refresh_from_db()
    assert alices_complaint.status == "open"
