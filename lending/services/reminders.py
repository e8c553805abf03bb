"""Payment reminders to customers (issue 24, part 4): the nightly step that queues them, the
sender that delivers them outside the quiet hours, and the opt-outs.

The nightly step is set-based: per chunk of customer ids one INSERT ... SELECT finds the
unpaid instalments due in N days and those overdue by exactly one of the configured days
(and, after a night that did not run, those the missed nights would have found),
picks each one's channel (the first in the settings' order the customer has an address on
and has not opted out of) and writes one reminder each; the unique key (instalment, kind,
days) with ON CONFLICT DO NOTHING makes a rerun or a redelivered chunk write nothing. Then
it enqueues the sender through the outbox, after commit. Statements per chunk: the settings
row, the INSERT, and the outbox row when something was queued (3).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from audit import outbox
from audit.services import audit_log
from lending import policies, reminder_texts
from lending.reminder_models import (
    PaymentReminder,
    ReminderChannel,
    ReminderKind,
    ReminderOptOut,
    ReminderSettings,
    ReminderStatus,
)

logger = logging.getLogger(__name__)

SEND_TASK = "lending.send_payment_reminders"
SEND_BATCH = 500

_QUEUE_SQL = """
INSERT INTO lending_paymentreminder (
    instalment_id, loan_id, customer_id, kind, days, channel, language, amount, due_date,
    business_date, created_at, send_after, status, recipient, message, error
)
SELECT i.id, l.id, c.id, k.kind, k.days, pick.channel, c.language,
       i.principal_due + i.interest_due - i.principal_paid - i.interest_paid, i.due_date,
       %(today)s, %(now)s, %(send_after)s, 'pending', '', '', ''
FROM unnest(%(kinds)s::text[], %(days)s::int[], %(earliest)s::date[], %(latest)s::date[])
     AS k(kind, days, earliest, latest)
JOIN credit_instalment i
  ON i.due_date BETWEEN k.earliest AND k.latest AND i.settled_on IS NULL AND NOT i.superseded
JOIN credit_loan l ON l.id = i.loan_id AND l.status = 'active'
JOIN customers_customer c ON c.id = l.customer_id
CROSS JOIN LATERAL (
    SELECT preference.channel
    FROM unnest(%(channels)s::text[]) WITH ORDINALITY AS preference(channel, rank)
    WHERE ((preference.channel = 'sms' AND c.phone_tail <> '')
           OR (preference.channel = 'email' AND c.email <> ''))
      AND NOT EXISTS (
          SELECT 1 FROM lending_reminderoptout o
          WHERE o.customer_id = c.id AND o.channel = preference.channel
      )
    ORDER BY preference.rank
    LIMIT 1
) AS pick
WHERE l.customer_id BETWEEN %(first)s AND %(last)s
  AND i.principal_due + i.interest_due - i.principal_paid - i.interest_paid > 0
