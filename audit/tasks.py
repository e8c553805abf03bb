import socket

from celery import shared_task

from audit.services import job_heartbeat_record

BEAT_HEARTBEAT_JOB = "beat"


@shared_task(name="audit.beat_heartbeat")
def beat_heartbeat() -> None:
    """Scheduled every minute by beat; proves beat, broker, worker and database all work."""
    job_heartbeat_record(job=BEAT_HEARTBEAT_JOB, detail={"worker": socket.gethostname()})


@shared_task(name="audit.relay_outbox")
def relay_outbox() -> int:
    """Scheduled every minute by beat: sends the task messages that waited for the broker."""
    from audit import outbox

    return outbox.relay()


@shared_task(name="audit.maintain_partitions")
def maintain_partitions() -> dict:
    """Scheduled daily by beat: next months' partitions of the tables that only grow."""
    from django.utils import timezone

    from core.partitions import partitions_maintain

    report = partitions_maintain(today=timezone.localdate())
    return {"created": report.created, "moved_rows": report.moved_rows}
