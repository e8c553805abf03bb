"""Keeping the customer informed: every application status change can tell the customer,
by e-mail when we have their address, else by SMS. What was sent is recorded, so the
application's history shows what the customer was told."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from audit import outbox
from customers.identifiers import mask_phone

logger = logging.getLogger(__name__)

# Statuses the customer hears about (drafts are internal).
NOTIFIED = {"submitted", "under_review", "approved", "rejected", "disbursed", "withdrawn"}
# Customers of a bank in China are written to in Chinese.
CUSTOMER_LANGUAGE = "zh-hans"


class LoggingSmsBackend:
    """The default SMS backend: writes the message to the log (phone masked). A bank plugs
    its SMS gateway in with a class of the same shape, named in SMS_BACKEND."""

    def send(self, phone: str, message: str) -> None:
        logger.info("sms", extra={"to": mask_phone(phone), "sms_text": message})


def message_for(application) -> str:
    with translation.override(CUSTOMER_LANGUAGE):
        texts = {
            "submitted": _(
                "We have received your loan application %(ref)s and will review it shortly."
            ),
            "under_review": _("Your loan application %(ref)s is being reviewed."),
            "approved": _(
                "Good news: your loan application %(ref)s is approved. Your "
                "relationship manager will contact you about the contract."
            ),
            "rejected": _(
                "We are sorry: your loan application %(ref)s was not approved. "
                "Your relationship manager can explain why and what else we can "
                "offer."
            ),
            "disbursed": _("The loan of application %(ref)s has been paid out to your account."),
            "withdrawn": _("Your loan application %(ref)s has been withdrawn."),
        }
        return texts[application.status] % {"ref": application.reference}


def application_status_changed(application) -> None:
    """Records the message now and sends it after the transaction commits."""
    from lending.models import CustomerNotification, NotificationChannel

    if application.status not in NOTIFIED:
        return
    customer = application.customer
    if customer.email:
        channel, recipient = NotificationChannel.EMAIL, customer.email
    elif customer.phone:
        channel, recipient = NotificationChannel.SMS, customer.phone
    else:
        return
    notification = CustomerNotification.objects.create(
        application=application,
        channel=channel,
        recipient=recipient,
        message=message_for(application),
    )
    outbox.enqueue("credit.send_customer_notification", notification.pk)


def deliver(notification) -> None:
    """Sends one recorded notification; failures are kept on the record, not raised."""
    try:
        if notification.channel == "email":
            send_mail(
                _("Your loan application"),
                notification.message,
                settings.DEFAULT_FROM_EMAIL,
                [notification.recipient],
            )
        else:
            import_string(settings.SMS_BACKEND)().send(notification.recipient, notification.message)
    except Exception as error:
        notification.delivered = False
        notification.error = str(error)[:300]
    else:
        notification.delivered = True
        notification.error = ""
    notification.save(update_fields=["delivered", "error"])
