"""Writes to users and branches; every change is audited."""

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Branch, Role, User
from accounts.roles import GROUP_NAMES, STAFF_ROLES
from accounts.two_factor import enrolment_required
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


# --- Two-factor authentication (TOTP) ------------------------------------------------------


@dataclass(frozen=True)
class CodeCheck:
    """The outcome of checking a code from the user's authenticator app."""

    accepted: bool
    # The device that accepted the code, for django_otp.login() to mark the session verified.
    device: TOTPDevice | None = None
    # Set when refused unchecked after repeated wrong codes: when the next try is allowed.
    retry_at: dt.datetime | None = None
    # Set when the password asked for with the code was wrong; the code was then not checked.
    password_rejected: bool = False


def _check_code(
    *, user: User, device: TOTPDevice, code: str, purpose: str, password: str | None = None
) -> CodeCheck:
    """Checks `code` against `device`, which the caller locked for update, so that concurrent
    guesses are counted one after another by django-otp's throttling. Every refusal is
    audited: a run of them is someone guessing.

    Changes to the second factor itself also ask for the user's `password`, so that a session
    left open is not enough to enrol another phone or to turn the factor off. The password is
    checked first. A wrong one counts in the device's throttling like a wrong code, so these
    forms cannot serve to guess passwords around django-axes, and leaves the code unchecked:
    a right code would reset that throttling and be used up."""
    allowed, refusal = device.verify_is_allowed()
    if not allowed:
        audit_log(
            actor=user,
            action="accounts.user.two_factor_throttled",
            obj=user,
            after={
                "purpose": purpose,
                "failures": device.throttling_failure_count,
                "retry_at": refusal["locked_until"],
            },
        )
        return CodeCheck(accepted=False, retry_at=refusal["locked_until"])
    if password is not None and not user.check_password(password):
        device.throttle_increment()
        audit_log(
            actor=user,
            action="accounts.user.two_factor_password_rejected",
            obj=user,
            after={"purpose": purpose, "failures": device.throttling_failure_count},
        )
        return CodeCheck(accepted=False, password_rejected=True)
    if device.verify_token(code):
        return CodeCheck(accepted=True, device=device)
    audit_log(
        actor=user,
        action="accounts.user.two_factor_code_rejected",
        obj=user,
        after={"purpose": purpose, "failures": device.throttling_failure_count},
    )
    return CodeCheck(accepted=False)


def _set_two_factor_enabled(*, actor: User, user: User, enabled: bool, action: str) -> None:
    locked = User.objects.select_for_update().only("two_factor_enabled").get(pk=user.pk)
    before = {"two_factor_enabled": locked.two_factor_enabled}
    user.two_factor_enabled = enabled
    user.save(update_fields=["two_factor_enabled"])
    audit_log(
        actor=actor,
        action=action,
        obj=user,
        before=before,
        after={"two_factor_enabled": enabled},
    )


def _confirmed_device_for_update(user: User) -> TOTPDevice:
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
    if device is None:
        raise ValidationError(
            _(
                "Your account has no authenticator app on record. Ask your administrator to "
                "reset two-factor authentication for you."
            )
        )
    return device


@transaction.atomic
def two_factor_enrolment_start(*, user: User) -> TOTPDevice:
    """A new, unconfirmed device with a fresh secret; an earlier unfinished one is dropped, so
    only the secret on screen now can be confirmed."""
    if user.two_factor_enabled:
        raise ValidationError(_("Two-factor authentication is already on for your account."))
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    audit_log(actor=user, action="accounts.user.two_factor_enrolment_started", obj=user)
    return device


@transaction.atomic
def two_factor_enrolment_confirm(*, user: User, password: str, code: str) -> CodeCheck:
    """Confirms the started enrolment with the user's password and a current code: proof that
    it is the user and that the app holds the secret. Only then does the second factor apply
    at log-in."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None:
        raise ValidationError(_("There is no set-up waiting for a code. Start the set-up again."))
    check = _check_code(user=user, device=device, code=code, purpose="enrolment", password=password)
    if check.accepted:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        _set_two_factor_enabled(
            actor=user, user=user, enabled=True, action="accounts.user.two_factor_enabled"
        )
    return check


@transaction.atomic
def two_factor_verify(*, user: User, code: str) -> CodeCheck:
    """The log-in's second step: the current code of the user's confirmed device."""
    device = _confirmed_device_for_update(user)
    check = _check_code(user=user, device=device, code=code, purpose="log-in")
    if check.accepted:
        audit_log(actor=user, action="accounts.user.two_factor_verified", obj=user)
    return check


@transaction.atomic
def two_factor_disable(*, user: User, password: str, code: str) -> CodeCheck:
    """Turns the second factor off for the user, who proves with their password and a current
    code that it is them and not someone at a session left open."""
    if enrolment_required(user):
        raise ValidationError(
            _("Your role requires two-factor authentication, so it cannot be turned off.")
        )
    device = _confirmed_device_for_update(user)
    check = _check_code(user=user, device=device, code=code, purpose="disabling", password=password)
    if check.accepted:
        TOTPDevice.objects.filter(user=user).delete()
        _set_two_factor_enabled(
            actor=user, user=user, enabled=False, action="accounts.user.two_factor_disabled"
        )
    return check


@transaction.atomic
def two_factor_reset(*, actor: User, user: User) -> bool:
    """An administrator's answer to a lost phone: the user's devices are removed. They log in
    with the password alone, or enrol a new device first if their role requires one. Returns
    whether there was anything to reset."""
    deleted, _per_model = TOTPDevice.objects.filter(user=user).delete()
    if not deleted and not user.two_factor_enabled:
        return False
    _set_two_factor_enabled(
        actor=actor, user=user, enabled=False, action="accounts.user.two_factor_reset"
    )
    return True
