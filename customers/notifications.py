"""E-mails to officers about their customers, sent after the transaction that changed them
commits."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.mail import send_staff_mail


def customer_transferred(transfer_id: int) -> None:
    """Tells the officer a customer was just handed to: which customer, from whom, who
    handed it over and why, and the link to the customer. A transfer is one customer, so
    its officer gets one mail for it."""
    from customers.models import OfficerTransfer

    transfer = OfficerTransfer.objects.select_related(
        "customer", "from_officer", "to_officer", "transferred_by"
    ).get(pk=transfer_id)
    officer = transfer.to_officer
    with translation.override(officer.language or settings.LANGUAGE_CODE):
        body = _(
            "%(person)s handed you the customer %(customer)s, managed until now by "
            "%(previous)s.\nReason: %(reason)s\n%(url)s"
        ) % {
            "person": transfer.transferred_by,
            "customer": transfer.customer.name,
            "previous": transfer.from_officer,
            "reason": transfer.reason,
            "url": reverse("customers:detail", args=[transfer.customer_id]),
        }
        send_staff_mail(officer, _("Customer transferred to you"), body)
