"""Credit facilities in early warning: a facility whose annual review is overdue raises an
alert (risk.rules "facility_review_overdue"), on the night its review date passes with nothing
else changed (risk.pending's calendar); the response "freeze the limit", recorded on the alert
page, freezes the customer's active facilities, and a manager other than whoever recorded it
lifts the freeze on the facility page."""

import datetime as dt

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from customers.models import Interaction
from lending.facility_models import CreditFacility, FacilityStatus
from lending.services import facilities as facility_services
from risk import jobs
from risk.models import Alert, AlertAction
from tests.lending.test_facilities import active_facility

REVIEW = dt.date(2026, 10, 1)
# The suite's business date: 48 days after the review date.
TODAY = dt.date(2026, 11, 18)
ACTIVE = ["open", "acknowledged", "in_progress"]
RULE = "facility_review_overdue"


def night(on: dt.date):
    run = jobs.run_synchronously(jobs.NIGHTLY, on)
    assert run.status == "done", run.failures
    return run


def review_alerts() -> list[Alert]:
    return list(Alert.objects.filter(rule__code=RULE, status__in=ACTIVE).select_related("customer"))


@pytest.fixture
def today(settings):
    settings.BUSINESS_DATE = TODAY
    return TODAY


@pytest.fixture
def facility(alice, mary, graded_customer, today):
    return active_facility(alice, mary, graded_customer, review_date=REVIEW)


@pytest.fixture
def alert(facility):
    night(TODAY)
    (alert,) = review_alerts()
    return alert


def test_an_overdue_review_raises_an_alert_that_reads_as_days_overdue(
    client_for, alice, facility, alert
):
    assert alert.customer_id == facility.customer_id
    assert alert.subject == f"facility:{facility.pk}"
    assert alert.value == "2026-10-01"
    assert alert.severity == "yellow"
    assert alert.shown_value() == "review due 2026-10-01, 48 days overdue"
    page = client_for(alice).get(reverse("risk:alert-detail", args=[alert.pk]))
    assert "review due 2026-10-01, 48 days overdue" in page.content.decode()


def test_no_alert_before_the_review_date_nor_for_a_closed_facility(
    alice, mary, graded_customer, today
):
    ahead = active_facility(alice, mary, graded_customer, review_date=TODAY)
    night(TODAY)
    assert review_alerts() == []
    overdue = active_facility(alice, mary, graded_customer, review_date=REVIEW)
    night(TODAY)
    assert [alert.subject for alert in review_alerts()] == [f"facility:{overdue.pk}"]
    facility_services.facility_close(actor=mary, facility=overdue, reason="Customer left")
    night(TODAY)
    # Cleared by the scan (the rule resolves when the condition clears).
    assert review_alerts() == []
    assert Alert.objects.get(subject=f"facility:{overdue.pk}").status == "resolved"
    assert CreditFacility.objects.get(pk=ahead.pk).status == FacilityStatus.ACTIVE


def test_the_night_the_review_date_passes_raises_the_alert_with_nothing_else_changed(
    settings, alice, mary, graded_customer
):
    settings.BUSINESS_DATE = REVIEW
    active_facility(alice, mary, graded_customer, review_date=REVIEW)
    night(REVIEW)
    assert review_alerts() == []
    # The next night only the calendar moved: the customer is looked at because of it.
    the_day_after = REVIEW + dt.timedelta(days=1)
    settings.BUSINESS_DATE = the_day_after
    run = night(the_day_after)
    assert run.counts["customers_examined"] == 1
    (alert,) = review_alerts()
    assert alert.customer_id == graded_customer.pk
    assert alert.shown_value() == "review due 2026-10-01, 1 day overdue"


# --- The response "freeze the limit" ------------------------------------------------------


def respond(client, alert, **fields):
    return client.post(
        reverse("risk:alert-respond", args=[alert.pk]),
        {"action": "freeze_limit", "note": "Review overdue, accounts not received", **fields},
    )


