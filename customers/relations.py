"""Related parties and customer groups (关联方 / 集团客户).

A relation is a typed, dated link between two customers. Some kinds have a direction (a
parent holds its subsidiary, a guarantor stands for the borrower, a supplier sells to its
buyer); the others are mutual (same actual controller, spouse or household member) and are
stored with the lower customer id first, so that "A and B" and "B and A" are one link and a
duplicate is refused by the database whichever way it is typed.

A group (集团) is an explicit record with its members, not something derived from the links:
a bank's 集团客户 is a list that credit management confirms and that carries one group limit
(集团统一授信) capping the sum of the members' facility limits. The links are the evidence
the list is drawn from (and the contagion rule reads them); which customers are treated as
one group for credit is a decision, and a derived graph would move the group limit's scope
every time an officer recorded a supplier.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.copied_columns import copied_reference


class RelationKind(models.TextChoices):
    PARENT_OF = "parent_of", _("Parent company of")
    SAME_CONTROLLER = "same_controller", _("Same actual controller as")
    GUARANTOR_OF = "guarantor_of", _("Guarantor of")
    SPOUSE = "spouse", _("Spouse of")
    HOUSEHOLD = "household", _("Household member with")
    SUPPLIER_OF = "supplier_of", _("Major supplier of")


# Kinds that read the same both ways: stored with the lower customer id as `from_customer`.
MUTUAL_KINDS = frozenset(
    {RelationKind.SAME_CONTROLLER, RelationKind.SPOUSE, RelationKind.HOUSEHOLD}
)

# How a directed link reads from its other end ("subsidiary of" for the parent's child).
REVERSE_LABELS = {
    RelationKind.PARENT_OF: _("Subsidiary of"),
    RelationKind.GUARANTOR_OF: _("Guaranteed by"),
    RelationKind.SUPPLIER_OF: _("Major buyer from"),
}


class CustomerRelation(models.Model):
    from_customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="relations_from",
    )
    to_customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("related customer"),
        on_delete=models.CASCADE,
        related_name="relations_to",
    )
    kind = models.CharField(_("relation"), max_length=20, choices=RelationKind.choices)
    started_on = models.DateField(_("since"))
    # Null while the link holds; ending it is recorded, never deleted (the trail and the
    # contagion alerts it raised point at it).
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    evidence = models.TextField(_("evidence"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ended by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("related-party link")
        verbose_name_plural = _("related-party links")
        ordering = ["-started_on", "-id"]
        indexes = [
            # The contagion rule and the panels read the active links from either end.
            models.Index(
                fields=["from_customer"], condition=Q(ended_on__isnull=True), name="relation_from"
            ),
            models.Index(
                fields=["to_customer"], condition=Q(ended_on__isnull=True), name="relation_to"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_customer=models.F("to_customer")), name="relation_not_to_self"
            ),
            models.UniqueConstraint(
                fields=["from_customer", "to_customer", "kind"],
                condition=Q(ended_on__isnull=True),
                name="relation_one_active_per_kind",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="relation_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_customer_id} {self.kind} {self.to_customer_id}"

    @property
    def is_active(self) -> bool:
        return self.ended_on is None

    def other_party(self, customer_id: int) -> int:
        return (
            self.to_customer_id if self.from_customer_id == customer_id else self.from_customer_id
        )

    def label_from(self, customer_id: int) -> str:
        """How the link reads from `customer_id`'s side."""
        if self.kind in REVERSE_LABELS and self.to_customer_id == customer_id:
            return str(REVERSE_LABELS[RelationKind(self.kind)])
        return str(self.get_kind_display())


class CustomerGroup(models.Model):
    """A group of connected customers confirmed by credit management, with its group limit."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    group_limit = models.DecimalField(
        _("group limit"),
        max_digits=18,
        decimal_places=2,
        help_text=_("The cap on the sum of the members' credit facility limits (集团统一授信)."),
    )
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("customer group")
        verbose_name_plural = _("customer groups")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(group_limit__gte=0), name="customer_group_limit_not_negative"
            )
        ]

    def __str__(self) -> str:
        return self.name


class CustomerGroupMember(models.Model):
    group = models.ForeignKey(
        CustomerGroup, verbose_name=_("group"), on_delete=models.CASCADE, related_name="members"
    )
    # One group per customer: a customer's exposure counts against one group limit.
    customer = models.OneToOneField(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="group_membership",
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    added_at = models.DateTimeField(_("added at"), default=timezone.now)
    # The member's officer and branch, kept by PostgreSQL (lending.customer_scope): the groups
    # with a member in an officer's or a branch's scope are read from one index range.
    customer_officer = copied_reference(settings.AUTH_USER_MODEL)
    customer_branch = copied_reference("accounts.Branch")

    class Meta:
        verbose_name = _("group member")
        verbose_name_plural = _("group members")
        ordering = ["group", "customer"]
        indexes = [
            models.Index(fields=["customer_officer", "group"], name="group_member_officer"),
            models.Index(fields=["customer_branch", "group"], name="group_member_branch"),
        ]

    def __str__(self) -> str:
        return f"{self.group_id}: {self.customer_id}"
