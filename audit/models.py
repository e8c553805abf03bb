from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One change (or sensitive read) in the system. Append-only: a database trigger refuses
    UPDATE and DELETE on this table, so not even a bug or an admin can rewrite history."""

    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    # PROTECT: users who acted are deactivated, never deleted, so the trail keeps its actor.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=100, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_label = models.CharField(_("object"), max_length=200, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "-created_at"]),
            models.Index(fields=["actor", "-created_at"]),
        ]

    def __str__(self) -> str:
        from audit.actions import action_name

        moment = timezone.localtime(self.created_at)
        return f"{moment:%Y-%m-%d %H:%M} {action_name(self.action)} {self.object_label}"


class JobHeartbeat(models.Model):
    """The last time each scheduled job ran; /healthz reads the beat heartbeat from here."""

    job = models.CharField(_("job"), max_length=100, unique=True)
    last_seen_at = models.DateTimeField(_("last seen"))
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("job heartbeat")
        verbose_name_plural = _("job heartbeats")

    def __str__(self) -> str:
        return self.job


class OutboxMessage(models.Model):
    """A Celery task asked for by a transaction, written in that same transaction, so it is
    sent once the data it names has committed even if Redis is down at that moment.

    `args` and `kwargs` hold ids, never personal data. Sent right after the commit when the
    broker answers; otherwise the relay (audit.relay_outbox, every minute) sends it later.
    """

    task = models.CharField(max_length=200)
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            # The relay reads only what is pending, oldest first.
            models.Index(
                fields=["id"], condition=models.Q(sent_at__isnull=True), name="outbox_pending"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task} #{self.pk}"
