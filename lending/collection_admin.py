"""Collections in admin: the stages are reference data an admin edits (audited); the cases
are read-only and scoped like every business record. Imported by lending/admin.py."""

from django.contrib import admin
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.admin_mixins import ScopedReadOnlyAdmin
from audit.admin_mixins import AuditedReferenceAdmin
from lending.collection_models import CollectionCase, CollectionStage


@admin.register(CollectionStage)
class CollectionStageAdmin(AuditedReferenceAdmin):
    # Seeded names and work read in the user's language; the code is on the edit page.
    list_display = ["name_shown", "from_days", "work_shown"]
    ordering = ["from_days"]

    @admin.display(description=_("name"), ordering="name")
    def name_shown(self, obj):
        return gettext(obj.name)

    @admin.display(description=_("work to do"))
    def work_shown(self, obj):
        return gettext(obj.work) if obj.work else ""


@admin.register(CollectionCase)
class CollectionCaseAdmin(ScopedReadOnlyAdmin):
    list_display = ["loan", "customer", "stage", "status", "opened_on", "amount_overdue"]
    list_filter = ["status", "stage"]
    search_fields = ["customer__name"]
    list_select_related = ["loan", "customer", "stage"]
