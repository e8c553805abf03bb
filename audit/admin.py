from cron_descriptor import Options, get_description
from django.contrib import admin
from django.db.models import OuterRef, Subquery
from django.utils.html import format_html_join
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from django_celery_beat.admin import CrontabScheduleAdmin as BeatCrontabScheduleAdmin
from django_celery_beat.admin import PeriodicTaskAdmin as BeatPeriodicTaskAdmin
from django_celery_beat.admin import PeriodicTaskForm, TaskSelectWidget
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from audit.actions import action_name, change_lines, model_for, object_type_name
from audit.admin_mixins import ReadOnlyAdmin
from audit.models import AuditEvent, JobHeartbeat


class CodeFilter(admin.SimpleListFilter):
    """A filter on a code column whose choices read as words (audit.actions); the code stays
    in the query string, so links that filter by it keep working."""

    def lookups(self, request, model_admin):
        # The same DISTINCT that admin's own filter on the column runs.
        codes = (
            model_admin.get_queryset(request)
            .order_by(self.parameter_name)
            .values_list(self.parameter_name, flat=True)
            .distinct()
        )
        return sorted(((code, self.name_of(code)) for code in codes if code), key=lambda c: c[1])

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{self.parameter_name: self.value()})
        return queryset


class ActionFilter(CodeFilter):
    title = _("action")
    parameter_name = "action"
    name_of = staticmethod(action_name)


class ObjectTypeFilter(CodeFilter):
    title = _("object type")
    parameter_name = "object_type"
    name_of = staticmethod(object_type_name)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "actor",
        "action_shown",
        "object_type_shown",
        "object_id",
        "object_label",
        "ip",
    ]
    list_filter = [ActionFilter, ObjectTypeFilter]
    # The codes stay searchable: "logged_in" finds every sign-in.
    search_fields = ["action", "object_type", "object_id", "object_label", "actor__username"]
    date_hierarchy = "created_at"
    list_select_related = ["actor"]
    # The trail grows without bound; an exact COUNT(*) on every page would be slow.
    show_full_result_count = False
    fields = [
        "created_at",
        "actor",
        "action_shown",
        "object_type_shown",
        "object_id",
        "object_label",
        "before_shown",
        "after_shown",
        "ip",
    ]
    readonly_fields = ["action_shown", "object_type_shown", "before_shown", "after_shown"]

    @admin.display(description=_("action"), ordering="action")
    def action_shown(self, obj):
        return action_name(obj.action)

    @admin.display(description=_("object type"), ordering="object_type")
    def object_type_shown(self, obj):
        return object_type_name(obj.object_type)

    @admin.display(description=_("before"))
    def before_shown(self, obj):
        return self._changes(obj, obj.before, None)

    @admin.display(description=_("after"))
    def after_shown(self, obj):
        return self._changes(obj, None, obj.after)

    def _changes(self, obj, before, after):
        lines = change_lines(model_for(obj.object_type), before, after)
        return format_html_join("", "<div>{}</div>", ((line,) for line in lines)) or "—"


@admin.register(JobHeartbeat)
class JobHeartbeatAdmin(ReadOnlyAdmin):
    list_display = ["job_shown", "last_seen_at", "detail"]

    def get_queryset(self, request):
        # A job beats under its Celery task's path; its schedule names it, in one query.
        schedule = PeriodicTask.objects.filter(task=OuterRef("job")).order_by("id")
        return (
            super().get_queryset(request).annotate(schedule=Subquery(schedule.values("name")[:1]))
        )

    @admin.display(description=_("job"), ordering="job")
    def job_shown(self, obj):
        return gettext(obj.schedule) if obj.schedule else obj.job


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
    list_display = ("__str__", "schedule_in_words")

    @admin.display(description=_("In words"))
    def schedule_in_words(self, obj):
        try:
            in_english = obj.human_readable
        except Exception:  # celery's ParseException and friends, on values not yet valid
            return "—"
        # Beat describes the schedule in the server's locale; the reader's language instead.
        options = Options()
        options.locale_code = "zh_CN" if (get_language() or "").startswith("zh") else "en_US"
        options.use_24hour_time_format = True
        expression = " ".join(str(obj).split()[:5])
        try:
            return f"{get_description(expression, options)} {obj.timezone}"
        except Exception:  # cron_descriptor's format errors: beat's own words then
            return in_english


