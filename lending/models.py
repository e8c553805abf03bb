"""The lending book: products and pricing, applications and their stage history, what the
customer was told, collateral and guarantors, loans with their schedules, repayments,
restructurings, and the four-eyes proposals that change a loan.

These models lived in the credit app until lending became an app of its own. The move was
made in the migrations' state only (lending migration 0001, credit migration 0014): every
table keeps its name (`credit_<model>`, set in each Meta), its rows, its constraints and its
indexes, and the audit trail keeps naming their rows `credit.<model>` (MovedFromCredit).
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.copied_columns import copied_reference
from customers.models import Customer, CustomerKind
from lending import loan_quality

MONEY = {"max_digits": 18, "decimal_places": 2}
RATE = {"max_digits": 9, "decimal_places": 6}


def money(label, **extra):
    return models.DecimalField(label, **MONEY, **extra)


class MovedFromCredit(models.Model):
    """A model of the credit app before lending moved out of it. The audit trail is
    append-only, so the rows written before the move cannot follow it: the rows written
    after keep the type they name, `credit.<model>`, and an object's trail stays one."""

    class Meta:
        abstract = True

    @property
    def audit_object_type(self) -> str:
        return f"credit.{self._meta.model_name}"


class ProductType(models.TextChoices):
    CONSUMER = "consumer", _("Consumer loan")
    MORTGAGE = "mortgage", _("Mortgage")
    AUTO = "auto", _("Auto loan")
    WORKING_CAPITAL = "working_capital", _("Business working capital")
    BUSINESS_TERM = "business_term", _("Business term loan")


class RepaymentMethod(models.TextChoices):
    ANNUITY = "annuity", _("Equal instalments (annuity)")
    EQUAL_PRINCIPAL = "equal_principal", _("Equal principal")
    BULLET = "bullet", _("Interest only, principal at the end")


class RepaymentFrequency(models.IntegerChoices):
    MONTHLY = 1, _("Monthly")
    QUARTERLY = 3, _("Quarterly")


class CollateralRule(models.TextChoices):
    NONE = "none", _("Not required")
    BY_GRADE = "by_grade", _("As the grade's pricing requires")
    REQUIRED = "required", _("Always required")


