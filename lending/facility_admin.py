"""Credit facilities in admin: read-only and scoped like every business record (writes go
through the facility pages, which keep four eyes and the audit trail). Imported by
lending/admin.py."""

from django.contrib import admin

from accounts.admin_mixins import ScopedReadOnlyAdmin
from lending.facility_models import CreditFacility, FacilityLimitChange, FacilitySublimit


class SublimitInline(admin.TabularInline):
    model = FacilitySublimit
    extra = 0
    can_delete = False
    fields = ["product", "limit"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(CreditFacility)
class CreditFacilityAdmin(ScopedReadOnlyAdmin):
    list_display = [
        "reference",
        "customer",
        "kind",
        "limit",
        "status",
        "expiry_date",
        "review_date",
    ]
    list_filter = ["status", "kind"]
    search_fields = ["customer__name"]
    list_select_related = ["customer"]
    readonly_fields = ["audit_history"]
    inlines = [SublimitInline]


@admin.register(FacilityLimitChange)
class FacilityLimitChangeAdmin(ScopedReadOnlyAdmin):
    customer_path = "facility__customer__"
    list_display = ["facility", "limit_before", "new_limit", "status", "proposed_at"]
    list_filter = ["status"]
    search_fields = ["facility__customer__name"]
    list_select_related = ["facility", "facility__customer"]
