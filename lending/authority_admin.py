"""Django admin for the approval authority: the levels in their order with their matrix rules
and holders, and the grade floors. Every save, the inline rows' included, is audited; a rule
or a holder removed is audited too. The routes and steps are read on the application page."""

from django.contrib import admin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from audit.admin_mixins import AuditedReferenceAdmin
from audit.services import audit_log, reference_data_save, snapshot
from lending.authority_models import (
    AuthorityGradeFloor,
    AuthorityHolder,
    AuthorityLevel,
    AuthorityRule,
)


class AuthorityRuleInline(admin.TabularInline):
    model = AuthorityRule
    extra = 0
    fields = ["product_type", "max_amount", "min_grade"]


class AuthorityHolderInline(admin.TabularInline):
    model = AuthorityHolder
    extra = 0
    fields = ["user", "branch"]


@admin.register(AuthorityLevel)
class AuthorityLevelAdmin(AuditedReferenceAdmin):
    # The code is an identifier (branch_manager), shown on the change page, not in the list
    # people read in their language.
    list_display = ["rank", "name_shown", "scope", "is_committee", "quorum", "majority"]
    ordering = ["rank"]
    inlines = [AuthorityRuleInline, AuthorityHolderInline]

    @admin.display(description=_("name"))
    def name_shown(self, obj):
        return str(obj)

    @transaction.atomic
    def save_formset(self, request, form, formset, change):
        for row in formset.save(commit=False):
            reference_data_save(actor=request.user, instance=row, creating=row.pk is None)
        for row in formset.deleted_objects:
            audit_log(
                actor=request.user,
                action=f"lending.{row._meta.model_name}.deleted",
                obj=row,
                before=snapshot(row),
            )
            row.delete()


@admin.register(AuthorityGradeFloor)
class AuthorityGradeFloorAdmin(AuditedReferenceAdmin):
    list_display = ["grade", "minimum_level"]
