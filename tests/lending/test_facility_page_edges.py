"""The facility's pages at their edges: the application page reads the facility's status on
the business date; a refused close answers under the close form, not the freeze form beside
it; a raise rejected through the page changes nothing but the raise."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from lending.facility_models import CreditFacility, FacilityLimitChange, FacilityStatus
from lending.services import facilities as facility_services
from tests.lending.test_facilities import EXPIRY, active_facility, drawing


@pytest.fixture
def facility(alice, mary, graded_customer, on_business_date):
    return active_facility(alice, mary, graded_customer)


def test_the_application_page_reads_the_facility_expired_the_day_after_its_expiry(
    client_for, alice, graded_customer, consumer_product, facility, settings
):
    application = drawing(alice, graded_customer, consumer_product, facility)
    url = reverse("lending:application-detail", args=[application.pk])
    page = client_for(alice).get(url)
    assert page.context["facility_status"] == "Active"
    # Nothing ran overnight: the stored status is still active, the page says expired.
    settings.BUSINESS_DATE = EXPIRY + dt.timedelta(days=1)
    page = client_for(alice).get(url)
    assert CreditFacility.objects.get(pk=facility.pk).status == FacilityStatus.ACTIVE
    shown = page.content.decode().split('data-testid="facility-status">')[1].split("<")[0]
    assert shown == "Expired"


def test_a_refused_close_answers_under_the_close_form(client_for, mary, facility):
    response = client_for(mary).post(
        reverse("lending:facility-close", args=[facility.pk]), {"reason": ""}
    )
    assert response.status_code == 400
    # Both forms are on the page (an active facility a manager may freeze and close).
    assert response.context["can_freeze"] and response.context["can_close"]
    assert response.context["close_form"].errors["reason"] == ["This field is required."]
    assert not response.context["reason_form"].is_bound
    html = response.content.decode()
    close_action = 'action="{}"'.format(reverse("lending:facility-close", args=[facility.pk]))
    close_form = html.split(close_action)[1]
    close_form = close_form.split("</form>")[0]
    freeze_action = 'action="{}"'.format(reverse("lending:facility-freeze", args=[facility.pk]))
    freeze_form = html.split(freeze_action)[1]
    freeze_form = freeze_form.split("</form>")[0]
    assert "This field is required." in close_form
    assert "This field is required." not in freeze_form
    assert 'id="close_reason"' in close_form and 'id="id_reason"' in freeze_form
    assert CreditFacility.objects.get(pk=facility.pk).status == FacilityStatus.ACTIVE


def test_a_manager_rejects_a_raise_from_the_facility_page(client_for, alice, mary, facility):
    change = facility_services.facility_limit_change_propose(
        actor=alice, facility=facility, new_limit=Decimal("200000"), reason="Growth"
    )
    page = client_for(mary).get(reverse("lending:facility-detail", args=[facility.pk]))
    reject_url = reverse("lending:limit-change-reject", args=[facility.pk, change.pk])
    assert reject_url in page.content.decode()
    # The proposer has no such button and is refused.
    page = client_for(alice).get(reverse("lending:facility-detail", args=[facility.pk]))
    assert reject_url not in page.content.decode()
    assert client_for(alice).post(reject_url).status_code == 403
    assert FacilityLimitChange.objects.get(pk=change.pk).status == "pending"
    response = client_for(mary).post(reject_url)
    assert response.status_code == 302
    change.refresh_from_db()
    assert (change.status, change.decided_by) == ("rejected", mary)
    assert CreditFacility.objects.get(pk=facility.pk).limit == Decimal("150000.00")
    event = AuditEvent.objects.get(action="lending.facility.limit_change_rejected")
    assert event.actor == mary
    # Decided once: a second rejection is refused with the reason, nothing changes.
    again = client_for(mary).post(reject_url)
    assert again.status_code == 400
    assert "This raise is Rejected already." in again.content.decode()
    assert FacilityLimitChange.objects.get(pk=change.pk).decided_by == mary
