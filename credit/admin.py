from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from audit.admin_mixins import AuditedReferenceAdmin, ScopedReadOnlyAdmin
from credit import scoring, services
from credit.models import (
    Application,
    Assessment,
    CustomerNotification,
    FinancialStatement,
    Loan,
    LoanProduct,
    PricingRule,
    Repayment,
    ScorecardStatus,
    ScorecardVersion,
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


@admin.register(ScorecardVersion)
class ScorecardVersionAdmin(admin.ModelAdmin):
    """Drafts are edited as JSON (or saved by scorecard_fit) and compared with the card in
    force on the book; publishing puts a draft in force. Published versions are read-only
    (the database refuses changes too)."""

    list_display = ["name", "customer_kind", "version", "status", "published_at", "preview_link"]
    list_filter = ["customer_kind", "status"]
    readonly_fields = ["version", "status", "published_at", "published_by", "created_at"]
    fields = ["name", "customer_kind", "notes", "definition", *readonly_fields]
    actions = ["publish"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status != ScorecardStatus.DRAFT:
            return ["name", "customer_kind", "notes", "definition", *self.readonly_fields]
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return (
            obj is not None
            and obj.status == ScorecardStatus.DRAFT
            and super().has_delete_permission(request, obj)
        )

    def get_changeform_initial_data(self, request):
        """A new draft starts as a copy of the version in force for the chosen kind."""
        kind = request.GET.get("customer_kind", "individual")
        current = ScorecardVersion.objects.filter(
            customer_kind=kind, status=ScorecardStatus.PUBLISHED
        ).first()
        initial = {"customer_kind": kind}
        if current:
            initial.update(name=current.name, definition=current.definition)
        return initial

    def save_model(self, request, obj, form, change):
        try:
            services.scorecard_draft_save(actor=request.user, version=obj)
        except ValidationError as error:
            # The form's own validation (clean) normally catches this first.
            raise ValidationError(error.messages) from error

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)

        class ValidatingForm(form):
            def clean_definition(self):
                definition = self.cleaned_data["definition"]
                problems = scoring.validate(definition, translate=gettext)
                if problems:
                    raise ValidationError(problems)
                return definition

        return ValidatingForm

    @admin.display(description=_("compare"))
    def preview_link(self, obj):
        """Champion–challenger for a draft, monitoring for the rest."""
        if obj.status == ScorecardStatus.DRAFT:
            return format_html(
                '<a href="{}">{}</a>',
                reverse("credit:scorecard-compare", args=[obj.pk]),
                _("Compare with the card in force"),
            )
        return format_html(
            '<a href="{}">{}</a>',
            reverse("credit:scorecard-monitoring", args=[obj.pk]),
            _("Monitoring"),
        )

    @admin.action(description=_("Publish the selected draft"))
    def publish(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Publish one draft at a time."), messages.ERROR)
            return
        try:
            version = services.scorecard_publish(actor=request.user, version=queryset.get())
        except (ValidationError, scoring.DefinitionError) as error:
            self.message_user(
                request, " ".join(getattr(error, "messages", [str(error)])), messages.ERROR
            )
            return
        self.message_user(
            request,
            _("%(name)s version %(version)s is now in force.")
            % {"name": version.name, "version": version.version},
        )


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


@admin.register(Assessment)
class AssessmentAdmin(ScopedReadOnlyAdmin):
    list_display = ["customer", "grade", "score", "scorecard", "assessed_at", "assessed_by"]
    list_filter = ["grade"]
    list_select_related = ["customer", "scorecard", "assessed_by"]
    search_fields = ["customer__name"]


@admin.register(FinancialStatement)
class FinancialStatementAdmin(ScopedReadOnlyAdmin):
    list_display = ["customer", "period_end", "recorded_by"]
    list_select_related = ["customer", "recorded_by"]
    search_fields = ["customer__name"]


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
