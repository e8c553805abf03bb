from decimal import Decimal

from django.contrib import admin
from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.admin_mixins import ScopedReadOnlyAdmin
from audit.admin_mixins import AuditedReferenceAdmin
from core.forms import PercentField
from core.numbers import format_percent
from lending.models import (
    Application,
    CustomerNotification,
    Loan,
    LoanProduct,
    PricingRule,
    Repayment,
)
from lending.services.pricing import MAX_ANNUAL_RATE

# Rates and ratios stored as fractions, typed in admin as percentages (4.35 means 4.35%), as
# the officers' forms take them; the ceiling is the one every approval is held to.
PERCENT_FIELDS = {
    "base_rate": {"min_fraction": Decimal("0"), "max_fraction": MAX_ANNUAL_RATE},
    "penalty_rate": {"min_fraction": Decimal("0"), "max_fraction": MAX_ANNUAL_RATE},
    "spread": {"max_fraction": MAX_ANNUAL_RATE},
    "max_ltv": {
        "min_fraction": Decimal("0"),
        "help_text": _("Loan to collateral value: 70 means 70%."),
    },
}


class PercentFieldsAdmin:
    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name not in PERCENT_FIELDS:
            return super().formfield_for_dbfield(db_field, request, **kwargs)
        return PercentField(
            label=format_lazy("{} (%)", capfirst(db_field.verbose_name)),
            required=not db_field.blank,
            max_digits=db_field.max_digits,
            fraction_places=db_field.decimal_places,
            **PERCENT_FIELDS[db_field.name],
        )


class PricingInline(PercentFieldsAdmin, admin.TabularInline):
    model = PricingRule
    extra = 0
    fields = [
        "grade",
        "available",
        "spread",
        "max_amount",
        "collateral_required",
        "guarantor_required",
        "max_ltv",
    ]


@admin.register(LoanProduct)
class LoanProductAdmin(PercentFieldsAdmin, AuditedReferenceAdmin):
    # "name_shown": the seeded name in the reader's language (crm_site/reference_texts.py).
    list_display = [
        "code",
        "name_shown",
        "product_type",
        "customer_kind",
        "min_amount",
        "max_amount",
        "base_rate_shown",
        "repayment_method",
        "is_active",
    ]
    list_filter = ["product_type", "customer_kind", "is_active"]
    inlines = [PricingInline]

    @admin.display(description=_("name"), ordering="name")
    def name_shown(self, obj):
        return gettext(obj.name)

    # The rate as it is typed in the form: a percentage.
    @admin.display(description=_("base annual rate"), ordering="base_rate")
    def base_rate_shown(self, obj):
        return format_percent(obj.base_rate)

    def save_formset(self, request, form, formset, change):
        # Pricing rows are reference data too: each saved row is audited.
        for instance in formset.save(commit=False):
            from audit.services import reference_data_save

            reference_data_save(actor=request.user, instance=instance, creating=instance.pk is None)
        formset.save_m2m()


@admin.register(PricingRule)
class PricingRuleAdmin(PercentFieldsAdmin, AuditedReferenceAdmin):
    list_display = [
        "product",
        "grade",
        "available",
        "spread",
        "max_amount",
        "collateral_required",
        "guarantor_required",
        "max_ltv",
    ]
    list_filter = ["product", "grade", "available"]


@admin.register(Application)
class ApplicationAdmin(ScopedReadOnlyAdmin):
    list_display = ["id", "customer", "product", "amount", "status", "status_changed_at"]
    list_filter = ["status", "product"]
    search_fields = ["customer__name"]
    list_select_related = ["customer", "product"]
    readonly_fields = ["audit_history"]


@admin.register(Loan)
class LoanAdmin(ScopedReadOnlyAdmin):
    list_display = [
        "account_number",
        "customer",
        "product",
        "principal",
        "outstanding_principal",
        "status",
        "restructured_on",
    ]
    list_filter = ["status", "product"]
    search_fields = ["customer__name"]
    list_select_related = ["customer", "product"]
    readonly_fields = ["audit_history"]


@admin.register(Repayment)
class RepaymentAdmin(ScopedReadOnlyAdmin):
    customer_path = "loan__customer__"
    list_display = ["loan", "amount", "paid_on", "channel", "reference", "reversed_at"]
    list_select_related = ["loan"]


@admin.register(CustomerNotification)
class CustomerNotificationAdmin(ScopedReadOnlyAdmin):
    customer_path = "application__customer__"
    list_display = ["application", "channel", "sent_at", "delivered", "error"]
    list_filter = ["channel", "delivered"]


# The approval authority matrix and the credit facilities have admin modules of their own.
from lending import (  # noqa: E402, F401
    authority_admin,
    collection_admin,
    document_checklist_admin,
    exposure_admin,
    facility_admin,
    inspection_admin,
    reminder_admin,
    write_off_admin,
)
