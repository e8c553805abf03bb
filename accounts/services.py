"""Writes to users and branches; every change is audited."""

from django.contrib.auth.models import Group
from django.db import transaction

from accounts.models import Branch, Role, User
from accounts.roles import GROUP_NAMES, STAFF_ROLES
from audit.services import audit_change, audit_log, snapshot

USER_AUDIT_FIELDS = [
    "username",
    "first_name",
    "last_name",
    "email",
    "role",
    "branch_id",
    "is_active",
    "is_staff",
    "language",
]


def _apply_role(user: User) -> None:
    """The role decides the permission group and whether the user works in Django admin."""
    user.is_staff = user.is_superuser or user.role in STAFF_ROLES
    user.groups.set([Group.objects.get_or_create(name=GROUP_NAMES[Role(user.role)])[0]])


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    password: str,
    role: str,
    branch: Branch | None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    is_superuser: bool = False,
) -> User:
    user = User(
        username=username,
        role=role,
        branch=branch,
        first_name=first_name,
        last_name=last_name,
        email=email,
        is_superuser=is_superuser,
    )
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    _apply_role(user)
    user.save(update_fields=["is_staff"])
    audit_log(
        actor=actor,
        action="accounts.user.created",
        obj=user,
        after=snapshot(user, USER_AUDIT_FIELDS),
    )
    return user


@transaction.atomic
def user_save_from_admin(*, actor: User, user: User, before: dict | None) -> User:
    """Django admin's add and change forms end here, so roles stay in sync with groups."""
    user.save()
    _apply_role(user)
    user.save(update_fields=["is_staff"])
    after = snapshot(user, USER_AUDIT_FIELDS)
    if before is None:
        audit_log(actor=actor, action="accounts.user.created", obj=user, after=after)
    else:
        audit_change(
            actor=actor, action="accounts.user.updated", obj=user, before=before, after=after
        )
    return user


@transaction.atomic
def user_set_language(*, user: User, language: str) -> User:
    before = snapshot(user, ["language"])
    user.language = language
    user.save(update_fields=["language"])
    audit_change(
        actor=user,
        action="accounts.user.language_changed",
        obj=user,
        before=before,
        after=snapshot(user, ["language"]),
    )
    return user


def user_record_login(*, user: User) -> None:
    audit_log(actor=user, action="accounts.user.logged_in", obj=user)


def user_record_logout(*, user: User) -> None:
    audit_log(actor=user, action="accounts.user.logged_out", obj=user)


def user_record_password_change(*, user: User) -> None:
    # The password itself never enters the trail, not even hashed.
    audit_log(actor=user, action="accounts.user.password_changed", obj=user)


@transaction.atomic
def branch_save(*, actor: User, branch: Branch, before: dict | None) -> Branch:
    branch.full_clean()
    branch.save()
    after = snapshot(branch, ["code", "name", "is_head_office"])
    if before is None:
        audit_log(actor=actor, action="accounts.branch.created", obj=branch, after=after)
    else:
        audit_change(
            actor=actor, action="accounts.branch.updated", obj=branch, before=before, after=after
        )
    return branch
