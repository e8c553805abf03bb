"""The refusals lending's services raise, shared by their groups: the plain one, and the
four-eyes refusal whose message the pages show. Who may do what is lending/policies.py."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


class FourEyesRefused(PermissionDenied):
    """A maker-checker refusal: the person prepared or proposed what they try to decide. Its
    message says so; the pages show it instead of the generic "not allowed"."""
