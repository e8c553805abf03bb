"""The scoped admin, beside the data scope it applies (accounts.scope); the audited and
read-only admins it builds on are in audit.admin_mixins, a floor below."""

from accounts.scope import scope_queryset
from audit.admin_mixins import AuditHistoryMixin, ReadOnlyAdmin


class ScopedReadOnlyAdmin(AuditHistoryMixin, ReadOnlyAdmin):
    """Business records in admin: read-only, limited to the viewer's data scope like every
    page, and no COUNT of a large table on each page. `customer_path` leads from the row to
    its customer ("" for customers themselves)."""

    show_full_result_count = False
    customer_path = "customer__"

    def get_queryset(self, request):
        return scope_queryset(
            request.user,
            super().get_queryset(request),
            officer_field=f"{self.customer_path}officer",
            branch_field=f"{self.customer_path}branch",
        )
