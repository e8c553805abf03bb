from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.admin_mixins import ScopedReadOnlyAdmin
from audit.admin_mixins import AuditedReferenceAdmin
from credit import scoring, services
from credit.models import (
    Assessment,
    BureauSource,
    FinancialStatement,
    ScorecardStatus,
    ScorecardVersion,
)


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


@admin.register(BureauSource)
class BureauSourceAdmin(AuditedReferenceAdmin):
    """The credit bureaus reports come from (seeded: PBOC, Baihang, a local one); a bureau no
    longer used is retired (inactive), never deleted, since reports name it."""

    list_display = ["code", "name_shown", "active"]
    list_filter = ["active"]

    # The seeded bureaus' names are English reference text (crm_site/reference_texts.py).
    @admin.display(description=_("name"), ordering="name")
    def name_shown(self, obj):
        return gettext(obj.name)
