import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import AuditEvent
from risk import jobs, services
from risk.models import Alert, LoanRisk


@pytest.fixture
def alert(risky_loan):
    jobs.run_synchronously(jobs.NIGHTLY, dt.date(2025, 2, 20))
    return Alert.objects.get(rule__code="dpd_1")


def test_lifecycle_acknowledge_respond_resolve(client_for, alice, alert):
    client = client_for(alice)
    client.post(reverse("risk:alert-acknowledge", args=[alert.pk]))
    alert.refresh_from_db()
    assert alert.status == "acknowledged" and alert.acknowledged_at
    response = client.post(
        reverse("risk:alert-resolve", args=[alert.pk]), {"text": "Paid"}, follow=True
    )
    assert "Record the response first" in response.content.decode()
    client.post(
        reverse("risk:alert-respond", args=[alert.pk]),
        {"action": "closer_contact", "note": "Agreed to pay on Friday", "channel": "phone"},
    )
    alert.refresh_from_db()
    assert alert.status == "in_progress"
    action = alert.actions.get()
    assert action.interaction.summary.endswith("Agreed to pay on Friday")
    assert action.interaction.customer == alert.customer
    client.post(reverse("risk:alert-resolve", args=[alert.pk]), {"text": "Payment promised"})
    alert.refresh_from_db()
    assert (alert.status, alert.close_reason) == ("resolved", "Payment promised")
    assert AuditEvent.objects.filter(action="risk.alert.resolved").exists()


def test_dismissal_needs_a_reason(alice, alert):
    with pytest.raises(ValidationError):
        services.alert_dismiss(actor=alice, alert=alert, reason=" ")
    services.alert_dismiss(actor=alice, alert=alert, reason="Bank error, paid on time")
    alert.refresh_from_db()
    assert alert.status == "dismissed"


def test_a_new_alert_follows_a_closed_one(alice, alert):
    services.alert_dismiss(actor=alice, alert=alert, reason="Known")
    jobs.run_synchronously(jobs.NIGHTLY, dt.date(2025, 2, 21))
    assert Alert.objects.filter(rule__code="dpd_1").count() == 2
    assert Alert.objects.filter(rule__code="dpd_1", status="open").count() == 1


