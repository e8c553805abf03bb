"""Provisions: the settings in force from a date, every loan's figures with their inputs
(maintained by the nightly, risk.provisions), and the month-end runs that freeze them.
The arithmetic is risk/provisioning.py's; risk.models imports these models."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Branch
from core.copied_columns import copied_reference
from customers.models import Customer
from lending.models import MONEY, RATE, CreditFacility, Loan, LoanClass, LoanProduct
from risk import provisioning


class Stage(models.IntegerChoices):
    STAGE_1 = provisioning.STAGE_1, _("Stage 1 (12-month ECL)")
    STAGE_2 = provisioning.STAGE_2, _("Stage 2 (lifetime ECL)")
    STAGE_3 = provisioning.STAGE_3, _("Stage 3 (credit-impaired)")


STAGE_REASON_LABELS = {
    provisioning.PAST_DUE_STAGE_2: _("more than the stage 2 days past due"),
    provisioning.DOWNGRADE: _("downgraded since origination"),
    provisioning.SPECIAL_MENTION_CLASS: _("classified special mention"),
    provisioning.WATCH_LIST: _("industry on the watch list"),
    provisioning.PAST_DUE_STAGE_3: _("more than the stage 3 days past due"),
    provisioning.NON_PERFORMING_CLASS: _("classified substandard or worse"),
}

SHARE = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))]
FLOAT = [
    MinValueValidator(-provisioning.FLOAT_LIMIT),
    MaxValueValidator(provisioning.FLOAT_LIMIT),
]


def _rate(label, default, validators=SHARE, **extra):
    return models.DecimalField(label, **RATE, default=default, validators=validators, **extra)


class ProvisionSetting(models.Model):
    """The provisioning parameters in force from `effective_from` until the next setting's date.
    A new setting takes effect from its date; the old ones stay, so past figures can be
    reproduced."""

    effective_from = models.DateField(_("effective from"), unique=True)
    general_rate = _rate(_("general reserve rate"), provisioning.GENERAL_RATE)
    special_mention_rate = _rate(
        _("special mention reserve rate"), provisioning.SPECIFIC_RATES[LoanClass.SPECIAL_MENTION]
    )
    substandard_rate = _rate(
        _("substandard reserve rate"), provisioning.SPECIFIC_RATES[LoanClass.SUBSTANDARD]
    )
    doubtful_rate = _rate(
        _("doubtful reserve rate"), provisioning.SPECIFIC_RATES[LoanClass.DOUBTFUL]
    )
    loss_rate = _rate(_("loss reserve rate"), provisioning.SPECIFIC_RATES[LoanClass.LOSS])
    substandard_float = _rate(
        _("substandard float"),
        Decimal(0),
        FLOAT,
        help_text=_("Share of the rate added or taken off, from −20% to +20%."),
    )
    doubtful_float = _rate(
        _("doubtful float"),
        Decimal(0),
        FLOAT,
        help_text=_("Share of the rate added or taken off, from −20% to +20%."),
    )
    stage_2_dpd = models.PositiveSmallIntegerField(
        _("stage 2 after days past due"), default=provisioning.STAGE_2_DPD
    )
    stage_3_dpd = models.PositiveSmallIntegerField(
        _("stage 3 after days past due"), default=provisioning.STAGE_3_DPD
    )
    downgrade_notches = models.PositiveSmallIntegerField(
        _("stage 2 after a downgrade of (notches)"),
        default=provisioning.DOWNGRADE_NOTCHES,
        help_text=_("0 switches the criterion off."),
    )
    special_mention_stage_2 = models.BooleanField(_("special mention is stage 2"), default=True)
    watch_list_stage_2 = models.BooleanField(
        _("an industry on the watch list is stage 2"), default=True
    )
    ccf = _rate(_("credit conversion factor"), provisioning.CCF)
    lgd_floor = _rate(_("LGD floor"), provisioning.LGD_FLOOR)
    unsecured_lgd = _rate(_("unsecured LGD"), provisioning.UNSECURED_LGD)
    haircut_real_estate = _rate(_("haircut: real estate"), provisioning.HAIRCUTS["real_estate"])
    haircut_vehicle = _rate(_("haircut: vehicle"), provisioning.HAIRCUTS["vehicle"])
    haircut_deposit = _rate(_("haircut: deposit"), provisioning.HAIRCUTS["deposit"])
    haircut_equipment = _rate(_("haircut: equipment"), provisioning.HAIRCUTS["equipment"])
    haircut_receivables = _rate(_("haircut: receivables"), provisioning.HAIRCUTS["receivables"])
    haircut_other = _rate(_("haircut: other"), provisioning.HAIRCUTS["other"])
    ungraded_pd = _rate(
        _("annual PD of an ungraded customer"),
        Decimal("0.020000"),
        help_text=_("Customers without a grade have no master-scale PD; this one is used."),
    )
    min_coverage = models.DecimalField(
        _("minimum provision coverage"),
        **RATE,
        default=provisioning.MIN_COVERAGE,
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("拨备覆盖率: reserves / non-performing loans, e.g. 1.5 for 150%."),
    )
    min_provision_rate = _rate(
        _("minimum provision rate"),
        provisioning.MIN_PROVISION_RATE,
        help_text=_("贷款拨备率: reserves / loans, e.g. 0.025 for 2.5%."),
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("provisioning setting")
        verbose_name_plural = _("provisioning settings")
        ordering = ["-effective_from"]

    def __str__(self) -> str:
        return str(_("Provisioning from %(date)s") % {"date": self.effective_from})

    def clean(self) -> None:
        both = self.stage_2_dpd is not None and self.stage_3_dpd is not None
        if both and self.stage_3_dpd < self.stage_2_dpd:
            raise ValidationError({"stage_3_dpd": _("Stage 3 cannot start before stage 2 does.")})

    def parameters(self) -> provisioning.Parameters:
        return provisioning.Parameters(
            general_rate=self.general_rate,
            specific_rates={
                LoanClass.NORMAL: Decimal(0),
                LoanClass.SPECIAL_MENTION: self.special_mention_rate,
                LoanClass.SUBSTANDARD: self.substandard_rate,
                LoanClass.DOUBTFUL: self.doubtful_rate,
                LoanClass.LOSS: self.loss_rate,
            },
            substandard_float=self.substandard_float,
            doubtful_float=self.doubtful_float,
            stage_2_dpd=self.stage_2_dpd,
            stage_3_dpd=self.stage_3_dpd,
            downgrade_notches=self.downgrade_notches,
            special_mention_stage_2=self.special_mention_stage_2,
            watch_list_stage_2=self.watch_list_stage_2,
            ccf=self.ccf,
            lgd_floor=self.lgd_floor,
            unsecured_lgd=self.unsecured_lgd,
            haircuts={
                "real_estate": self.haircut_real_estate,
                "vehicle": self.haircut_vehicle,
                "deposit": self.haircut_deposit,
                "equipment": self.haircut_equipment,
                "receivables": self.haircut_receivables,
                "other": self.haircut_other,
            },
        )

    @classmethod
    def in_force(cls, on: dt.date) -> ProvisionSetting:
        """The setting in force on `on`; the defaults (unsaved) before the first one."""
        found = cls.objects.filter(effective_from__lte=on).order_by("-effective_from").first()
        return found or cls(effective_from=on)


def figures_as_computed(prefix: str) -> list[models.CheckConstraint]:
    """What risk.provisioning gives every provision of a loan or an undrawn facility, held by
    the database: a stage of the three, a class of the five tiers, days past due copied from
    the loan risks (never below zero there), and an expected credit loss never below zero.
    A loan's ECL adds, over its remaining periods, PD × LGD × the period's exposure, which is
    the EAD less the principal falling due before the period: the balance the EAD starts from
    is the principal the schedule still owes (the repayment services keep them equal), so no
    exposure is below zero. A stage 3 loss is LGD × EAD, an undrawn facility's PD × LGD ×
    CCF × the undrawn amount, none of them below zero."""
    return [
        models.CheckConstraint(
            condition=models.Q(stage__in=Stage.values), name=f"{prefix}_stage_of_the_three"
        ),
        models.CheckConstraint(
            condition=models.Q(loan_class__in=LoanClass.values),
            name=f"{prefix}_class_of_the_five_tiers",
        ),
        models.CheckConstraint(condition=models.Q(dpd__gte=0), name=f"{prefix}_dpd_not_negative"),
        models.CheckConstraint(condition=models.Q(ecl__gte=0), name=f"{prefix}_ecl_not_negative"),
    ]


# The columns the dashboard's provision cards sum (risk.provision_selectors.provision_summary),
# carried in the scope indexes so that a branch's sums read the index alone.
LOAN_SUMMED = ["stage", "loan_class", "balance", "ecl", "general_reserve", "specific_reserve"]
FACILITY_SUMMED = ["stage", "undrawn", "ead", "ecl"]


class LoanProvision(models.Model):
    """One active loan's provisions with every input they came from, as of `computed_on`."""

    loan = models.OneToOneField(
        Loan, primary_key=True, on_delete=models.CASCADE, related_name="provision"
    )
    # Indexed by provision_customer (Meta.indexes): the key's own index would be a copy of it.
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    computed_on = models.DateField(_("computed for"))
    setting = models.ForeignKey(
        ProvisionSetting, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    stage = models.SmallIntegerField(_("stage"), choices=Stage.choices)
    reasons = ArrayField(models.CharField(max_length=20), verbose_name=_("reason"), default=list)
    loan_class = models.SmallIntegerField(_("class"), choices=LoanClass.choices)
    dpd = models.IntegerField(_("days past due"))
    grade = models.CharField(_("grade"), max_length=4, blank=True)
    annual_pd = models.DecimalField(_("annual PD"), **RATE)
    balance = models.DecimalField(_("balance"), **MONEY)
    undrawn = models.DecimalField(_("undrawn facility"), **MONEY, default=0)
    collateral_value = models.DecimalField(_("collateral value"), **MONEY, default=0)
    pd = models.DecimalField(_("PD over the horizon"), **RATE)
    lgd = models.DecimalField(_("LGD"), **RATE)
    ead = models.DecimalField(_("EAD"), **MONEY)
    ecl = models.DecimalField(_("ECL"), **MONEY)
    general_reserve = models.DecimalField(_("general reserve"), **MONEY)
    specific_reserve = models.DecimalField(_("specific reserve"), **MONEY)
    # Copies of the loan's officer, branch and status, kept by triggers (risk.provision_scope):
    # a scope's sums read one range of the covering indexes below.
    customer_officer = copied_reference(settings.AUTH_USER_MODEL)
    customer_branch = copied_reference(Branch)
    loan_active = models.BooleanField(db_default=True, editable=False)

    class Meta:
        verbose_name = _("loan provision")
        verbose_name_plural = _("loan provisions")
        indexes = [
            models.Index(fields=["stage"], name="provision_stage"),
            models.Index(fields=["customer"], name="provision_customer"),
            *(
                models.Index(
                    fields=[f"customer_{owner}"],
                    include=LOAN_SUMMED,
                    condition=models.Q(loan_active=True),
                    name=f"provision_{owner}_sums",
                )
                for owner in ("officer", "branch")
            ),
        ]
        constraints = figures_as_computed("provision")

    def __str__(self) -> str:
        return f"{self.loan_id} {self.get_stage_display()}"

    @property
    def reserve(self) -> Decimal:
        return self.general_reserve + self.specific_reserve

    @property
    def reason_labels(self) -> list[str]:
        return [str(STAGE_REASON_LABELS.get(code, code)) for code in self.reasons]


class FacilityProvision(models.Model):
    """The ECL of a live facility's undrawn amount while no active loan is drawn on it (once
    one is, the undrawn amount counts in that loan's EAD), with every input it came from, as
    of `computed_on` (risk.facility_provisions keeps them; risk.provisioning computes them).
    Off the balance sheet: no PRC reserve."""

    facility = models.OneToOneField(
        CreditFacility, primary_key=True, on_delete=models.CASCADE, related_name="provision"
    )
    # Indexed by facility_provision_customer (Meta.indexes): the key's own index would be a
    # copy of it.
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    computed_on = models.DateField(_("computed for"))
    setting = models.ForeignKey(
        ProvisionSetting, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    stage = models.SmallIntegerField(_("stage"), choices=Stage.choices)
    reasons = ArrayField(models.CharField(max_length=20), verbose_name=_("reason"), default=list)
    loan_class = models.SmallIntegerField(_("customer's worst class"), choices=LoanClass.choices)
    dpd = models.IntegerField(_("customer's most days past due"))
    grade = models.CharField(_("grade"), max_length=4, blank=True)
    annual_pd = models.DecimalField(_("annual PD"), **RATE)
    expiry_date = models.DateField(_("expiry"))
    undrawn = models.DecimalField(_("undrawn amount"), **MONEY)
    collateral_value = models.DecimalField(_("collateral value"), **MONEY, default=0)
    pd = models.DecimalField(_("PD over the horizon"), **RATE)
    lgd = models.DecimalField(_("LGD"), **RATE)
    ead = models.DecimalField(_("EAD"), **MONEY)
    ecl = models.DecimalField(_("ECL"), **MONEY)
    # Copies of the customer's officer and branch, kept by triggers (risk.provision_scope).
    customer_officer = copied_reference(settings.AUTH_USER_MODEL)
    customer_branch = copied_reference(Branch)

    class Meta:
        verbose_name = _("undrawn facility provision")
        verbose_name_plural = _("undrawn facility provisions")
        indexes = [
            models.Index(fields=["stage"], name="facility_provision_stage"),
            models.Index(fields=["customer"], name="facility_provision_customer"),
            *(
                models.Index(
                    fields=[f"customer_{owner}"],
                    include=FACILITY_SUMMED,
                    name=f"facility_{owner}_sums",
                )
                for owner in ("officer", "branch")
            ),
        ]
        constraints = figures_as_computed("facility_provision")

    def __str__(self) -> str:
        return f"{self.facility_id} {self.get_stage_display()}"

    @property
    def reason_labels(self) -> list[str]:
        return [str(STAGE_REASON_LABELS.get(code, code)) for code in self.reasons]


class ProvisionRun(models.Model):
    """A month's provisions frozen at its end: one run per month, never replaced (a second
    run for the month is refused by the unique month)."""

    month = models.DateField(_("month"), unique=True, help_text=_("The month's first day."))
    as_of = models.DateField(_("as of"))
    setting = models.ForeignKey(
        ProvisionSetting, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    run_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    run_at = models.DateTimeField(_("run at"), default=timezone.now)
    previous = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="next"
    )
    loans = models.PositiveIntegerField(_("loans"))
    balance = models.DecimalField(_("loans"), **MONEY)
    non_performing = models.DecimalField(_("non-performing loans"), **MONEY)
    reserve = models.DecimalField(_("reserves"), **MONEY)
    # The ECL of the loans and of the undrawn facilities (of which facility_ecl).
    ecl = models.DecimalField(_("ECL"), **MONEY)
    facilities = models.PositiveIntegerField(_("undrawn facilities"), default=0)
    undrawn = models.DecimalField(_("undrawn amount"), **MONEY, default=0)
    facility_ecl = models.DecimalField(_("ECL of the undrawn facilities"), **MONEY, default=0)
    min_coverage = models.DecimalField(_("minimum provision coverage"), **RATE)
    min_provision_rate = models.DecimalField(_("minimum provision rate"), **RATE)

    class Meta:
        verbose_name = _("provision run")
        verbose_name_plural = _("provision runs")
        ordering = ["-month"]

    def __str__(self) -> str:
        return self.month.strftime("%Y-%m")

    @property
    def coverage(self) -> Decimal | None:
        return provisioning.coverage_ratio(self.reserve, self.non_performing)

    @property
    def provision_rate(self) -> Decimal | None:
        return provisioning.provision_rate(self.reserve, self.balance)


class ProvisionRunLoan(models.Model):
    """One loan as a run froze it: the next run's movement compares with these."""

    run = models.ForeignKey(ProvisionRun, on_delete=models.CASCADE, related_name="loan_rows")
    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="+")
    stage = models.SmallIntegerField(choices=Stage.choices)
    loan_class = models.SmallIntegerField(choices=LoanClass.choices)
    product = models.ForeignKey(LoanProduct, on_delete=models.PROTECT, related_name="+")
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+")
    balance = models.DecimalField(**MONEY)
    ecl = models.DecimalField(**MONEY)
    reserve = models.DecimalField(**MONEY)

    class Meta:
        verbose_name = _("provision run loan")
        verbose_name_plural = _("provision run loans")
        constraints = [
            models.UniqueConstraint(fields=["run", "loan"], name="provision_run_loan_once")
        ]

    def __str__(self) -> str:
        return f"{self.run_id}:{self.loan_id}"


class ProvisionRunFacility(models.Model):
    """One undrawn facility as a run froze it: the next run's movement compares with these."""

    run = models.ForeignKey(ProvisionRun, on_delete=models.CASCADE, related_name="facility_rows")
    facility = models.ForeignKey(CreditFacility, on_delete=models.PROTECT, related_name="+")
    stage = models.SmallIntegerField(choices=Stage.choices)
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+")
    undrawn = models.DecimalField(**MONEY)
    ead = models.DecimalField(**MONEY)
    ecl = models.DecimalField(**MONEY)

    class Meta:
        verbose_name = _("provision run facility")
        verbose_name_plural = _("provision run facilities")
        constraints = [
            models.UniqueConstraint(fields=["run", "facility"], name="provision_run_facility_once")
        ]

    def __str__(self) -> str:
        return f"{self.run_id}:{self.facility_id}"


class Dimension(models.TextChoices):
    STAGE = "stage", _("Stage")
    CLASS = "class", _("Class")
    PRODUCT = "product", _("Product")
    BRANCH = "branch", _("Branch")


class ProvisionRunTotal(models.Model):
    run = models.ForeignKey(ProvisionRun, on_delete=models.CASCADE, related_name="totals")
    dimension = models.CharField(max_length=10, choices=Dimension.choices)
    key = models.CharField(max_length=20)
    label = models.CharField(max_length=200)
    loans = models.PositiveIntegerField()
    balance = models.DecimalField(**MONEY)
    ecl = models.DecimalField(**MONEY)
    reserve = models.DecimalField(**MONEY)
    # Beside the loans, in the stage totals: the undrawn facilities of the stage (ecl above is
    # the loans').
    # Defaults in the database: the month-end run inserts the loans' totals in SQL.
    facilities = models.PositiveIntegerField(db_default=0)
    facility_ecl = models.DecimalField(**MONEY, db_default=0)

    class Meta:
        verbose_name = _("provision run total")
        verbose_name_plural = _("provision run totals")
        ordering = ["dimension", "key"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "dimension", "key"], name="provision_run_total_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.dimension} {self.key}"


class Movement(models.TextChoices):
    NEW = "new", _("New loans")
    REPAID = "repaid", _("Repaid")
    TRANSFER = "transfer", _("Stage transfers")
    REMEASURED = "remeasured", _("Remeasurement")
    WRITTEN_OFF = "written_off", _("Write-offs")
    FACILITY_NEW = "facility_new", _("New undrawn facilities")
    FACILITY_REMEASURED = "facility_remeasured", _("Undrawn facilities remeasured")
    # Drawn (the loan's EAD takes the undrawn amount over), expired, closed or fully used.
    FACILITY_DERECOGNISED = "facility_derecognised", _("Undrawn facilities derecognised")


class ProvisionMovement(models.Model):
    """What moved the ECL and the reserves from the previous run to this one; opening + the
    movements = closing."""

    run = models.ForeignKey(ProvisionRun, on_delete=models.CASCADE, related_name="movements")
    kind = models.CharField(max_length=24, choices=Movement.choices)
    loans = models.PositiveIntegerField()
    ecl = models.DecimalField(**MONEY)
    reserve = models.DecimalField(**MONEY)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "kind"], name="provision_movement_once")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.ecl}"
