"""Concentration limits in admin: the bank's tier-1 capital (a new row per figure, so the
history stays; the latest one effective on the business date applies) and the limits' shares,
typed as percentages. Every save is audited. The stored exposures are read-only: the nightly
writes them. Imported by lending/admin.py."""

from decimal import Decimal

from django import forms
from django.contrib import admin
from django.utils.text import capfirst, format_lazy

from accounts.admin_mixins import ScopedReadOnlyAdmin
from audit.admin_mixins import AuditedReferenceAdmin
from core.date_ranges import EFFECTIVE_FROM, DateRanges
from core.forms import PercentField
from lending.exposure_models import ConcentrationLimit, CustomerExposure, Tier1Capital

SHARE_FIELDS = ("share_of_capital", "warning_share")


class Tier1CapitalForm(DateRanges, forms.ModelForm):
    date_ranges = {"effective_on": EFFECTIVE_FROM}

    class Meta:
        model = Tier1Capital
        fields = ["effective_on", "amount", "note"]


@admin.register(Tier1Capital)
class Tier1CapitalAdmin(AuditedReferenceAdmin):
    form = Tier1CapitalForm
    list_display = ["effective_on", "amount", "note", "recorded_by", "recorded_at"]
    fields = ["effective_on", "amount", "note"]

    def has_change_permission(self, request, obj=None):
        # A figure once recorded is history: a correction is a new row with its own date.
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(ConcentrationLimit)
class ConcentrationLimitAdmin(AuditedReferenceAdmin):
    list_display = ["kind", "share_of_capital", "warning_share"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name not in SHARE_FIELDS:
            return super().formfield_for_dbfield(db_field, request, **kwargs)
        return PercentField(
            label=format_lazy("{} (%)", capfirst(db_field.verbose_name)),
            max_digits=db_field.max_digits,
            fraction_places=db_field.decimal_places,
            min_fraction=Decimal("0.0001"),
            max_fraction=Decimal("1"),
            help_text=db_field.help_text,
        )


@admin.register(CustomerExposure)
class CustomerExposureAdmin(ScopedReadOnlyAdmin):
    list_display = ["customer", "group", "outstanding", "committed", "undrawn", "exposure"]
    list_select_related = ["customer", "group"]
    ordering = ["-exposure"]
    search_fields = ["customer__name"]