def test_freezing_the_limit_from_the_alert_freezes_the_facility_and_another_manager_lifts_it(
    client_for, alice, mary, facility, alert
):
    response = respond(client_for(alice), alert, channel="phone")
    assert response.status_code == 302
    frozen = CreditFacility.objects.get(pk=facility.pk)
    assert frozen.status == FacilityStatus.FROZEN
    assert frozen.frozen_by == alice
    assert "Review overdue, accounts not received" in frozen.status_note
    assert AlertAction.objects.get(alert=alert, action="freeze_limit").taken_by == alice
    event = AuditEvent.objects.get(action="lending.facility.frozen", object_id=str(facility.pk))
    assert event.actor == alice
    assert AuditEvent.objects.filter(action="risk.alert.action_recorded").count() == 1
    # Nothing more is drawn; the officer who froze it may not lift it, a manager may.
    page = client_for(alice).get(reverse("lending:facility-detail", args=[facility.pk]))
    assert reverse("lending:facility-unfreeze", args=[facility.pk]) not in page.content.decode()
    refused = client_for(alice).post(
        reverse("lending:facility-unfreeze", args=[facility.pk]), {"reason": "Accounts in"}
    )
    assert refused.status_code in (403, 404)
    assert CreditFacility.objects.get(pk=facility.pk).status == FacilityStatus.FROZEN
    lifted = client_for(mary).post(
        reverse("lending:facility-unfreeze", args=[facility.pk]), {"reason": "Accounts in"}
    )
    assert lifted.status_code == 302
    assert CreditFacility.objects.get(pk=facility.pk).status == FacilityStatus.ACTIVE


def test_the_manager_who_froze_the_limit_does_not_lift_it(
    client_for, mary, admin_user, facility, alert
):
    assert respond(client_for(mary), alert).status_code == 302
    assert CreditFacility.objects.get(pk=facility.pk).frozen_by == mary
    page = client_for(mary).get(reverse("lending:facility-detail", args=[facility.pk]))
    assert reverse("lending:facility-unfreeze", args=[facility.pk]) not in page.content.decode()
    refused = client_for(mary).post(
        reverse("lending:facility-unfreeze", args=[facility.pk]), {"reason": "Accounts in"}
    )
    assert refused.status_code == 403
    assert CreditFacility.objects.get(pk=facility.pk).status == FacilityStatus.FROZEN
    lifted = client_for(admin_user).post(
        reverse("lending:facility-unfreeze", args=[facility.pk]), {"reason": "Accounts in"}
    )
    assert lifted.status_code == 302
    assert CreditFacility.objects.get(pk=facility.pk).status == FacilityStatus.ACTIVE


def test_freezing_without_an_active_facility_is_refused_by_the_response_and_records_nothing(
    client_for, alice, mary, facility, alert
):
    facility_services.facility_freeze(actor=mary, facility=facility, reason="Lawsuit")
    interactions = Interaction.objects.count()
    response = respond(client_for(alice), alert, channel="phone")
    assert response.status_code == 400
    assert response.context["response_form"].errors["action"] == [
        "This customer has no active credit facility to freeze."
    ]
    assert not AlertAction.objects.filter(alert=alert, action="freeze_limit").exists()
    assert Interaction.objects.count() == interactions
    assert Alert.objects.get(pk=alert.pk).status == "open"
    assert CreditFacility.objects.get(pk=facility.pk).frozen_by == mary


def test_a_risk_officer_cannot_freeze_a_limit_from_the_alert(client_for, rita, facility, alert):
    response = respond(client_for(rita), alert)
    assert response.status_code == 400
    assert "may not freeze" in response.context["response_form"].errors["action"][0]
    assert CreditFacility.objects.get(pk=facility.pk).status == FacilityStatus.ACTIVE
    assert not AlertAction.objects.filter(alert=alert).exists()
