from django.core.management.base import BaseCommand

from audit import outbox
from audit.models import OutboxMessage


class Command(BaseCommand):
    help = "Sends the pending task messages of the outbox to the broker (safe to run any time)."

    def handle(self, *args, **options):
        sent = outbox.relay()
        pending = OutboxMessage.objects.filter(sent_at__isnull=True).count()
        self.stdout.write(f"sent {sent}, pending {pending}")
