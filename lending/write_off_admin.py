"""Write-offs in admin: the conditions are reference data an admin edits (audited, one row);
the proposals and the off-balance-sheet records are read-only and scoped like every business
record (writes go through the write-off pages, which keep four eyes and the audit trail).
Imported by lending/admin.py."""

from django.contrib import admin

from accounts.admin_mixins import ScopedReadOnlyAdmin
from audit.admin_mixins import AuditedReferenceAdmin
from lending.write_off_models import (
    WriteOffConditions,
    WriteOffProposal,
    WriteOffRecovery,
    WrittenOffLoan,
)


@admin.register(WriteOffConditions)
class WriteOffConditionsAdmin(AuditedReferenceAdmin):
    list_display = ["__str__", "min_days_in_loss", "min_collection_contacts", "legal_step_suffices"]
    fields = ["min_days_in_loss", "min_collection_contacts", "legal_step_suffices"]

    def has_add_permission(self, request):
        # One row for the bank (WriteOffConditions.current creates it with the defaults).
        return not WriteOffConditions.objects.exists()


@admin.register(WriteOffProposal)
class WriteOffProposalAdmin(ScopedReadOnlyAdmin):
    customer_path = "loan__customer__"
    list_display = ["loan", "principal", "interest", "penalty", "status", "proposed_at"]
    list_filter = ["status"]
    search_fields = ["loan__customer__name"]
    list_select_related = ["loan"]


class RecoveryInline(admin.TabularInline):
    model = WriteOffRecovery
    extra = 0
    can_delete = False
    fields = ["received_on", "amount", "reference", "note", "recorded_by"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WrittenOffLoan)
class WrittenOffLoanAdmin(ScopedReadOnlyAdmin):
    customer_path = "loan__customer__"
    list_display = ["loan", "written_off_on", "principal", "interest", "penalty", "recovered"]
    search_fields = ["loan__customer__name"]
    list_select_related = ["loan"]
    inlines = [RecoveryInline]
