"""The rules of one indicator are a ladder: one active alert per (indicator, subject) climbs
and descends it as the measure crosses the thresholds, each step kept in its history, and
clears when no step matches; the migration that introduced it merged the duplicates."""

import datetime as dt
import importlib

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.urls import reverse

from audit.models import AuditEvent
from lending import services as lending_services
from risk import jobs, services
from risk.models import Alert, AlertAction, EarlyWarningRule
from risk.selectors import alert_past_sla_q

ACTIVE = ["open", "acknowledged", "in_progress"]


def night(on: dt.date, *, full: bool = False):
    run = jobs.run_synchronously(jobs.NIGHTLY, on, full=full)
    assert run.status == "done", run.failures
    return run


def dpd_alerts():
    return Alert.objects.filter(indicator="dpd")


def pay(officer, loan, instalments, on):
    for instalment in instalments:
        lending_services.repayment_post(
            actor=officer,
            loan=loan,
            amount=instalment.total_due,
            paid_on=on,
            channel="transfer",
            reference=f"pay {instalment.number}",
        )


def test_crossing_1_30_60_90_days_keeps_one_alert_whose_severity_rises(
    client_for, alice, risky_loan
):
    # First instalment due 2025-02-10, never paid.
    night(dt.date(2025, 2, 11))  # 1 day
    alert = dpd_alerts().get()
    assert (alert.rule.code, alert.severity) == ("dpd_1", "yellow")
    climbs = [
        (dt.date(2025, 3, 13), "dpd_30", "orange"),  # 31 days
        (dt.date(2025, 4, 12), "dpd_60", "orange"),  # 61 days
        (dt.date(2025, 5, 12), "dpd_90", "red"),  # 91 days
    ]
    for on, code, severity in climbs:
        night(on)
        assert list(dpd_alerts().values_list("pk", "rule__code", "severity", "status")) == [
            (alert.pk, code, severity, "open")
        ]
    steps = list(
        alert.actions.filter(action="stepped_up").values_list(
            "rule_before__code",
            "rule_after__code",
            "severity_before",
            "severity_after",
            "measure",
            "business_date",
            "taken_by",
        )
    )
    assert steps == [
        ("dpd_1", "dpd_30", "yellow", "orange", 31, dt.date(2025, 3, 13), None),
        ("dpd_30", "dpd_60", "orange", "orange", 61, dt.date(2025, 4, 12), None),
        ("dpd_60", "dpd_90", "orange", "red", 91, dt.date(2025, 5, 12), None),
    ]
    # The alert's page lists each step with its severities and the days then.
    page = client_for(alice).get(reverse("risk:alert-detail", args=[alert.pk]))
    history = page.content.decode()
    assert "Yellow → Orange" in history and "Orange → Red" in history
    assert "31 days past due" in history and "91 days past due" in history
    # Between the steps nothing moved: no history row, no rewrite.
    before = alert.actions.count()
    run = night(dt.date(2025, 5, 13))
    assert alert.actions.count() == before
    assert run.counts.get("alerts_stepped", 0) == 0


def test_a_payment_lowering_the_days_steps_the_alert_down(alice, risky_loan):
    night(dt.date(2025, 4, 12))  # three instalments unpaid, the oldest 61 days
    alert = dpd_alerts().get()
    assert alert.rule.code == "dpd_60"
    # The two oldest instalments paid: the loan is 2 days past due (since 2025-04-10).
    pay(alice, risky_loan, risky_loan.instalments.order_by("number")[:2], dt.date(2025, 4, 12))
    run = night(dt.date(2025, 4, 12))
    alert.refresh_from_db()
    assert (alert.rule.code, alert.severity, alert.status) == ("dpd_1", "yellow", "open")
    assert alert.shown_value(dt.date(2025, 4, 12)) == "2 days past due (since 2025-04-10)"
    assert run.counts["alerts_stepped"] == 1
    step = alert.actions.get(action="stepped_down")
    assert (step.rule_before.code, step.rule_after.code) == ("dpd_60", "dpd_1")
    assert (step.severity_before, step.severity_after, step.measure) == ("orange", "yellow", 2)
    assert dpd_alerts().count() == 1


