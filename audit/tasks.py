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
