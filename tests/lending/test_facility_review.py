"""The annual review of a credit facility (lending.services.facilities.facility_review_record):
the officer or a manager records it with a note on the facility page; the review date moves a
year on, never past the expiry; the review-overdue alert resolves at the next night's scan."""

import datetime as dt

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from lending.facility_models import CreditFacility
from lending.services.facilities import next_review_date
from risk import jobs
from risk.models import ACTIVE_ALERT_STATUSES, Alert
from tests.lending.test_facilities import active_facility

pytestmark = pytest.mark.django_db

OVERDUE_ON = dt.date(2027, 3, 1)  # the facility's review fell due on 31 December 2026


@pytest.fixture
def facility(alice, mary, graded_customer, on_business_date):
    return active_facility(alice, mary, graded_customer)


def _review_alerts(facility):
    return Alert.objects.filter(
        indicator="facility_review_overdue",
        customer=facility.customer,
        status__in=ACTIVE_ALERT_STATUSES,
    )


def test_the_officer_records_the_review_and_the_overdue_alert_resolves(
    client_for, alice, facility, settings
):
    settings.BUSINESS_DATE = OVERDUE_ON
    run = jobs.run_synchronously(jobs.NIGHTLY, OVERDUE_ON)
    assert run.status == "done", run.failures
    assert _review_alerts(facility).count() == 1

    client = client_for(alice)
    page = client.get(reverse("lending:facility-detail", args=[facility.pk]))
    assert reverse("lending:facility-review", args=[facility.pk]) in page.content.decode()
    response = client.post(
        reverse("lending:facility-review", args=[facility.pk]),
        {"reason": "Revenue steady; collateral revalued"},
    )
    assert response.status_code == 302
    facility.refresh_from_db()
    assert facility.review_date == dt.date(2027, 12, 31)  # a year on would pass the expiry
    event = AuditEvent.objects.get(action="lending.facility.review_recorded", actor=alice)
    assert event.after["note"] == "Revenue steady; collateral revalued"
    assert event.after["reviewed_on"] == "2027-03-01"
    assert event.before["review_date"] == "2026-12-31"

    run = jobs.run_synchronously(jobs.NIGHTLY, OVERDUE_ON)
    assert run.status == "done", run.failures
    assert not _review_alerts(facility).exists()


def test_a_review_without_a_note_is_refused_next_to_the_field(client_for, mary, facility):
    response = client_for(mary).post(reverse("lending:facility-review", args=[facility.pk]), {})
    assert response.status_code == 400
    assert response.context["review_form"].errors["reason"]
    assert CreditFacility.objects.get(pk=facility.pk).review_date == facility.review_date
    assert not AuditEvent.objects.filter(action="lending.facility.review_recorded").exists()


def test_the_outsider_gets_404_and_a_risk_officer_403(client_for, charlie, rita, facility):
    url = reverse("lending:facility-review", args=[facility.pk])
    assert client_for(charlie).post(url, {"reason": "x"}).status_code == 404
    assert client_for(rita).post(url, {"reason": "x"}).status_code == 403
    assert CreditFacility.objects.get(pk=facility.pk).review_date == facility.review_date


def test_the_next_review_is_a_year_on_and_never_past_the_expiry():
    assert next_review_date(dt.date(2026, 3, 1), dt.date(2030, 1, 1)) == dt.date(2027, 3, 1)
    assert next_review_date(dt.date(2028, 2, 29), dt.date(2030, 1, 1)) == dt.date(2029, 2, 28)
    assert next_review_date(dt.date(2026, 3, 1), dt.date(2026, 9, 30)) == dt.date(2026, 9, 30)
