"""A rule's severity edited in admin reaches the alerts the rule keeps open at the next night
(risk.rule_severity): each takes the new severity with a row in its history and one in the
audit trail by no one (the system); the closed alerts keep theirs; the night after writes
nothing."""

import datetime as dt

from django.forms.models import model_to_dict
from django.urls import reverse

from audit.models import AuditEvent
from risk import jobs, services
from risk.models import Alert, AlertAction, EarlyWarningRule

FIRST_NIGHT = dt.date(2025, 2, 11)  # risky_loan's first instalment, due 10 February, unpaid


def night(on: dt.date, *, full: bool = False):
    run = jobs.run_synchronously(jobs.NIGHTLY, on, full=full)
    assert run.status == "done", run.failures
    return run


def rule_form(rule: EarlyWarningRule, **changes) -> dict:
    """The admin change form as the page posts it."""
    fields = ["name", "description", "enabled", "threshold", "severity", "risk_type"]
    fields += ["suggested_response", "sla_hours", "auto_resolve"]
    data = {**model_to_dict(rule, fields=fields), **changes}
    # Unticked checkboxes are not posted.
    return {name: value for name, value in data.items() if value is not False and value is not None}


def trail(alert: Alert):
    return AuditEvent.objects.filter(object_type="risk.alert", object_id=str(alert.pk))


def test_an_edited_severity_reaches_the_open_alerts_of_the_rule_at_the_next_night(
    client_for, rita, alice, risky_loan
):
    night(FIRST_NIGHT)
    dismissed = Alert.objects.get(indicator="dpd")
    assert (dismissed.rule.code, dismissed.severity) == ("dpd_1", "yellow")
    services.alert_dismiss(actor=rita, alert=dismissed, reason="Paid by transfer, not booked yet")
    # Still unpaid the next night: the rule raises a new alert, open.
    night(FIRST_NIGHT + dt.timedelta(days=1))
    alert = Alert.objects.get(indicator="dpd", status="open")
    assert alert.pk != dismissed.pk and alert.severity == "yellow"

    # The risk officer makes the rule orange in admin.
    rule = EarlyWarningRule.objects.get(code="dpd_1")
    url = reverse("admin:risk_earlywarningrule_change", args=[rule.pk])
    response = client_for(rita).post(url, rule_form(rule, severity="orange"))
    assert response.status_code == 302
    assert EarlyWarningRule.objects.get(pk=rule.pk).severity == "orange"
    # Nothing moves before the night.
    alert.refresh_from_db()
    assert alert.severity == "yellow"

    on = FIRST_NIGHT + dt.timedelta(days=2)
    run = night(on)

    assert run.counts["alert_severities_followed"] == 1
    alert.refresh_from_db()
    dismissed.refresh_from_db()
    assert (alert.severity, alert.status, alert.rule_id) == ("orange", "open", rule.pk)
    # The closed alert keeps the severity it was closed with.
    assert (dismissed.severity, dismissed.status) == ("yellow", "dismissed")
    history = AlertAction.objects.get(alert=alert, action="rule_severity")
    assert (history.severity_before, history.severity_after) == ("yellow", "orange")
    assert (history.rule_before_id, history.rule_after_id) == (rule.pk, rule.pk)
    assert (history.taken_by, history.business_date) == (None, on)
    audited = trail(alert).get(action="risk.alert.updated")
    assert audited.actor is None
    assert (audited.before, audited.after) == ({"severity": "yellow"}, {"severity": "orange"})
    assert not trail(dismissed).filter(action="risk.alert.updated").exists()
    # The officer reads it on the alert's page.
    page = client_for(alice).get(reverse("risk:alert-detail", args=[alert.pk])).content.decode()
    assert "Severity changed with its rule" in page and "Yellow → Orange" in page

    # The next night, and a full run of it, find nothing to move and write no history.
    written = AlertAction.objects.count(), AuditEvent.objects.count()
    assert night(on).counts.get("alert_severities_followed", 0) == 0
    assert night(on, full=True).counts.get("alert_severities_followed", 0) == 0
    assert (AlertAction.objects.count(), AuditEvent.objects.count()) == written
    alert.refresh_from_db()
    assert alert.severity == "orange"


def test_an_alert_climbing_the_ladder_is_not_taken_for_a_rule_edit(alice, risky_loan):
    """An alert moving to another rule's step takes that rule's severity as a step
    (risk.recompute.SCAN), not as a severity edit."""
    night(FIRST_NIGHT)
    night(dt.date(2025, 3, 13))  # 31 days past due: dpd_30, orange
    alert = Alert.objects.get(indicator="dpd")
    assert (alert.rule.code, alert.severity) == ("dpd_30", "orange")
    assert not alert.actions.filter(action="rule_severity").exists()
    assert not trail(alert).filter(action="risk.alert.updated").exists()
