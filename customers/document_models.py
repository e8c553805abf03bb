"""Documents: the files kept about a customer and what hangs off them (issue 24).

One store for every owner kind. A document always names its customer (every owner hangs off
one, and the expiry scan and the customer's checklist read by customer) and the owner it is
attached to as a kind and an id: the customer itself, a loan application, a loan, a piece of
collateral, a credit bureau consent, a post-loan inspection. The store lives here, on the
customers floor, because its owners sit on three floors (customers, credit, lending) and a
foreign key per kind would pull the higher ones down; each owner's app registers how to find
its owner for a user (its own "get for user or 404" selector) in customers.document_owners.

The file itself is in the "documents" storage (settings.STORAGES: a private folder under the
data folder, or an S3-compatible bucket), never under a public URL: the app serves it.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class DocumentOwner(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    APPLICATION = "application", _("Loan application")
    LOAN = "loan", _("Loan account")
    COLLATERAL = "collateral", _("Collateral")
    BUREAU_CONSENT = "bureau_consent", _("Credit bureau consent")
    # Post-loan inspections (issue 24, part 2) register their owner when they are built.
    INSPECTION = "inspection", _("Post-loan inspection")


class DocumentType(models.Model):
    """What a document is (ID card, business licence, statements, contract...), in admin."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=120)
    name_zh = models.CharField(_("name (Chinese)"), max_length=120)
    has_expiry = models.BooleanField(
        _("has an expiry date"),
        default=False,
        help_text=_("An expiry date is asked on upload, and an alert is raised before it."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("document type")
        verbose_name_plural = _("document types")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name_zh if (get_language() or "").startswith("zh") else self.name_en


class Document(models.Model):
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="documents",
    )
    owner_kind = models.CharField(_("attached to"), max_length=20, choices=DocumentOwner.choices)
    owner_id = models.BigIntegerField(_("owner id"))
    document_type = models.ForeignKey(
        DocumentType,
        verbose_name=_("document type"),
        on_delete=models.PROTECT,
        related_name="documents",
    )
    # The key of the file in the "documents" storage (never a path the user chose).
    storage_key = models.CharField(_("storage key"), max_length=200, unique=True)
    original_name = models.CharField(_("file name"), max_length=200)
    media_type = models.CharField(_("media type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-uploaded_at", "-id"]
        indexes = [
            models.Index(fields=["owner_kind", "owner_id"], name="document_owner"),
            models.Index(fields=["customer", "document_type"], name="document_customer_type"),
            # The expiry scan's range over a few days of dates (risk.pending).
            models.Index(
                fields=["expires_on"],
                name="document_expiry",
                condition=models.Q(expires_on__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(size__gt=0), name="document_not_empty")
        ]

    def __str__(self) -> str:
        return self.original_name
