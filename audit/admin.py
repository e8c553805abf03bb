from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django_celery_beat.admin import CrontabScheduleAdmin as BeatCrontabScheduleAdmin
from django_celery_beat.models import CrontabSchedule

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


class CrontabScheduleAdmin(BeatCrontabScheduleAdmin):
    """django-celery-beat's crontab admin, except that a schedule being corrected cannot
    crash the page: its read-only summary called celery's parser on the invalid values the
    form sends back, which raises instead of reporting them next to the fields."""

    fields = (
        "schedule_in_words",
        "minute",
        "hour",
        "day_of_month",
        "month_of_year",
        "day_of_week",
        "timezone",
    )
    readonly_fields = ("schedule_in_words",)

    @admin.display(description=_("In words"))
    def schedule_in_words(self, obj):
        try:
            return obj.human_readable
        except Exception:  # celery's ParseException and friends, on values not yet valid
            return "—"


admin.site.unregister(CrontabSchedule)
admin.site.register(CrontabSchedule, CrontabScheduleAdmin)
