from django.contrib import admin

from audit.admin_mixins import AuditedReferenceAdmin, ScopedReadOnlyAdmin
from lending.models import (
    Application,
    CustomerNotification,
    Loan,
    LoanProduct,
    PricingRule,
    Repayment,
)


class PricingInline(admin.TabularInline):
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
class LoanProductAdmin(AuditedReferenceAdmin):
    list_display = [
        "code",
        "name",
        "product_type",
        "customer_kind",
        "min_amount",
        "max_amount",
        "base_rate",
        "repayment_method",
        "is_active",
    ]
    list_filter = ["product_type", "customer_kind", "is_active"]
    inlines = [PricingInline]

    def save_formset(self, request, form, formset, change):
        # Pricing rows are reference data too: each saved row is audited.
        for instance in formset.save(commit=False):
            from audit.services import reference_data_save

            reference_data_save(actor=request.user, instance=instance, creating=instance.pk is None)
        formset.save_m2m()


@admin.register(PricingRule)
class PricingRuleAdmin(AuditedReferenceAdmin):
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
