"""Legal cases (法律诉讼, issue 24): the lawsuit a collector records from a collection case in
the legal stage — its filing, the judgment, the enforcement, the assets preserved, the costs
paid and the money recovered through it (each recovery posted as a repayment of the loan, or
after a write-off as a recovery on its write-off record). The writes are
lending/services/legal_cases.py. Imported by lending/models.py."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from lending.collection_models import CollectionCase
from lending.models import Loan, Repayment, money
from lending.write_off_models import WriteOffRecovery


class EnforcementStatus(models.TextChoices):
    APPLIED = "applied", _("Enforcement applied for")
    UNDER_WAY = "under_way", _("Enforcement under way")
    SUSPENDED = "suspended", _("Enforcement suspended")
    CONCLUDED = "concluded", _("Enforcement concluded")


class LegalCase(models.Model):
    collection_case = models.OneToOneField(
        CollectionCase,
        verbose_name=_("collection case"),
        on_delete=models.PROTECT,
        related_name="legal_case",
    )
    # Kept on the row for the scope and for the recoveries, which outlive the collection case.
    loan = models.ForeignKey(
        Loan, verbose_name=_("loan"), on_delete=models.PROTECT, related_name="legal_cases"
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="legal_cases",
    )
    court = models.CharField(_("court"), max_length=200)
    case_number = models.CharField(_("court case number"), max_length=60)
    filed_on = models.DateField(_("filed on"))
    claim_amount = money(_("amount claimed"))
    judgment_on = models.DateField(_("judgment on"), null=True, blank=True)
    amount_awarded = money(_("amount awarded"), null=True, blank=True)
    enforcement_on = models.DateField(_("enforcement since"), null=True, blank=True)
    enforcement_status = models.CharField(
        _("enforcement"), max_length=12, choices=EnforcementStatus.choices, blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("legal case")
        verbose_name_plural = _("legal cases")
        ordering = ["-filed_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(claim_amount__gt=0), name="legal_case_claim_positive"
            ),
            # A court's case number names one lawsuit.
            models.UniqueConstraint(fields=["court", "case_number"], name="legal_case_number"),
        ]

    def __str__(self) -> str:
        return f"{self.court} {self.case_number}"


class LegalAsset(models.Model):
    """An asset the court preserved (查封、冻结、扣押) for the claim."""

    legal_case = models.ForeignKey(
        LegalCase, verbose_name=_("legal case"), on_delete=models.CASCADE, related_name="assets"
    )
    description = models.CharField(_("asset"), max_length=300)
    value = money(_("value"))
    preserved_on = models.DateField(_("preserved on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("preserved asset")
        verbose_name_plural = _("preserved assets")
        ordering = ["preserved_on", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(value__gt=0), name="legal_asset_positive"),
        ]

    def __str__(self) -> str:
        return self.description


class LegalCost(models.Model):
    """A cost paid for the lawsuit: court fees, lawyers, preservation, enforcement."""

    legal_case = models.ForeignKey(
        LegalCase, verbose_name=_("legal case"), on_delete=models.CASCADE, related_name="costs"
    )
    paid_on = models.DateField(pgettext_lazy("legal cost", "paid on"))
    amount = money(_("amount"))
    description = models.CharField(_("what for"), max_length=200)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("legal cost")
        verbose_name_plural = _("legal costs")
        ordering = ["paid_on", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="legal_cost_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.paid_on}"


class LegalRecovery(models.Model):
    """Money recovered through the lawsuit: a repayment of the loan while it is on the book,
    a recovery on its write-off record once it is written off (exactly one of the two)."""

    legal_case = models.ForeignKey(
        LegalCase,
        verbose_name=_("legal case"),
        on_delete=models.PROTECT,
        related_name="recoveries",
    )
    received_on = models.DateField(_("received on"))
    amount = money(_("amount"))
    repayment = models.OneToOneField(
        Repayment,
        verbose_name=_("repayment"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="legal_recovery",
    )
    write_off_recovery = models.OneToOneField(
        WriteOffRecovery,
        verbose_name=_("recovery after write-off"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="legal_recovery",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("legal recovery")
        verbose_name_plural = _("legal recoveries")
        ordering = ["received_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="legal_recovery_positive"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(repayment__isnull=False, write_off_recovery__isnull=True)
                    | models.Q(repayment__isnull=True, write_off_recovery__isnull=False)
                ),
                name="legal_recovery_posted_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.received_on}"