def test_clearing_closes_the_alert_on_its_current_step(alice, risky_loan):
    night(dt.date(2025, 4, 12))
    alert = dpd_alerts().get()
    assert alert.rule.code == "dpd_60"  # resolves itself when cleared (the catalogue)
    pay(alice, risky_loan, risky_loan.instalments.order_by("number")[:3], dt.date(2025, 4, 12))
    run = night(dt.date(2025, 4, 13))
    alert.refresh_from_db()
    assert (alert.status, alert.rule.code) == ("resolved", "dpd_60")
    assert alert.cleared_at is not None and alert.closed_at is not None
    # It and the instalments-missed alert of the loan.
    assert run.counts["alerts_cleared"] == 2
    assert not Alert.objects.filter(loan=risky_loan, status__in=ACTIVE).exists()
    assert not alert.actions.filter(action="stepped_down").exists()


def _state():
    alerts = list(
        Alert.objects.order_by("pk").values_list(
            "pk",
            "rule_id",
            "severity",
            "status",
            "value",
            "value_on",
            "sla_due_at",
            "last_seen_at",
            "cleared_at",
            "acknowledged_at",
            "escalated_at",
        )
    )
    return alerts, list(AlertAction.objects.order_by("pk").values_list("pk", flat=True))


@pytest.mark.parametrize("on", [dt.date(2025, 3, 13), dt.date(2025, 5, 12)])
def test_a_second_scan_of_an_unchanged_book_changes_nothing(risky_loan, on):
    night(dt.date(2025, 2, 20))
    night(on)  # climbed a step (or two)
    before = _state()
    for _run in range(2):
        run = jobs.run_synchronously(jobs.SCAN, on)
        assert run.status == "done", run.failures
        counts = {key: run.counts.get(key, 0) for key in ("alerts_raised", "alerts_updated")}
        assert counts == {"alerts_raised": 0, "alerts_updated": 0}
        assert run.counts.get("alerts_stepped", 0) == run.counts.get("alerts_cleared", 0) == 0
    night(on, full=True)
    assert _state() == before


def test_missed_instalments_is_a_ladder_too(alice, risky_loan):
    """An admin adding a higher step to the instalments missed gets the same alert climbing,
    not a second one."""
    rule = EarlyWarningRule.objects.get(code="missed_instalments")
    EarlyWarningRule.objects.create(
        code="missed_instalments_4",
        indicator="missed_instalments",
        name="Four or more instalments missed",
        threshold=4,
        severity="red",
        risk_type="credit",
        suggested_response="Collections.",
        sla_hours=8,
    )
    night(dt.date(2025, 3, 12))  # two instalments past due
    alert = Alert.objects.get(indicator="missed_instalments")
    assert alert.rule == rule
    assert alert.shown_value() == "2 instalments missed"
    night(dt.date(2025, 5, 12))  # four
    alert.refresh_from_db()
    assert (alert.rule.code, alert.severity) == ("missed_instalments_4", "red")
    assert Alert.objects.filter(indicator="missed_instalments").count() == 1
    assert alert.actions.get(action="stepped_up").measure == 4


def test_a_falling_indicator_climbs_towards_its_lowest_threshold(alice, on_business_date):
    """Debt-service coverage: below 1.0 is one step, below 0.8 the worse one."""
    from decimal import Decimal

    from credit import services as credit_services
    from credit.models import FinancialStatement
    from tests.customers import factories

    EarlyWarningRule.objects.create(
        code="dscr_red",
        indicator="dscr_limit",
        name="Debt-service coverage far below the limit",
        threshold=Decimal("0.8"),
        severity="red",
        risk_type="credit",
        suggested_response="Restructure.",
    )
    customer = factories.enterprise(alice)
    credit_services.statement_record(
        actor=alice,
        statement=FinancialStatement(
            customer=customer,
            period_end=dt.date(2025, 12, 31),
            operating_cash_flow=Decimal("90"),
            debt_service=Decimal("100"),
        ),
    )
    night(on_business_date)
    alert = Alert.objects.get(indicator="dscr_limit")
    assert (alert.rule.code, alert.shown_value()) == ("dscr_limit", "0.90×")
    FinancialStatement.objects.update(operating_cash_flow=Decimal("70"))
    night(on_business_date)
    alert.refresh_from_db()
    assert (alert.rule.code, alert.severity, alert.shown_value()) == ("dscr_red", "red", "0.70×")


