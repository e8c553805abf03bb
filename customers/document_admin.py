"""Document types in admin (reference data, audited). Documents themselves are kept and
served only through the app's pages, with their owners' scope checks."""

from django.contrib import admin

from audit.admin_mixins import AuditedReferenceAdmin
from customers.document_models import DocumentType


@admin.register(DocumentType)
class DocumentTypeAdmin(AuditedReferenceAdmin):
    # Both names, each in its column (as the industries' list); the code is an identifier,
    # on the change page.
    list_display = ["name_zh", "name_en", "has_expiry", "is_active"]
    list_filter = ["has_expiry", "is_active"]
    search_fields = ["code", "name_en", "name_zh"]
