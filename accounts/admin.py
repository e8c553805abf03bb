from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.models import Branch, User
from audit.services import snapshot


@admin.register(Branch)
class BranchAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "is_head_office"]
    search_fields = ["code", "name"]

    def save_model(self, request, obj, form, change):
        before = (
            snapshot(Branch.objects.get(pk=obj.pk), ["code", "name", "is_head_office"])
            if change
            else None
        )
        services.branch_save(actor=request.user, branch=obj, before=before)

    def has_delete_permission(self, request, obj=None):
        # Branches own users and customers; they are renamed, never deleted.
        return False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = [
        "username",
        "first_name",
        "last_name",
        "role",
        "branch",
        "is_active",
        "last_login",
    ]
    list_filter = ["role", "branch", "is_active"]
    list_select_related = ["branch"]
    # The role decides the permission group, so groups are not edited by hand here.
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Personal info"), {"fields": ["first_name", "last_name", "email", "language"]}),
        (_("Role and branch"), {"fields": ["role", "branch", "is_active", "is_superuser"]}),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["username", "password1", "password2"]}),
        (_("Role and branch"), {"fields": ["first_name", "last_name", "email", "role", "branch"]}),
    ]
    readonly_fields = ["last_login", "date_joined"]

    def save_model(self, request, obj, form, change):
        before = (
            snapshot(User.objects.get(pk=obj.pk), services.USER_AUDIT_FIELDS) if change else None
        )
        services.user_save_from_admin(actor=request.user, user=obj, before=before)

    def has_delete_permission(self, request, obj=None):
        # People who acted stay in the audit trail: deactivate them instead.
        return False
