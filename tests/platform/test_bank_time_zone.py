# ruff: noqa: F811 (fixtures imported for pytest are the parameters of the fixtures below)
"""Every date and time shown is in the bank's time zone (TIME_ZONE, Asia/Shanghai), also in
the hours after midnight, when the day in UTC is still the one before: pages, the choices of a
form, exports and the audit trail."""

import csv
import datetime as dt
import io
import zoneinfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import json_safe
from customers.models import FollowUp, Interaction
from risk import jobs
from risk.models import Alert
from tests.customers import factories
from tests.risk.conftest import (  # noqa: F401 - fixtures
    business_day,
    consumer_product,
    graded_customer,
    risky_loan,
)

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.fixture
def night():
    """The night after the suite's day: 00:30 and a visit at 01:05 in Shanghai, both still
    the day before in UTC (16:30 and 17:05)."""
    day = timezone.localdate() + dt.timedelta(days=1)
    at = dt.datetime.combine(day, dt.time(0, 30), SHANGHAI)
    return {
        "day": day,
        "eve": day - dt.timedelta(days=1),
        "half_past_midnight": at,
        "visit": dt.datetime.combine(day, dt.time(1, 5), SHANGHAI),
    }


@pytest.fixture
def alerted_loan(risky_loan, business_day, night):
    """alice's loan, past due since February 2025, with its alerts raised at 00:30."""
    with time_machine.travel(night["half_past_midnight"], tick=False):
        business_day(night["day"])
        jobs.run_synchronously(jobs.NIGHTLY, night["day"])
    return risky_loan


def _csv(response) -> list[dict]:
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


def test_a_visit_at_five_past_one_is_on_that_day_everywhere(client_for, alice, alerted_loan, night):
    day = night["day"].isoformat()
    customer = alerted_loan.customer
    with time_machine.travel(night["visit"] + dt.timedelta(minutes=5), tick=False):
        client = client_for(alice)  # signed in that night (a session ends when idle)
        logged = client.post(
            reverse("customers:interaction-add", args=[customer.pk]),
            {
                "channel": "visit",
                "direction": "outbound",
                "occurred_at": f"{day}T01:05",
                "summary": "Visited the shop",
            },
        )
        assert logged.status_code == 302, logged.content.decode()[:3000]
        visit = Interaction.objects.get(summary="Visited the shop")
        assert visit.occurred_at == night["visit"]

        # The alert's "link a logged interaction" choices: the visit is on its local day.
        alert = Alert.objects.filter(loan=alerted_loan).first()
        page = client.get(reverse("risk:alert-detail", args=[alert.pk]))
        field = page.context["response_form"]["interaction"].field
        assert [str(label) for _value, label in field.choices][1:] == [f"Visit {day}"]
        assert f"Visit {day}</option>" in page.content.decode()

        # The customer 360's timeline.
        detail = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
        assert f"{day} 01:05" in detail

        # The relationship report, filtered by that day and exported; not on the day before.
        report = reverse("dashboards:report", args=["relationship"])
        rows = _csv(client.get(report, {"since": day, "until": day, "export": "csv"}))
        assert [row["When"] for row in rows] == [f"{day} 01:05"]
        eve = night["eve"].isoformat()
        assert _csv(client.get(report, {"since": eve, "until": eve, "export": "csv"})) == []

        # The audit trail names the visit by its local day and keeps its moment locally.
        event = AuditEvent.objects.filter(object_type="customers.interaction").latest("id")
        assert event.object_label == f"Visit {day}"
        assert event.after["occurred_at"] == f"{day}T01:05:00+08:00"
        # A moment read back from the database is in UTC; the trail still writes it locally.
        assert json_safe(visit.occurred_at.astimezone(dt.UTC)) == f"{day}T01:05:00+08:00"
        assert str(event).startswith(f"{day} 01:10 ")


def test_the_pages_after_midnight_count_the_local_day(client_for, alice, mary, alerted_loan, night):
    day = night["day"].isoformat()
    customer = alerted_loan.customer
    with time_machine.travel(night["half_past_midnight"], tick=False):
        assert timezone.localdate() == night["day"]
        FollowUp.objects.create(
            customer=customer, owner=alice, kind="call", purpose="Call back", due_on=night["day"]
        )
        client = client_for(alice)
        page = client.get(reverse("today"))
        assert [item.purpose for item in page.context["due_today"]] == ["Call back"]
        assert page.context["overdue"] == []

        # The alerts were raised at 00:30 that day: so say their page and the alerts report
        # and its export.
        alert = Alert.objects.filter(loan=alerted_loan).first()
        detail = client.get(reverse("risk:alert-detail", args=[alert.pk])).content.decode()
        assert f"{day} 00:30" in detail
        report = reverse("dashboards:report", args=["alerts"])
        rows = _csv(client.get(report, {"since": day, "export": "csv"}))
        assert rows and {row["Raised"] for row in rows} == {f"{day} 00:30"}
        assert {row["Value as of"] for row in rows} == {day}

        # The customers export: a customer created now was created that day.
        factories.individual(alice, name="午夜客户")
        exported = _csv(client.get(reverse("customers:export", args=["csv"])))
        assert [row["Created"] for row in exported if row["Name"] == "午夜客户"] == [f"{day} 00:30"]

        # The dashboard: computed at 00:30 that day, compared with 30 days before it, its
        # alert figures counting the alerts raised at 00:30, and their list holding them.
        dashboard = client_for(mary).get(reverse("dashboards:dashboard"))
        body = dashboard.content.decode()
        assert f"as of {day} 00:30" in body
        compare = (night["day"] - dt.timedelta(days=30)).isoformat()
        assert f"since {compare}" in body or f"No snapshot of {compare}" in body
        alerts = dashboard.context["alerts"]
        listed = client_for(mary).get(dashboard.context["links"]["alerts"]).context["alerts"]
        assert alerts["age_1"] == len(listed) == alerts["red"] + alerts["orange"] + alerts["yellow"]
