"""Marking a follow-up done asks what came of it and logs that on the timeline; the person
who did it can undo it the same day; an interaction's next step with a date becomes the
follow-up; and the dashboard's "Follow-ups on time" counts a follow-up done on time."""

import datetime as dt

import time_machine
from django.urls import reverse
from django.utils import timezone, translation

from audit.models import AuditEvent
from customers.models import FollowUp, Interaction


def _done_url(follow_up):
    return reverse("customers:follow-up-complete", args=[follow_up.customer_id, follow_up.pk])


def _undo_url(follow_up):
    return reverse("customers:follow-up-undo", args=[follow_up.customer_id, follow_up.pk])


def test_done_asks_for_the_outcome_and_logs_it_as_an_interaction(
    client_for, alice, alices_follow_up
):
    client = client_for(alice)
    today = client.get(reverse("today"))
    assert f'action="{_done_url(alices_follow_up)}"' in today.content.decode()
    response = client.post(
        _done_url(alices_follow_up),
        {"outcome": "She will bring the payslips on Friday", "channel": "visit", "next": "today"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("today")
    alices_follow_up.refresh_from_db()
    assert alices_follow_up.status == "done"
    interaction = Interaction.objects.get(customer=alices_follow_up.customer)
    assert interaction.completes_follow_up == alices_follow_up
    assert (interaction.outcome, interaction.channel, interaction.officer) == (
        "She will bring the payslips on Friday",
        "visit",
        alice,
    )
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert "customers.interaction.logged" in actions and "customers.follow_up.done" in actions
    timeline = client.get(reverse("customers:detail", args=[alices_follow_up.customer_id]))
    assert "She will bring the payslips on Friday" in timeline.content.decode()


def test_done_without_an_outcome_is_refused_by_the_field_and_changes_nothing(
    client_for, alice, alices_follow_up
):
    client = client_for(alice)
    for language, message in (("en", "Say what came of it."), ("zh-hans", None)):
        client.cookies["django_language"] = language
        response = client.post(_done_url(alices_follow_up), {"outcome": "  ", "channel": "phone"})
        assert response.status_code == 400
        assert "outcome" in response.context["form"].errors
        if message:
            assert message in response.content.decode()
        with translation.override(language):
            assert str(response.context["form"].errors["outcome"][0]) in (response.content.decode())
    alices_follow_up.refresh_from_db()
    assert alices_follow_up.status == "open"
    assert not Interaction.objects.exists()
    assert not AuditEvent.objects.filter(action="customers.follow_up.done").exists()


def test_undo_reopens_the_follow_up_and_voids_its_interaction_with_the_trail_kept(
    client_for, alice, alices_follow_up
):
    client = client_for(alice)
    client.post(_done_url(alices_follow_up), {"outcome": "Reached her", "channel": "phone"})
    today = client.get(reverse("today"))
    assert f'action="{_undo_url(alices_follow_up)}"' in today.content.decode()
    response = client.post(_undo_url(alices_follow_up), {"next": "today"})
    assert response.status_code == 302
    alices_follow_up.refresh_from_db()
    assert (alices_follow_up.status, alices_follow_up.closed_at) == ("open", None)
    assert not Interaction.objects.exists()
    voided = AuditEvent.objects.get(action="customers.interaction.voided")
    assert voided.before["outcome"] == "Reached her"
    assert AuditEvent.objects.filter(
        action="customers.follow_up.reopened", object_id=str(alices_follow_up.pk)
    ).exists()
    assert alices_follow_up in client.get(reverse("today")).context["due_today"] + [
        *client.get(reverse("today")).context["this_week"]
    ]


def test_undo_is_refused_the_next_day_and_to_someone_else(
    client_for, alice, bob, mary, alices_follow_up
):
    client = client_for(alice)
    client.post(_done_url(alices_follow_up), {"outcome": "Reached her", "channel": "phone"})
    # Mary (her manager) sees the customer but did not mark it done.
    refused = client_for(mary).post(_undo_url(alices_follow_up))
    assert refused.status_code == 400
    assert "Only who marked it done can undo it" in refused.content.decode()
    with time_machine.travel(timezone.now() + dt.timedelta(days=1)):
        client = client_for(alice)
        assert _undo_url(alices_follow_up) not in client.get(reverse("today")).content.decode()
        assert client.post(_undo_url(alices_follow_up)).status_code == 400
    alices_follow_up.refresh_from_db()
    assert alices_follow_up.status == "done"
    assert Interaction.objects.count() == 1


def test_charlie_gets_404_on_norths_follow_up_done_and_undo(
    client_for, alice, charlie, alices_follow_up
):
    client_for(alice).post(_done_url(alices_follow_up), {"outcome": "x", "channel": "phone"})
    outsider = client_for(charlie)
    assert outsider.get(_done_url(alices_follow_up)).status_code == 404
    assert outsider.post(_done_url(alices_follow_up), {"outcome": "y"}).status_code == 404
    assert outsider.post(_undo_url(alices_follow_up)).status_code == 404
    alices_follow_up.refresh_from_db()
    assert alices_follow_up.status == "done"


def test_an_interactions_next_step_with_a_date_plans_the_follow_up(
    client_for, alice, alices_customer
):
    due = timezone.localdate() + dt.timedelta(days=7)
    response = client_for(alice).post(
        reverse("customers:interaction-add", args=[alices_customer.pk]),
        {
            "channel": "phone",
            "direction": "outbound",
            "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "summary": "Discussed a renewal",
            "next_step": "Send the renewal offer",
            "next_step_due": due.isoformat(),
        },
    )
    assert response.status_code == 302
    follow_up = FollowUp.objects.get(customer=alices_customer)
    assert (follow_up.purpose, follow_up.due_on, follow_up.owner) == (
        "Send the renewal offer",
        due,
        alice,
    )
    assert AuditEvent.objects.filter(action="customers.follow_up.planned").exists()


def test_a_next_step_date_without_a_step_or_in_the_past_is_refused(
    client_for, alice, alices_customer
):
    client = client_for(alice)
    url = reverse("customers:interaction-add", args=[alices_customer.pk])
    base = {
        "channel": "phone",
        "direction": "outbound",
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "summary": "Called",
    }
    no_step = client.post(
        url, {**base, "next_step_due": (timezone.localdate() + dt.timedelta(days=3)).isoformat()}
    )
    assert no_step.status_code == 400
    assert "next_step" in no_step.context["form"].errors
    past = client.post(
        url,
        {
            **base,
            "next_step": "Call back",
            "next_step_due": (timezone.localdate() - dt.timedelta(days=3)).isoformat(),
        },
    )
    assert past.status_code == 400
    assert "next_step_due" in past.context["form"].errors
    assert not Interaction.objects.exists() and not FollowUp.objects.exists()


def test_follow_ups_on_time_reads_100_percent_after_completing_one_on_time(
    client_for, alice, mary, alices_follow_up
):
    # Due tomorrow, done today: on time, and counted today (not only once its date passed).
    client_for(alice).post(
        _done_url(alices_follow_up), {"outcome": "Reached her", "channel": "phone"}
    )
    response = client_for(mary).get(reverse("dashboards:dashboard"))
    assert response.context["relationship"]["follow_up_compliance"] == 1
    page = response.content.decode()
    assert "100.00%" in page
    assert "done by their due date, of those done or past due in the last 90 days" in page
