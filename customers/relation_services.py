"""Writes for related-party links and customer groups; every change is audited.

The views check the data scope first (both customers of a link must be in the user's view,
404 otherwise); these refuse by role (403) and by the rules of a link (a ValidationError
naming the field, nothing written).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import audit_change, audit_log, snapshot
from core.business_date import business_date
from customers.policies import may_manage_groups, may_record_relations
from customers.relations import (
    MUTUAL_KINDS,
    CustomerGroup,
    CustomerGroupMember,
    CustomerRelation,
    RelationKind,
)

RELATION_AUDIT_FIELDS = [
    "from_customer_id",
    "to_customer_id",
    "kind",
    "started_on",
    "ended_on",
    "evidence",
]
GROUP_AUDIT_FIELDS = ["name", "group_limit", "notes"]
# Transaction-level advisory lock taken while a parent link is added: two links added at the
# same moment (A parent of B, B parent of A) cannot both pass the cycle check.
PARENT_GRAPH_LOCK = (7_401, 1)

# The customers below `child` through active parent links (and `child` itself).
DESCENDANTS = """
WITH RECURSIVE below (id) AS (
    SELECT %(child)s::bigint
    UNION
    SELECT r.to_customer_id FROM customers_customerrelation r
    JOIN below b ON r.from_customer_id = b.id
    WHERE r.kind = %(kind)s AND r.ended_on IS NULL
)
SELECT 1 FROM below WHERE id = %(parent)s LIMIT 1
"""


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _creates_parent_cycle(parent_id: int, child_id: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            DESCENDANTS, {"child": child_id, "parent": parent_id, "kind": RelationKind.PARENT_OF}
        )
        return cursor.fetchone() is not None


@transaction.atomic
def relation_record(
    *,
    actor: User,
    from_customer,
    to_customer,
    kind: str,
    started_on: dt.date,
    evidence: str,
) -> CustomerRelation:
    """Records a link from `from_customer` to `to_customer` (for a directed kind, the parent,
    guarantor or supplier first). Refuses a link to itself, one already active, one starting
    after the business date, and a parent link that would close a circle of parents."""
    _require(may_record_relations(actor))
    if from_customer.pk == to_customer.pk:
        raise ValidationError(
            {"to_customer": _("A customer cannot be related to itself.")}, code="self"
        )
    if started_on > business_date():
        raise ValidationError({"started_on": _("A link cannot start after today.")}, code="future")
    if not evidence.strip():
        raise ValidationError({"evidence": _("Say what shows the link.")}, code="required")
    if kind in MUTUAL_KINDS and from_customer.pk > to_customer.pk:
        from_customer, to_customer = to_customer, from_customer
    if kind == RelationKind.PARENT_OF:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", PARENT_GRAPH_LOCK)
        if _creates_parent_cycle(from_customer.pk, to_customer.pk):
            raise ValidationError(
                {
                    "to_customer": _(
                        "This would make a circle of parent companies: %(child)s already "
                        "holds %(parent)s, directly or through its subsidiaries."
                    )
                    % {"child": to_customer.name, "parent": from_customer.name}
                },
                code="cycle",
            )
    relation = CustomerRelation(
        from_customer=from_customer,
        to_customer=to_customer,
        kind=kind,
        started_on=started_on,
        evidence=evidence.strip(),
        recorded_by=actor,
    )
    duplicate = _("These two customers already have an active link of this kind.")
    if CustomerRelation.objects.filter(
        from_customer=from_customer, to_customer=to_customer, kind=kind, ended_on__isnull=True
    ).exists():
        raise ValidationError({"kind": duplicate}, code="duplicate")
    try:
        # A savepoint: the same link added by someone else a moment ago meets the unique
        # index, and the refusal must leave the caller's transaction usable.
        with transaction.atomic():
            relation.save()
    except IntegrityError:
        raise ValidationError({"kind": duplicate}, code="duplicate") from None
    audit_log(
        actor=actor,
        action="customers.relation.recorded",
        obj=relation,
        after=snapshot(relation, RELATION_AUDIT_FIELDS),
    )
    return relation


@transaction.atomic
def relation_end(*, actor: User, relation: CustomerRelation, ended_on: dt.date) -> CustomerRelation:
    """Ends an active link on `ended_on` (not before it started, not after today)."""
    _require(may_record_relations(actor))
    relation = CustomerRelation.objects.select_for_update().get(pk=relation.pk)
    if relation.ended_on is not None:
        raise ValidationError({"ended_on": _("This link has already ended.")}, code="already_ended")
    if ended_on < relation.started_on:
        raise ValidationError(
            {
                "ended_on": _("A link cannot end before it started (%(start)s).")
                % {"start": relation.started_on.isoformat()}
            },
            code="before_start",
        )
    if ended_on > business_date():
        raise ValidationError({"ended_on": _("A link cannot end after today.")}, code="future")
    before = snapshot(relation, RELATION_AUDIT_FIELDS)
    relation.ended_on = ended_on
    relation.ended_by = actor
    relation.save(update_fields=["ended_on", "ended_by"])
    audit_change(
        actor=actor,
        action="customers.relation.ended",
        obj=relation,
        before=before,
        after=snapshot(relation, RELATION_AUDIT_FIELDS),
    )
    return relation


@transaction.atomic
def group_save(*, actor: User, group: CustomerGroup) -> CustomerGroup:
    """Creates or edits a group (its name, limit and notes)."""
    _require(may_manage_groups(actor))
    if group.group_limit is not None and Decimal(group.group_limit) < 0:
        raise ValidationError(
            {"group_limit": _("A group limit cannot be negative.")}, code="negative"
        )
    creating = group.pk is None
    before = None
    if not creating:
        before = snapshot(
            CustomerGroup.objects.select_for_update().get(pk=group.pk), GROUP_AUDIT_FIELDS
        )
    else:
        group.created_by = actor
    group.full_clean()
    group.save()
    after = snapshot(group, GROUP_AUDIT_FIELDS)
    if creating:
        audit_log(actor=actor, action="customers.group.created", obj=group, after=after)
    else:
        audit_change(
            actor=actor, action="customers.group.updated", obj=group, before=before, after=after
        )
    return group


@transaction.atomic
def group_member_add(*, actor: User, group: CustomerGroup, customer) -> CustomerGroupMember:
    """Adds a customer to a group; a customer belongs to one group at most."""
    _require(may_manage_groups(actor))
    existing = CustomerGroupMember.objects.select_related("group").filter(customer=customer).first()
    if existing is not None:
        raise ValidationError(
            {
                "customer": _("%(customer)s is already a member of the group %(group)s.")
                % {"customer": customer.name, "group": existing.group.name}
            },
            code="already_member",
        )
    try:
        with transaction.atomic():
            member = CustomerGroupMember.objects.create(
                group=group, customer=customer, added_by=actor
            )
    except IntegrityError:
        raise ValidationError(
            {"customer": _("This customer is already a member of a group.")},
            code="already_member",
        ) from None
    audit_log(
        actor=actor,
        action="customers.group.member_added",
        obj=group,
        after={"customer_id": customer.pk},
    )
    return member


@transaction.atomic
def group_member_remove(*, actor: User, member: CustomerGroupMember) -> None:
    _require(may_manage_groups(actor))
    group = member.group
    customer_id = member.customer_id
    member.delete()
    audit_log(
        actor=actor,
        action="customers.group.member_removed",
        obj=group,
        before={"customer_id": customer_id},
    )
