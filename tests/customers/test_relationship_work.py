import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from customers import services
from customers.models import Complaint, FollowUp, Interaction, NeedsProfile, Survey
from tests.customers import factories


def local_input(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def quick_add(client, customer, **fields):
    """The 360's quick-add, as htmx sends it."""
    return client.post(
        reverse("customers:interaction-add", args=[customer.pk]),
        {
            "channel": "phone",
            "direction": "outbound",
            "occurred_at": local_input(timezone.now()),
            **fields,
        },
        HTTP_HX_REQUEST="true",
    )


def test_quick_add_logs_a_call_and_returns_only_the_interactions_section(
    client_for, alice, alices_customer, django_assert_max_num_queries
):
    client = client_for(alice)
    # session, user with branch, customer; the service: savepoint, the interaction's
    # foreign keys checked (customer, officer), its row, the audit row, savepoint released;
    # then the open follow-ups the fresh form offers, the interactions, the payment
    # reminders beside them (lending); the session's idle expiry moved on (savepoint, update,
    # release). Reading the whole 360 again made it 20.
    with django_assert_max_num_queries(15):
        response = quick_add(
            client,
            alices_customer,
            summary="Called about the renewal",
            outcome="Interested",
            next_step="Send the offer",
        )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Called about the renewal" in body and "Interaction logged." in body
    assert 'data-testid="timeline"' in body and 'id="quick-interaction"' in body
    # Not the page, nor a section the interaction did not change.
    assert "<html" not in body
    for section in ('id="follow-ups-body"', 'id="complaints"', 'id="satisfaction"', 'id="risk"'):
        assert section not in body
    interaction = Interaction.objects.get()
    assert interaction.officer == alice
    assert AuditEvent.objects.filter(action="customers.interaction.logged").exists()


def test_quick_add_that_completes_a_follow_up_updates_the_upcoming_follow_ups(
    client_for, alice, alices_customer, alices_follow_up
):
    later = FollowUp.objects.create(
        customer=alices_customer,
        owner=alice,
        purpose="Bring the lease",
        due_on=alices_follow_up.due_on + dt.timedelta(days=7),
    )
    response = quick_add(
        client_for(alice),
        alices_customer,
        channel="visit",
        summary="Went through the plan",
        completes_follow_up=alices_follow_up.pk,
    )
    assert response.status_code == 200
    body = response.content.decode()
    # The upcoming follow-ups, swapped out of band: the one completed is gone from them and
    # from the fresh form's choices; the other stays in both.
    oob = body.split('<div id="follow-ups-body" hx-swap-oob="innerHTML">')[1]
    assert "Check the repayment plan" not in oob and "Bring the lease" in oob
    choices = body.split('name="completes_follow_up"')[1].split("</select>")[0]
    assert f'value="{later.pk}"' in choices
    assert f'value="{alices_follow_up.pk}"' not in choices
    # On the timeline, the interaction says what it completed.
    timeline = body.split('data-testid="timeline"')[1]
    assert "Went through the plan" in timeline and "Check the repayment plan" in timeline
    alices_follow_up.refresh_from_db()
    assert alices_follow_up.status == "done"


def test_quick_add_with_errors_returns_only_the_form_and_saves_nothing(
    client_for, alice, alices_customer, alices_follow_up
):
    response = quick_add(
        client_for(alice),
        alices_customer,
        channel="pigeon",
        occurred_at="not a date",
        summary="",
        completes_follow_up=alices_follow_up.pk,
    )
    assert response.status_code == 422
    # The form alone, in place of the quick form (the layout's htmx swaps a 422 in).
    assert response["HX-Retarget"] == "#quick-interaction"
    assert response["HX-Reswap"] == "outerHTML"
    body = response.content.decode()
    assert body.count('id="quick-interaction"') == 1 and 'data-testid="timeline"' not in body
    # Each error next to its field, the form open.
    for field in ("channel", "occurred_at", "summary"):
        assert f'id="error_1_id_{field}"' in body, field
    assert "Select a valid choice" in body and " open>" in body
    assert not Interaction.objects.exists()
    alices_follow_up.refresh_from_db()
    assert alices_follow_up.status == "open"


def test_a_refused_quick_add_keeps_what_was_typed(client_for, alice, alices_customer):
    response = quick_add(
        client_for(alice),
        alices_customer,
        occurred_at=local_input(timezone.now() + dt.timedelta(days=2)),
        summary="Called the wrong day",
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert 'id="error_1_id_occurred_at"' in body and "cannot be in the future" in body
    assert "Called the wrong day" in body
    assert not Interaction.objects.exists()


@pytest.mark.parametrize("outsider", ["bob", "charlie"])
def test_an_outsider_gets_404_from_the_quick_add(
    client_for, cast, alices_customer, alices_follow_up, outsider
):
    response = quick_add(
        client_for(cast[outsider]),
        alices_customer,
        summary="Not my customer",
        completes_follow_up=alices_follow_up.pk,
    )
    assert response.status_code == 404
    assert not Interaction.objects.exists()
    assert not AuditEvent.objects.filter(action="customers.interaction.logged").exists()
    alices_follow_up.refresh_from_db()
    assert alices_follow_up.status == "open"


def test_an_interaction_completes_the_follow_up(
    client_for, alice, alices_customer, alices_follow_up
):
    response = client_for(alice).post(
        reverse("customers:interaction-add", args=[alices_customer.pk]),
        {
            "channel": "visit",
            "direction": "outbound",
            "occurred_at": local_input(timezone.now()),
            "summary": "Visited the shop",
            "completes_follow_up": alices_follow_up.pk,
        },
    )
    assert response.status_code == 302
    alices_follow_up.refresh_from_db()
    assert alices_follow_up.status == "done"
    assert alices_follow_up.completed_by.summary == "Visited the shop"


def test_interactions_cannot_be_in_the_future(client_for, alice, alices_customer):
    response = client_for(alice).post(
        reverse("customers:interaction-add", args=[alices_customer.pk]),
        {
            "channel": "phone",
            "direction": "outbound",
            "occurred_at": local_input(timezone.now() + dt.timedelta(days=2)),
            "summary": "x",
        },
    )
    assert "cannot be in the future" in str(response.context["form"].errors["occurred_at"])
    assert not Interaction.objects.exists()


def test_plan_a_visit_and_it_shows_on_today(client_for, alice, alices_customer):
    client = client_for(alice)
    response = client.post(
        reverse("customers:follow-up-add", args=[alices_customer.pk]),
        {"kind": "visit", "purpose": "Check the warehouse", "due_on": timezone.localdate()},
    )
    assert response.status_code == 302
    follow_up = FollowUp.objects.get()
    assert follow_up.owner == alice and follow_up.source == "manual"
    today = client.get(reverse("today"))
    assert follow_up in today.context["due_today"]
    assert "Check the warehouse" in today.content.decode()


def test_a_follow_up_cannot_be_planned_in_the_past(client_for, alice, alices_customer):
    response = client_for(alice).post(
        reverse("customers:follow-up-add", args=[alices_customer.pk]),
        {"kind": "call", "purpose": "x", "due_on": timezone.localdate() - dt.timedelta(days=1)},
    )
    assert "due_on" in response.context["form"].errors
    assert not FollowUp.objects.exists()


def test_completing_twice_changes_nothing_the_second_time(
    client_for, alice, alices_customer, alices_follow_up
):
    client = client_for(alice)
    url = reverse("customers:follow-up-complete", args=[alices_customer.pk, alices_follow_up.pk])
    client.post(url, {"outcome": "Reached her", "channel": "phone"})
    second = client.post(url, {"outcome": "Reached her", "channel": "phone"})
    assert second.status_code == 400
    assert AuditEvent.objects.filter(action="customers.follow_up.done").count() == 1
    assert Interaction.objects.filter(completes_follow_up=alices_follow_up).count() == 1


def test_complaint_gets_an_sla_and_shows_on_today_when_late(
    client_for, alice, mary, alices_customer
):
    client = client_for(alice)
    received = timezone.now() - dt.timedelta(days=3)
    response = client.post(
        reverse("customers:complaint-add", args=[alices_customer.pk]),
        {
            "kind": "complaint",
            "category": "process",
            "severity": "high",
            "description": "Nobody answers",
            "received_at": local_input(received),
        },
    )
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.owner == alice
    assert complaint.sla_due_at - complaint.received_at == dt.timedelta(hours=48)
    assert complaint in client.get(reverse("today")).context["overdue_complaints"]
    # The branch manager sees it too.
    assert complaint in client_for(mary).get(reverse("today")).context["overdue_complaints"]


def test_resolving_a_complaint_needs_a_resolution(
    client_for, alice, alices_customer, alices_complaint
):
    client = client_for(alice)
    url = reverse("customers:complaint-update", args=[alices_customer.pk, alices_complaint.pk])
    response = client.post(url, {"status": "resolved", "resolution": ""})
    assert "resolution" in response.context["form"].errors
    alices_complaint.refresh_from_db()
    assert alices_complaint.status == "open"
    assert (
        client.post(
            url, {"status": "resolved", "resolution": "Called back, explained the steps"}
        ).status_code
        == 302
    )
    alices_complaint.refresh_from_db()
    assert alices_complaint.status == "resolved" and alices_complaint.resolved_at


def test_survey_needs_a_score_in_range(client_for, alice, alices_customer):
    client = client_for(alice)
    url = reverse("customers:survey-add", args=[alices_customer.pk])
    response = client.post(
        url, {"event": "loan_disbursed", "source": "call", "responded_on": timezone.localdate()}
    )
    assert "Enter a CSAT score" in response.content.decode()
    response = client.post(
        url,
        {
            "event": "loan_disbursed",
            "source": "call",
            "csat": "9",
            "responded_on": timezone.localdate(),
        },
    )
    assert "csat" in response.context["form"].errors
    assert not Survey.objects.exists()
    client.post(
        url,
        {
            "event": "loan_disbursed",
            "source": "paper",
            "csat": "5",
            "nps": "9",
            "responded_on": timezone.localdate(),
        },
    )
    assert Survey.objects.get().nps == 9


def test_needs_are_recorded_with_a_date(client_for, alice, alices_customer):
    client_for(alice).post(
        reverse("customers:needs-add", args=[alices_customer.pk]),
        {
            "products_of_interest": "Working-capital loan",
            "amount": "500000",
            "term_months": "24",
            "purpose": "Stock",
            "risk_appetite": "balanced",
            "preferred_channel": "visit",
            "recorded_on": timezone.localdate(),
        },
    )
    needs = NeedsProfile.objects.get()
    assert needs.recorded_by == alice
    page = client_for(alice).get(reverse("customers:detail", args=[alices_customer.pk]))
    assert "Working-capital loan" in page.content.decode()


def test_one_primary_contact_per_enterprise(alice, alices_enterprise):
    from customers.models import ContactPerson

    first = services.contact_save(
        actor=alice,
        contact=ContactPerson(customer=alices_enterprise, name="李会计", is_primary=True),
    )
    services.contact_save(
        actor=alice, contact=ContactPerson(customer=alices_enterprise, name="张总", is_primary=True)
    )
    first.refresh_from_db()
    assert not first.is_primary
    assert ContactPerson.objects.filter(is_primary=True).get().name == "张总"


def test_today_query_count(client_for, alice, django_assert_num_queries):
    customer = factories.individual(alice)
    for offset in (-3, 0, 2):
        FollowUp.objects.create(
            customer=customer,
            owner=alice,
            purpose="x",
            due_on=timezone.localdate() + dt.timedelta(days=offset),
        )
    client = client_for(alice)
    client.get(reverse("today"))
    # session, user with branch, overdue, due today, this week, recently assigned,
    # complaints past SLA, what the user marked done today (to undo), the user's first open
    # alerts and the count of all of them, and the inspections due with their count (one
    # query, lending.inspection_panels): the same whatever the number of follow-ups and
    # alerts.
    with django_assert_num_queries(11):
        client.get(reverse("today"))


def test_today_query_count_for_a_manager(client_for, mary, bob, django_assert_num_queries):
    from risk.models import ConductAlert

    customer = factories.individual(bob)
    for offset in (-3, 0, 2):
        FollowUp.objects.create(
            customer=customer,
            owner=mary,
            purpose="x",
            due_on=timezone.localdate() + dt.timedelta(days=offset),
        )
    alerts = [
        ConductAlert.objects.create(
            kind="duplicate_probing",
            user=bob,
            branch=bob.branch,
            day=timezone.localdate() - dt.timedelta(days=day),
            identifiers=6,
        )
        for day in (1, 2)
    ]
    client = client_for(mary)
    client.get(reverse("today"))
    # The officer's eleven, the open conduct alerts of her branch that a manager reviews
    # (risk.conduct), and the decision queue's first rows and true total (lending): the
    # same whatever the number of follow-ups, alerts and applications.
    with django_assert_num_queries(14):
        page = client.get(reverse("today")).content.decode()
    assert all(reverse("risk:conduct-alert", args=[alert.pk]) in page for alert in alerts)