class LoanProduct(MovedFromCredit):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    product_type = models.CharField(_("type"), max_length=20, choices=ProductType.choices)
    customer_kind = models.CharField(_("for"), max_length=12, choices=CustomerKind.choices)
    currency = models.CharField(_("currency"), max_length=3, default="CNY", editable=False)
    min_amount = money(_("minimum amount"))
    max_amount = money(_("maximum amount"))
    min_term_months = models.PositiveIntegerField(_("minimum term (months)"))
    max_term_months = models.PositiveIntegerField(_("maximum term (months)"))
    base_rate = models.DecimalField(
        _("base annual rate"), **RATE, help_text=_("As a decimal: 0.0435 is 4.35%.")
    )
    penalty_rate = models.DecimalField(
        _("penalty annual rate"),
        **RATE,
        default=0,
        help_text=_("Charged per day on overdue amounts; 0 for none."),
    )
    repayment_method = models.CharField(
        _("repayment method"), max_length=20, choices=RepaymentMethod.choices
    )
    repayment_frequency = models.PositiveSmallIntegerField(
        _("repayment frequency"),
        choices=RepaymentFrequency.choices,
        default=RepaymentFrequency.MONTHLY,
    )
    collateral_rule = models.CharField(
        _("collateral"),
        max_length=10,
        choices=CollateralRule.choices,
        default=CollateralRule.BY_GRADE,
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        db_table = "credit_loanproduct"
        verbose_name = _("loan product")
        verbose_name_plural = _("loan products")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_amount__gt=0, max_amount__gte=models.F("min_amount")),
                name="product_amount_range",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    min_term_months__gte=1, max_term_months__gte=models.F("min_term_months")
                ),
                name="product_term_range",
            ),
            models.CheckConstraint(
                condition=models.Q(base_rate__gte=0, penalty_rate__gte=0),
                name="product_rates_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {gettext(self.name)}"


class PricingRule(MovedFromCredit):
    """Risk-based terms: what a grade may get for a product (editable in admin)."""

    product = models.ForeignKey(
        LoanProduct, verbose_name=_("product"), on_delete=models.CASCADE, related_name="pricing"
    )
    grade = models.CharField(_("grade"), max_length=4)
    available = models.BooleanField(
        _("available"), default=True, help_text=_("Untick to refuse this grade the product.")
    )
    spread = models.DecimalField(_("spread over base rate"), **RATE, default=0)
    max_amount = money(_("maximum amount"))
    collateral_required = models.BooleanField(_("collateral required"), default=False)
    guarantor_required = models.BooleanField(_("guarantor required"), default=False)
    max_ltv = models.DecimalField(
        _("maximum LTV"),
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("Loan to collateral value, e.g. 0.7000."),
    )

    class Meta:
        db_table = "credit_pricingrule"
        verbose_name = _("pricing rule")
        verbose_name_plural = _("pricing rules")
        ordering = ["product", "grade"]
        constraints = [
            models.UniqueConstraint(fields=["product", "grade"], name="pricing_one_per_grade"),
        ]

    def __str__(self) -> str:
        return f"{self.product.code} {self.grade}"


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    UNDER_REVIEW = "under_review", _("Under review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    DISBURSED = "disbursed", _("Disbursed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# Their groups (open, closed, in the pipeline) are lending/stages.py's.


def _not_a_maker(field: str) -> models.Q:
    """The condition that the user in `field` neither created, edited nor submitted it."""
    return (
        ~models.Q(**{field: models.F("created_by")})
        & ~models.Q(**{field: models.F("submitted_by")})
        & ~models.Q(editor_ids__contains=[models.F(field)])
    )


class Application(MovedFromCredit):
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="applications"
    )
    product = models.ForeignKey(
        LoanProduct,
        verbose_name=_("product"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    amount = money(_("amount"))
    term_months = models.PositiveIntegerField(_("term (months)"))
    purpose = models.CharField(_("purpose"), max_length=300)
    status = models.CharField(
        _("status"),
        max_length=15,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.DRAFT,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_reason = models.TextField(_("decision reason"), blank=True)
    approved_amount = money(_("approved amount"), null=True, blank=True)
    approved_term_months = models.PositiveIntegerField(
        _("approved term (months)"), null=True, blank=True
    )
    approved_rate = models.DecimalField(_("approved annual rate"), **RATE, null=True, blank=True)
    status_changed_at = models.DateTimeField(_("in this stage since"), default=timezone.now)
    # The credit facility it draws on, if any (lending.facility_models): its amount is held
    # to the facility's available amount at submission and at approval.
    facility = models.ForeignKey(
        "lending.CreditFacility",
        verbose_name=_("credit facility"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
    )
    # Who edited the terms while it was a draft (user ids): with the creator and the submitter
    # they are its makers, and a maker never decides it. An array on the row, so that the
    # database's own check below can see every one of them.
    editor_ids = ArrayField(
        models.BigIntegerField(), verbose_name=_("edited by"), default=list, blank=True
    )

    # The customer's officer and branch now, kept equal to the customer's by database
    # triggers (lending.customer_scope): who may see the application, and an index for each
    # scope's first page.
    customer_officer = copied_reference(settings.AUTH_USER_MODEL)
    customer_branch = copied_reference("accounts.Branch")

    class Meta:
        db_table = "credit_application"
        verbose_name = _("loan application")
        verbose_name_plural = _("loan applications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-status_changed_at"], name="application_pipeline"),
            models.Index(fields=["customer", "-created_at"], name="application_by_customer"),
            # The pipeline report and admin list newest first.
            models.Index(fields=["-created_at", "-id"], name="application_recent"),
            # An officer's and a branch's pipeline report, newest first; the amount rides in
            # the index for the report's totals.
            models.Index(
                fields=["customer_officer", "-created_at", "-id"],
                include=["amount"],
                name="application_officer_recent",
            ),
            models.Index(
                fields=["customer_branch", "-created_at", "-id"],
                include=["amount"],
                name="application_branch_recent",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="application_amount"),
            # Maker-checker, also in the database: whoever created, edited or submitted the
            # application never starts its review nor decides it. Added NOT VALID (credit
            # migration 0013): rows decided before the rule are history and are not checked.
            models.CheckConstraint(
                condition=(models.Q(decided_by__isnull=True) | _not_a_maker("decided_by"))
                & (models.Q(reviewer__isnull=True) | _not_a_maker("reviewer")),
                name="application_maker_checker",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.customer} {self.amount}"

    @property
    def reference(self) -> str:
        return f"APP-{self.pk:06d}"


class ApplicationEvent(MovedFromCredit):
    """The stage history: every status change with its time, actor and note. Time in each
    stage is the gap between consecutive events."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=15, choices=ApplicationStatus.choices, blank=True)
    to_status = models.CharField(max_length=15, choices=ApplicationStatus.choices)
    # Empty for the one step no person took: credit migration 0013 sent applications decided
    # by one of their makers back for another person's decision.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        db_table = "credit_applicationevent"
        ordering = ["at", "id"]
        verbose_name = _("application event")
        verbose_name_plural = _("application events")

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class NotificationChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")


class CustomerNotification(MovedFromCredit):
    """What the customer was told about their application, and whether it went out."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="notifications"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=NotificationChannel.choices)
    recipient = models.CharField(_("recipient"), max_length=200)
    message = models.TextField(_("message"))
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    delivered = models.BooleanField(_("delivered"), default=False)
    error = models.CharField(_("error"), max_length=300, blank=True)

    class Meta:
        db_table = "credit_customernotification"
        ordering = ["sent_at", "id"]
        verbose_name = _("customer notification")
        verbose_name_plural = _("customer notifications")

    def __str__(self) -> str:
        return f"{self.channel} {self.recipient}"


class CollateralType(models.TextChoices):
    REAL_ESTATE = "real_estate", _("Real estate")
    VEHICLE = "vehicle", _("Vehicle")
    DEPOSIT = "deposit", _("Deposit")
    EQUIPMENT = "equipment", _("Equipment")
    RECEIVABLES = "receivables", _("Receivables")
    OTHER = "other", _("Other")


class Collateral(MovedFromCredit):
    application = models.ForeignKey(
        Application,
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="collateral",
    )
    collateral_type = models.CharField(_("type"), max_length=15, choices=CollateralType.choices)
    description = models.CharField(_("description"), max_length=300)
    owner_name = models.CharField(_("owner"), max_length=200)
    value = money(_("value"))
    valued_on = models.DateField(_("valuation date"))
    # The customer of the application, kept equal to it by database triggers
    # (lending.collateral_customer): the nightly reads a range of customers' collateral from
    # one index instead of probing each loan's application.
    customer = copied_reference(Customer)

    class Meta:
        db_table = "credit_collateral"
        verbose_name = _("collateral")
        verbose_name_plural = _("collateral")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(value__gt=0), name="collateral_value_positive"
            )
        ]
        indexes = [models.Index(fields=["customer", "application"], name="collateral_by_customer")]

    def __str__(self) -> str:
        return self.description


class CollateralValuation(MovedFromCredit):
    """Every valuation of a collateral item, the first included: revaluations keep history."""

    collateral = models.ForeignKey(Collateral, on_delete=models.CASCADE, related_name="valuations")
    value = money(_("value"))
    valued_on = models.DateField(_("valuation date"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    # The collateral's customer, kept equal to it by database triggers
    # (lending.collateral_customer), for the same range reads.
    customer = copied_reference(Customer)

    class Meta:
        db_table = "credit_collateralvaluation"
        ordering = ["valued_on", "id"]
        verbose_name = _("collateral valuation")
        verbose_name_plural = _("collateral valuations")
        indexes = [
            models.Index(
                fields=["customer", "collateral", "valued_on", "id"],
                name="collateralvaluation_by_cust",
            )
        ]

    def __str__(self) -> str:
        return f"{self.value} on {self.valued_on}"


class Guarantor(MovedFromCredit):
    """A guarantee: by a customer of the bank, or by a person or company named here."""

    application = models.ForeignKey(
        Application,
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="guarantors",
    )
    guarantor_customer = models.ForeignKey(
        Customer,
        verbose_name=_("guarantor (customer)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="guarantees",
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    identifier = models.CharField(_("ID or credit code"), max_length=18, blank=True)
    amount = money(_("amount guaranteed"))

    class Meta:
        db_table = "credit_guarantor"
        verbose_name = _("guarantor")
        verbose_name_plural = _("guarantors")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(guarantor_customer__isnull=False) | ~models.Q(name=""),
                name="guarantor_named",
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="guarantee_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return str(self.guarantor_customer or self.name)


class LoanClass(models.IntegerChoices):
    """Five-tier classification; the numbers (lending.loan_quality) order the classes from
    best to worst."""

    NORMAL = loan_quality.NORMAL, _("Normal")
    SPECIAL_MENTION = loan_quality.SPECIAL_MENTION, _("Special mention")
    SUBSTANDARD = loan_quality.SUBSTANDARD, _("Substandard")
    DOUBTFUL = loan_quality.DOUBTFUL, _("Doubtful")
    LOSS = loan_quality.LOSS, _("Loss")


class DpdBucket(models.TextChoices):
    """The days-past-due buckets' labels; their days are lending.loan_quality.DPD_BUCKETS."""

    CURRENT = "current", _("Current")
    DAYS_1_30 = "1-30", _("1–30 days")
    DAYS_31_60 = "31-60", _("31–60 days")
    DAYS_61_90 = "61-90", _("61–90 days")
    DAYS_91_180 = "91-180", _("91–180 days")
    DAYS_181_360 = "181-360", _("181–360 days")
    OVER_360 = "360+", _("Over 360 days")


class LoanStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Repaid")
    # Off the book: its balance lives in its WrittenOffLoan record (lending/write_off_models.py).
    WRITTEN_OFF = "written_off", _("Written off")


class Loan(MovedFromCredit):
    application = models.OneToOneField(
        Application, verbose_name=_("application"), on_delete=models.PROTECT, related_name="loan"
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="loans"
    )
    product = models.ForeignKey(
        LoanProduct, verbose_name=_("product"), on_delete=models.PROTECT, related_name="loans"
    )
    principal = money(_("amount disbursed"))
    annual_rate = models.DecimalField(_("annual rate"), **RATE)
    term_months = models.PositiveIntegerField(_("term (months)"))
    repayment_method = models.CharField(
        _("repayment method"), max_length=20, choices=RepaymentMethod.choices
    )
    months_per_period = models.PositiveSmallIntegerField(
        _("repayment frequency"), choices=RepaymentFrequency.choices, default=1
    )
    # The core banking system's account number, for loans imported from it (re-imports
    # match on it and never duplicate).
    external_ref = models.CharField(
        _("core banking reference"), max_length=50, null=True, blank=True, unique=True
    )
    disbursed_on = models.DateField(_("disbursed"))
    maturity_date = models.DateField(_("maturity"))
    status = models.CharField(
        _("status"), max_length=12, choices=LoanStatus.choices, default=LoanStatus.ACTIVE
    )
    # Maintained by the repayment and restructuring services in the same transaction.
    outstanding_principal = money(_("outstanding principal"))
    schedule_version = models.PositiveIntegerField(default=1)
    restructured_on = models.DateField(_("restructured"), null=True, blank=True)
    restructure_count = models.PositiveIntegerField(_("restructurings"), default=0)
    disbursed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # The facility its application drew on, inherited at disbursement: its outstanding
    # principal is the facility's utilisation.
    facility = models.ForeignKey(
        "lending.CreditFacility",
        verbose_name=_("credit facility"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="loans",
    )
    # The customer's grade when the money was paid out (blank: ungraded then), the point from
    # which provisions count a downgrade (risk.provisions). NULL for a loan imported from the
    # core banking system: its grade then is read from the grade history.
    grade_at_origination = models.CharField(
        _("grade at origination"), max_length=4, null=True, blank=True, editable=False
    )

    # The customer's officer and branch now, kept equal to the customer's by database
    # triggers (lending.customer_scope): who may see the loan, and an index for each
    # scope's first page.
    customer_officer = copied_reference(settings.AUTH_USER_MODEL)
    customer_branch = copied_reference("accounts.Branch")

    class Meta:
        db_table = "credit_loan"
        verbose_name = _("loan")
        verbose_name_plural = _("loans")
        ordering = ["-disbursed_on", "-id"]
        indexes = [
            # The default order (admin's changelist): newest first from the index.
            models.Index(fields=["-disbursed_on", "-id"], name="loan_recent"),
            # An officer's and a branch's loan list, newest first.
            models.Index(
                fields=["customer_officer", "-disbursed_on", "-id"], name="loan_officer_recent"
            ),
            models.Index(
                fields=["customer_branch", "-disbursed_on", "-id"], name="loan_branch_recent"
            ),
            models.Index(fields=["customer", "status"], name="loan_by_customer"),
            # The nightly job: restructured loans (observation periods) and the maturity window.
            models.Index(
                fields=["customer"],
                condition=models.Q(restructured_on__isnull=False),
                name="loan_restructured",
            ),
            models.Index(
                fields=["maturity_date"], condition=models.Q(status="active"), name="loan_maturing"
            ),
            # The early-warning scan's maturity rule (risk.rules): a chunk's active loans
            # maturing in the window, found from its customers. From loan_maturing, every
            # chunk read all the book's loans in the window (35,000 at 1,000,000 loans) to
            # keep its own few. The maturity is never empty; saying so in the condition keeps
            # the index to statements that test the maturity: smaller than loan_by_customer,
            # it took over the nightly's other reads of a chunk's active loans, with plans
            # that read twice the pages.
            models.Index(
                fields=["customer", "maturity_date"],
                condition=models.Q(status="active", maturity_date__isnull=False),
                name="loan_maturing_by_customer",
            ),
            # The nightly's exposures and facility provisions: a chunk's loans drawn on a
            # facility (lending.concentration, risk.facility_provisions), few of the book.
            models.Index(
                fields=["customer"],
                condition=models.Q(facility__isnull=False),
                name="loan_on_facility",
            ),
            # The nightly's removal of the provisions of loans that left the book
            # (risk.provisions.REMOVE_LEFT): a chunk's closed loans' ids from the index alone,
            # not from every loan of the chunk read in the table.
            models.Index(
                fields=["customer"],
                include=["id"],
                condition=~models.Q(status="active"),
                name="loan_left_by_customer",
            ),
            # Every loan of a chunk's customers, from the index alone, for the nightly's
            # statements that need no more of them (the repayment record's loans, the
            # exposures' facilities, the collateral rules' applications): a chunk's 20,000
            # loans lie on some 12,000 of the table's 42,000 pages at 1,000,000 loans. The
            # table is vacuumed after each day's repayments (lending 0020) to keep its pages
            # all-visible; a repayment changes none of these columns.
            models.Index(
                fields=["customer"],
                include=["id", "status", "facility", "application"],
                name="loan_nightly_by_customer",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(outstanding_principal__gte=0),
                name="loan_outstanding_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.account_number

    @property
    def account_number(self) -> str:
        return f"LN{self.pk:08d}"


class Instalment(MovedFromCredit):
    """One row of a schedule. A restructuring or prepayment supersedes the unpaid future rows
    with a new schedule version; superseded rows stay for the record."""

    loan = models.ForeignKey(Loan, on_delete=models.CASCADE, related_name="instalments")
    schedule_version = models.PositiveIntegerField(default=1)
    number = models.PositiveIntegerField()
    due_date = models.DateField()
    principal_due = money(_("principal"))
    interest_due = money(_("interest"))
    principal_paid = money(_("principal paid"), default=0)
    interest_paid = money(_("interest paid"), default=0)
    penalty_paid = money(_("penalty paid"), default=0)
    settled_on = models.DateField(_("settled"), null=True, blank=True)
    superseded = models.BooleanField(default=False)

    class Meta:
        db_table = "credit_instalment"
        ordering = ["due_date", "number"]
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        constraints = [
            models.UniqueConstraint(
                fields=["loan", "schedule_version", "number"], name="instalment_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    principal_paid__lte=models.F("principal_due"),
                    interest_paid__lte=models.F("interest_due"),
                    principal_paid__gte=0,
                    interest_paid__gte=0,
                    penalty_paid__gte=0,
                ),
                name="instalment_paid_within_due",
            ),
        ]
        indexes = [
            models.Index(
                fields=["loan", "due_date"],
                condition=models.Q(settled_on__isnull=True, superseded=False),
                name="instalment_unpaid",
            ),
            # The nightly job's calendar (risk.pending): instalments falling due unpaid, and
            # late ones leaving the repayment record's windows, found by date.
            models.Index(
                fields=["due_date"],
                condition=models.Q(settled_on__isnull=True, superseded=False),
                name="instalment_unpaid_by_date",
            ),
            models.Index(
                fields=["due_date"],
                condition=models.Q(settled_on__gt=models.F("due_date"), superseded=False),
                name="instalment_late_by_date",
            ),
            # A loan's instalments paid late, for the repayment record.
            models.Index(
                fields=["loan"],
                condition=models.Q(settled_on__gt=models.F("due_date"), superseded=False),
                name="instalment_paid_late",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.loan_id}#{self.number}"

    @property
    def total_due(self):
        return self.principal_due + self.interest_due

    @property
    def paid(self):
        return self.principal_paid + self.interest_paid

    @property
    def outstanding(self):
        return self.principal_due + self.interest_due - self.principal_paid - self.interest_paid

    def state_on(self, business_date) -> str:
        """One of "paid", "overdue" (unpaid past its date), "due_today", "partly_paid" (part of
        a future instalment paid ahead) or "scheduled" (not due yet)."""
        if self.settled_on:
            return "paid"
        if self.due_date < business_date:
            return "overdue"
        if self.due_date == business_date:
            return "due_today"
        if self.principal_paid or self.interest_paid:
            return "partly_paid"
        return "scheduled"


class RepaymentChannel(models.TextChoices):
    COUNTER = "counter", _("Branch counter")
    TRANSFER = "transfer", _("Bank transfer")
    AUTO_DEBIT = "auto_debit", _("Automatic debit")
    ONLINE = "online", _("Online banking")


class Repayment(MovedFromCredit):
    loan = models.ForeignKey(
        Loan, verbose_name=_("loan"), on_delete=models.PROTECT, related_name="repayments"
    )
    amount = money(_("amount"))
    paid_on = models.DateField(_("paid on"))
    channel = models.CharField(_("channel"), max_length=12, choices=RepaymentChannel.choices)
    reference = models.CharField(_("reference"), max_length=100)
    prepayment = money(_("prepaid principal"), default=0)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    posted_at = models.DateTimeField(default=timezone.now)
    # The schedule version in force before this payment, to restore it on reversal.
    schedule_version_before = models.PositiveIntegerField()
    reversed_at = models.DateTimeField(_("reversed"), null=True, blank=True)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reversal_reason = models.CharField(_("reversal reason"), max_length=300, blank=True)

    class Meta:
        db_table = "credit_repayment"
        verbose_name = _("repayment")
        verbose_name_plural = _("repayments")
        ordering = ["-paid_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="repayment_positive"),
            # The same bank reference cannot be posted twice to a loan (a double click, a
            # re-sent file): the second attempt fails instead of paying twice.
            models.UniqueConstraint(
                fields=["loan", "reference"],
                condition=models.Q(reversed_at__isnull=True),
                name="repayment_reference_once",
            ),
        ]
        # The default order (admin's changelist, a loan's payments): newest first from the
        # index, not a sort of every repayment in the book.
        indexes = [models.Index(fields=["-paid_on", "-id"], name="repayment_recent")]

    def __str__(self) -> str:
        return f"{self.amount} on {self.paid_on}"


class RepaymentAllocation(MovedFromCredit):
    repayment = models.ForeignKey(Repayment, on_delete=models.CASCADE, related_name="allocations")
    instalment = models.ForeignKey(Instalment, on_delete=models.PROTECT, related_name="allocations")
    penalty = money(_("penalty"), default=0)
    interest = money(_("interest"), default=0)
    principal = money(_("principal"), default=0)

    class Meta:
        db_table = "credit_repaymentallocation"
        verbose_name = _("repayment allocation")
        verbose_name_plural = _("repayment allocations")

    def __str__(self) -> str:
        return f"{self.repayment_id} → {self.instalment_id}"


class Restructuring(MovedFromCredit):
    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="restructurings")
    restructured_on = models.DateField(_("date"))
    reason = models.TextField(_("reason"))
    old_rate = models.DecimalField(**RATE)
    new_rate = models.DecimalField(_("new annual rate"), **RATE)
    old_remaining_months = models.PositiveIntegerField()
    new_term_months = models.PositiveIntegerField(_("new remaining term (months)"))
    principal_restructured = money(_("principal restructured"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    schedule_version = models.PositiveIntegerField()

    class Meta:
        db_table = "credit_restructuring"
        verbose_name = _("restructuring")
        verbose_name_plural = _("restructurings")
        ordering = ["-restructured_on", "-id"]

    def __str__(self) -> str:
        return f"{self.loan} {self.restructured_on}"


class ProposalStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class LoanChangeProposal(MovedFromCredit):
    """A change to a loan that moves money or lowers recorded risk: one person proposes it,
    another approves or rejects it (four eyes), and nothing happens to the loan before the
    approval. The proposer may withdraw it while it waits."""

    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ProposalStatus.choices,
        default=ProposalStatus.PENDING,
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    proposed_at = models.DateTimeField(_("proposed"), default=timezone.now)
    # Who approved or rejected it (empty while it waits, and when its proposer withdrew it).
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        abstract = True
        ordering = ["-proposed_at", "-id"]
        constraints = [
            # Four eyes, also in the database: a decision has a decider, never the proposer.
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "withdrawn"], decided_by__isnull=True)
                | (
                    models.Q(status__in=["approved", "rejected"], decided_by__isnull=False)
                    & ~models.Q(decided_by=models.F("proposed_by"))
                ),
                name="%(class)s_four_eyes",
            ),
            # One proposal of a kind waits per loan: a form sent twice adds nothing.
            models.UniqueConstraint(
                fields=["loan"],
                condition=models.Q(status="pending"),
                name="%(class)s_one_pending",
            ),
        ]

    @property
    def is_pending(self) -> bool:
        return self.status == ProposalStatus.PENDING


class RestructuringProposal(LoanChangeProposal):
    """New terms for a loan's unpaid schedule; approved, it becomes a Restructuring."""

    loan = models.ForeignKey(
        Loan,
        verbose_name=_("loan"),
        on_delete=models.PROTECT,
        related_name="restructuring_proposals",
    )
    new_term_months = models.PositiveIntegerField(_("new remaining term (months)"))
    new_rate = models.DecimalField(_("new annual rate"), **RATE)
    restructuring = models.OneToOneField(
        Restructuring,
        verbose_name=_("restructuring"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proposal",
    )

    class Meta(LoanChangeProposal.Meta):
        db_table = "credit_restructuringproposal"
        verbose_name = _("restructuring proposal")
        verbose_name_plural = _("restructuring proposals")
        constraints = [
            *LoanChangeProposal.Meta.constraints,
            models.CheckConstraint(
                condition=models.Q(new_rate__gt=0, new_term_months__gte=1),
                name="restructuringproposal_terms",
            ),
            # Approved exactly when its restructuring exists (and the one-to-one makes that
            # restructuring its own): an approval takes effect once.
            models.CheckConstraint(
                condition=models.Q(status="approved", restructuring__isnull=False)
                | (~models.Q(status="approved") & models.Q(restructuring__isnull=True)),
                name="restructuringproposal_effect",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.loan} {self.new_term_months} / {self.new_rate} ({self.status})"


class RepaymentReversalProposal(LoanChangeProposal):
    """Undoing a payment posted in error (the latest of its loan); it takes effect when
    approved."""

    loan = models.ForeignKey(
        Loan, verbose_name=_("loan"), on_delete=models.PROTECT, related_name="reversal_proposals"
    )
    repayment = models.ForeignKey(
        Repayment,
        verbose_name=_("repayment"),
        on_delete=models.PROTECT,
        related_name="reversal_proposals",
    )

    class Meta(LoanChangeProposal.Meta):
        db_table = "credit_repaymentreversalproposal"
        verbose_name = _("repayment reversal proposal")
        verbose_name_plural = _("repayment reversal proposals")

    def __str__(self) -> str:
        return f"{self.loan} {self.repayment} ({self.status})"


# The approval authority lives in a module of its own; imported here so they are
# lending's models.
from lending.authority_models import (  # noqa: E402, F401
    ApprovalRoute,
    ApprovalStep,
    AuthorityGradeFloor,
    AuthorityHolder,
    AuthorityLevel,
    AuthorityRule,
    LevelScope,
    StepOutcome,
)

# Collections (催收, issue 24 part 1) live in a module of their own.
from lending.collection_models import (  # noqa: E402, F401
    CaseStatus,
    CloseReason,
    CollectionCase,
    CollectionContact,
    CollectionStage,
    ContactResult,
    PromiseStatus,
    PromiseToPay,
)

# A product's document checklist (issue 24) lives in a module of its own.
from lending.document_checklist_models import (  # noqa: E402, F401
    ChecklistStage,
    ProductDocumentRequirement,
)

# Concentration limits and the stored exposures live in a module of their own; imported here
# so they are lending's models.
from lending.exposure_models import (  # noqa: E402, F401
    ConcentrationLimit,
    CustomerExposure,
    GroupExposure,
    LimitKind,
    Tier1Capital,
)

# Credit facilities live in a module of their own; imported here so they are lending's models.
from lending.facility_models import (  # noqa: E402, F401
    CreditFacility,
    FacilityKind,
    FacilityLimitChange,
    FacilityStatus,
    FacilitySublimit,
    LimitChangeStatus,
)

# Post-loan inspections (issue 24, part 2) live in a module of their own.
from lending.inspection_models import (  # noqa: E402, F401
    ChecklistTopic,
    FindingResult,
    Inspection,
    InspectionChecklistItem,
    InspectionConclusion,
    InspectionFinding,
    InspectionKind,
    InspectionPlan,
    InspectionStatus,
)

# Legal cases of collections (issue 24) live in a module of their own.
from lending.legal_models import (  # noqa: E402, F401
    EnforcementStatus,
    LegalAsset,
    LegalCase,
    LegalCost,
    LegalRecovery,
)

# Payment reminders to customers (issue 24, part 4) live in a module of their own.
from lending.reminder_models import (  # noqa: E402, F401
    PaymentReminder,
    ReminderChannel,
    ReminderKind,
    ReminderOptOut,
    ReminderSettings,
    ReminderStatus,
)

# The month-end record of the roll rates (issue 24) lives in a module of its own.
from lending.roll_rate_models import LoanMonthEnd  # noqa: E402, F401

# Write-offs and their off-balance-sheet records live in a module of their own; imported here
# so they are lending's models.
from lending.write_off_models import (  # noqa: E402, F401
    WriteOffConditions,
    WriteOffProposal,
    WriteOffRecovery,
    WriteOffReversalProposal,
    WrittenOffLoan,
)
