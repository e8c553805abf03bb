from django import forms
from django.contrib import admin
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.admin_mixins import ScopedReadOnlyAdmin
from audit.admin_mixins import AuditedReferenceAdmin, ReadOnlyAdmin
from core.date_ranges import WATCH_LIST_SINCE, DateRanges
from risk import rule_preview
from risk.job_labels import JOB_NAMES
from risk.models import (
    Alert,
    EarlyWarningRule,
    IndustryWatch,
    JobRun,
    LoanRisk,
    ManualSignal,
    RiskHistory,
    RiskLevelPolicy,
    RiskLevelStrategy,
)
from risk.preview_admin import ChangePreviewAdmin


@admin.register(EarlyWarningRule)
class EarlyWarningRuleAdmin(ChangePreviewAdmin, AuditedReferenceAdmin):
    # The rule by its name in the reader's language (seeded in English: reference_texts);
    # its code is on its page and still found by the search.
    list_display = [
        "name_shown",
        "enabled",
        "threshold",
        "severity",
        "risk_type",
        "sla_hours",
        "auto_resolve",
    ]
    list_filter = ["enabled", "severity", "risk_type"]
    list_editable = ["enabled", "threshold", "severity", "sla_hours"]
    readonly_fields = ["code", "indicator"]
    search_fields = ["code", "name"]

    def has_add_permission(self, request):
        # A rule needs a query behind its indicator: new ones arrive with the code.
        return False

    @admin.display(description=_("name"), ordering="name")
    def name_shown(self, obj):
        return str(obj)

    # The Preview button (risk.preview_admin): the alerts the changed rule would raise,
    # clear or move today.
    def preview_change(self, request, proposed):
        return rule_preview.rule_change_preview(user=request.user, rule=proposed)

    def preview_value_label(self, code):
        return rule_preview.severity_label(code)


class IndustryWatchForm(DateRanges, forms.ModelForm):
    date_ranges = {"since": WATCH_LIST_SINCE}

    class Meta:
        model = IndustryWatch
        fields = ["industry", "reason", "since", "active"]


@admin.register(IndustryWatch)
class IndustryWatchAdmin(AuditedReferenceAdmin):
    form = IndustryWatchForm
    list_display = ["industry", "reason", "since", "active"]
    list_filter = ["active"]


@admin.register(RiskLevelPolicy)
class RiskLevelPolicyAdmin(ChangePreviewAdmin, AuditedReferenceAdmin):
    preview_value_heading = _("risk level")
    preview_count_heading = _("customers")

    def has_add_permission(self, request):
        return not RiskLevelPolicy.objects.exists()

    # The Preview button (risk.preview_admin): the customers whose level would move tonight.
    def preview_change(self, request, proposed):
        return rule_preview.policy_change_preview(user=request.user, policy=proposed)

    def preview_value_label(self, code):
        return rule_preview.risk_level_label(code)


@admin.register(RiskLevelStrategy)
class RiskLevelStrategyAdmin(AuditedReferenceAdmin):
    # The level by its label and the seeded texts in the reader's language (reference_texts);
    # the change form keeps the stored text, which is what an admin edits.
    list_display = ["level_shown", "pricing_shown", "collateral_shown", "monitoring_shown"]

    @admin.display(description=_("risk level"), ordering="risk_level")
    def level_shown(self, obj):
        return str(obj)

    @admin.display(description=_("pricing"))
    def pricing_shown(self, obj):
        return gettext(obj.pricing)

    @admin.display(description=_("collateral"))
    def collateral_shown(self, obj):
        return gettext(obj.collateral)

    @admin.display(description=_("monitoring"))
    def monitoring_shown(self, obj):
        return gettext(obj.monitoring)


class JobFilter(admin.SimpleListFilter):
    """The jobs by their names; the codes stay in the query string."""

    title = _("job")
    parameter_name = "job"

    def lookups(self, request, model_admin):
        return list(JOB_NAMES.items())

    def queryset(self, request, queryset):
        return queryset.filter(job=self.value()) if self.value() else queryset


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyAdmin):
    list_display = [
        "job_shown",
        "business_date",
        "started_at",
        "finished_at",
        "status",
        "full",
        "chunks",
        "counts_in_words",
    ]
    list_filter = [JobFilter, "status", "full"]
    # The codes and the raw counters are read by their names (risk.job_labels).
    fields = [
        "job_shown",
        "business_date",
        "started_at",
        "finished_at",
        "status",
        "runner",
        "full",
        "chunks",
        "counts_in_words",
        "failures",
        "resumed",
        "heartbeat_at",
        "note",
    ]
    readonly_fields = ["job_shown", "chunks", "counts_in_words"]

    @admin.display(description=_("chunks done"))
    def chunks(self, obj):
        return f"{obj.chunks_done}/{obj.chunks_total}"

    @admin.display(description=_("job"), ordering="job")
    def job_shown(self, obj):
        return obj.job_name

    @admin.display(description=_("counts"))
    def counts_in_words(self, obj):
        return " · ".join(f"{name} {value}" for name, value in obj.counts_shown) or "—"


@admin.register(Alert)
class AlertAdmin(ScopedReadOnlyAdmin):
    list_display = [
        "raised_at",
        "rule",
        "customer",
        "severity",
        "status",
        "value",
        "assignee",
        "escalated_at",
    ]
    list_filter = ["status", "severity", "rule"]
    list_select_related = ["rule", "customer", "assignee"]
    search_fields = ["customer__name"]
    readonly_fields = ["audit_history"]


@admin.register(LoanRisk)
class LoanRiskAdmin(ScopedReadOnlyAdmin):
    list_display = [
        "loan",
        "customer",
        "dpd",
        "automatic_class",
        "override_class",
        "final_class",
        "computed_on",
    ]
    list_filter = ["final_class"]
    list_select_related = ["loan", "customer"]
    readonly_fields = ["audit_history"]


@admin.register(RiskHistory)
class RiskHistoryAdmin(ScopedReadOnlyAdmin):
    list_display = ["changed_on", "kind", "customer", "loan", "old_value_shown", "new_value_shown"]
    list_filter = ["kind"]
    list_select_related = ["customer", "loan"]

    @admin.display(description=_("old value"), ordering="old_value")
    def old_value_shown(self, obj):
        return obj.old_value_label

    @admin.display(description=_("new value"), ordering="new_value")
    def new_value_shown(self, obj):
        return obj.new_value_label


@admin.register(ManualSignal)
class ManualSignalAdmin(ScopedReadOnlyAdmin):
    list_display = ["raised_at", "customer", "kind", "active", "raised_by"]
    list_filter = ["kind", "active"]
    list_select_related = ["customer", "raised_by"]


from risk import provision_admin  # noqa: E402, F401 - provisioning settings and runs