ON CONFLICT (instalment_id, kind, days) DO NOTHING
"""


# A night that did not run (a holiday of the scheduler, an outage) is caught up by the next:
# it also queues what the missed nights would have, up to a week back. A notice older than
# that would tell the customer of a day long gone, so it is not sent.
MAX_CATCH_UP_DAYS = 7


def _reminder_bands(
    reminder_settings: ReminderSettings, on: dt.date, since: dt.date | None
) -> list[tuple[str, int, dt.date, dt.date]]:
    """The (kind, days, earliest due date, latest due date) the night of `on` looks for,
    covering every business date after `since` (the last night that queued reminders; the
    day before by default). An instalment gets only the latest overdue notice it has
    reached: a catch-up after day 1 and day 7 both went by sends the day-7 one."""
    first_night = on - dt.timedelta(days=1) if since is None or since >= on else since
    first_night = max(first_night, on - dt.timedelta(days=MAX_CATCH_UP_DAYS + 1))
    missed = (on - first_night).days - 1
    before_due = reminder_settings.days_before_due
    bands = [
        (
            ReminderKind.DUE.value,
            0,
            on + dt.timedelta(days=before_due - missed),
            on + dt.timedelta(days=before_due),
        )
    ]
    overdue_days = sorted(set(reminder_settings.overdue_days))
    for position, days in enumerate(overdue_days):
        earliest = on - dt.timedelta(days=days + missed)
        if position + 1 < len(overdue_days):
            # Past the next notice's day, the next notice is the one to send.
            earliest = max(earliest, on - dt.timedelta(days=overdue_days[position + 1] - 1))
        latest = on - dt.timedelta(days=days)
        if earliest <= latest:
            bands.append((ReminderKind.OVERDUE.value, days, earliest, latest))
    return bands


@transaction.atomic
def payment_reminders_queue(
    *, first_id: int, last_id: int, on: dt.date, since: dt.date | None = None
) -> int:
    """Queues the reminders of business date `on` (and of the nights missed since `since`)
    for customers `first_id`..`last_id`; returns how many were new. Idempotent: a second run
    of the same night queues none."""
    reminder_settings = ReminderSettings.current()
    if not reminder_settings.channels:
        return 0
    now = timezone.now()
    bands = _reminder_bands(reminder_settings, on, since)
    with connection.cursor() as cursor:
        cursor.execute(
            _QUEUE_SQL,
            {
                "kinds": [band[0] for band in bands],
                "days": [band[1] for band in bands],
                "earliest": [band[2] for band in bands],
                "latest": [band[3] for band in bands],
                "channels": list(reminder_settings.channels),
                "today": on,
                "now": now,
                "send_after": reminder_settings.send_time(now),
                "first": first_id,
                "last": last_id,
            },
        )
        queued = cursor.rowcount
    if queued:
        # The sender goes after commit; in the quiet hours it finds nothing due yet, and
        # the beat's sweep (every few minutes) sends what waits once they end.
        outbox.enqueue(SEND_TASK)
    return queued


def message_text(reminder: PaymentReminder, reminder_settings: ReminderSettings) -> str:
    template = reminder_settings.template_for(reminder.kind, reminder.language)
    return reminder_texts.fill(
        template,
        amount=reminder.amount,
        due_date=reminder.due_date,
        loan=f"LN{reminder.loan_id:08d}",
        days=reminder.days,
    )


def _deliver(reminder: PaymentReminder) -> None:
    if reminder.channel == ReminderChannel.EMAIL:
        with translation.override(reminder.language):
            subject = _("Your loan repayment")
        send_mail(subject, reminder.message, settings.DEFAULT_FROM_EMAIL, [reminder.recipient])
    else:
        import_string(settings.SMS_BACKEND)().send(reminder.recipient, reminder.message)


def payment_reminders_send(*, now: dt.datetime | None = None, limit: int = SEND_BATCH) -> int:
    """Sends the reminders whose time has come, unless it is the quiet hours; returns how
    many went out. Each row is locked (SKIP LOCKED) and leaves the pending state once, so a
    redelivered task or two senders at once never send a reminder twice."""
    now = now or timezone.now()
    reminder_settings = ReminderSettings.current()
    if reminder_settings.send_time(now) != timezone.localtime(now):
        return 0
    sent = 0
    with transaction.atomic():
        due = list(
            PaymentReminder.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=ReminderStatus.PENDING, send_after__lte=now)
            .select_related("customer")
            .order_by("send_after", "id")[:limit]
        )
        opted_out = set(
            ReminderOptOut.objects.filter(
                customer_id__in={reminder.customer_id for reminder in due}
            ).values_list("customer_id", "channel")
        )
        for reminder in due:
            customer = reminder.customer
            reminder.message = message_text(reminder, reminder_settings)
            reminder.recipient = (
                customer.email if reminder.channel == ReminderChannel.EMAIL else customer.phone
            )
            reminder.sent_at = now
            if (reminder.customer_id, reminder.channel) in opted_out:
                # Opted out after the night queued it.
                reminder.status = ReminderStatus.CANCELLED
            elif not reminder.recipient:
                reminder.status = ReminderStatus.FAILED
                reminder.error = "no address on this channel"
            else:
                try:
                    _deliver(reminder)
                except Exception as error:
                    reminder.status = ReminderStatus.FAILED
                    reminder.error = f"{type(error).__name__}: {error}"[:300]
                else:
                    reminder.status = ReminderStatus.SENT
                    sent += 1
        PaymentReminder.objects.bulk_update(
            due, ["message", "recipient", "sent_at", "status", "error"]
        )
    if due:
        logger.info("payment reminders sent", extra={"sent": sent, "handled": len(due)})
    return sent


@transaction.atomic
def reminder_opt_out(*, actor, customer, channel: str) -> ReminderOptOut:
    """Records that the customer wants no more reminders on `channel` (who and when)."""
    if not policies.may_record_reminder_opt_out(actor):
        raise PermissionDenied
    if channel not in ReminderChannel.values:
        raise ValidationError({"channel": _("Choose SMS or e-mail.")})
    opt_out, created = ReminderOptOut.objects.get_or_create(
        customer=customer, channel=channel, defaults={"recorded_by": actor}
    )
    if created:
        audit_log(
            actor=actor,
            action="lending.reminder_opt_out.opted_out",
            obj=customer,
            object_type="lending.reminder_opt_out",
            after={"channel": channel, "opted_out_at": opt_out.opted_out_at},
        )
    return opt_out


@transaction.atomic
def reminder_opt_in(*, actor, customer, channel: str) -> bool:
    """Takes an opt-out back: reminders go on that channel again. False if there was none."""
    if not policies.may_record_reminder_opt_out(actor):
        raise PermissionDenied
    opt_out = (
        ReminderOptOut.objects.select_for_update()
        .filter(customer=customer, channel=channel)
        .first()
    )
    if opt_out is None:
        return False
    before = {
        "channel": channel,
        "opted_out_at": opt_out.opted_out_at,
        "recorded_by": opt_out.recorded_by_id,
    }
    opt_out.delete()
    audit_log(
        actor=actor,
        action="lending.reminder_opt_out.opted_in",
        obj=customer,
        object_type="lending.reminder_opt_out",
        before=before,
    )
    return True
