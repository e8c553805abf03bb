"""Working the alerts: assigning them (with a note), the queues, acknowledging several at
once, a customer's alerts grouped worst first, and Today's true count."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from risk import jobs, services
from risk.models import Alert, AlertAction, EarlyWarningRule
from tests.customers import factories


@pytest.fixture
def alert(risky_loan):
    jobs.run_synchronously(jobs.NIGHTLY, dt.date(2025, 2, 20))
    return Alert.objects.get(indicator="dpd")


@pytest.fixture
def two_alerts(risky_loan):
    """The loan 30 days past due: its days-past-due alert and its instalments missed."""
    jobs.run_synchronously(jobs.NIGHTLY, dt.date(2025, 3, 12))
    return list(Alert.objects.filter(loan=risky_loan).order_by("pk"))


def raise_alert(customer, code, *, days_ago=0, subject=None, status="open"):
    """An alert written as the scan would, for the pages' tests."""
    rule = EarlyWarningRule.objects.get(code=code)
    return Alert.objects.create(
        rule=rule,
        customer=customer,
        subject=subject or f"customer:{customer.pk}",
        severity=rule.severity,
        risk_type=rule.risk_type,
        value="1",
        assignee=customer.officer,
        status=status,
        raised_at=timezone.now() - dt.timedelta(days=days_ago),
        sla_due_at=timezone.now() + dt.timedelta(hours=rule.sla_hours),
    )


def assign(client, alert, **data):
    fields = {f"assign-{name}": value for name, value in data.items()}
    return client.post(reverse("risk:alert-assign", args=[alert.pk]), fields)


# --- Assignment ---------------------------------------------------------------------------


def test_the_assignee_hands_the_alert_to_the_branch_manager_with_a_note(
    client_for, alice, mary, alert
):
    client = client_for(alice)
    page = client.get(reverse("risk:alert-detail", args=[alert.pk]))
    assert page.context["can_assign"]
    assert set(page.context["assign_form"].fields["assignee"].queryset) >= {alice, mary}
    response = assign(client, alert, assignee=mary.pk, note="Customer asks for a restructuring")
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.assignee == mary
    event = alert.actions.get()
    assert (event.action, event.taken_by, event.assigned_to, event.note) == (
        "assigned",
        alice,
        mary,
        "Customer asks for a restructuring",
    )
    audit = AuditEvent.objects.get(action="risk.alert.assigned")
    assert (audit.actor, audit.before, audit.after) == (
        alice,
        {"assignee_id": alice.pk},
        {"assignee_id": mary.pk},
    )
    # The history on the alert's page says to whom and why.
    history = client_for(mary).get(reverse("risk:alert-detail", args=[alert.pk]))
    text = history.content.decode()
    assert "To Mary Chen" in text or f"To {mary}" in text
    assert "Customer asks for a restructuring" in text


def test_a_risk_officer_assigns_and_reassigns(client_for, alice, mary, rita, alert):
    client = client_for(rita)
    assert assign(client, alert, assignee=rita.pk, note="Head office takes it").status_code == 302
    assert assign(client, alert, assignee=mary.pk, note="Back to the branch").status_code == 302
    alert.refresh_from_db()
    assert alert.assignee == mary
    assert list(alert.actions.values_list("assigned_to", flat=True)) == [rita.pk, mary.pk]
    assert AuditEvent.objects.filter(action="risk.alert.assigned").count() == 2


@pytest.mark.parametrize("who", ["bob", "charlie", "admin", "nobody", "same"])
def test_an_assignee_who_may_not_take_the_alert_is_refused_by_the_field(
    client_for, cast, alice, alert, who
):
    chosen = {"nobody": "999999", "same": alice.pk}.get(who) or cast[who].pk
    response = assign(client_for(alice), alert, assignee=chosen, note="Please take it")
    assert response.status_code == 400
    errors = response.context["assign_form"].errors
    assert list(errors) == ["assignee"]
    page = response.content.decode()
    assert 'id="id_assign-assignee"' in page and "is-invalid" in page
    if who == "same":
        assert "already assigned to" in errors["assignee"][0]
    else:
        assert "nobody else may see this alert" in errors["assignee"][0]
    alert.refresh_from_db()
    assert alert.assignee == alice
    assert not AlertAction.objects.exists()
    assert not AuditEvent.objects.filter(action="risk.alert.assigned").exists()


