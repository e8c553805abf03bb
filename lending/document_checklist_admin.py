"""A product's document checklist in admin (reference data, audited)."""

from django.contrib import admin

from audit.admin_mixins import AuditedReferenceAdmin
from lending.document_checklist_models import ProductDocumentRequirement


@admin.register(ProductDocumentRequirement)
class ProductDocumentRequirementAdmin(AuditedReferenceAdmin):
    list_display = ["product", "document_type", "stage"]
    list_filter = ["stage", "product"]
    list_select_related = ["product", "document_type"]
