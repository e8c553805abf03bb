"""Payment reminders to customers (issue 24, part 4): the bank's settings (one row, edited in
admin), the reminders the nightly step queues (one per instalment and reminder kind, never
two) and the customers' opt-outs per channel. Imported by lending/models.py."""

import datetime as dt

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from lending import reminder_texts


class ReminderChannel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")


class ReminderKind(models.TextChoices):
    DUE = "due", _("Payment due soon")
    OVERDUE = "overdue", _("Overdue notice")


class ReminderStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Not delivered")
    CANCELLED = "cancelled", _("Not sent: the customer opted out")


# The settings row's defaults (ReminderSettings.current and lending migration 0008 write them;
# the fields' own default is an empty list, so that the migrations import no code of ours).
DEFAULT_CHANNELS = ("sms", "email")


class ReminderSettings(models.Model):
    """The bank's one row of reminder settings (`current()` creates it with the defaults)."""

    days_before_due = models.PositiveSmallIntegerField(
        _("days before the due date"),
        default=reminder_texts.DEFAULT_DAYS_BEFORE_DUE,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_("A reminder goes this many days before an instalment falls due."),
    )
    overdue_days = ArrayField(
        models.PositiveSmallIntegerField(validators=[MinValueValidator(1)]),
        verbose_name=_("overdue notices on day"),
        default=list,
        help_text=_("Days past the due date on which an overdue notice goes, comma-separated."),
    )
    channels = ArrayField(
        models.CharField(max_length=5, choices=ReminderChannel.choices),
        verbose_name=_("channels, in order of preference"),
        default=list,
        help_text=_(
            "sms, email: each reminder goes by the first channel the customer has an address "
            "for and has not opted out of."
        ),
    )
    quiet_start = models.TimeField(
        _("quiet hours start"),
        default=reminder_texts.DEFAULT_QUIET_START,
        help_text=_("No reminder is sent from this time (Asia/Shanghai)..."),
    )
    quiet_end = models.TimeField(
        _("quiet hours end"),
        default=reminder_texts.DEFAULT_QUIET_END,
        help_text=_("...until this time; reminders queued meanwhile go out then."),
    )
    due_template_zh = models.TextField(
        _("due soon, Chinese"), default=reminder_texts.DEFAULT_DUE_TEMPLATE["zh-hans"]
    )
    due_template_en = models.TextField(
        _("due soon, English"), default=reminder_texts.DEFAULT_DUE_TEMPLATE["en"]
    )
    overdue_template_zh = models.TextField(
        _("overdue, Chinese"), default=reminder_texts.DEFAULT_OVERDUE_TEMPLATE["zh-hans"]
    )
    overdue_template_en = models.TextField(
        _("overdue, English"), default=reminder_texts.DEFAULT_OVERDUE_TEMPLATE["en"]
    )

    class Meta:
        verbose_name = _("reminder settings")
        verbose_name_plural = _("reminder settings")

    def __str__(self) -> str:
        return gettext("Reminder settings")

    @classmethod
    def current(cls) -> "ReminderSettings":
        reminder_settings, _created = cls.objects.get_or_create(
            pk=1,
            defaults={
                "overdue_days": list(reminder_texts.DEFAULT_OVERDUE_DAYS),
                "channels": list(DEFAULT_CHANNELS),
            },
        )
        return reminder_settings

    TEMPLATE_FIELDS = (
        "due_template_zh",
        "due_template_en",
        "overdue_template_zh",
        "overdue_template_en",
    )

    def clean(self):
        errors = {}
        for name in self.TEMPLATE_FIELDS:
            try:
                unknown = reminder_texts.unknown_placeholders(getattr(self, name))
            except ValueError:
                errors[name] = gettext("A brace is not closed: write placeholders as {amount}.")
                continue
            if unknown:
                errors[name] = gettext(
                    "Unknown placeholder: %(names)s. Use {amount}, {due_date}, {loan}, {days}."
                ) % {"names": ", ".join(unknown)}
        if self.channels and len(set(self.channels)) != len(self.channels):
            errors["channels"] = gettext("Name each channel once.")
        if self.overdue_days and len(set(self.overdue_days)) != len(self.overdue_days):
            errors["overdue_days"] = gettext("Name each day once.")
        if errors:
            raise ValidationError(errors)

    def template_for(self, kind: str, language: str) -> str:
        suffix = "zh" if language.startswith("zh") else "en"
        return getattr(self, f"{kind}_template_{suffix}")

    def send_time(self, now: dt.datetime) -> dt.datetime:
        """When a message queued at `now` may go out: now, or the end of the quiet hours."""
        return reminder_texts.next_send_time(
            timezone.localtime(now), self.quiet_start, self.quiet_end
        )


class PaymentReminder(models.Model):
    """One message to a customer about one instalment: due in N days, or overdue on a given
    day. The unique key (instalment, kind, days) makes it once-only: a rerun of the night or
    a redelivered task finds the row there and writes nothing. The text is written in the
    customer's language when it goes out; the recipient is read then too (the phone is
    stored encrypted, so SQL cannot)."""

    instalment = models.ForeignKey(
        "lending.Instalment",
        verbose_name=_("instalment"),
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    loan = models.ForeignKey(
        "lending.Loan", verbose_name=_("loan"), on_delete=models.CASCADE, related_name="+"
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="payment_reminders",
    )
    kind = models.CharField(_("reminder"), max_length=10, choices=ReminderKind.choices)
    # Days overdue for an overdue notice; 0 for "due soon" (one per instalment, whatever
    # the setting of days before due becomes).
    days = models.PositiveSmallIntegerField(_("days overdue"), default=0)
    channel = models.CharField(_("channel"), max_length=5, choices=ReminderChannel.choices)
    language = models.CharField(_("language"), max_length=10)
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2)
    due_date = models.DateField(_("due date"))
    business_date = models.DateField(_("business date"))
    created_at = models.DateTimeField(_("queued"), default=timezone.now)
    send_after = models.DateTimeField(_("send after"))
    status = models.CharField(
        _("status"), max_length=10, choices=ReminderStatus.choices, default=ReminderStatus.PENDING
    )
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    recipient = models.CharField(_("recipient"), max_length=200, blank=True)
    message = models.TextField(_("message"), blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("payment reminder")
        verbose_name_plural = _("payment reminders")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["instalment", "kind", "days"], name="payment_reminder_once"
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "-created_at"], name="reminder_timeline"),
            # The sender's queue: what waits, by the time it may go out.
            models.Index(
                fields=["send_after"],
                condition=models.Q(status="pending"),
                name="reminder_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.loan_id}#{self.instalment_id}"

    # The 360's timeline (customers.panels.register_timeline) sorts entries by `timeline_at`.
    timeline_template = "lending/reminder_timeline_entry.html"

    @property
    def timeline_at(self) -> dt.datetime:
        return self.sent_at or self.created_at


class ReminderOptOut(models.Model):
    """A customer who asked for no more reminders on a channel: when and who recorded it.
    Opting back in removes the row; the audit trail keeps both."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="reminder_opt_outs",
    )
    channel = models.CharField(_("channel"), max_length=5, choices=ReminderChannel.choices)
    opted_out_at = models.DateTimeField(_("opted out"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("reminder opt-out")
        verbose_name_plural = _("reminder opt-outs")
        constraints = [
            models.UniqueConstraint(fields=["customer", "channel"], name="reminder_opt_out_once")
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.channel}"
