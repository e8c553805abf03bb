"""Demo payment reminders for `seed_demo` (lending.demo): the night's step over the whole
book on the business date, and on the first demo loan with unpaid instalments the reminders
its customer had from the bank: "due in N days" before its next unpaid instalment and, when
one is overdue, the notices of the overdue days already passed, as sent at 08:00 of their
day. They show on the customer's timeline and reminders page.

Idempotent: each reminder has its once-only key (instalment, kind, days); a second seed
finds them and writes nothing."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone

from core.business_date import business_date
from customers.models import Customer
from lending.models import Instalment, LoanStatus
from lending.reminder_models import (
    PaymentReminder,
    ReminderKind,
    ReminderSettings,
    ReminderStatus,
)
from lending.services.reminders import message_text, payment_reminders_queue


def _sent_at(day: dt.date, reminder_settings: ReminderSettings) -> dt.datetime:
    quiet_end = reminder_settings.quiet_end
    return timezone.make_aware(dt.datetime.combine(day, quiet_end))


def _remember(instalment, kind, days, day, reminder_settings) -> bool:
    customer = instalment.loan.customer
    reminder, created = PaymentReminder.objects.get_or_create(
        instalment=instalment,
        kind=kind,
        days=days,
        defaults={
            "loan": instalment.loan,
            "customer": customer,
            "channel": "sms",
            "language": customer.language,
            "amount": instalment.outstanding,
            "due_date": instalment.due_date,
            "business_date": day,
            "created_at": _sent_at(day, reminder_settings),
            "send_after": _sent_at(day, reminder_settings),
            "status": ReminderStatus.SENT,
            "sent_at": _sent_at(day, reminder_settings),
            "recipient": customer.phone,
        },
    )
    if created:
        reminder.message = message_text(reminder, reminder_settings)
        reminder.save(update_fields=["message"])
    return created


@transaction.atomic
def seed_reminders() -> int:
    on = business_date()
    reminder_settings = ReminderSettings.current()
    bounds = Customer.objects.aggregate(first=Min("id"), last=Max("id"))
    made = 0
    if bounds["first"] is not None:
        made += payment_reminders_queue(first_id=bounds["first"], last_id=bounds["last"], on=on)
    unpaid = (
        Instalment.objects.filter(
            settled_on__isnull=True,
            superseded=False,
            loan__status=LoanStatus.ACTIVE,
            loan__customer__phone_tail__gt="",
        )
        .select_related("loan__customer")
        .order_by("loan_id", "due_date")
    )
    first = unpaid.first()
    if first is None:
        return made
    for instalment in unpaid.filter(loan_id=first.loan_id)[:3]:
        if instalment.due_date > on:
            reminded_on = instalment.due_date - dt.timedelta(days=reminder_settings.days_before_due)
            if reminded_on <= on:
                made += _remember(instalment, ReminderKind.DUE, 0, reminded_on, reminder_settings)
            break
        for days in sorted(reminder_settings.overdue_days):
            noticed_on = instalment.due_date + dt.timedelta(days=days)
            if noticed_on <= on:
                made += _remember(
                    instalment, ReminderKind.OVERDUE, days, noticed_on, reminder_settings
                )
    return made