def test_escalation_after_the_sla_once(mary, alert, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mary.email = "mary@bank.example"
    mary.save(update_fields=["email"])
    assert services.alerts_escalate_overdue() == 0
    later = alert.sla_due_at + dt.timedelta(minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.alerts_escalate_overdue(now=later) >= 1
    assert services.alerts_escalate_overdue(now=later) == 0
    alert.refresh_from_db()
    assert alert.escalated_to == mary
    # Other alerts of the customer may escalate in the same run: one mail names this one.
    assert any(
        message.to == ["mary@bank.example"] and alert.rule.name in message.body
        for message in mail.outbox
    )


def test_acknowledged_alerts_are_not_escalated(alice, alert):
    services.alert_acknowledge(actor=alice, alert=alert)
    services.alerts_escalate_overdue(now=alert.sla_due_at + dt.timedelta(hours=1))
    alert.refresh_from_db()
    assert alert.escalated_at is None


def test_red_alert_mails_the_officer(
    alice, risky_loan, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    alice.email = "alice@bank.example"
    alice.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        jobs.run_synchronously(jobs.NIGHTLY, dt.date(2025, 5, 20))
    assert any(
        "alice@bank.example" in message.to and "Red alert" in message.subject
        for message in mail.outbox
    )


def test_outsiders_get_404_on_alerts(client_for, bob, charlie, alert):
    for outsider in (bob, charlie):
        client = client_for(outsider)
        assert client.get(reverse("risk:alert-detail", args=[alert.pk])).status_code == 404
        for name in ("alert-acknowledge", "alert-respond", "alert-resolve", "alert-dismiss"):
            assert (
                client.post(
                    reverse(f"risk:{name}", args=[alert.pk]),
                    {"text": "x", "action": "legal", "note": "x"},
                ).status_code
                == 404
            )
        assert client.get(reverse("risk:alert-list")).context["alerts"] == []
        assert (
            client.get(reverse("risk:classification-override", args=[alert.loan_id])).status_code
            == 404
        )
    alert.refresh_from_db()
    assert alert.status == "open"


def test_manager_sees_branch_alerts_and_the_risk_page(client_for, mary, alert):
    client = client_for(mary)
    assert alert in client.get(reverse("risk:alert-list")).context["alerts"]
    page = client.get(reverse("risk:overview"))
    assert page.status_code == 200
    assert page.context["alerts"]["yellow"] >= 1
    rows = {label: count for _code, label, count in page.context["class_rows"]}
    assert rows["Special mention"] == 1  # the loan 10 days past due
    assert "Special mention: 1" in page.content.decode()


def test_the_risk_page_counts_the_active_loans_of_the_scope_by_class(
    client_for, mary, charlie, alert
):
    from collections import Counter

    from accounts.models import Role
    from accounts.services import user_create
    from risk.models import LoanRisk

    rows = client_for(mary).get(reverse("risk:overview")).context["class_rows"]
    in_branch = LoanRisk.objects.filter(loan__status="active", customer__branch=mary.branch)
    assert {code: count for code, _label, count in rows if count} == dict(
        Counter(in_branch.values_list("final_class", flat=True))
    )
    # A manager of another branch sees none of them.
    south = user_create(
        actor=None,
        username="sam",
        password="x-Long-enough-1",
        role=Role.MANAGER,
        branch=charlie.branch,
    )
    rows = client_for(south).get(reverse("risk:overview")).context["class_rows"]
    assert [count for _code, _label, count in rows] == [0] * 5


def test_officers_cannot_open_the_risk_page(client_for, alice):
    assert client_for(alice).get(reverse("risk:overview")).status_code == 403


def test_alerts_show_on_today(client_for, alice, alert):
    page = client_for(alice).get(reverse("today"))
    assert alert.rule.name in page.content.decode()


def test_override_needs_a_manager_or_risk_officer(client_for, alice, rita, alert, settings):
    settings.BUSINESS_DATE = dt.date(2025, 2, 20)
    url = reverse("risk:classification-override", args=[alert.loan_id])
    assert client_for(alice).get(url).status_code == 403
    client = client_for(rita)
    response = client.post(url, {"loan_class": "3", "reason": "", "until": ""})
    assert response.status_code == 400
    assert {"reason", "until"} <= set(response.context["form"].errors)
    client.post(url, {"loan_class": "3", "reason": "Fraud suspected", "until": "2025-05-20"})
    state = alert.loan.risk
    state.refresh_from_db()
    assert (state.final_class, state.automatic_class) == (3, 2)
    assert AuditEvent.objects.filter(action="risk.classification.overridden").exists()


def test_override_page_of_an_unseen_loan_writes_nothing_until_saved(
    client_for, rita, risky_loan, settings
):
    settings.BUSINESS_DATE = dt.date(2025, 2, 20)  # 10 days past due: special mention
    loan = risky_loan
    url = reverse("risk:classification-override", args=[loan.pk])
    client = client_for(rita)
    assert client.get(url).status_code == 200
    assert not LoanRisk.objects.filter(loan=loan).exists()
    client.post(url, {"loan_class": "2", "reason": "Sector downturn", "until": "2025-04-30"})
    state = LoanRisk.objects.get(loan=loan)
    assert (state.final_class, state.override_by) == (2, rita)
    assert state.customer_id == loan.customer_id


def test_alert_list_query_count(client_for, alice, alert, django_assert_num_queries):
    client = client_for(alice)
    client.get(reverse("risk:alert-list"))
    # session, user, officer choices, rule choices, the page of alerts with their rule,
    # customer, loan and assignee (the session row is not rewritten within the minute).
    with django_assert_num_queries(5):
        client.get(reverse("risk:alert-list"))


def test_alert_detail_query_count(client_for, alice, alert, django_assert_num_queries):
    client = client_for(alice)
    url = reverse("risk:alert-detail", args=[alert.pk])
    client.get(url)
    # session, user, alert with its rule, customer, loan and people, responses and history
    # (with their rules and people), the response form's interactions, the assign form's
    # people (alice, its assignee, may hand it on).
    with django_assert_num_queries(6):
        client.get(url)


def test_bad_filters_are_refused_next_to_the_field(client_for, alice, alert):
    response = client_for(alice).get(
        reverse("risk:alert-list"), {"age": "forever", "rule": "x", "status": "nope"}
    )
    # Refused, said next to each field, and no rows: the others' rows would pass for them.
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"age", "rule", "status"}
    page = response.content.decode()
    assert 'id="id_age"' in page and "is-invalid" in page and "Select a valid choice" in page
    assert response.context["alerts"] == []


def test_recompute_command(alert, capsys):
    from django.core.management import call_command

    call_command("risk_recompute", "--business-date", "2025-02-20")
    out = capsys.readouterr().out
    assert "risk.nightly for 2025-02-20" in out
    call_command("risk_recompute", "--business-date", "2025-02-21")
    assert "changed customers only" in capsys.readouterr().out
    call_command("risk_recompute", "--business-date", "2025-02-21", "--full")
    assert "every customer" in capsys.readouterr().out


def test_an_alert_follows_its_customer_to_another_officer(
    client_for, alice, bob, charlie, mary, alert
):
    """Who may see an alert is its customer's officer and branch now, read from the alert's
    own indexed copy, which the database keeps equal to the customer's."""
    from customers.models import Customer
    from customers.services import customer_transfer

    assert (alert.customer_officer, alert.customer_branch) == (alice, alice.branch)
    customer_transfer(actor=mary, customer=alert.customer, to_officer=bob, reason="Workload")
    alert.refresh_from_db()
    assert (alert.customer_officer, alert.assignee) == (bob, alice)
    assert client_for(alice).get(reverse("risk:alert-detail", args=[alert.pk])).status_code == 404
    assert client_for(bob).get(reverse("risk:alert-detail", args=[alert.pk])).status_code == 200
    listed = client_for(bob).get(reverse("risk:alert-list")).context["alerts"]
    assert alert.pk in {row.pk for row in listed}
    assert {row.customer_id for row in listed} == {alert.customer_id}
    assert client_for(alice).get(reverse("risk:alert-list")).context["alerts"] == []
    # Moved by a bulk statement to another branch: the alert follows in the same statement.
    Customer.objects.filter(pk=alert.customer_id).update(officer=charlie, branch=charlie.branch)
    alert.refresh_from_db()
    assert (alert.customer_officer, alert.customer_branch) == (charlie, charlie.branch)
    assert client_for(bob).get(reverse("risk:alert-detail", args=[alert.pk])).status_code == 404
    assert client_for(mary).get(reverse("risk:alert-detail", args=[alert.pk])).status_code == 404


def test_an_alert_written_outside_the_scan_gets_its_customers_scope(alert):
    copy = Alert.objects.create(
        rule=alert.rule,
        customer=alert.customer,
        subject="customer:test",
        severity="yellow",
        risk_type="credit",
        value="1",
        assignee=alert.assignee,
        sla_due_at=alert.sla_due_at,
    )
    copy.refresh_from_db()
    assert copy.customer_officer_id == alert.customer.officer_id
    assert copy.customer_branch_id == alert.customer.branch_id
