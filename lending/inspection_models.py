"""Post-loan inspections (贷后检查, issue 24 part 2): each product's plan (the first inspection
within N days of disbursement to check the use of funds, as the rules on working-capital and
personal loans require, then one every so many days by the customer's risk level), its
checklist, and the inspections with their findings.

The nightly step (lending.inspections.inspections_schedule) creates each active loan's next
inspection once (at most one open per loan: a unique constraint); the officer records the
findings; an inspection left open past its due date raises the early-warning rule
"inspection_overdue" (risk.rules)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import Customer

DAYS = [MinValueValidator(1), MaxValueValidator(3650)]


class InspectionPlan(models.Model):
    """How often a product's loans are inspected (in admin). A product without a plan is not
    inspected."""

    product = models.OneToOneField(
        "lending.LoanProduct",
        verbose_name=_("product"),
        on_delete=models.CASCADE,
        related_name="inspection_plan",
    )
    first_within_days = models.PositiveSmallIntegerField(
        _("first inspection within (days after disbursement)"),
        default=30,
        validators=DAYS,
        help_text=_("The use of funds is checked in this first inspection."),
    )
    every_days_low = models.PositiveSmallIntegerField(
        _("then every (days), low risk"), default=180, validators=DAYS
    )
    every_days_medium = models.PositiveSmallIntegerField(
        _("then every (days), medium risk"), default=180, validators=DAYS
    )
    every_days_high = models.PositiveSmallIntegerField(
        _("then every (days), high risk"), default=90, validators=DAYS
    )

    class Meta:
        verbose_name = _("inspection plan")
        verbose_name_plural = _("inspection plans")

    def __str__(self) -> str:
        return str(self.product)


class ChecklistTopic(models.TextChoices):
    USE_OF_FUNDS = "use_of_funds", _("Use of funds")
    OPERATIONS = "operations", _("Operations")
    COLLATERAL = "collateral", _("Collateral condition")
    GUARANTORS = "guarantors", _("Guarantor status")
    STATEMENTS = "statements", _("Statements received")


class InspectionChecklistItem(models.Model):
    """One question of a product's inspection checklist (in admin)."""

    product = models.ForeignKey(
        "lending.LoanProduct",
        verbose_name=_("product"),
        on_delete=models.CASCADE,
        related_name="inspection_checklist",
    )
    topic = models.CharField(_("topic"), max_length=20, choices=ChecklistTopic.choices)
    question = models.CharField(_("what to check"), max_length=300)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("inspection checklist item")
        verbose_name_plural = _("inspection checklist items")
        ordering = ["product", "position", "id"]

    def __str__(self) -> str:
        return f"{self.get_topic_display()}: {self.question}"


class InspectionKind(models.TextChoices):
    FIRST = "first", _("First inspection (use of funds)")
    PERIODIC = "periodic", _("Periodic inspection")


class InspectionStatus(models.TextChoices):
    DUE = "due", _("Due")
    COMPLETED = "completed", _("Completed")


class InspectionConclusion(models.TextChoices):
    NORMAL = "normal", _("Normal: no concern")
    WATCH = "watch", _("Watch: concerns to follow up")
    SERIOUS = "serious", _("Serious: the loan is at risk")


class Inspection(models.Model):
    loan = models.ForeignKey(
        "lending.Loan", verbose_name=_("loan"), on_delete=models.CASCADE, related_name="inspections"
    )
    # The loan's customer, kept on the row: the scope and the early-warning rule read it by
    # its index.
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=InspectionKind.choices)
    due_on = models.DateField(_("due"))
    status = models.CharField(
        _("status"), max_length=10, choices=InspectionStatus.choices, default=InspectionStatus.DUE
    )
    created_at = models.DateTimeField(default=timezone.now)
    inspected_on = models.DateField(_("inspected on"), null=True, blank=True)
    conclusion = models.CharField(
        _("conclusion"), max_length=10, choices=InspectionConclusion.choices, blank=True
    )
    summary = models.TextField(_("summary"), blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("inspected by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("post-loan inspection")
        verbose_name_plural = _("post-loan inspections")
        ordering = ["-due_on", "-id"]
        constraints = [
            # One open inspection per loan: the nightly step run twice creates nothing more.
            models.UniqueConstraint(
                fields=["loan"], condition=models.Q(status="due"), name="inspection_one_open"
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "status", "due_on"], name="inspection_by_customer"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.loan} {self.due_on}"


class FindingResult(models.TextChoices):
    SATISFACTORY = "satisfactory", _("Satisfactory")
    CONCERN = "concern", _("Concern")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


class InspectionFinding(models.Model):
    """What the inspection found on one checklist item (the question kept as it was asked)."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="findings")
    topic = models.CharField(_("topic"), max_length=20, choices=ChecklistTopic.choices)
    question = models.CharField(_("what to check"), max_length=300)
    result = models.CharField(_("finding"), max_length=20, choices=FindingResult.choices)
    note = models.TextField(_("note"), blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("inspection finding")
        verbose_name_plural = _("inspection findings")
        ordering = ["inspection", "position", "id"]

    def __str__(self) -> str:
        return f"{self.question}: {self.get_result_display()}"
