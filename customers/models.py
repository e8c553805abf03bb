import re

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Func
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.field_crypto import EncryptedTextField, lookup_hash
from customers.identifiers import (
    IdentifierError,
    mask_phone,
    mask_resident_id,
    parse_resident_id,
    phone_shown_tail,
)
from customers.segments import AGE_BANDS, INCOME_BANDS, REVENUE_BANDS, band_of
from customers.validators import validate_credit_code, validate_phone, validate_resident_id


class CustomerKind(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual")
    ENTERPRISE = "enterprise", _("Enterprise")


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class Gender(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class EnterpriseSize(models.TextChoices):
    MICRO = "micro", _("Micro")
    SMALL = "small", _("Small")
    MEDIUM = "medium", _("Medium")
    LARGE = "large", _("Large")


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")
    ONLINE = "online", _("Online")
    VISIT = "visit", _("Visit")
    MEETING = "meeting", _("Meeting")


class Industry(models.Model):
    """A configurable list, seeded with the sections A–T of GB/T 4754 (国民经济行业分类)."""

    code = models.CharField(_("code"), max_length=10, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=120)
    name_zh = models.CharField(_("name (Chinese)"), max_length=120)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("industry")
        verbose_name_plural = _("industries")
        ordering = ["code"]

    def __str__(self) -> str:
        name = self.name_zh if (get_language() or "").startswith("zh") else self.name_en
        return f"{self.code} {name}"


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def resident_id_digest(number: str) -> str:
    """The keyed hash a resident ID is found by (uppercase, as normalised)."""
    return lookup_hash("resident_id", number.strip().upper())


def phone_digest(phone: str) -> str:
    """The keyed hash a phone is found by: its digits only, so 010-1234 and 0101234 meet."""
    return lookup_hash("phone", re.sub(r"\D", "", phone))


# The unique identifiers a user types; see Customer.get_constraints.
IDENTIFIER_CONSTRAINTS = frozenset(
    {"customer_resident_id_hash_unique", "customer_credit_code_unique"}
)


class Customer(models.Model):
    """Individuals and enterprises share one table.

    Why one table: the list, search, scope filter, alerts and loans all work on "a customer"
    whatever its kind; one table keeps the million-row search on one trigram index and every
    foreign key simple. Kind-specific columns are nullable and check constraints make sure an
    individual has its resident ID and an enterprise its credit code.
    """

    kind = models.CharField(_("type"), max_length=12, choices=CustomerKind.choices)
    name = models.CharField(_("name"), max_length=200)
    # Every character and every pair of characters of the lower-cased name, computed by
    # PostgreSQL itself (see migration 0001). A GIN index on it answers substring search for
    # Chinese and Latin names alike, which pg_trgm does not do for CJK text in every locale.
    name_grams = models.GeneratedField(
        expression=Func(F("name"), function="customer_name_grams"),
        output_field=ArrayField(models.TextField()),
        db_persist=True,
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("relationship manager"),
        on_delete=models.PROTECT,
        related_name="customers",
    )
    branch = models.ForeignKey(
        "accounts.Branch",
        verbose_name=_("branch"),
        on_delete=models.PROTECT,
        related_name="customers",
    )
    # Encrypted at rest (core.field_crypto); found by the keyed hash of its digits.
    phone = EncryptedTextField(_("phone"), max_length=20, blank=True, validators=[validate_phone])
    phone_hash = models.CharField(max_length=64, blank=True, editable=False)
    # The last four digits, so officers can find a customer by the masked phone's tail. Kept
    # in clear on purpose: every page already shows them (mask_phone: 142****0669).
    phone_tail = models.CharField(max_length=4, blank=True, editable=False)
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    risk_level = models.CharField(
        _("risk level"), max_length=10, choices=RiskLevel.choices, default=RiskLevel.MEDIUM
    )
    # The credit grade (AAA…C) of the latest assessment; maintained by the credit app.
    grade = models.CharField(_("grade"), max_length=4, blank=True)
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="+")

    # Individuals.
    # Encrypted at rest; unique and found through the keyed hash next to it.
    resident_id = EncryptedTextField(
        _("resident ID"), max_length=18, null=True, blank=True, validators=[validate_resident_id]
    )
    resident_id_hash = models.CharField(max_length=64, null=True, blank=True, editable=False)
    # The last four characters, so officers can find a customer by the masked ID's tail.
    resident_id_tail = models.CharField(max_length=4, blank=True, editable=False)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    occupation = models.CharField(_("occupation"), max_length=100, blank=True)
    employer = models.CharField(_("employer"), max_length=200, blank=True)
    monthly_income = models.DecimalField(
        _("monthly income"), max_digits=18, decimal_places=2, null=True, blank=True
    )

    # Enterprises.
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        null=True,
        blank=True,
        validators=[validate_credit_code],
    )
    industry = models.ForeignKey(
        Industry,
        verbose_name=_("industry"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="customers",
    )
    size = models.CharField(_("size"), max_length=10, choices=EnterpriseSize.choices, blank=True)
    founded_on = models.DateField(_("founding date"), null=True, blank=True)
    annual_revenue = models.DecimalField(
        _("annual revenue"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    registered_capital = models.DecimalField(
        _("registered capital"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    legal_representative = models.CharField(_("legal representative"), max_length=100, blank=True)
    # The language the bank writes to the customer in (payment reminders); a bank in China
    # writes in Chinese unless the customer asked for English.
    language = models.CharField(
        _("language for messages"), max_length=10, choices=settings.LANGUAGES, default="zh-hans"
    )

    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    # When the current officer took the customer over (creation or last transfer).
    assigned_at = models.DateTimeField(_("assigned"), default=timezone.now)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            models.UniqueConstraint(
                fields=["resident_id_hash"], name="customer_resident_id_hash_unique"
            ),
            models.UniqueConstraint(fields=["credit_code"], name="customer_credit_code_unique"),
            models.CheckConstraint(
                condition=(
                    models.Q(
                        kind=CustomerKind.INDIVIDUAL,
                        resident_id__isnull=False,
                        credit_code__isnull=True,
                    )
                    | models.Q(
                        kind=CustomerKind.ENTERPRISE,
                        credit_code__isnull=False,
                        resident_id__isnull=True,
                    )
                ),
                name="customer_identifier_matches_kind",
            ),
            models.CheckConstraint(
                condition=models.Q(monthly_income__gte=0) | models.Q(monthly_income__isnull=True),
                name="customer_income_not_negative",
            ),
        ]
        indexes = [
            GinIndex(fields=["name_grams"], name="customer_name_grams"),
            models.Index(fields=["phone_hash"], name="customer_phone_hash"),
            models.Index(fields=["phone_tail"], name="customer_phone_tail"),
            models.Index(fields=["resident_id_tail"], name="customer_resident_id_tail"),
            models.Index(fields=["officer", "-updated_at"], name="customer_officer_recent"),
            models.Index(fields=["branch", "-updated_at"], name="customer_branch_recent"),
            models.Index(fields=["-updated_at", "-id"], name="customer_recent"),
            models.Index(fields=["birth_date"], name="customer_birth_date"),
            models.Index(fields=["monthly_income"], name="customer_monthly_income"),
            models.Index(fields=["assigned_at"], name="customer_assigned"),
            # A branch's or an officer's customers without reading their rows: the ids the
            # dashboard's figures gather first, the league table's count per officer and
            # the risk page's count per risk level, all read from the index alone.
            models.Index(
                fields=["branch", "officer", "risk_level"],
                include=["id"],
                name="customer_branch_scope",
            ),
            models.Index(
                fields=["officer", "risk_level"], include=["id"], name="customer_officer_scope"
            ),
            # What the nightly's statements read of a chunk's customers (risk.recompute,
            # risk.provision_statement, risk.facility_provisions, the early-warning rules), by
            # their range of ids, from the index alone: the rows of 20,000 customers lie on
            # some 3,400 table pages, each statement reading them again.
            models.Index(
                fields=["id"],
                include=["grade", "industry", "risk_level", "assigned_at"],
                name="customer_risk_inputs",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.refresh_lookup_columns()
        super().save(*args, **kwargs)

    def refresh_lookup_columns(self) -> None:
        """The hashes and the shown tails follow the clear values they are derived from."""
        self.resident_id_hash = resident_id_digest(self.resident_id) if self.resident_id else None
        self.resident_id_tail = self.resident_id[-4:] if self.resident_id else ""
        self.phone_hash = phone_digest(self.phone) if self.phone else ""
        self.phone_tail = phone_shown_tail(self.phone)

    def get_constraints(self):
        # The database keeps resident IDs and credit codes unique; the services check it
        # before saving and answer with words that do not tell whether, or whose, customer
        # holds the identifier (customers.services.DuplicateIdentifier). Model validation
        # leaves those two constraints out, or a form would answer "already exists".
        return [
            (model, [c for c in constraints if c.name not in IDENTIFIER_CONSTRAINTS])
            for model, constraints in super().get_constraints()
        ]

    def clean(self) -> None:
        """Cross-field rules; the single-field ones are the validators above."""
        errors = {}
        self.refresh_lookup_columns()
        if self.kind == CustomerKind.INDIVIDUAL:
            if not self.resident_id:
                errors["resident_id"] = _("An individual needs a resident identity number.")
            else:
                try:
                    _number, birth_date, gender = parse_resident_id(self.resident_id)
                except IdentifierError:
                    pass  # reported by the field validator
                else:
                    if self.birth_date and self.birth_date != birth_date:
                        errors["birth_date"] = _(
                            "The birth date does not match the one in the identity number."
                        )
                    if self.gender and self.gender != gender:
                        errors["gender"] = _(
                            "The gender does not match the one in the identity number."
                        )
        elif self.kind == CustomerKind.ENTERPRISE:
            if not self.credit_code:
                errors["credit_code"] = _("An enterprise needs a unified social credit code.")
            if self.founded_on and self.founded_on > timezone.localdate():
                errors["founded_on"] = _("The founding date cannot be in the future.")
        if self.officer_id and self.branch_id and self.officer.branch_id != self.branch_id:
            errors["officer"] = _("The relationship manager must work in the customer's branch.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_individual(self) -> bool:
        return self.kind == CustomerKind.INDIVIDUAL

    @property
    def masked_identifier(self) -> str:
        # Credit codes are public registry data; resident IDs are personal and masked.
        return mask_resident_id(self.resident_id) if self.is_individual else self.credit_code

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def segment_label(self) -> str:
        """Age and income band for people; industry section, size and revenue band for firms."""
        if self.is_individual:
            parts = [
                band_of(AGE_BANDS, self.age_on(timezone.localdate())),
                band_of(INCOME_BANDS, self.monthly_income),
            ]
        else:
            parts = [
                self.industry.code if self.industry_id else "",
                self.get_size_display(),
                band_of(REVENUE_BANDS, self.annual_revenue),
            ]
        return " · ".join(part for part in parts if part)

    def age_on(self, day) -> int | None:
        if not self.birth_date:
            return None
        before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - before_birthday


class ContactPerson(models.Model):
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=100)
    role = models.CharField(_("role"), max_length=100, blank=True)
    phone = EncryptedTextField(_("phone"), max_length=20, blank=True, validators=[validate_phone])
    email = models.EmailField(_("e-mail"), blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)
    # The edit form's version: saving over a change made since the form opened is refused.
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("contact person")
        verbose_name_plural = _("contact persons")
        ordering = ["-is_primary", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=models.Q(is_primary=True),
                name="contact_one_primary_per_customer",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class RevealReason(models.TextChoices):
    """Why someone shows a customer's full resident ID and phone; kept in the audit trail."""

    CALL = "call", _("To call or visit the customer")
    CONTRACT = "contract", _("To prepare or sign a contract")
    IDENTITY = "identity", _("To verify the customer's identity")
    COMPLAINT = "complaint", _("To handle a complaint")


class OfficerTransfer(models.Model):
    """The dated history of who managed the customer, with the reason for each change."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="transfers"
    )
    from_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("from"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    to_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("to"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=300)
    transferred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    transferred_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("officer transfer")
        verbose_name_plural = _("officer transfers")
        ordering = ["-transferred_at", "-id"]

    def __str__(self) -> str:
        return f"{self.from_officer} → {self.to_officer}"


class RiskAppetite(models.TextChoices):
    CONSERVATIVE = "conservative", _("Conservative")
    BALANCED = "balanced", _("Balanced")
    AGGRESSIVE = "aggressive", _("Aggressive")


class NeedsProfile(models.Model):
    """What the customer wants, as recorded on a date; several over time, the newest counts."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="needs"
    )
    products_of_interest = models.CharField(_("products of interest"), max_length=300)
    amount = models.DecimalField(
        _("amount"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    term_months = models.PositiveIntegerField(_("term (months)"), null=True, blank=True)
    purpose = models.CharField(_("purpose"), max_length=300, blank=True)
    risk_appetite = models.CharField(
        _("risk appetite"), max_length=12, choices=RiskAppetite.choices, blank=True
    )
    preferred_channel = models.CharField(
        _("preferred channel"), max_length=10, choices=Channel.choices, blank=True
    )
    recorded_on = models.DateField(_("date"), default=timezone.localdate)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("needs profile")
        verbose_name_plural = _("needs profiles")
        ordering = ["-recorded_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0) | models.Q(amount__isnull=True),
                name="needs_amount_positive",
            )
        ]

    def __str__(self) -> str:
        return self.products_of_interest


class FollowUpStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class FollowUpKind(models.TextChoices):
    CALL = "call", _("Call")
    VISIT = "visit", _("Visit")
    REVISIT = "revisit", _("Regular revisit")
    OTHER = "other", _("Other")


class FollowUpSource(models.TextChoices):
    MANUAL = "manual", _("Planned by hand")
    CADENCE = "cadence", _("Revisit cadence")
    DUPLICATE = "duplicate", _("Identifier registered again")


class FollowUp(models.Model):
    """A planned contact: a call, a visit, a regular revisit. Overdue is derived, not stored."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="follow_ups"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="follow_ups",
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=FollowUpKind.choices, default=FollowUpKind.CALL
    )
    purpose = models.CharField(_("purpose"), max_length=300)
    due_on = models.DateField(_("due"))
    status = models.CharField(
        _("status"), max_length=10, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN
    )
    source = models.CharField(
        _("source"), max_length=10, choices=FollowUpSource.choices, default=FollowUpSource.MANUAL
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # The attempt to register this customer's identifier again that asked for this follow-up
    # (source "duplicate"): who tried, when and how.
    duplicate_attempt = models.ForeignKey(
        "DuplicateAttempt",
        verbose_name=_("duplicate registration attempt"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        editable=False,
        related_name="follow_ups",
        # Indexed below where set: almost every follow-up of the book has none.
        db_index=False,
    )

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["due_on", "id"]
        constraints = [
            # The revisit generator relies on this: at most one open cadence follow-up per
            # customer, so running it twice (or in parallel) never makes a duplicate.
            models.UniqueConstraint(
                fields=["customer"],
                condition=models.Q(source="cadence", status="open"),
                name="followup_one_open_cadence_per_customer",
            )
        ]
        indexes = [
            models.Index(
                fields=["owner", "due_on"],
                condition=models.Q(status="open"),
                name="followup_open_by_owner",
            ),
            models.Index(
                fields=["duplicate_attempt"],
                condition=models.Q(duplicate_attempt__isnull=False),
                name="followup_duplicate_attempt",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.purpose}"

    def is_overdue(self, today) -> bool:
        return self.status == FollowUpStatus.OPEN and self.due_on < today


class IdentifierKind(models.TextChoices):
    """The customer identifiers that are unique in the bank."""

    RESIDENT_ID = "resident_id", _("resident ID")
    CREDIT_CODE = "credit_code", _("unified social credit code")


class AttemptChannel(models.TextChoices):
    CREATE = "create", _("new customer form")
    EDIT = "edit", _("customer edit")
    IMPORT = "import", _("customer import")


class DuplicateAttempt(models.Model):
    """Someone typed an identifier that another customer holds, to register a new customer or
    to give it to one they were editing, and was refused with an answer that says nothing
    about whose it is (customers.services.DuplicateIdentifier).

    The bank keeps the attempt: the customer's officer and branch managers get a follow-up
    naming who tried, and one person hitting many customers outside their own scope in a day
    raises a conduct alert for their manager (risk.conduct). Nothing else the person typed is
    kept: the identifier is the existing customer's own, and the rest of the input is gone
    with the refused change.
    """

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="duplicate_attempts",
    )
    attempted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("attempted by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    attempted_at = models.DateTimeField(_("when"), default=timezone.now)
    # The bank's calendar day (TIME_ZONE) of the attempt: the day a conduct alert counts.
    day = models.DateField(_("day"))
    identifier = models.CharField(_("identifier"), max_length=12, choices=IdentifierKind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=AttemptChannel.choices)
    # Whether the person could see the customer (accounts.scope) when they tried: only the
    # attempts on customers they could not see count towards a conduct alert.
    in_scope = models.BooleanField(_("in the user's scope"))

    class Meta:
        verbose_name = _("duplicate registration attempt")
        verbose_name_plural = _("duplicate registration attempts")
        ordering = ["-attempted_at", "-id"]
        indexes = [
            # A person's attempts outside their scope on one day (the conduct alert's count).
            models.Index(
                fields=["attempted_by", "day"],
                condition=models.Q(in_scope=False),
                name="duplicate_out_of_scope_by_day",
            ),
        ]

    def __str__(self) -> str:
        attempted_at = timezone.localtime(self.attempted_at)
        return f"{self.get_identifier_display()} {attempted_at:%Y-%m-%d %H:%M}"


class Direction(models.TextChoices):
    OUTBOUND = "outbound", _("Outbound")
    INBOUND = "inbound", _("Inbound")


class Interaction(models.Model):
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="interactions",
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("officer"),
        on_delete=models.PROTECT,
        related_name="interactions",
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, default=Direction.OUTBOUND
    )
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    summary = models.TextField(_("summary"))
    outcome = models.CharField(_("outcome"), max_length=300, blank=True)
    next_step = models.CharField(_("next step"), max_length=300, blank=True)
    completes_follow_up = models.OneToOneField(
        FollowUp,
        verbose_name=_("completes follow-up"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="completed_by",
    )

    class Meta:
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-occurred_at"], name="interaction_timeline"),
            models.Index(fields=["officer", "-occurred_at"], name="interaction_by_officer"),
            # The no-contact rule's calendar (risk.pending).
            models.Index(fields=["occurred_at"], name="interaction_by_date"),
        ]

    def __str__(self) -> str:
        # Read in the bank's time zone: a visit at 01:05 is on that day, not the day before
        # in UTC (the label of the "link a logged interaction" choices).
        return f"{self.get_channel_display()} {timezone.localtime(self.occurred_at):%Y-%m-%d}"


class RevisitCadence(models.Model):
    """How often an officer must contact a customer of each risk level (admin-editable)."""

    risk_level = models.CharField(
        _("risk level"), max_length=10, choices=RiskLevel.choices, unique=True
    )
    days = models.PositiveIntegerField(_("days between contacts"))

    class Meta:
        verbose_name = _("revisit cadence")
        verbose_name_plural = _("revisit cadences")
        ordering = ["days"]
        constraints = [models.CheckConstraint(condition=models.Q(days__gte=1), name="cadence_days")]

    def __str__(self) -> str:
        return f"{self.get_risk_level_display()}: {self.days}"


class SurveyEvent(models.TextChoices):
    LOAN_DISBURSED = "loan_disbursed", _("Loan disbursed")
    COMPLAINT_CLOSED = "complaint_closed", _("Complaint closed")
    PERIODIC = "periodic", _("Periodic review")
    OTHER = "other", _("Other")


class SurveySource(models.TextChoices):
    CALL = "call", _("Phone call")
    PAPER = "paper", _("Paper form")
    ONLINE = "online", _("Online")


class Survey(models.Model):
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="surveys"
    )
    event = models.CharField(_("after"), max_length=20, choices=SurveyEvent.choices)
    source = models.CharField(_("source"), max_length=10, choices=SurveySource.choices)
    csat = models.PositiveSmallIntegerField(_("CSAT (1–5)"), null=True, blank=True)
    nps = models.PositiveSmallIntegerField(_("NPS (0–10)"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    responded_on = models.DateField(_("date"), default=timezone.localdate)

    class Meta:
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        ordering = ["-responded_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(csat__gte=1, csat__lte=5) | models.Q(csat__isnull=True),
                name="survey_csat_range",
            ),
            models.CheckConstraint(
                condition=models.Q(nps__gte=0, nps__lte=10) | models.Q(nps__isnull=True),
                name="survey_nps_range",
            ),
            models.CheckConstraint(
                condition=models.Q(csat__isnull=False) | models.Q(nps__isnull=False),
                name="survey_has_a_score",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_event_display()} {self.responded_on}"


class ComplaintKind(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")
    FEEDBACK = "feedback", _("Feedback")


class ComplaintCategory(models.TextChoices):
    SERVICE = "service", _("Service quality")
    FEES = "fees", _("Fees and pricing")
    PROCESS = "process", _("Slow or unclear process")
    STAFF = "staff", _("Staff conduct")
    PRODUCT = "product", _("Product terms")
    COLLECTIONS = "collections", _("Collections")
    OTHER = "other", _("Other")


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class ComplaintStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")


OPEN_COMPLAINT_STATUSES = [ComplaintStatus.OPEN, ComplaintStatus.IN_PROGRESS]


class Complaint(models.Model):
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="complaints"
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=ComplaintKind.choices, default=ComplaintKind.COMPLAINT
    )
    category = models.CharField(_("category"), max_length=12, choices=ComplaintCategory.choices)
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.MEDIUM
    )
    description = models.TextField(_("description"))
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    sla_due_at = models.DateTimeField(_("SLA due"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ComplaintStatus.choices, default=ComplaintStatus.OPEN
    )
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(
                fields=["sla_due_at"],
                condition=models.Q(status__in=["open", "in_progress"]),
                name="complaint_open_by_sla",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="resolved") | ~models.Q(resolution=""),
                name="complaint_resolution_required",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} ({timezone.localtime(self.received_at):%Y-%m-%d})"

    def is_overdue(self, now) -> bool:
        return self.status in OPEN_COMPLAINT_STATUSES and self.sla_due_at < now


class SavedFilter(models.Model):
    """A named customer-list query a user comes back to."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters"
    )
    name = models.CharField(_("name"), max_length=80)
    query = models.CharField(_("query"), max_length=1000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("saved filter")
        verbose_name_plural = _("saved filters")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="saved_filter_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


# Documents and their types (customers/document_models.py).
from customers.document_models import (  # noqa: E402, F401
    Document,
    DocumentOwner,
    DocumentType,
)

# Related parties and groups live in their own module (customers/relations.py).
from customers.relations import (  # noqa: E402, F401
    CustomerGroup,
    CustomerGroupMember,
    CustomerRelation,
    RelationKind,
)

# Watch-list screening keeps its models in a module of their own.
from customers.screening_models import (  # noqa: E402, F401
    HitStatus,
    MatchKind,
    ScreeningHit,
    WatchList,
    WatchListEntry,
)
