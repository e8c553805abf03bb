"""Admin for related-party links (read-only, scoped at both ends) and customer groups (edited
by credit management through the services, so every change is checked and audited)."""

from django.contrib import admin

from accounts.admin_mixins import ScopedReadOnlyAdmin
from accounts.scope import scope_q
from customers import relation_services
from customers.policies import may_manage_groups
from customers.relations import CustomerGroup, CustomerGroupMember, CustomerRelation


@admin.register(CustomerRelation)
class CustomerRelationAdmin(ScopedReadOnlyAdmin):
    customer_path = "from_customer__"
    list_display = ["from_customer", "kind", "to_customer", "started_on", "ended_on"]
    list_filter = ["kind"]
    search_fields = ["from_customer__name", "to_customer__name", "evidence"]
    list_select_related = ["from_customer", "to_customer"]
    readonly_fields = ["audit_history"]

    def get_queryset(self, request):
        # Both ends in the viewer's scope: a link must not name a customer they may not see.
        return (
            super()
            .get_queryset(request)
            .filter(
                scope_q(
                    request.user,
                    officer_field="to_customer__officer",
                    branch_field="to_customer__branch",
                )
            )
        )


class GroupMemberInline(admin.TabularInline):
    model = CustomerGroupMember
    fields = ["customer", "added_by", "added_at"]
    readonly_fields = ["added_by", "added_at"]
    raw_id_fields = ["customer"]
    extra = 1


@admin.register(CustomerGroup)
class CustomerGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "group_limit", "created_by", "created_at"]
    search_fields = ["name"]
    fields = ["name", "group_limit", "notes"]
    inlines = [GroupMemberInline]

    def has_add_permission(self, request):
        return may_manage_groups(request.user)

    def has_change_permission(self, request, obj=None):
        return may_manage_groups(request.user)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        relation_services.group_save(actor=request.user, group=obj)

    def save_formset(self, request, form, formset, change):
        # Members are added and removed through the services (one group per customer, audited).
        members = formset.save(commit=False)
        for removed in formset.deleted_objects:
            relation_services.group_member_remove(actor=request.user, member=removed)
        for member in members:
            if member.pk is None:
                relation_services.group_member_add(
                    actor=request.user, group=form.instance, customer=member.customer
                )
