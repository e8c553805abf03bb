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
