from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from customers.models import Customer, CustomerKind

MONEY = {"max_digits": 18, "decimal_places": 2}
RATE = {"max_digits": 9, "decimal_places": 6}


def money(label, **extra):
    return models.DecimalField(label, **MONEY, **extra)


class FinancialStatement(models.Model):
    """One period's figures for a customer. Individuals fill the first block, enterprises
    the second; the ratios are derived (credit/ratios.py), never stored."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="statements"
    )
    period_end = models.DateField(_("period end"))
    # Individuals (yearly figures).
    annual_income = money(_("annual income"), null=True, blank=True)
    annual_expenses = money(_("annual expenses"), null=True, blank=True)
    personal_assets = money(_("assets"), null=True, blank=True)
    personal_debts = money(_("debts"), null=True, blank=True)
    # Enterprises.
    total_assets = money(_("total assets"), null=True, blank=True)
    current_assets = money(_("current assets"), null=True, blank=True)
    current_liabilities = money(_("current liabilities"), null=True, blank=True)
    total_liabilities = money(_("total liabilities"), null=True, blank=True)
    equity = money(_("equity"), null=True, blank=True)
    revenue = money(_("revenue"), null=True, blank=True)
    net_profit = money(_("net profit"), null=True, blank=True)
    operating_cash_flow = money(_("operating cash flow"), null=True, blank=True)
    interest_expense = money(_("interest expense"), null=True, blank=True)
    # Both: principal and interest due in the year on all debts.
    debt_service = money(_("debt service"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("financial statement")
        verbose_name_plural = _("financial statements")
        ordering = ["-period_end"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "period_end"], name="statement_one_per_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer} {self.period_end}"

    def figures(self) -> dict:
        return {
            field.name: getattr(self, field.name)
            for field in self._meta.fields
            if isinstance(field, models.DecimalField)
        }


class ScorecardStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")


class ScorecardVersion(models.Model):
    """A scorecard as data (see credit/scoring.py). Once published its definition can never
    change (a database trigger refuses it); a change is a new version."""

    name = models.CharField(_("name"), max_length=100)
    customer_kind = models.CharField(
        _("customer type"), max_length=12, choices=CustomerKind.choices
    )
    version = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=10, choices=ScorecardStatus.choices, default=ScorecardStatus.DRAFT
    )
    definition = models.JSONField(_("definition"))
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("scorecard version")
        verbose_name_plural = _("scorecard versions")
        ordering = ["customer_kind", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer_kind", "version"], name="scorecard_version_unique"
            ),
            # One scorecard in force per customer type.
            models.UniqueConstraint(
                fields=["customer_kind"],
                condition=models.Q(status="published"),
                name="scorecard_one_published_per_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{gettext(self.name)} v{self.version} ({self.get_status_display()})"


class ScorecardMonitoring(models.Model):
    """How a scorecard performed and how stable its population was, as computed for one
    month (credit/monitoring.py). The monthly job writes one row per version and month;
    running it again for the same month replaces the figures."""

    version = models.ForeignKey(
        ScorecardVersion,
        verbose_name=_("scorecard version"),
        on_delete=models.CASCADE,
        related_name="monitoring",
    )
    computed_for = models.DateField(_("as of"))
    computed_at = models.DateTimeField(_("computed"), default=timezone.now)
    horizon_months = models.PositiveSmallIntegerField(_("outcome horizon (months)"), default=12)
    latest_psi = models.FloatField(_("latest score PSI"), null=True, blank=True)
    figures = models.JSONField(_("figures"), default=dict)

    class Meta:
        verbose_name = _("scorecard monitoring")
        verbose_name_plural = _("scorecard monitoring")
        ordering = ["-computed_for", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "computed_for"], name="scorecard_monitoring_month"
            )
        ]

    def __str__(self) -> str:
        return f"{self.version} · {self.computed_for:%Y-%m}"


class ScorecardAlertStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    # A status, not the "Closed" column heading (关闭时间).
    CLOSED = "closed", pgettext_lazy("status", "Closed")


class ScorecardAlert(models.Model):
    """The population a scorecard scores has shifted (score PSI above 0.25): risk officers
    decide whether to recalibrate or redevelop. One alert is active per version at a time."""

    version = models.ForeignKey(
        ScorecardVersion,
        verbose_name=_("scorecard version"),
        on_delete=models.CASCADE,
        related_name="alerts",
    )
    month = models.DateField(_("month"))
    psi = models.FloatField(_("score PSI"))
    status = models.CharField(
        _("status"),
        max_length=15,
        choices=ScorecardAlertStatus.choices,
        default=ScorecardAlertStatus.OPEN,
    )
    raised_at = models.DateTimeField(_("raised"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("last seen"), default=timezone.now)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    note = models.TextField(_("decision"), blank=True)

    class Meta:
        verbose_name = _("scorecard alert")
        verbose_name_plural = _("scorecard alerts")
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["version"],
                condition=~models.Q(status="closed"),
                name="scorecard_alert_one_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.version}: PSI {self.psi:.2f}"

    @property
    def is_active(self) -> bool:
        return self.status != ScorecardAlertStatus.CLOSED


class Assessment(models.Model):
    """A credit assessment: inputs, every factor's points, the score, the grade and the exact
    scorecard version. Re-applying the version to the inputs gives the same result."""

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="assessments",
    )
    # Lending's application, named by its label: credit sits below lending and never imports it.
    application = models.ForeignKey(
        "lending.Application",
        verbose_name=_("application"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assessments",
    )
    scorecard = models.ForeignKey(
        ScorecardVersion,
        verbose_name=_("scorecard"),
        on_delete=models.PROTECT,
        related_name="assessments",
    )
    statement = models.ForeignKey(
        FinancialStatement,
        verbose_name=_("statement"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    inputs = models.JSONField(_("inputs"))
    factor_points = models.JSONField(_("points per factor"))
    expert_comments = models.JSONField(_("expert comments"), default=dict, blank=True)
    score = models.IntegerField(_("score"))
    grade = models.CharField(_("grade"), max_length=4)
    pd = models.DecimalField(_("PD"), max_digits=9, decimal_places=6)
    # Empty when the nightly job refreshed the score because the repayment record changed.
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assessed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    assessed_at = models.DateTimeField(_("assessed"), default=timezone.now)

    class Meta:
        verbose_name = _("credit assessment")
        verbose_name_plural = _("credit assessments")
        ordering = ["-assessed_at", "-id"]
        indexes = [models.Index(fields=["customer", "-assessed_at"], name="assessment_history")]

    def __str__(self) -> str:
        return f"{self.customer} {self.grade} ({self.score})"


# Credit bureau reports live in their own module; importing them here registers the models.
from credit.bureau import (  # noqa: E402, F401
    BureauAccount,
    BureauConsent,
    BureauReport,
    BureauSource,
)
