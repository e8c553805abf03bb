"""One person trying many identifiers of customers outside their scope in a day is finding
out who banks here: past DUPLICATE_ATTEMPTS_ALERT_AFTER (5) such customers in a day, their
manager gets a conduct alert, once a day, audited, and closes it with what they found.

alice (North officer) tries the identifiers; mary manages North, sonia South."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.models import Role
from audit.models import AuditEvent
from risk.models import ConductAlert, ConductAlertStatus
from tests.customers import factories


@pytest.fixture
def sonia(cast, charlie):
    return account_services.user_create(
        actor=None,
        username="sonia",
        password="not-used-here-1",
        role=Role.MANAGER,
        branch=charlie.branch,
        first_name="Sonia",
        last_name="Zhou",
        email="sonia@demo.xindai.example",
    )


@pytest.fixture
def outside_alices_scope(bob, charlie):
    """Eight customers alice may not see: four of her colleague's, four of another branch's."""
    return [factories.individual(bob, name=f"Bob 客户 {n}") for n in range(4)] + [
        factories.individual(charlie, name=f"Charlie 客户 {n}") for n in range(4)
    ]


def _try(client, customer, **extra) -> None:
    response = client.post(
        reverse("customers:create"),
        {"kind": "individual", "name": "试探", "resident_id": customer.resident_id, **extra},
    )
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["resident_id"]


def _conduct_panel(client) -> str:
    page = client.get(reverse("today")).content.decode()
    start = page.find('data-testid="today-conduct-alerts"')
    return page[start : page.find("</ul>", start)] if start >= 0 else ""


def test_the_sixth_customer_outside_the_scope_in_a_day_raises_one_alert_for_the_manager(
    client_for, alice, mary, outside_alices_scope, django_capture_on_commit_callbacks
):
    client = client_for(alice)
    for customer in outside_alices_scope[:5]:
        _try(client, customer)
    # Her own customers, and the same customer tried again, are not probing.
    own = factories.individual(alice, name="Alice 客户")
    _try(client, own)
    _try(client, own)
    _try(client, outside_alices_scope[0])
    assert not ConductAlert.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        _try(client, outside_alices_scope[5])
    alert = ConductAlert.objects.get()
    # The bank's calendar day, whatever the hour (00:30 is still the day before in UTC).
    today = timezone.localdate()
    assert (alert.user, alert.branch, alert.day, alert.identifiers, alert.status) == (
        alice,
        alice.branch,
        today,
        6,
        ConductAlertStatus.OPEN,
    )
    raised = AuditEvent.objects.get(action="risk.conduct_alert.raised")
    assert raised.object_id == str(alert.pk)
    assert raised.after == {
        "kind": "duplicate_probing",
        "user": "alice",
        "day": today.isoformat(),
        "identifiers": 6,
    }
    assert [message.to for message in mail.outbox] == [[mary.email]]
    assert f"Alice Wang (North) tried on {today} to register 6 identifiers" in mail.outbox[0].body
    assert reverse("risk:conduct-alert", args=[alert.pk]) in mail.outbox[0].body

    # The seventh counts on the same alert; nothing is raised or mailed again.
    with django_capture_on_commit_callbacks(execute=True):
        _try(client, outside_alices_scope[6])
    assert ConductAlert.objects.get().identifiers == 7
    assert AuditEvent.objects.filter(action="risk.conduct_alert.raised").count() == 1
    assert len(mail.outbox) == 1

    # The manager sees it on her Today page; alice, whom it is about, does not.
    panel = _conduct_panel(client_for(mary))
    assert "Alice Wang" in panel
    assert f"7 identifiers of customers outside their scope on {today}" in panel
    assert _conduct_panel(client_for(alice)) == ""
    page = client_for(mary).get(reverse("risk:conduct-alert", args=[alert.pk])).content.decode()
    assert (
        f"On {today}, Alice Wang tried to register 7 identifiers that customers outside "
        "their scope hold."
    ) in page


def test_a_new_day_counts_afresh(client_for, alice, outside_alices_scope):
    client = client_for(alice)
    for customer in outside_alices_scope[:4]:
        _try(client, customer)
    with time_machine.travel(dt.datetime(2026, 11, 19, 9, 0, tzinfo=dt.UTC), tick=True):
        client = client_for(alice)
        for customer in outside_alices_scope[4:8]:
            _try(client, customer)
    assert not ConductAlert.objects.exists()


def test_the_threshold_is_the_setting(client_for, settings, alice, outside_alices_scope):
    settings.DUPLICATE_ATTEMPTS_ALERT_AFTER = 2
    client = client_for(alice)
    for customer in outside_alices_scope[:2]:
        _try(client, customer)
    assert not ConductAlert.objects.exists()
    _try(client, outside_alices_scope[2])
    assert ConductAlert.objects.get().identifiers == 3


def test_a_file_of_other_portfolios_identifiers_raises_it_at_once(
    client_for, alice, outside_alices_scope
):
    rows = "".join(
        f"individual,试探,{customer.resident_id},alice\n" for customer in outside_alices_scope
    )
    content = ("kind,name,resident_id,officer\n" + rows).encode()
    response = client_for(alice).post(
        reverse("customers:import"),
        {"file": SimpleUploadedFile("probe.csv", content, content_type="text/csv")},
    )
    assert len(response.context["report"].rejected) == 8
    assert ConductAlert.objects.get(user=alice).identifiers == 8


@pytest.fixture
def alices_alert(client_for, alice, outside_alices_scope):
    client = client_for(alice)
    for customer in outside_alices_scope[:6]:
        _try(client, customer)
    return ConductAlert.objects.get(user=alice)


def test_who_may_open_the_alert(client_for, cast, sonia, alices_alert):
    url = reverse("risk:conduct-alert", args=[alices_alert.pk])
    expected = {
        # Officers never review conduct, the person it is about among them: out of role,
        # the same for every alert, so it tells them nothing.
        "alice": 403,
        "bob": 403,
        "charlie": 403,
        # Another branch's manager: out of scope.
        "sonia": 404,
        "mary": 200,
        "rita": 200,
        "admin": 200,
    }
    people = {**cast, "sonia": sonia}
    assert {name: client_for(people[name]).get(url).status_code for name in expected} == expected
    assert client_for(cast["mary"]).get(reverse("risk:conduct-alert", args=[0])).status_code == 404


def test_an_alert_about_a_manager_goes_to_head_office_and_never_to_her(
    client_for, mary, rita, bob, charlie, django_capture_on_commit_callbacks
):
    client = client_for(mary)
    # Her own branch's customers are in her scope: not counted.
    for n in range(6):
        _try(client, factories.individual(bob, name=f"Bob 客户 {n}"), officer=bob.pk)
    assert not ConductAlert.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(6):
            _try(client, factories.individual(charlie, name=f"Charlie 客户 {n}"), officer=bob.pk)
    alert = ConductAlert.objects.get(user=mary)
    # North has no other manager: head office's risk officers are told.
    assert [message.to for message in mail.outbox] == [[rita.email]]
    url = reverse("risk:conduct-alert", args=[alert.pk])
    assert client_for(mary).get(url).status_code == 404
    assert "Mary Chen" not in _conduct_panel(client_for(mary))
    assert client_for(rita).get(url).status_code == 200
    assert "Mary Chen" in _conduct_panel(client_for(rita))


def test_closing_needs_what_was_found_and_happens_once(client_for, mary, rita, alices_alert):
    url = reverse("risk:conduct-alert", args=[alices_alert.pk])
    client = client_for(mary)
    response = client.post(url, {"note": "  "})
    assert response.status_code == 400
    assert response.context["form"].errors == {"note": ["This field is required."]}
    alices_alert.refresh_from_db()
    assert alices_alert.status == ConductAlertStatus.OPEN
    assert not AuditEvent.objects.filter(action="risk.conduct_alert.closed").exists()

    note = "Alice was entering a family's files from the South branch's list by mistake."
    response = client.post(url, {"note": note})
    assert response.status_code == 302 and response.url == reverse("today")
    alices_alert.refresh_from_db()
    assert (alices_alert.status, alices_alert.closed_by, alices_alert.close_note) == (
        ConductAlertStatus.CLOSED,
        mary,
        note,
    )
    closed = AuditEvent.objects.get(action="risk.conduct_alert.closed")
    assert closed.actor == mary
    assert closed.after["status"] == "closed" and closed.after["close_note"] == note
    assert "Alice Wang" not in _conduct_panel(client_for(mary))

    # A second close (another tab, another reviewer) changes nothing and says who closed it.
    response = client_for(rita).post(url, {"note": "Also looked"})
    assert response.status_code == 400
    assert "Mary Chen already closed this alert." in response.content.decode()
    alices_alert.refresh_from_db()
    assert alices_alert.close_note == note
    assert AuditEvent.objects.filter(action="risk.conduct_alert.closed").count() == 1