def test_an_assignment_needs_a_note_and_a_person(client_for, alice, mary, alert):
    client = client_for(alice)
    response = assign(client, alert, assignee=mary.pk, note="   ")
    assert response.status_code == 400
    assert "note goes with it" in response.context["assign_form"].errors["note"][0]
    response = assign(client, alert, note="Please")
    assert response.status_code == 400
    assert response.context["assign_form"].errors["assignee"] == ["Choose who takes the alert."]
    alert.refresh_from_db()
    assert alert.assignee == alice and not alert.actions.exists()


def test_who_may_assign(client_for, alice, bob, charlie, mary, alert):
    for outsider in (bob, charlie):
        response = assign(client_for(outsider), alert, assignee=outsider.pk, note="Mine now")
        assert response.status_code == 404
    # Handed on to the manager, the alert is no longer alice's to hand on; the form is gone.
    assign(client_for(alice), alert, assignee=mary.pk, note="Over to you")
    assert assign(client_for(alice), alert, assignee=alice.pk, note="Back").status_code == 403
    page = client_for(alice).get(reverse("risk:alert-detail", args=[alert.pk]))
    assert not page.context["can_assign"] and "assign-form" not in page.content.decode()
    alert.refresh_from_db()
    assert alert.assignee == mary


def test_a_closed_alert_cannot_be_assigned(client_for, alice, mary, alert):
    from risk import services

    services.alert_dismiss(actor=alice, alert=alert, reason="Paid at the counter")
    response = assign(client_for(mary), alert, assignee=mary.pk, note="Mine")
    assert response.status_code == 400
    assert "can no longer be assigned" in response.content.decode()
    alert.refresh_from_db()
    assert alert.assignee == alice


# --- The new assignee is told -------------------------------------------------------------