admin.site.unregister(CrontabSchedule)
admin.site.register(CrontabSchedule, CrontabScheduleAdmin)


class TaskFilter(admin.SimpleListFilter):
    """Beat's filter by task, naming each task by its schedule's name instead of its
    Celery path; the path stays in the query string."""

    title = _("task")
    parameter_name = "task"

    def lookups(self, request, model_admin):
        tasks = dict(PeriodicTask.objects.order_by("name").values_list("task", "name"))
        return sorted(
            ((task, gettext(name)) for task, name in tasks.items()), key=lambda item: item[1]
        )

    def queryset(self, request, queryset):
        return queryset.filter(task=self.value()) if self.value() else queryset


# The Celery tasks by what they do, for the schedule form's list of registered tasks (whose
# values stay the tasks' paths). A task scheduled in beat is named by its schedule's name
# (crm_site/reference_texts.py); these name the others, which run as parts of a job or on
# an event. A task named nowhere is listed by its path, and tests/platform/
# test_chinese_everywhere.py fails on it.
TASK_NAMES = {
    "credit.send_customer_notification": _("Send a notification to a customer"),
    "customers.generate_revisits_chunk": _("Generate revisit follow-ups, one range of customers"),
    "risk.chunk": _("Nightly risk recompute, one range of customers"),
    "customers.screen_all_customers": _("Screen every customer against the watch lists"),
    "customers.screen_customers_chunk": _("Watch-list screening, one range of customers"),
    "lending.payment_reminders_chunk": _("Payment reminders, one range of customers"),
    "lending.inspections_schedule_chunk": _("Post-loan inspections due, one range of customers"),
    "lending.collection_cases_chunk": _("Collection cases, one range of customers"),
}


class NamedTaskSelectWidget(TaskSelectWidget):
    """Beat's list of registered tasks, each named in the reader's language instead of by
    its Celery path (computed per page, in the language of its request)."""

    @property
    def choices(self):
        scheduled = dict(PeriodicTask.objects.order_by("-id").values_list("task", "name"))

        def name_of(task: str) -> str:
            if task in scheduled:
                return gettext(scheduled[task])
            return str(TASK_NAMES.get(task, task))

        tasks = [task for task, _label in self.tasks_as_choices() if task]
        return [("", ""), *sorted(((task, name_of(task)) for task in tasks), key=lambda c: c[1])]

    @choices.setter
    def choices(self, _value):
        # ChoiceField.__init__ assigns choices; the list is always the registered tasks.
        pass


class NamedTaskPeriodicTaskForm(PeriodicTaskForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["regtask"].widget = NamedTaskSelectWidget()


class PeriodicTaskAdmin(BeatPeriodicTaskAdmin):
    """Beat's schedules, each listed by its name in the reader's language: the project seeds
    them in English (crm_site/reference_texts.py lists the names for the catalogue); the
    change form keeps the stored name, which is what an admin edits."""

    form = NamedTaskPeriodicTaskForm

    list_display = (
        "name_shown",
        "enabled",
        "scheduler",
        "interval",
        "start_time",
        "last_run_at",
        "one_off",
    )
    list_filter = ["enabled", "one_off", TaskFilter, "start_time", "last_run_at"]

    @admin.display(description=_("name"), ordering="name")
    def name_shown(self, obj):
        return gettext(obj.name)


admin.site.unregister(PeriodicTask)
admin.site.register(PeriodicTask, PeriodicTaskAdmin)
