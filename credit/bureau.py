"""Credit bureau reports (征信): the customer's consent on file, the reports read from a bureau
(the PBOC credit reference centre, 百行征信, a local bureau) and their lines at other lenders.

A report may be recorded, imported or opened only while a consent is in force
(credit.bureau_services refuses otherwise). Account and ID numbers are kept encrypted and
shown masked (credit.bureau_figures). The scorecard reads two figures of the latest report
(credit.services.assessment_prefill); the early-warning scan reads the reports by table name
(risk.rules "external_overdue", "enquiry_spike").
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.field_crypto import EncryptedTextField
from credit import bureau_figures
from customers.models import Customer

MONEY = {"max_digits": 18, "decimal_places": 2}


class BureauSource(models.Model):
    """A bureau reports come from; admins add or retire them."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("credit bureau")
        verbose_name_plural = _("credit bureaus")
        ordering = ["id"]

    def __str__(self) -> str:
        return gettext(self.name)


class ConsentScope(models.TextChoices):
    ORIGINATION = "origination", _("Loan application and credit assessment")
    POST_LOAN = "post_loan", _("Post-loan management")
    BOTH = "both", _("Application, assessment and post-loan management")


class BureauConsent(models.Model):
    """The customer's written authorisation to query the bureau (征信查询授权书)."""

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="bureau_consents",
    )
    signed_on = models.DateField(_("signed on"))
    scope = models.CharField(_("scope"), max_length=12, choices=ConsentScope.choices)
    document_reference = models.CharField(_("document reference"), max_length=60)
    valid_until = models.DateField(_("valid until"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("credit bureau consent")
        verbose_name_plural = _("credit bureau consents")
        ordering = ["-valid_until", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__gte=models.F("signed_on")),
                name="bureau_consent_valid_after_signed",
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer} {self.document_reference}"

    def is_valid_on(self, day: dt.date) -> bool:
        return self.signed_on <= day <= self.valid_until


class WorstStatus(models.TextChoices):
    """The worst repayment status the report shows over its 24 months."""

    NORMAL = "normal", _("Normal")
    M1 = "m1", _("1–30 days overdue (M1)")
    M2 = "m2", _("31–60 days overdue (M2)")
    M3_PLUS = "m3_plus", _("More than 60 days overdue (M3+)")
    BAD_DEBT = "bad_debt", _("Bad debt, written off or compensated")


class ReportChannel(models.TextChoices):
    FORM = "form", _("Entered by hand")
    IMPORT = "import", _("Imported from a file")


class BureauReport(models.Model):
    """One credit report as the bureau issued it, with the figures the scorecard and the
    early-warning rules read."""

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="bureau_reports",
    )
    source = models.ForeignKey(
        BureauSource,
        verbose_name=_("bureau"),
        on_delete=models.PROTECT,
        related_name="reports",
    )
    consent = models.ForeignKey(
        BureauConsent,
        verbose_name=_("consent"),
        on_delete=models.PROTECT,
        related_name="reports",
    )
    reference = models.CharField(_("report number"), max_length=60)
    report_date = models.DateField(_("report date"))
    valid_until = models.DateField(_("valid until"))
    # The subject's ID number as printed on the report; encrypted, shown masked.
    subject_identifier = EncryptedTextField(_("ID number on the report"), max_length=18, blank=True)
    overdue_m1_24m = models.PositiveIntegerField(_("months 1–30 days overdue (24 months)"))
    overdue_m2_24m = models.PositiveIntegerField(_("months 31–60 days overdue (24 months)"))
    overdue_m3_plus_24m = models.PositiveIntegerField(
        _("months more than 60 days overdue (24 months)")
    )
    enquiries_6m = models.PositiveIntegerField(_("lenders' enquiries (6 months)"))
    worst_status = models.CharField(_("worst status"), max_length=10, choices=WorstStatus.choices)
    court_enforcements = models.PositiveIntegerField(_("court enforcement records"), default=0)
    tax_arrears = models.PositiveIntegerField(_("tax arrears records"), default=0)
    channel = models.CharField(
        _("entered"), max_length=10, choices=ReportChannel.choices, default=ReportChannel.FORM
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("credit bureau report")
        verbose_name_plural = _("credit bureau reports")
        ordering = ["-report_date", "-id"]
        indexes = [models.Index(fields=["customer", "-report_date"], name="bureau_report_latest")]
        constraints = [
            # The same report entered twice (or imported twice) is one report.
            models.UniqueConstraint(
                fields=["source", "reference"], name="bureau_report_unique_reference"
            ),
            models.CheckConstraint(
                condition=models.Q(valid_until__gte=models.F("report_date")),
                name="bureau_report_valid_after_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.reference} ({self.report_date})"

    @property
    def overdue_months_24m(self) -> int:
        return self.overdue_m1_24m + self.overdue_m2_24m + self.overdue_m3_plus_24m

    @property
    def masked_subject_identifier(self) -> str:
        return bureau_figures.mask_identifier(self.subject_identifier)


class AccountType(models.TextChoices):
    LOAN = "loan", _("Loan")
    CREDIT_CARD = "credit_card", _("Credit card")
    GUARANTEE = "guarantee", _("Guarantee given")


class BureauAccount(models.Model):
    """One account of the customer at another lender, as the report lists it."""

    report = models.ForeignKey(
        BureauReport,
        verbose_name=_("report"),
        on_delete=models.CASCADE,
        related_name="accounts",
    )
    lender = models.CharField(_("lender"), max_length=120)
    account_type = models.CharField(_("account type"), max_length=12, choices=AccountType.choices)
    # Encrypted at rest, shown masked (the last four digits).
    account_number = EncryptedTextField(_("account number"), max_length=40)
    limit = models.DecimalField(_("amount or limit"), **MONEY)
    balance = models.DecimalField(_("balance"), **MONEY)
    monthly_payment = models.DecimalField(_("monthly payment due"), **MONEY)
    overdue_amount = models.DecimalField(_("amount overdue"), **MONEY, default=0)

    class Meta:
        verbose_name = _("account at another lender")
        verbose_name_plural = _("accounts at other lenders")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.lender} {self.masked_account_number}"

    @property
    def masked_account_number(self) -> str:
        return bureau_figures.mask_account_number(self.account_number)
