"""Related parties and customer groups as the risk side reads them: the related-party panel of
the customer 360 and the group page, each party with its classes, grade and open alerts.

They read lending (exposure, facilities) and risk data, so they live here and not in
customers/ (the layers: customers < credit < lending < risk). A user sees the parties and
members in their data scope; the others are counted, never named.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Max, Q, Sum
from django.http import Http404
from django.urls import reverse

from accounts.models import User
from customers import panels
from customers.policies import may_record_relations
from customers.relations import CustomerGroup, CustomerGroupMember, CustomerRelation
from customers.selectors import customer_list_for, group_membership_of
from lending.group_limits import group_limit_use
from lending.loan_quality import SUBSTANDARD
from lending.models import Loan, LoanClass, LoanStatus
from risk.models import ACTIVE_ALERT_STATUSES, Alert, LoanRisk, Severity
from risk.rules import CONTAGION_INDICATOR


@dataclass
class PartyStatus:
    """What the risk side knows of one customer: the worst class of their active loans, their
    outstanding principal and open alerts (all, and red ones of other indicators than
    contagion, the ones that spread)."""

    worst_class: int | None = None
    exposure: Decimal = Decimal("0.00")
    open_alerts: int = 0
    red_alerts: int = 0

    @property
    def worst_class_label(self) -> str:
        return "" if self.worst_class is None else str(LoanClass(self.worst_class).label)

    @property
    def in_distress(self) -> bool:
        """As the contagion rule reads it (risk.rules.distressed_sql)."""
        return self.red_alerts > 0 or (self.worst_class or 0) >= SUBSTANDARD


def statuses_of(customer_ids) -> dict[int, PartyStatus]:
    """Each customer's status, in three queries whatever the number of customers."""
    ids = list(customer_ids)
    statuses = {pk: PartyStatus() for pk in ids}
    if not ids:
        return statuses
    classes = (
        LoanRisk.objects.filter(customer_id__in=ids, loan__status=LoanStatus.ACTIVE)
        .values("customer_id")
        .annotate(worst=Max("final_class"))
    )
    for row in classes:
        statuses[row["customer_id"]].worst_class = row["worst"]
    exposure = (
        Loan.objects.filter(customer_id__in=ids, status=LoanStatus.ACTIVE)
        .values("customer_id")
        .annotate(total=Sum("outstanding_principal"))
    )
    for row in exposure:
        statuses[row["customer_id"]].exposure = row["total"] or Decimal("0.00")
    spreading_red = Q(severity=Severity.RED) & ~Q(indicator=CONTAGION_INDICATOR)
    alerts = (
        Alert.objects.filter(customer_id__in=ids, status__in=ACTIVE_ALERT_STATUSES)
        .values("customer_id")
        .annotate(total=Count("id"), red=Count("id", filter=spreading_red))
    )
    for row in alerts:
        statuses[row["customer_id"]].open_alerts = row["total"]
        statuses[row["customer_id"]].red_alerts = row["red"]
    return statuses


@dataclass
class RelatedParty:
    relation: CustomerRelation
    label: str
    party_id: int
    party_name: str
    status: PartyStatus
    party_url: str
    end_url: str


def related_parties_panel(customer, user: User) -> tuple[str, dict]:
    """The 360's related-party section: the active links to customers the user sees, with
    their status; how many links lead outside their view; the customer's group."""
    # The links alone: the other party's name comes with the check of who the user sees, so
    # no customer row (74 columns, identifiers decrypted) is read for a link. None read for a
    # customer the page read knowing they have none (the 360's, the loan page's: most).
    links = (
        []
        if panels.has_no_rows(customer, "relations")
        else list(
            CustomerRelation.objects.filter(
                Q(from_customer_id=customer.pk) | Q(to_customer_id=customer.pk),
                ended_on__isnull=True,
            )
        )
    )
    others = {link.other_party(customer.pk) for link in links}
    visible_names = (
        dict(customer_list_for(user).filter(pk__in=others).values_list("pk", "name"))
        if others
        else {}
    )
    statuses = statuses_of(visible_names)
    can_record = may_record_relations(user)
    parties = []
    for link in links:
        other_id = link.other_party(customer.pk)
        if other_id in visible_names:
            parties.append(
                RelatedParty(
                    relation=link,
                    label=link.label_from(customer.pk),
                    party_id=other_id,
                    party_name=visible_names[other_id],
                    status=statuses[other_id],
                    party_url=reverse("customers:detail", args=[other_id]),
                    end_url=(
                        reverse("customers:relation-end", args=[customer.pk, link.pk])
                        if can_record
                        else ""
                    ),
                )
            )
    # The exposure panel of the same 360 shows the same membership: read once.
    membership = panels.shared(customer, group_membership_of)
    return "risk/related_parties_panel.html", {
        "parties": parties,
        "hidden": len(others - visible_names.keys()),
        "group": membership.group if membership else None,
        "can_record": can_record,
    }