@pytest.fixture
def outbox(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return mail.outbox


def test_the_new_assignee_is_mailed_the_alert_with_the_note(
    client_for, alice, mary, alert, outbox, settings, django_capture_on_commit_callbacks
):
    settings.BUSINESS_DATE = dt.date(2025, 2, 20)  # the mail counts the days on that day
    with django_capture_on_commit_callbacks(execute=True):
        response = assign(
            client_for(alice), alert, assignee=mary.pk, note="Customer asks for a restructuring"
        )
    assert response.status_code == 302
    assert [message.to for message in outbox] == [[mary.email]]
    message = outbox[0]
    assert message.subject == "Alert assigned to you"
    assert message.body.startswith("Alice Wang assigned you an alert: Payment overdue on ")
    for said in (
        alert.customer.name,
        "Yellow",
        "10 days past due (since 2025-02-10)",
        "Note: Customer asks for a restructuring",
        reverse("risk:alert-detail", args=[alert.pk]),
    ):
        assert said in message.body


def test_an_assignee_who_reads_chinese_is_mailed_in_chinese(
    alice, rita, alert, outbox, django_capture_on_commit_callbacks
):
    rita.language = "zh-hans"
    rita.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        services.alert_assign(actor=alice, alert=alert, assignee=rita, note="请总行跟进诉讼风险")
    [message] = outbox
    assert message.to == [rita.email]
    assert message.subject == "预警已分配给您"
    assert message.body.startswith("Alice Wang 将一条预警分配给您：")
    assert "的 还款逾期（黄色，" in message.body
    assert "备注：请总行跟进诉讼风险" in message.body
    assert "assigned you" not in message.body


def test_whoever_takes_an_alert_themselves_is_not_mailed(
    client_for, rita, alert, outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = assign(client_for(rita), alert, assignee=rita.pk, note="Head office takes it")
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.assignee == rita
    assert outbox == []


def test_an_assignment_rolled_back_or_refused_mails_nobody(
    client_for, alice, mary, alert, outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            services.alert_assign(actor=alice, alert=alert, assignee=mary, note="Over to you")
            raise RuntimeError("what followed the assignment in its transaction failed")
        response = assign(client_for(alice), alert, assignee=mary.pk, note=" ")
    assert response.status_code == 400
    alert.refresh_from_db()
    assert alert.assignee == alice
    assert outbox == []


# --- Queues -------------------------------------------------------------------------------


def listed(client, **query):
    response = client.get(reverse("risk:alert-list"), query)
    assert response.status_code == 200
    return {alert.pk for alert in response.context["alerts"]}


def test_my_queue_and_my_teams(client_for, alice, bob, mary, rita, alert):
    bobs = raise_alert(factories.individual(bob), "no_contact")
    alices = set(Alert.objects.filter(assignee=alice).values_list("pk", flat=True))
    assert alert.pk in alices and bobs.pk not in alices
    assert listed(client_for(alice), queue="mine") == alices
    assert listed(client_for(mary), queue="mine") == set()
    # The manager's team: her branch's officers' alerts.
    assert listed(client_for(mary), queue="team") == alices | {bobs.pk}
    assert listed(client_for(rita), queue="team") == set()
    assign(client_for(alice), alert, assignee=mary.pk, note="Yours")
    assert listed(client_for(alice), queue="mine") == alices - {alert.pk}
    assert listed(client_for(mary), queue="mine") == {alert.pk}
    # An officer's team queue never reaches past the officer's own customers.
    assert listed(client_for(bob), queue="team") == {bobs.pk}


def test_an_unknown_queue_is_refused_by_the_field(client_for, alice, alert):
    response = client_for(alice).get(reverse("risk:alert-list"), {"queue": "everyone"})
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["queue"]
    assert response.context["alerts"] == []


# --- Acknowledging several at once ------------------------------------------------------------


def acknowledge(client, ids, **extra):
    return client.post(reverse("risk:alert-bulk-acknowledge"), {"alerts": ids, **extra})


def test_several_alerts_acknowledged_at_once(client_for, alice, two_alerts):
    response = acknowledge(client_for(alice), [alert.pk for alert in two_alerts])
    assert response.status_code == 302
    for alert in two_alerts:
        alert.refresh_from_db()
        assert alert.status == "acknowledged" and alert.acknowledged_at
    audited = AuditEvent.objects.filter(action="risk.alert.acknowledged")
    assert sorted(int(event.object_id) for event in audited) == [a.pk for a in two_alerts]
    assert all(event.actor == alice for event in audited)


def test_the_list_posts_back_to_itself_filtered(client_for, alice, two_alerts):
    response = acknowledge(
        client_for(alice), [two_alerts[0].pk], filters="severity=orange&queue=mine"
    )
    assert response["Location"] == reverse("risk:alert-list") + "?severity=orange&queue=mine"


def test_one_alert_out_of_scope_is_a_404_for_all(client_for, alice, charlie, two_alerts):
    southern = raise_alert(factories.individual(charlie), "no_contact")
    ids = [alert.pk for alert in two_alerts]
    assert acknowledge(client_for(alice), [*ids, southern.pk]).status_code == 404
    assert acknowledge(client_for(charlie), ids).status_code == 404
    assert acknowledge(client_for(alice), [*ids, 987654321]).status_code == 404
    assert set(Alert.objects.values_list("status", flat=True)) == {"open"}
    assert not AuditEvent.objects.filter(action="risk.alert.acknowledged").exists()


def test_one_that_cannot_be_acknowledged_refuses_them_all(client_for, alice, two_alerts):
    from risk import services

    first, second = two_alerts
    services.alert_acknowledge(actor=alice, alert=second)
    response = acknowledge(client_for(alice), [first.pk, second.pk])
    assert response.status_code == 400
    message = response.context["bulk_form"].errors["alerts"][0]
    assert "is Acknowledged; that step is not possible" in message
    assert second.rule.name in message
    page = response.content.decode()
    assert 'data-testid="bulk-errors"' in page
    # The open alert's tick is marked and points at the reason.
    assert re.search(
        f'class="form-check-input is-invalid" type="checkbox" name="alerts" value="{first.pk}" '
        'aria-label="[^"]*" aria-describedby="alerts-errors"',
        page,
    )
    first.refresh_from_db()
    assert first.status == "open" and first.acknowledged_at is None
    assert AuditEvent.objects.filter(action="risk.alert.acknowledged").count() == 1


@pytest.mark.parametrize("ids", [[], ["abc"], ["1.5"], ["99999999999999999999999"], ["²"]])
def test_a_selection_that_cannot_be_read_is_refused_by_the_field(client_for, alice, alert, ids):
    response = acknowledge(client_for(alice), ids)
    assert response.status_code == 400
    assert list(response.context["bulk_form"].errors) == ["alerts"]
    alert.refresh_from_db()
    assert alert.status == "open"


def test_the_list_offers_ticks_for_the_open_alerts_only(client_for, alice, two_alerts):
    from risk import services

    services.alert_acknowledge(actor=alice, alert=two_alerts[1])
    page = client_for(alice).get(reverse("risk:alert-list")).content.decode()
    assert f'name="alerts" value="{two_alerts[0].pk}"' in page
    assert f'name="alerts" value="{two_alerts[1].pk}"' not in page


# --- Grouped, worst first -----------------------------------------------------------------------


def test_the_list_groups_a_customers_alerts_worst_first_then_oldest(
    client_for, alice, django_assert_num_queries
):
    first = factories.individual(alice, name="王一")
    second = factories.individual(alice, name="王二")
    old_yellow = raise_alert(first, "no_contact", days_ago=9)
    red = raise_alert(first, "lawsuit", days_ago=1)
    older_orange = raise_alert(first, "negative_news", days_ago=5)
    orange = raise_alert(first, "complaint_sla", days_ago=2)
    other = raise_alert(second, "ownership_change", days_ago=3)
    client = client_for(alice)
    response = client.get(reverse("risk:alert-list"))
    groups = response.context["groups"]
    # The groups in the list's order (most urgent first: the lawsuit is due in 8 hours).
    assert [(group.customer_name, group.count, group.worst) for group in groups] == [
        ("王一", 4, "red"),
        ("王二", 1, "yellow"),
    ]
    by_customer = {group.customer_name: group for group in groups}
    assert [alert.pk for alert in by_customer["王一"].alerts] == [
        red.pk,
        older_orange.pk,
        orange.pk,
        old_yellow.pk,
    ]
    assert [alert.pk for alert in by_customer["王二"].alerts] == [other.pk]
    page = response.content.decode()
    assert page.count('data-testid="alert-group"') == 2
    assert "4 alerts" in page and "1 alert<" in page
    # The same queries with ten times the alerts: session, user, officer choices, rule
    # choices, the page of alerts with their rule, customer, loan and assignee.
    for number in range(40):
        raise_alert(second, "no_contact", subject=f"test:{number}")
    with django_assert_num_queries(5):
        response = client.get(reverse("risk:alert-list"))
    assert sum(group.count for group in response.context["groups"]) == 45


def test_the_360_lists_the_customers_open_alerts_worst_first_with_their_count(client_for, alice):
    customer = factories.individual(alice, name="赵四")
    yellow = raise_alert(customer, "no_contact", days_ago=9)
    red = raise_alert(customer, "lawsuit", days_ago=1)
    orange = raise_alert(customer, "negative_news", days_ago=5)
    raise_alert(customer, "complaint_sla", days_ago=2, status="resolved")
    response = client_for(alice).get(reverse("customers:detail", args=[customer.pk]))
    panel = dict(response.context["panels"])["risk/customer_panel.html"]
    assert [alert.pk for alert in panel["alerts"]] == [red.pk, orange.pk, yellow.pk]
    assert panel["alert_count"] == 3
    assert 'data-testid="open-alert-count">3<' in response.content.decode()


# --- Today ------------------------------------------------------------------------------------


def test_todays_count_is_the_true_total_with_a_link_to_all(client_for, alice, bob):
    customer = factories.individual(alice)
    for number in range(23):
        raise_alert(customer, "no_contact", subject=f"test:{number}")
    raise_alert(factories.individual(bob), "no_contact")  # bob's, not alice's
    page = client_for(alice).get(reverse("today"))
    text = page.content.decode()
    assert 'data-testid="today-alert-count">23<' in text
    link = reverse("risk:alert-list") + "?queue=mine"
    assert f'href="{link}"' in text
    # Today lists the first twenty; the link leads to all of them.
    assert text.count('data-testid="today-alerts"') == 1
    assert len(listed(client_for(alice), queue="mine")) == 23