def test_the_migration_merges_duplicate_active_alerts_into_the_worst(alice, risky_loan):
    """Alerts raised before the ladder: four open days-past-due alerts on one loan (and no
    indicator on any). The migration keeps the highest step open and closes the others, each
    with a history row naming the rule it merged into; running it again changes nothing."""
    migration = importlib.import_module("risk.migrations.0018_alert_ladder")
    night(dt.date(2025, 5, 12))
    kept = dpd_alerts().get(status="open")
    assert kept.rule.code == "dpd_90"
    with connection.cursor() as cursor:
        # The table as it stood: one active alert per (rule, subject), not per indicator.
        cursor.execute("DROP INDEX alert_one_open_per_indicator_subject")
    older = []
    for code in ("dpd_1", "dpd_30", "dpd_60"):
        rule = EarlyWarningRule.objects.get(code=code)
        older.append(
            Alert.objects.create(
                rule=rule,
                customer=kept.customer,
                loan=kept.loan,
                subject=kept.subject,
                severity=rule.severity,
                risk_type=rule.risk_type,
                value=kept.value,
                assignee=alice,
                sla_due_at=kept.sla_due_at,
                status="acknowledged" if code == "dpd_30" else "open",
            )
        )
    other_subject = Alert.objects.filter(indicator="missed_instalments").get()
    Alert.objects.update(indicator="")

    migration.merge_into_ladders(None, None)

    # Every alert has its rule's indicator again.
    assert not Alert.objects.filter(indicator="").exists()
    assert all(
        alert.indicator == alert.rule.indicator for alert in Alert.objects.select_related("rule")
    )
    assert list(dpd_alerts().filter(status__in=ACTIVE).values_list("pk", flat=True)) == [kept.pk]
    for alert in older:
        alert.refresh_from_db()
        assert (alert.status, alert.close_reason) == ("dismissed", "Merged into the ladder.")
        assert alert.closed_at is not None
        merged = alert.actions.get()
        assert (merged.action, merged.rule_before, merged.rule_after) == (
            "merged",
            alert.rule,
            kept.rule,
        )
        assert (merged.severity_before, merged.severity_after) == (alert.severity, "red")
    other_subject.refresh_from_db()
    assert other_subject.status == "open" and not other_subject.actions.exists()
    before = _state()
    migration.merge_into_ladders(None, None)
    assert _state() == before
    with connection.cursor() as cursor:
        # What the migration then installs holds on the merged table.
        cursor.execute(
            "CREATE UNIQUE INDEX alert_one_open_per_indicator_subject ON risk_alert "
            "(indicator, subject) WHERE status IN ('open', 'acknowledged', 'in_progress')"
        )


def test_climbing_to_red_mails_the_officer_the_value_with_its_unit(
    alice, risky_loan, settings, django_capture_on_commit_callbacks
):
    from django.core import mail

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    alice.email = "alice@bank.example"
    alice.save(update_fields=["email"])
    night(dt.date(2025, 4, 12))  # orange: no mail
    settings.BUSINESS_DATE = dt.date(2025, 5, 12)  # the mail counts the days on that day
    with django_capture_on_commit_callbacks(execute=True):
        night(dt.date(2025, 5, 12))  # the same alert climbs to red
    red = [message for message in mail.outbox if "Red alert" in message.subject]
    assert len(red) == 1
    assert "91 days past due (since 2025-02-10)" in red[0].body
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        night(dt.date(2025, 5, 13))  # still red: no second mail
    assert not [message for message in mail.outbox if "Red alert" in message.subject]


