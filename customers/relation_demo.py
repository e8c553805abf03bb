"""The demo group: three enterprises of the North branch, a parent and two subsidiaries, as
one customer group with its group limit. Idempotent: a second run finds what is there."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from accounts.models import Role, User
from core.business_date import business_date
from customers import relation_services
from customers.models import Customer, CustomerKind
from customers.relations import CustomerGroup, CustomerRelation, RelationKind

DEMO_GROUP = "华北示范集团"
DEMO_GROUP_LIMIT = Decimal("20000000.00")


def seed_demo_group() -> str:
    """Creates the demo group when it is missing; what it did, for the seed's report."""
    if CustomerGroup.objects.filter(name=DEMO_GROUP).exists():
        return ""
    manager = (
        User.objects.filter(role=Role.MANAGER, is_active=True, branch__code="NORTH")
        .order_by("username")
        .first()
    )
    if manager is None:
        return ""
    members = list(
        Customer.objects.filter(
            kind=CustomerKind.ENTERPRISE,
            branch=manager.branch,
            group_membership__isnull=True,
        ).order_by("id")[:3]
    )
    if len(members) < 3:
        return ""
    group = relation_services.group_save(
        actor=manager,
        group=CustomerGroup(
            name=DEMO_GROUP,
            group_limit=DEMO_GROUP_LIMIT,
            notes="Demo: a parent company and two subsidiaries.",
        ),
    )
    parent, *subsidiaries = members
    for member in members:
        relation_services.group_member_add(actor=manager, group=group, customer=member)
    started_on = business_date() - dt.timedelta(days=365)
    for subsidiary in subsidiaries:
        if not CustomerRelation.objects.filter(
            from_customer=parent, to_customer=subsidiary, ended_on__isnull=True
        ).exists():
            relation_services.relation_record(
                actor=manager,
                from_customer=parent,
                to_customer=subsidiary,
                kind=RelationKind.PARENT_OF,
                started_on=started_on,
                evidence="Demo: shareholder register.",
            )
    return f"demo group {DEMO_GROUP}"
