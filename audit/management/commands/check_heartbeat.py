from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from audit.models import JobHeartbeat
from audit.tasks import BEAT_HEARTBEAT_JOB


class Command(BaseCommand):
    help = "Exits non-zero when the beat heartbeat is missing or stale (container health check)."

    def handle(self, *args, **options):
        heartbeat = JobHeartbeat.objects.filter(job=BEAT_HEARTBEAT_JOB).first()
        if heartbeat is None:
            raise CommandError("no beat heartbeat yet")
        age = (timezone.now() - heartbeat.last_seen_at).total_seconds()
        if age > settings.BEAT_STALE_AFTER_SECONDS:
            raise CommandError(f"beat heartbeat is {age:.0f}s old")
        self.stdout.write(f"beat heartbeat {age:.0f}s old")
