"""Who may do what in lending, shared by the services' groups: the refusal every service
raises, and the four-eyes refusal whose message the pages show."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from accounts.models import Role, User


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


class FourEyesRefused(PermissionDenied):
    """A maker-checker refusal: the person prepared or proposed what they try to decide. Its
    message says so; the pages show it instead of the generic "not allowed"."""


def can_service_loans(user: User) -> bool:
    return user.role in {Role.OFFICER, Role.MANAGER, Role.ADMIN}
