from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group, Permission
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.models import Branch, User
from audit.services import snapshot

# django-otp's own device admin shows every secret key and deletes devices past the audit
# trail and User.two_factor_enabled; the user admin's reset action below replaces it.
admin.site.unregister(TOTPDevice)


# Django stores each permission's name once, in English ("Can add customer"); the
# permission widgets name the default ones from the verb and the model's name instead, both
# in the reader's language.
PERMISSION_VERBS = {
    "add": _("Can add %(model)s"),
    "change": _("Can change %(model)s"),
    "delete": _("Can delete %(model)s"),
    "view": _("Can view %(model)s"),
}


def permission_label(permission: Permission) -> str:
    """Named as "Customers | customer | Can add customer" reads, in the reader's language."""
    model = permission.content_type.model_class()
    verb = permission.codename.split("_", 1)[0]
    if (
        model is not None
        and verb in PERMISSION_VERBS
        and permission.codename == f"{verb}_{model._meta.model_name}"
    ):
        name = PERMISSION_VERBS[verb] % {"model": model._meta.verbose_name}
    else:
        name = gettext(permission.name)
    return f"{permission.content_type} | {name}"


class PermissionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return permission_label(obj)


class NamedPermissionsAdmin:
    """Permission widgets (a group's or a user's) naming each permission in words."""

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.related_model is Permission:
            kwargs["form_class"] = PermissionChoiceField
        return super().formfield_for_manytomany(db_field, request, **kwargs)


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(NamedPermissionsAdmin, DjangoGroupAdmin):
    pass


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
class UserAdmin(NamedPermissionsAdmin, DjangoUserAdmin):
    list_display = [
        "username",
        "first_name",
        "last_name",
        "role",
        "branch",
        "is_active",
        "two_factor_enabled",
        "last_login",
    ]
    list_filter = ["role", "branch", "is_active", "two_factor_enabled"]
    list_select_related = ["branch"]
    # The role decides the permission group, so groups are not edited by hand here.
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Personal info"), {"fields": ["first_name", "last_name", "email", "language"]}),
        (_("Role and branch"), {"fields": ["role", "branch", "is_active", "is_superuser"]}),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
        (_("Log-in"), {"fields": ["two_factor_enabled"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["username", "password1", "password2"]}),
        (_("Role and branch"), {"fields": ["first_name", "last_name", "email", "role", "branch"]}),
    ]
    readonly_fields = ["last_login", "date_joined", "two_factor_enabled"]
    actions = ["reset_two_factor"]

    def save_model(self, request, obj, form, change):
        before = (
            snapshot(User.objects.get(pk=obj.pk), services.USER_AUDIT_FIELDS) if change else None
        )
        services.user_save_from_admin(actor=request.user, user=obj, before=before)

    def has_delete_permission(self, request, obj=None):
        # People who acted stay in the audit trail: deactivate them instead.
        return False

    @admin.action(
        description=_("Reset two-factor authentication (lost phone)"), permissions=["change"]
    )
    def reset_two_factor(self, request, queryset):
        reset = [
            user for user in queryset if services.two_factor_reset(actor=request.user, user=user)
        ]
        if not reset:
            self.message_user(
                request,
                _("None of the selected users had two-factor authentication."),
                messages.WARNING,
            )
            return
        self.message_user(
            request,
            ngettext(
                "Two-factor authentication was reset for %(count)d user. Their next log-in "
                "asks for the password alone, or for a new enrolment if their role requires it.",
                "Two-factor authentication was reset for %(count)d users. Their next log-in "
                "asks for the password alone, or for a new enrolment if their role requires it.",
                len(reset),
            )
            % {"count": len(reset)},
            messages.SUCCESS,
        )
