from celery import shared_task

from lending import notifications
from lending.models import CustomerNotification


# The task keeps the name it had in the credit app: the outbox and the broker carry tasks by
# name, and a row enqueued before the move still finds it.
@shared_task(name="credit.send_customer_notification")
def send_customer_notification(notification_id: int) -> None:
    notification = CustomerNotification.objects.filter(pk=notification_id, delivered=False).first()
    if notification is not None:
        notifications.deliver(notification)


# Payment reminders (lending/services/reminders.py): the nightly step fans out one chunk
# task per customer-id range; the sender runs after each chunk (through the outbox) and on
# beat every few minutes, which sends what the quiet hours held back.
REMINDER_CHUNK_IDS = 50_000
REMINDER_JOB = "lending.payment_reminders"


@shared_task(name="lending.payment_reminders")
def payment_reminders() -> int:
    """Beat entry point (nightly): queues the day's reminders, one chunk per id range."""
    from django.db.models import Max, Min

    from audit.models import JobHeartbeat
    from audit.services import job_heartbeat_record
    from core.business_date import business_date
    from customers.models import Customer

    bounds = Customer.objects.aggregate(first=Min("id"), last=Max("id"))
    if bounds["first"] is None:
        return 0
    on = business_date().isoformat()
    # The business date of the last night that queued reminders: this night also covers
    # the nights missed since (lending/services/reminders.py caps how far back).
    previous = JobHeartbeat.objects.filter(job=REMINDER_JOB).values_list("detail", flat=True)
    since = next((detail.get("on") for detail in previous if detail.get("on")), None)
    chunks = 0
    for start in range(bounds["first"], bounds["last"] + 1, REMINDER_CHUNK_IDS):
        payment_reminders_chunk.delay(start, start + REMINDER_CHUNK_IDS - 1, on, since)
        chunks += 1
    latest_night = max(on, since) if since else on
    job_heartbeat_record(job=REMINDER_JOB, detail={"chunks": chunks, "on": latest_night})
    return chunks


@shared_task(name="lending.payment_reminders_chunk")
def payment_reminders_chunk(first_id: int, last_id: int, on: str, since: str | None = None) -> int:
    import datetime as dt

    from lending.services.reminders import payment_reminders_queue

    return payment_reminders_queue(
        first_id=first_id,
        last_id=last_id,
        on=dt.date.fromisoformat(on),
        since=dt.date.fromisoformat(since) if since else None,
    )


@shared_task(name="lending.send_payment_reminders")
def send_payment_reminders() -> int:
    from lending.services.reminders import payment_reminders_send

    return payment_reminders_send()


# Collections (lending/services/collections.py): the nightly step fans out one chunk task per
# customer-id range; each chunk is one statement in one transaction.
COLLECTION_CHUNK_IDS = 50_000


@shared_task(name="lending.collection_cases")
def collection_cases() -> int:
    """Beat entry point (nightly): opens, moves and closes the collection cases."""
    from django.db.models import Max, Min

    from audit.services import job_heartbeat_record
    from core.business_date import business_date
    from customers.models import Customer

    bounds = Customer.objects.aggregate(first=Min("id"), last=Max("id"))
    if bounds["first"] is None:
        return 0
    on = business_date().isoformat()
    chunks = 0
    for start in range(bounds["first"], bounds["last"] + 1, COLLECTION_CHUNK_IDS):
        collection_cases_chunk.delay(start, start + COLLECTION_CHUNK_IDS - 1, on)
        chunks += 1
    job_heartbeat_record(job="lending.collection_cases", detail={"chunks": chunks})
    return chunks


@shared_task(name="lending.collection_cases_chunk")
def collection_cases_chunk(first_id: int, last_id: int, on: str) -> dict:
    import datetime as dt

    from lending.services.collections import collection_cases_refresh
    from lending.services.roll_rates import loan_month_end_record

    day = dt.date.fromisoformat(on)
    written = collection_cases_refresh(first_id=first_id, last_id=last_id, on=day)
    # On a month's last day, the month-end record the roll rates read (nothing otherwise).
    written["month_end_rows"] = loan_month_end_record(first_id=first_id, last_id=last_id, on=day)
    return written


# Post-loan inspections (lending.inspections): the nightly step creates the inspections due,
# one chunk task per customer-id range (idempotent: one open inspection per loan).
INSPECTION_CHUNK_IDS = 50_000


@shared_task(name="lending.inspections_schedule")
def inspections_schedule() -> int:
    from django.db.models import Max, Min

    from audit.services import job_heartbeat_record
    from customers.models import Customer

    bounds = Customer.objects.aggregate(first=Min("id"), last=Max("id"))
    if bounds["first"] is None:
        return 0
    chunks = 0
    for start in range(bounds["first"], bounds["last"] + 1, INSPECTION_CHUNK_IDS):
        inspections_schedule_chunk.delay(start, start + INSPECTION_CHUNK_IDS - 1)
        chunks += 1
    job_heartbeat_record(job="lending.inspections_schedule", detail={"chunks": chunks})
    return chunks


@shared_task(name="lending.inspections_schedule_chunk")
def inspections_schedule_chunk(first_id: int, last_id: int) -> int:
    from lending.inspections import inspections_schedule as schedule

    return schedule(first_id=first_id, last_id=last_id)
