from django.contrib import admin

from audit.admin_mixins import ReadOnlyAdmin
from audit.models import AuditEvent, JobHeartbeat


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
