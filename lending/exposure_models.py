"""Concentration limits (大额风险暴露): the bank's tier-1 capital with its history, the limits
set against it, and the stored exposure of every customer and customer group.

Imported by lending/models.py, so Django registers these models with the lending app. The
rules that read them are lending/concentration.py; the nightly writes the exposure rows
(risk/exposure.py), a decision adds its own amount to them under a row lock.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.copied_columns import copied_reference

MONEY = {"max_digits": 18, "decimal_places": 2}
SHARE = {
    "max_digits": 6,
    "decimal_places": 4,
    "validators": [MinValueValidator(Decimal("0.0001")), MaxValueValidator(Decimal("1"))],
}


class Tier1Capital(models.Model):
    """The bank's net tier-1 capital (一级资本净额) as of a date. Rows are never edited away:
    the latest one effective on the business date applies, the earlier ones are its history."""

    amount = models.DecimalField(_("net tier-1 capital"), **MONEY)
    effective_on = models.DateField(_("effective from"), unique=True)
    note = models.TextField(_("source"), help_text=_("Where the figure comes from."))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        ordering = ["-effective_on"]
        verbose_name = _("tier-1 capital")
        verbose_name_plural = _("tier-1 capital")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="tier1_capital_positive")
        ]

    def __str__(self) -> str:
        return f"{self.effective_on}: {self.amount}"


class LimitKind(models.TextChoices):
    SINGLE_CUSTOMER = "single_customer", _("One non-bank customer")
    GROUP = "group", _("A group of connected customers")


class ConcentrationLimit(models.Model):
    """A share of tier-1 capital that one customer's (or one group's) exposure may not pass,
    and the share of that limit from which an early-warning alert is raised."""

    kind = models.CharField(_("applies to"), max_length=20, choices=LimitKind.choices, unique=True)
    share_of_capital = models.DecimalField(
        _("share of tier-1 capital"),
        **SHARE,
        help_text=_("10 means 10%: the exposure may not pass this share of tier-1 capital."),
    )
    warning_share = models.DecimalField(
        _("early warning at"),
        **SHARE,
        # "80% of" reads to xgettext as a "% o" directive; the text is never %-formatted.
        # xgettext:no-python-format
        help_text=_("80 means 80% of the limit: an alert is raised from this share on."),
    )

    class Meta:
        ordering = ["kind"]
        verbose_name = _("concentration limit")
        verbose_name_plural = _("concentration limits")

    def __str__(self) -> str:
        return str(self.get_kind_display())


class CustomerExposure(models.Model):
    """One customer's exposure as the nightly last computed it (and as decisions since added
    to it): outstanding principal + approved applications not yet disbursed + the undrawn
    amounts of their live facilities. `group` is the group it counted towards, so that a
    customer leaving a group has the old group recomputed too."""

    customer = models.OneToOneField(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="exposure",
    )
    group = models.ForeignKey(
        "customers.CustomerGroup",
        verbose_name=_("group"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    outstanding = models.DecimalField(_("outstanding principal"), **MONEY, default=0)
    committed = models.DecimalField(_("approved, not disbursed"), **MONEY, default=0)
    undrawn = models.DecimalField(_("undrawn facilities"), **MONEY, default=0)
    exposure = models.DecimalField(_("exposure"), **MONEY, default=0)
    computed_on = models.DateField(_("computed on"))
    # The customer's officer and branch, kept equal to the customer's by PostgreSQL
    # (lending.customer_scope): an officer's or a branch's largest exposures are the first
    # rows of one index, instead of every exposure in scope read and sorted.
    customer_officer = copied_reference(settings.AUTH_USER_MODEL)
    customer_branch = copied_reference("accounts.Branch")

    class Meta:
        verbose_name = _("customer exposure")
        verbose_name_plural = _("customer exposures")
        indexes = [
            models.Index(fields=["-exposure"], name="customer_exposure_largest"),
            models.Index(
                fields=["customer_officer", "-exposure"],
                condition=models.Q(exposure__gt=0),
                name="exposure_officer_largest",
            ),
            models.Index(
                fields=["customer_branch", "-exposure"],
                condition=models.Q(exposure__gt=0),
                name="exposure_branch_largest",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.exposure}"


class GroupExposure(models.Model):
    """The sum of a group's members' exposures."""

    group = models.OneToOneField(
        "customers.CustomerGroup",
        verbose_name=_("group"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="exposure",
    )
    exposure = models.DecimalField(_("exposure"), **MONEY, default=0)
    members = models.PositiveIntegerField(_("members"), default=0)
    computed_on = models.DateField(_("computed on"))

    class Meta:
        verbose_name = _("group exposure")
        verbose_name_plural = _("group exposures")
        indexes = [models.Index(fields=["-exposure"], name="group_exposure_largest")]

    def __str__(self) -> str:
        return f"{self.group_id}: {self.exposure}"
