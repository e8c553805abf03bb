"""The customer's payment reminders on the 360's timeline (customers.panels)."""

TIMELINE_REMINDERS = 30


def reminder_timeline_entries(customer) -> list:
    """The latest reminders, newest first (one query)."""
    from lending.reminder_models import PaymentReminder

    return list(
        PaymentReminder.objects.filter(customer=customer).order_by("-created_at", "-id")[
            :TIMELINE_REMINDERS
        ]
    )
