"""The transactional outbox: how the web and the workers start Celery tasks.

`enqueue()` writes the task as an OutboxMessage row inside the caller's transaction and,
once that transaction commits, tries the broker at once (fast path). When Redis is down the
row stays pending and the request carries on; `relay()` (the beat task audit.relay_outbox,
every minute, or `manage.py relay_outbox`) sends it when Redis is back. Both paths lock the
row with SKIP LOCKED and mark it sent, so a message is published once; a crash between the
publish and the mark can publish it twice, which the tasks tolerate (they are idempotent).
"""

from __future__ import annotations

import datetime as dt
import logging

from celery import current_app
from django.db import transaction
from django.utils import timezone

from audit.models import OutboxMessage

logger = logging.getLogger(__name__)

RELAY_BATCH = 500
# Sent messages are kept this long for operators, then the relay deletes them.
KEEP_SENT = dt.timedelta(days=7)


def enqueue(task: str, *args, **kwargs) -> OutboxMessage:
    """Records `task(*args, **kwargs)` in the current transaction; sends it after commit."""
    message = OutboxMessage.objects.create(task=task, args=list(args), kwargs=kwargs)
    # robust: a failure of the fast path is logged and never turns the user's request
    # (already committed) into an error page.
    transaction.on_commit(lambda: send_pending(ids=[message.pk]), robust=True)
    return message


def send_pending(*, ids: list[int] | None = None, limit: int = RELAY_BATCH) -> int:
    """Publishes pending messages (those in `ids`, or the oldest `limit`); returns how many
    were sent. Stops at the first broker failure, recording it on that message."""
    sent = 0
    with transaction.atomic():
        pending = OutboxMessage.objects.select_for_update(skip_locked=True).filter(
            sent_at__isnull=True
        )
        if ids is not None:
            pending = pending.filter(pk__in=ids)
        messages = list(pending.order_by("id")[:limit])
        if not messages:
            return 0
        if current_app.conf.task_always_eager:
            # Eager mode (a seed into a scratch database, a script) runs tasks in-process
            # like `delay()` does; send_task would ignore it and publish to a live queue.
            for message in messages:
                current_app.tasks[message.task].apply(args=message.args, kwargs=message.kwargs)
                message.attempts += 1
                message.sent_at = timezone.now()
                message.save(update_fields=["attempts", "sent_at"])
            return len(messages)
        with current_app.connection_for_write() as connection:
            for message in messages:
                message.attempts += 1
                try:
                    # max_retries=0 and retry=False: with the broker down, fail at once and
                    # leave the row to the relay, rather than hold the user's request for
                    # kombu's seconds of connection retries.
                    connection.ensure_connection(max_retries=0)
                    current_app.send_task(
                        message.task,
                        args=message.args,
                        kwargs=message.kwargs,
                        connection=connection,
                        retry=False,
                    )
                except Exception as error:
                    message.last_error = f"{type(error).__name__}: {error}"[:300]
                    message.save(update_fields=["attempts", "last_error"])
                    logger.warning(
                        "outbox message held: broker unavailable",
                        extra={
                            "outbox_id": message.pk,
                            "task": message.task,
                            "attempts": message.attempts,
                            "error": type(error).__name__,
                        },
                    )
                    break
                message.sent_at = timezone.now()
                message.save(update_fields=["attempts", "sent_at"])
                sent += 1
    return sent


def relay() -> int:
    """The relay's sweep: sends what the fast path could not, then forgets old sent rows."""
    sent = send_pending()
    OutboxMessage.objects.filter(sent_at__lt=timezone.now() - KEEP_SENT).delete()
    pending = OutboxMessage.objects.filter(sent_at__isnull=True).count()
    if sent or pending:
        logger.info("outbox relayed", extra={"sent": sent, "pending": pending})
    return sent
