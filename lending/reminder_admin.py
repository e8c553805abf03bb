"""Payment reminders in admin: the settings are reference data an admin edits (audited, one
row: days before due, overdue days, channels, quiet hours, the templates in both languages);
the reminders and the opt-outs are read-only and scoped like every business record (opt-outs
are recorded on the customer's reminders page, audited). Imported by lending/admin.py."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.admin_mixins import ScopedReadOnlyAdmin
from audit.admin_mixins import AuditedReferenceAdmin
from lending.reminder_models import PaymentReminder, ReminderOptOut, ReminderSettings


@admin.register(ReminderSettings)
class ReminderSettingsAdmin(AuditedReferenceAdmin):
    list_display = ["__str__", "days_before_due", "overdue_days", "channels", "quiet_start"]
    fieldsets = [
        (
            None,
            {"fields": ["days_before_due", "overdue_days", "channels", "quiet_start", "quiet_end"]},
        ),
        (
            _("Templates"),
            {
                "fields": ReminderSettings.TEMPLATE_FIELDS,
                "description": _(
                    "Placeholders: {amount} (¥1,234.56), {due_date}, {loan} (the loan's account "
                    "number) and {days} (days overdue)."
                ),
            },
        ),
    ]

    def has_add_permission(self, request):
        # One row for the bank (ReminderSettings.current creates it with the defaults).
        return not ReminderSettings.objects.exists()


@admin.register(PaymentReminder)
class PaymentReminderAdmin(ScopedReadOnlyAdmin):
    list_display = ["created_at", "customer", "kind", "days", "channel", "status", "sent_at"]
    list_filter = ["kind", "status", "channel"]
    search_fields = ["customer__name"]
    list_select_related = ["customer"]


@admin.register(ReminderOptOut)
class ReminderOptOutAdmin(ScopedReadOnlyAdmin):
    list_display = ["customer", "channel", "opted_out_at", "recorded_by"]
    list_filter = ["channel"]
    search_fields = ["customer__name"]
    list_select_related = ["customer", "recorded_by"]
