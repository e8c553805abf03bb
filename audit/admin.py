from django.contrib import admin

from audit.models import AuditEvent, JobHeartbeat


class ReadOnlyAdmin(admin.ModelAdmin):
    """The trail is evidence: it can be read and searched, never added to or edited by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "actor",
        "action",
        "object_type",
        "object_id",
        "object_label",
        "ip",
    ]
    list_filter = ["action", "object_type"]
    search_fields = ["action", "object_type", "object_id", "object_label", "actor__username"]
    date_hierarchy = "created_at"
    list_select_related = ["actor"]
    # The trail grows without bound; an exact COUNT(*) on every page would be slow.
    show_full_result_count = False
    fields = [
        "created_at",
        "actor",
        "action",
        "object_type",
        "object_id",
        "object_label",
        "before",
        "after",
        "ip",
    ]


@admin.register(JobHeartbeat)
class JobHeartbeatAdmin(ReadOnlyAdmin):
    list_display = ["job", "last_seen_at", "detail"]
