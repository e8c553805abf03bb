"""Admin for provisions: the settings by effective date (admins add a setting with a later
date to change the rates; the old ones stay so past figures can be reproduced), and the
month-end runs, read only."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from audit.admin_mixins import AuditedReferenceAdmin, ReadOnlyAdmin
from core.date_ranges import EFFECTIVE_FROM, DateRanges
from risk.provision_models import ProvisionRun, ProvisionSetting


class ProvisionSettingForm(DateRanges, forms.ModelForm):
    date_ranges = {"effective_from": EFFECTIVE_FROM}

    class Meta:
        model = ProvisionSetting
        # Every setting the admin's fieldsets show; the fieldsets pick and order them.
        fields = [field.name for field in ProvisionSetting._meta.fields if field.editable]


@admin.register(ProvisionSetting)
class ProvisionSettingAdmin(AuditedReferenceAdmin):
    form = ProvisionSettingForm
    list_display = [
        "effective_from",
        "general_rate",
        "substandard_rate",
        "doubtful_rate",
        "stage_2_dpd",
        "stage_3_dpd",
        "ccf",
        "lgd_floor",
        "min_coverage",
        "min_provision_rate",
    ]
    fieldsets = [
        (None, {"fields": ["effective_from"]}),
        (
            _("PRC reserves"),
            {
                "fields": [
                    "general_rate",
                    "special_mention_rate",
                    "substandard_rate",
                    "substandard_float",
                    "doubtful_rate",
                    "doubtful_float",
                    "loss_rate",
                    "min_coverage",
                    "min_provision_rate",
                ]
            },
        ),
        (
            _("Expected credit loss (ECL)"),
            {
                "fields": [
                    "stage_2_dpd",
                    "stage_3_dpd",
                    "downgrade_notches",
                    "special_mention_stage_2",
                    "watch_list_stage_2",
                    "ungraded_pd",
                    "ccf",
                    "unsecured_lgd",
                    "lgd_floor",
                    "haircut_real_estate",
                    "haircut_vehicle",
                    "haircut_deposit",
                    "haircut_equipment",
                    "haircut_receivables",
                    "haircut_other",
                ]
            },
        ),
    ]


@admin.register(ProvisionRun)
class ProvisionRunAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "as_of", "loans", "balance", "reserve", "ecl", "run_by", "run_at"]
