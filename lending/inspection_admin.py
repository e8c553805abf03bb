"""Admin of the post-loan inspection plans and checklists, per product."""

from django.contrib import admin

from lending.inspection_models import InspectionChecklistItem, InspectionPlan


@admin.register(InspectionPlan)
class InspectionPlanAdmin(admin.ModelAdmin):
    list_display = [
        "product",
        "first_within_days",
        "every_days_low",
        "every_days_medium",
        "every_days_high",
    ]


@admin.register(InspectionChecklistItem)
class InspectionChecklistItemAdmin(admin.ModelAdmin):
    list_display = ["product", "position", "topic", "question"]
    list_filter = ["product", "topic"]
    ordering = ["product", "position", "id"]
