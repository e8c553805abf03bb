"""Credit facilities (授信额度): the limit the bank grants a customer, drawn by their loan
applications, with the sublimits per product, the collateral and guarantees that secure it
and the proposals that raise it.

Imported by lending/models.py, so the models are lending's (their tables are
`lending_<model>`: new tables, not moved from the credit app). Utilisation and the available
amount are reads (lending/facilities.py); the writes are lending/services/facilities.py.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

MONEY = {"max_digits": 18, "decimal_places": 2}


class FacilityKind(models.TextChoices):
    # Revolving: what is repaid may be drawn again. One-off: every drawing uses the limit up
    # for good (lending.facilities counts the principal disbursed, not what is outstanding).
    REVOLVING = "revolving", _("Revolving")
    ONE_OFF = "one_off", _("One-off")


class FacilityStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    # A context of their own: "Active" and "Closed" elsewhere are a loan's status and a
    # column heading, which read differently in Chinese (正常还款中, 关闭时间).
    ACTIVE = "active", pgettext_lazy("credit facility status", "Active")
    FROZEN = "frozen", _("Frozen")
    EXPIRED = "expired", _("Expired")
    CLOSED = "closed", pgettext_lazy("credit facility status", "Closed")


class CreditFacility(models.Model):
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="facilities",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=FacilityKind.choices)
    currency = models.CharField(_("currency"), max_length=3, default="CNY", editable=False)
    limit = models.DecimalField(_("limit"), **MONEY)
    start_date = models.DateField(_("start"))
    expiry_date = models.DateField(_("expiry"))
    review_date = models.DateField(_("annual review date"))
    status = models.CharField(
        _("status"), max_length=10, choices=FacilityStatus.choices, default=FacilityStatus.PROPOSED
    )
    reason = models.TextField(_("reason"))
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    proposed_at = models.DateTimeField(_("proposed"), default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    # Who froze it (an early-warning response or a person), so that another lifts it.
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("frozen by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    frozen_at = models.DateTimeField(_("frozen"), null=True, blank=True)
    status_note = models.TextField(_("note on the status"), blank=True)
    collateral = models.ManyToManyField(
        "lending.Collateral",
        verbose_name=_("securing collateral"),
        blank=True,
        related_name="facilities",
    )
    guarantees = models.ManyToManyField(
        "lending.Guarantor",
        verbose_name=_("securing guarantees"),
        blank=True,
        related_name="facilities",
    )

    class Meta:
        verbose_name = _("credit facility")
        verbose_name_plural = _("credit facilities")
        ordering = ["-start_date", "-id"]
        indexes = [models.Index(fields=["customer", "status"], name="facility_by_customer")]
        constraints = [
            models.CheckConstraint(condition=models.Q(limit__gt=0), name="facility_limit"),
            models.CheckConstraint(
                condition=models.Q(expiry_date__gt=models.F("start_date")),
                name="facility_dates",
            ),
            # Four eyes, also in the database: an approved facility has an approver who is not
            # its proposer.
            models.CheckConstraint(
                condition=models.Q(approved_by__isnull=True)
                | ~models.Q(approved_by=models.F("proposed_by")),
                name="facility_four_eyes",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.customer}"

    @property
    def reference(self) -> str:
        return f"CF-{self.pk:06d}"

    def status_on(self, on) -> str:
        """The status as of business date `on`: past its expiry an approved, active or frozen
        facility is expired whether or not the nightly has recorded it yet."""
        if self.status in LIVE_STATUSES and self.expiry_date < on:
            return FacilityStatus.EXPIRED
        return self.status

    def status_label_on(self, on) -> str:
        return FacilityStatus(self.status_on(on)).label


# The statuses whose limit still counts (and that expire with the calendar).
LIVE_STATUSES = (FacilityStatus.APPROVED, FacilityStatus.ACTIVE, FacilityStatus.FROZEN)


class FacilitySublimit(models.Model):
    """The most that one product may draw on the facility."""

    facility = models.ForeignKey(
        CreditFacility,
        verbose_name=_("facility"),
        on_delete=models.CASCADE,
        related_name="sublimits",
    )
    product = models.ForeignKey(
        "lending.LoanProduct",
        verbose_name=_("product"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    limit = models.DecimalField(_("sublimit"), **MONEY)

    class Meta:
        verbose_name = _("product sublimit")
        verbose_name_plural = _("product sublimits")
        ordering = ["product__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["facility", "product"], name="facility_one_sublimit_per_product"
            ),
            models.CheckConstraint(condition=models.Q(limit__gt=0), name="facility_sublimit"),
        ]

    def __str__(self) -> str:
        return f"{self.facility.reference} {self.product.code}"


class LimitChangeStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class FacilityLimitChange(models.Model):
    """A proposal to raise a facility's limit: one person proposes, another approves (the
    facility's own approval path); nothing changes before the approval."""

    facility = models.ForeignKey(
        CreditFacility,
        verbose_name=_("facility"),
        on_delete=models.PROTECT,
        related_name="limit_changes",
    )
    limit_before = models.DecimalField(_("limit before"), **MONEY)
    new_limit = models.DecimalField(_("new limit"), **MONEY)
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=LimitChangeStatus.choices,
        default=LimitChangeStatus.PENDING,
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    proposed_at = models.DateTimeField(_("proposed"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("limit change")
        verbose_name_plural = _("limit changes")
        ordering = ["-proposed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(new_limit__gt=models.F("limit_before")),
                name="facility_limit_change_raises",
            ),
            models.CheckConstraint(
                condition=models.Q(status="pending", decided_by__isnull=True)
                | (
                    models.Q(status__in=["approved", "rejected"], decided_by__isnull=False)
                    & ~models.Q(decided_by=models.F("proposed_by"))
                ),
                name="facility_limit_change_four_eyes",
            ),
            # One raise waits per facility: a form sent twice adds nothing.
            models.UniqueConstraint(
                fields=["facility"],
                condition=models.Q(status="pending"),
                name="facility_limit_change_one_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.facility.reference} {self.limit_before} → {self.new_limit}"
