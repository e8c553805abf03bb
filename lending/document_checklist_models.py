"""A product's document checklist: which document types must be on file before an
application of that product is submitted, or before it is disbursed (issue 24). A product
without rows requires nothing. Edited in admin (lending.admin, the product's page)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ChecklistStage(models.TextChoices):
    SUBMISSION = "submission", _("Before submission")
    DISBURSEMENT = "disbursement", _("Before disbursement")


class ProductDocumentRequirement(models.Model):
    product = models.ForeignKey(
        "lending.LoanProduct",
        verbose_name=_("product"),
        on_delete=models.CASCADE,
        related_name="document_requirements",
    )
    document_type = models.ForeignKey(
        "customers.DocumentType",
        verbose_name=_("document type"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    stage = models.CharField(
        _("required"),
        max_length=12,
        choices=ChecklistStage.choices,
        default=ChecklistStage.SUBMISSION,
    )

    class Meta:
        verbose_name = _("required document")
        verbose_name_plural = _("document checklist")
        ordering = ["product", "stage", "document_type__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "document_type"], name="product_document_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.product}: {self.document_type} ({self.get_stage_display()})"
