"""The customer's payment reminders on the 360's timeline (customers.panels)."""

TIMELINE_REMINDERS = 30


def reminder_timeline_entries(customer) -> list:
    """The latest reminders, newest first (one query)."""
    from lending.reminder_models import PaymentReminder

    # Only the columns the timeline entry shows (lending/reminder_timeline_entry.html).
    return list(
        PaymentReminder.objects.filter(customer=customer)
        .only(
            "customer_id",
            "kind",
            "channel",
            "status",
            "due_date",
            "created_at",
            "sent_at",
            "message",
        )
        .order_by("-created_at", "-id")[:TIMELINE_REMINDERS]
    )
