from django import forms
from django.contrib import admin

from audit.admin_mixins import AuditedReferenceAdmin, ReadOnlyAdmin, ScopedReadOnlyAdmin
from core.date_ranges import WATCH_LIST_SINCE, DateRanges
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


@admin.register(EarlyWarningRule)
class EarlyWarningRuleAdmin(AuditedReferenceAdmin):
    list_display = [
        "code",
        "name",
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
class RiskLevelPolicyAdmin(AuditedReferenceAdmin):
    def has_add_permission(self, request):
        return not RiskLevelPolicy.objects.exists()


@admin.register(RiskLevelStrategy)
class RiskLevelStrategyAdmin(AuditedReferenceAdmin):
    list_display = ["risk_level", "pricing", "collateral", "monitoring"]


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyAdmin):
    list_display = [
        "job",
        "business_date",
        "started_at",
        "finished_at",
        "status",
        "full",
        "chunks_done",
        "chunks_total",
        "counts",
    ]
    list_filter = ["job", "status", "full"]


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
    list_display = ["changed_on", "kind", "customer", "loan", "old_value", "new_value"]
    list_filter = ["kind"]
    list_select_related = ["customer", "loan"]


@admin.register(ManualSignal)
class ManualSignalAdmin(ScopedReadOnlyAdmin):
    list_display = ["raised_at", "customer", "kind", "active", "raised_by"]
    list_filter = ["kind", "active"]
    list_select_related = ["customer", "raised_by"]
