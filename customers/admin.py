from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.admin_mixins import ScopedReadOnlyAdmin
from audit.admin_mixins import AuditedReferenceAdmin
from customers.grades import GRADES
from customers.models import (
    Complaint,
    ContactPerson,
    Customer,
    FollowUp,
    Industry,
    Interaction,
    RevisitCadence,
    Survey,
    Tag,
)
from customers.selectors import customer_search


@admin.register(Industry)
class IndustryAdmin(AuditedReferenceAdmin):
    list_display = ["code", "name_en", "name_zh", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name_en", "name_zh"]


@admin.register(Tag)
class TagAdmin(AuditedReferenceAdmin):
    search_fields = ["name"]


@admin.register(RevisitCadence)
class RevisitCadenceAdmin(AuditedReferenceAdmin):
    list_display = ["risk_level", "days"]


class ContactInline(admin.TabularInline):
    model = ContactPerson
    extra = 0
    # Admins work with masked personal data, like on the pages.
    fields = ["name", "role", "masked_phone", "email", "is_primary"]
    readonly_fields = ["masked_phone"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class GradeFilter(admin.SimpleListFilter):
    """The grades of the master scale, not a DISTINCT over every customer in the book."""

    title = _("grade")
    parameter_name = "grade"

    def lookups(self, request, model_admin):
        return [(grade, grade) for grade in GRADES]

    def queryset(self, request, queryset):
        return queryset.filter(grade=self.value()) if self.value() else queryset


@admin.register(Customer)
class CustomerAdmin(ScopedReadOnlyAdmin):
    customer_path = ""
    list_display = [
        "name",
        "kind",
        "masked_identifier",
        "officer",
        "branch",
        "risk_level",
        "grade",
        "updated_at",
    ]
    list_filter = ["kind", "risk_level", GradeFilter, "branch", "industry", "size"]
    # The search box runs the product's customer search (below); this only turns it on.
    search_fields = ["name"]
    list_select_related = ["officer", "branch"]
    readonly_fields = ["masked_identifier", "masked_phone", "audit_history"]
    exclude = ["resident_id", "phone", "tags"]
    # Newest first, by the primary key index; autocomplete pages need a stable order too.
    ordering = ["-id"]
    inlines = [ContactInline]

    def get_search_results(self, request, queryset, search_term):
        # The same search as the customer list: names through the gram index, whole phones
        # and resident IDs through their keyed hashes (they are encrypted), the ID's last
        # four characters, credit codes. Django's own name__icontains would scan the table.
        return customer_search(queryset, search_term), False


@admin.register(Interaction)
class InteractionAdmin(ScopedReadOnlyAdmin):
    list_display = ["occurred_at", "customer", "channel", "direction", "officer", "outcome"]
    list_filter = ["channel", "direction"]
    search_fields = ["customer__name", "summary"]
    list_select_related = ["customer", "officer"]
    date_hierarchy = "occurred_at"
    readonly_fields = ["audit_history"]


@admin.register(FollowUp)
class FollowUpAdmin(ScopedReadOnlyAdmin):
    list_display = ["due_on", "customer", "kind", "purpose", "owner", "status", "source"]
    list_filter = ["status", "kind", "source"]
    search_fields = ["customer__name", "purpose"]
    list_select_related = ["customer", "owner"]
    readonly_fields = ["audit_history"]


@admin.register(Complaint)
class ComplaintAdmin(ScopedReadOnlyAdmin):
    list_display = [
        "received_at",
        "customer",
        "category",
        "severity",
        "status",
        "sla_due_at",
        "owner",
    ]
    list_filter = ["status", "category", "severity", "kind"]
    search_fields = ["customer__name", "description"]
    list_select_related = ["customer", "owner"]
    readonly_fields = ["audit_history"]


@admin.register(Survey)
class SurveyAdmin(ScopedReadOnlyAdmin):
    list_display = ["responded_on", "customer", "event", "csat", "nps", "source"]
    list_filter = ["event", "source"]
    search_fields = ["customer__name"]
    list_select_related = ["customer"]
    readonly_fields = ["audit_history"]


# Related parties and groups, and document types, have admin modules of their own.
from customers import document_admin, relation_admin  # noqa: E402, F401
