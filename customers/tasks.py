from celery import shared_task
from django.db.models import Max, Min

from audit.services import job_heartbeat_record
from customers import screening
from customers.models import Customer
from customers.services import revisit_follow_ups_generate

CHUNK_IDS = 50_000


@shared_task(name="customers.generate_revisits")
def generate_revisits() -> int:
    """Beat entry point: fans out one chunk task per id range of customers."""
    bounds = Customer.objects.aggregate(first=Min("id"), last=Max("id"))
    if bounds["first"] is None:
        return 0
    chunks = 0
    for start in range(bounds["first"], bounds["last"] + 1, CHUNK_IDS):
        generate_revisits_chunk.delay(start, start + CHUNK_IDS - 1)
        chunks += 1
    job_heartbeat_record(job="customers.generate_revisits", detail={"chunks": chunks})
    return chunks


@shared_task(name="customers.generate_revisits_chunk")
def generate_revisits_chunk(first_id: int, last_id: int) -> int:
    return revisit_follow_ups_generate(first_id=first_id, last_id=last_id)


@shared_task(name="customers.screen_all_customers")
def screen_all_customers() -> int:
    """After a watch-list import (through the outbox): one chunk task per id range."""
    bounds = Customer.objects.aggregate(first=Min("id"), last=Max("id"))
    if bounds["first"] is None:
        return 0
    chunks = 0
    for start in range(bounds["first"], bounds["last"] + 1, screening.CHUNK_IDS):
        screen_customers_chunk.delay(start, start + screening.CHUNK_IDS - 1)
        chunks += 1
    job_heartbeat_record(job="customers.screen_all_customers", detail={"chunks": chunks})
    return chunks


@shared_task(name="customers.screen_customers_chunk")
def screen_customers_chunk(first_id: int, last_id: int) -> int:
    return screening.customers_screen_range(first_id=first_id, last_id=last_id)
