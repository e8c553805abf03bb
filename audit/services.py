"""The audit helper every service calls after a change: who, when, what, before and after."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from audit.context import current_ip
from audit.models import AuditEvent, JobHeartbeat


def json_safe(value: Any) -> Any:
    """Decimal, dates and ids as strings, so before/after survive JSON exactly."""
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        # The same moment, written in the bank's time zone as the trail shows it.
        return timezone.localtime(value).isoformat()
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dict):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_safe(item) for item in value]
    return value


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The values of `fields` (default: every concrete field) as JSON-safe data."""
    names = fields or [field.attname for field in instance._meta.concrete_fields]
    return {name: json_safe(getattr(instance, name)) for name in names}


def audit_object_type(obj: models.Model) -> str:
    """The type the trail records for `obj`: its model's label ("customers.customer"), unless
    the model names another (`audit_object_type`): a model that moved to another app keeps
    the type its earlier rows carry, since the append-only trail cannot rename them."""
    return getattr(obj, "audit_object_type", "") or obj._meta.label_lower


def audit_log(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEvent:
    """Writes one audit row. `action` is a dotted name like `customers.customer.updated`."""
    if obj is not None:
        object_type = object_type or audit_object_type(obj)
        object_id = object_id or obj.pk
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id) if object_id != "" else "",
        object_label=str(obj)[:200] if obj is not None else "",
        before=json_safe(before) if before is not None else None,
        after=json_safe(after) if after is not None else None,
        ip=current_ip.get(),
    )


@transaction.atomic
def export_record(
    *, actor, what: str, fmt: str, query: str, details: dict | None = None
) -> AuditEvent:
    """Every export takes data out of the system, and every app records it the same way:
    who took which rows (`what`, their object type, e.g. "customers.customer"), in which
    format, filtered by which query string; `details` names the list when one type has many
    (a report's slug)."""
    return audit_log(
        actor=actor,
        action=f"{what}.exported",
        object_type=what,
        after={**(details or {}), "format": fmt, "query": query},
    )


def audit_log_many(*, actor, entries: list[tuple[str, models.Model, dict | None, dict | None]]):
    """Many audit rows in one INSERT, for batch jobs: (action, object, before, after) each."""
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                actor=actor if actor is not None and actor.is_authenticated else None,
                action=action,
                object_type=audit_object_type(obj),
                object_id=str(obj.pk),
                object_label=str(obj)[:200],
                before=json_safe(before) if before is not None else None,
                after=json_safe(after) if after is not None else None,
                ip=current_ip.get(),
            )
            for action, obj, before, after in entries
        ],
        batch_size=2000,
    )


def audit_change(
    *, actor, action: str, obj: models.Model, before: dict, after: dict
) -> AuditEvent | None:
    """Audits only the fields that changed; writes nothing when nothing did."""
    changed = [name for name in after if before.get(name) != after.get(name)]
    if not changed:
        return None
    return audit_log(
        actor=actor,
        action=action,
        obj=obj,
        before={name: before.get(name) for name in changed},
        after={name: after[name] for name in changed},
    )


def job_heartbeat_record(*, job: str, detail: dict | None = None) -> JobHeartbeat:
    heartbeat, _ = JobHeartbeat.objects.update_or_create(
        job=job, defaults={"last_seen_at": timezone.now(), "detail": detail or {}}
    )
    return heartbeat


def reference_data_save(*, actor, instance: models.Model, creating: bool) -> models.Model:
    """Saves a row of admin-edited reference data (industries, cadences…) and audits it."""
    from django.db import transaction

    label = audit_object_type(instance)
    with transaction.atomic():
        before = None if creating else snapshot(type(instance).objects.get(pk=instance.pk))
        instance.full_clean()
        instance.save()
        if creating:
            audit_log(
                actor=actor, action=f"{label}.created", obj=instance, after=snapshot(instance)
            )
        else:
            audit_change(
                actor=actor,
                action=f"{label}.updated",
                obj=instance,
                before=before,
                after=snapshot(instance),
            )
    return instance