def test_an_alert_left_open_when_cleared_is_live_again_when_found_again(alice, graded_customer):
    # A rule that does not resolve its alerts: when the condition clears the alert stays open,
    # marked cleared; when the same condition is met again (same rule, same value) the alert
    # is live again, not left looking cleared.
    from risk import services
    from risk.models import ManualSignal

    EarlyWarningRule.objects.filter(indicator="signal_lawsuit").update(auto_resolve=False)
    on = dt.date(2025, 4, 12)
    signal = services.signal_raise(
        actor=alice, signal=ManualSignal(customer=graded_customer, kind="lawsuit", note="Court")
    )
    night(on)
    alert = Alert.objects.get(indicator="signal_lawsuit", customer=graded_customer)
    assert (alert.status, alert.value, alert.cleared_at) == ("open", "1", None)
    services.signal_withdraw(actor=alice, signal=signal)
    night(on)
    alert.refresh_from_db()
    assert alert.status == "open" and alert.cleared_at is not None
    services.signal_raise(
        actor=alice, signal=ManualSignal(customer=graded_customer, kind="lawsuit", note="Again")
    )
    night(on)
    alert.refresh_from_db()
    assert (alert.status, alert.value, alert.cleared_at) == ("open", "1", None)
    assert Alert.objects.filter(indicator="signal_lawsuit").count() == 1


# --- Climbing asks for a new acknowledgement ---------------------------------------------