@dataclass
class GroupMemberRow:
    customer: object
    status: PartyStatus


@dataclass
class GroupPicture:
    group: CustomerGroup
    members: list[GroupMemberRow]
    hidden: int
    total_members: int
    exposure: Decimal
    facility_limits: Decimal
    available: Decimal
    members_in_distress: int
    open_alerts: int
    class_mix: list[tuple[str, int]] = field(default_factory=list)
    links: list[CustomerRelation] = field(default_factory=list)


def groups_for(user: User):
    """The groups a user sees: those with a member in their scope, and those they created (a
    new group has no member yet); head office sees every group."""
    groups = CustomerGroup.objects.all()
    if user.is_authenticated and user.is_active and user.sees_all_branches:
        return groups
    in_scope = CustomerGroupMember.objects.filter(
        customer__in=customer_list_for(user).values("pk")
    ).values("group_id")
    return groups.filter(Q(pk__in=in_scope) | Q(created_by=user))


def group_get_for(user: User, pk) -> CustomerGroup:
    """A group is seen by whoever sees one of its members, and by its creator (head office
    sees every group); anyone else gets a 404, as for a customer."""
    try:
        group = groups_for(user).get(pk=pk)
    except (CustomerGroup.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    return group


def group_picture(group: CustomerGroup, user: User) -> GroupPicture:
    """The group page's figures: the members the user sees, one row each; the totals over
    every member (a sum names nobody), with how many members are outside the user's view."""
    member_ids = list(
        CustomerGroupMember.objects.filter(group=group).values_list("customer_id", flat=True)
    )
    seen = list(
        customer_list_for(user).filter(pk__in=member_ids).order_by("name", "pk")
        if member_ids
        else []
    )
    statuses = statuses_of(member_ids)
    mix: dict[int, int] = {}
    for status in statuses.values():
        if status.worst_class is not None:
            mix[status.worst_class] = mix.get(status.worst_class, 0) + 1
    use = group_limit_use(group)
    seen_ids = {customer.pk for customer in seen}
    links = list(
        CustomerRelation.objects.filter(
            from_customer__in=seen_ids, to_customer__in=seen_ids, ended_on__isnull=True
        )
    )
    return GroupPicture(
        group=group,
        members=[GroupMemberRow(customer, statuses[customer.pk]) for customer in seen],
        hidden=len(member_ids) - len(seen),
        total_members=len(member_ids),
        exposure=sum((s.exposure for s in statuses.values()), Decimal("0.00")),
        facility_limits=use.facility_limits,
        available=use.available,
        members_in_distress=sum(1 for s in statuses.values() if s.in_distress),
        open_alerts=sum(s.open_alerts for s in statuses.values()),
        class_mix=[(LoanClass(value).label, mix[value]) for value in sorted(mix)],
        links=links,
    )


def group_graph(picture: GroupPicture) -> dict:
    """The members the user sees and the active links between them, for static/js/group_graph.js
    (data, not script: the CSP forbids inline script)."""
    return {
        "nodes": [
            {
                "id": str(row.customer.pk),
                "name": row.customer.name,
                "distress": row.status.in_distress,
            }
            for row in picture.members
        ],
        "links": [
            {
                "source": str(link.from_customer_id),
                "target": str(link.to_customer_id),
                "label": str(link.get_kind_display()),
            }
            for link in picture.links
        ],
    }
