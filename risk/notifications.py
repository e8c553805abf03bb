"""E-mails about alerts, sent after the transaction that raised or escalated them commits."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.mail import send_staff_mail


def red_alerts_raised(alert_ids: list[int]) -> None:
    from risk.models import Alert

    for alert in Alert.objects.filter(pk__in=alert_ids).select_related(
        "rule", "customer", "assignee"
    ):
        with translation.override(alert.assignee.language or settings.LANGUAGE_CODE):
            body = _(
                "Red alert on %(customer)s: %(rule)s (%(value)s). Suggested response: "
                "%(response)s\n%(url)s"
            ) % {
                "customer": alert.customer.name,
                "rule": _(alert.rule.name),
                "value": alert.shown_value(),
                "response": alert.rule.suggested_response,
                "url": reverse("risk:alert-detail", args=[alert.pk]),
            }
            send_staff_mail(alert.assignee, _("Red alert"), body)


def alerts_escalated(alert_ids: list[int]) -> None:
    from risk.models import Alert

    for alert in Alert.objects.filter(pk__in=alert_ids).select_related(
        "rule", "customer", "assignee", "escalated_to"
    ):
        with translation.override(alert.escalated_to.language or settings.LANGUAGE_CODE):
            body = _(
                "Not acknowledged in time by %(officer)s: %(rule)s on %(customer)s.\n%(url)s"
            ) % {
                "officer": alert.assignee,
                "rule": _(alert.rule.name),
                "customer": alert.customer.name,
                "url": reverse("risk:alert-detail", args=[alert.pk]),
            }
            send_staff_mail(alert.escalated_to, _("Alert escalated to you"), body)


def alert_assigned(alert_id: int, *, assignee_id: int, assigned_by_id: int, note: str) -> None:
    """Tells the person an alert was just given to: its rule and customer, who gave it to
    them and the note they gave it with, and the link to the alert."""
    from accounts.models import User
    from risk.models import Alert

    alert = Alert.objects.select_related("rule", "customer").get(pk=alert_id)
    people = User.objects.in_bulk([assignee_id, assigned_by_id])
    assignee, assigned_by = people[assignee_id], people[assigned_by_id]
    with translation.override(assignee.language or settings.LANGUAGE_CODE):
        body = _(
            "%(person)s assigned you an alert: %(rule)s on %(customer)s (%(severity)s, "
            "%(value)s).\nNote: %(note)s\n%(url)s"
        ) % {
            "person": assigned_by,
            "rule": _(alert.rule.name),
            "customer": alert.customer.name,
            "severity": alert.get_severity_display(),
            "value": alert.shown_value(),
            "note": note,
            "url": reverse("risk:alert-detail", args=[alert.pk]),
        }
        send_staff_mail(assignee, _("Alert assigned to you"), body)
