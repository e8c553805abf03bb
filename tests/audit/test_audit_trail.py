import datetime as dt
from decimal import Decimal

import pytest
from django.db import DatabaseError, transaction
from django.test import RequestFactory

from audit.middleware import AuditContextMiddleware
from audit.models import AuditEvent
from audit.services import audit_change, audit_log, snapshot


def test_audit_log_records_who_what_and_the_values(alice):
    event = audit_log(
        actor=alice,
        action="accounts.user.updated",
        obj=alice,
        before={"limit": Decimal("100.10"), "due": dt.date(2026, 1, 31)},
        after={"limit": Decimal("200.20"), "due": dt.date(2026, 2, 28)},
    )
    event.refresh_from_db()
    assert event.actor == alice
    assert event.object_type == "accounts.user"
    assert event.object_id == str(alice.pk)
    assert event.object_label == str(alice)
    # Money and dates survive exactly, as strings, not as floats.
    assert event.before == {"limit": "100.10", "due": "2026-01-31"}
    assert event.after == {"limit": "200.20", "due": "2026-02-28"}


def test_audit_change_records_only_what_changed_and_nothing_when_nothing_did(alice):
    before = snapshot(alice, ["first_name", "last_name"])
    assert audit_change(actor=alice, action="x.y.z", obj=alice, before=before, after=before) is None
    alice.first_name = "Alicia"
    event = audit_change(
        actor=alice,
        action="x.y.z",
        obj=alice,
        before=before,
        after=snapshot(alice, ["first_name", "last_name"]),
    )
    assert event.before == {"first_name": "Alice"}
    assert event.after == {"first_name": "Alicia"}


def test_the_request_ip_is_recorded(alice):
    captured = {}

    def view(request):
        captured["event"] = audit_log(actor=alice, action="test.ip.recorded")
        return None

    request = RequestFactory().get("/", REMOTE_ADDR="10.1.2.3")
    AuditContextMiddleware(view)(request)
    assert captured["event"].ip == "10.1.2.3"
    # Outside a request (a Celery task) there is no address.
    assert audit_log(actor=None, action="test.ip.none").ip is None


@pytest.mark.parametrize("operation", ["update", "delete"])
def test_the_trail_is_append_only_in_the_database(alice, operation):
    event = audit_log(actor=alice, action="test.append.only")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        if operation == "update":
            AuditEvent.objects.filter(pk=event.pk).update(action="rewritten")
        else:
            AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "test.append.only"


def test_admin_can_read_but_not_edit_the_trail(client_for, admin_user, alice):
    event = audit_log(actor=alice, action="test.admin.read")
    client = client_for(admin_user)
    assert client.get("/admin/audit/auditevent/").status_code == 200
    assert (
        "test.admin.read"
        in client.get(f"/admin/audit/auditevent/{event.pk}/change/").content.decode()
    )
    assert client.get("/admin/audit/auditevent/add/").status_code == 403


def test_officer_cannot_read_the_trail(client_for, alice):
    response = client_for(alice).get("/admin/audit/auditevent/")
    assert response.status_code == 302


def test_an_admin_finds_who_viewed_a_customer_and_why_identifiers_were_shown(
    client_for, alice, bob, admin_user
):
    from django.urls import reverse

    from tests.customers import factories

    customer = factories.individual(alice, name="王小明")
    other = factories.individual(bob, name="李四")
    client_for(alice).get(reverse("customers:detail", args=[customer.pk]))
    client_for(alice).post(reverse("customers:reveal", args=[customer.pk]), {"reason": "call"})
    client_for(bob).get(reverse("customers:detail", args=[other.pk]))

    page = client_for(admin_user).get(
        reverse("admin:audit_auditevent_changelist"),
        {"object_type": "customers.customer", "q": str(customer.pk)},
    )
    rows = list(page.context["cl"].result_list)
    assert {(row.actor, row.action) for row in rows} == {
        (alice, "customers.customer.created"),
        (alice, "customers.customer.viewed"),
        (alice, "customers.customer.identifier_revealed"),
    }
    revealed = next(row for row in rows if row.action.endswith("identifier_revealed"))
    assert revealed.after == {"reason": "call"}
    # The trail names the customer, never their identifiers.
    assert customer.resident_id not in page.content.decode()