def test_an_acknowledged_alert_that_climbs_is_open_again_and_escalated_past_its_new_deadline(
    client_for, alice, mary, risky_loan, settings, django_capture_on_commit_callbacks
):
    """Escalated on its first step, then acknowledged, the alert climbs a step: it is open
    again, to be acknowledged by the new step's deadline; when nobody acknowledges it by
    then, the escalation goes to the manager again."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    night(dt.date(2025, 2, 11))  # 1 day past due: yellow, 48 hours to acknowledge
    alert = dpd_alerts().get()
    first_deadline = alert.sla_due_at
    with time_machine.travel(first_deadline + dt.timedelta(hours=1), tick=True):
        services.alerts_escalate_overdue()
        services.alert_acknowledge(actor=alice, alert=alert)
    alert.refresh_from_db()
    assert (alert.status, alert.escalated_to) == ("acknowledged", mary)
    assert alert.acknowledged_at is not None and alert.escalated_at is not None

    with time_machine.travel(first_deadline + dt.timedelta(days=2), tick=True):
        run = night(dt.date(2025, 3, 13))  # 31 days: the next step, orange, 24 hours
    alert.refresh_from_db()
    step = alert.actions.get(action="stepped_up")
    rule = EarlyWarningRule.objects.get(code="dpd_30")
    assert (alert.rule, alert.status, alert.acknowledged_at, alert.escalated_at) == (
        rule,
        "open",
        None,
        None,
    )
    new_deadline = step.taken_at + dt.timedelta(hours=rule.sla_hours)
    assert alert.sla_due_at == new_deadline > first_deadline
    # Whom it was escalated to stays on it (the manager's queue keeps it).
    assert alert.escalated_to == mary
    assert run.counts["alerts_reopened"] == 1
    # The step's history row says it reopened the alert, and the audit trail has the change.
    assert (step.status_before, step.status_after) == ("acknowledged", "open")
    reopened = AuditEvent.objects.get(action="risk.alert.reopened")
    assert (reopened.actor, reopened.object_id) == (None, str(alert.pk))
    assert (reopened.before["status"], reopened.after) == (
        "acknowledged",
        {"status": "open", "acknowledged_at": None, "escalated_at": None},
    )
    page = client_for(alice).get(reverse("risk:alert-detail", args=[alert.pk])).content.decode()
    assert "Acknowledged → Open: to be acknowledged again by the new deadline" in page
    # The officer is asked to acknowledge it again.
    assert reverse("risk:alert-acknowledge", args=[alert.pk]) in page
    # The alert list's and the dashboard's breach counts read the new deadline.
    assert not Alert.objects.filter(alert_past_sla_q(new_deadline), pk=alert.pk).exists()
    late = new_deadline + dt.timedelta(minutes=1)
    assert Alert.objects.filter(alert_past_sla_q(late), pk=alert.pk).exists()

    services.alerts_escalate_overdue(now=new_deadline - dt.timedelta(minutes=1))
    alert.refresh_from_db()
    assert alert.escalated_at is None
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.alerts_escalate_overdue(now=late)
    alert.refresh_from_db()
    assert (alert.escalated_at, alert.escalated_to) == (late, mary)
    assert any(
        message.to == [mary.email] and "More than 30 days past due" in message.body
        for message in mail.outbox
    )
    # Acknowledged again, it is the officer's as before.
    services.alert_acknowledge(actor=alice, alert=alert)
    alert.refresh_from_db()
    assert alert.status == "acknowledged" and alert.acknowledged_at is not None


def test_an_acknowledged_alert_that_descends_stays_acknowledged(alice, risky_loan):
    night(dt.date(2025, 4, 12))  # 61 days: orange
    alert = dpd_alerts().get()
    services.alert_acknowledge(actor=alice, alert=alert)
    alert.refresh_from_db()
    acknowledged = (alert.status, alert.acknowledged_at, alert.sla_due_at)
    pay(alice, risky_loan, risky_loan.instalments.order_by("number")[:2], dt.date(2025, 4, 12))
    run = night(dt.date(2025, 4, 12))
    alert.refresh_from_db()
    assert alert.rule.code == "dpd_1"
    assert (alert.status, alert.acknowledged_at, alert.sla_due_at) == acknowledged
    step = alert.actions.get(action="stepped_down")
    assert (step.status_before, step.status_after) == ("", "")
    assert run.counts.get("alerts_reopened", 0) == 0
    assert not AuditEvent.objects.filter(action="risk.alert.reopened").exists()


def test_an_alert_in_progress_that_climbs_stays_in_progress(alice, risky_loan):
    """Someone works it already: the climb shows in its history and its severity, and it
    is not asked to be acknowledged again, nor escalated for the new deadline."""
    night(dt.date(2025, 2, 11))
    alert = dpd_alerts().get()
    services.alert_start(actor=alice, alert=alert)
    alert.refresh_from_db()
    acknowledged_at = alert.acknowledged_at
    night(dt.date(2025, 3, 13))
    alert.refresh_from_db()
    assert (alert.rule.code, alert.severity, alert.status) == ("dpd_30", "orange", "in_progress")
    assert alert.acknowledged_at == acknowledged_at
    step = alert.actions.get(action="stepped_up")
    assert (step.status_before, step.status_after) == ("", "")
    assert not AuditEvent.objects.filter(action="risk.alert.reopened").exists()
    services.alerts_escalate_overdue(now=alert.sla_due_at + dt.timedelta(hours=1))
    alert.refresh_from_db()
    assert alert.escalated_at is None


def test_a_second_scan_after_a_climb_reopened_an_alert_changes_nothing(alice, risky_loan):
    night(dt.date(2025, 2, 11))
    alert = dpd_alerts().get()
    services.alert_acknowledge(actor=alice, alert=alert)
    on = dt.date(2025, 3, 13)
    night(on)
    alert.refresh_from_db()
    assert alert.status == "open"
    before = _state()
    for _run in range(2):
        run = jobs.run_synchronously(jobs.SCAN, on)
        assert run.status == "done", run.failures
        assert run.counts.get("alerts_reopened", 0) == run.counts.get("alerts_stepped", 0) == 0
    night(on, full=True)
    assert _state() == before
    assert AuditEvent.objects.filter(action="risk.alert.reopened").count() == 1
