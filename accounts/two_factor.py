"""Who owes a second factor at log-in, and the reads behind the two-factor pages.

A user with a confirmed TOTP device (an authenticator app on their phone) gives its current
code after the password, in every new session. A user whose role OTP_REQUIRED_ROLES lists and
who has no device yet must enrol one before anything else. Until the pending step is done the
middleware (accounts/middleware.py) and the admin site (accounts/admin_site.py) send them to
that step's page from every URL. The writes live in accounts/services.py.
"""

import textwrap
from base64 import b32encode
from enum import StrEnum
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice


class PendingStep(StrEnum):
    # The password was right; the authenticator code is still due.
    VERIFY = "verify"
    # The user's role requires a second factor and the user has none yet.
    ENROL = "enrol"


STEP_URL_NAMES = {PendingStep.VERIFY: "two-factor-verify", PendingStep.ENROL: "two-factor"}


def enrolment_required(user) -> bool:
    return user.role in settings.OTP_REQUIRED_ROLES


def pending_step(user) -> PendingStep | None:
    """The step this signed-in user still owes before using the product, if any."""
    if not user.is_authenticated:
        return None
    # OTPMiddleware installs is_verified(); a user object loaded elsewhere (the log-in form's)
    # has not passed the second factor in this request.
    is_verified = getattr(user, "is_verified", None)
    if is_verified is not None and is_verified():
        return None
    if user.two_factor_enabled:
        return PendingStep.VERIFY
    if enrolment_required(user):
        return PendingStep.ENROL
    return None


def step_url(step: PendingStep, *, next_url: str) -> str:
    """The page of `step`, returning to `next_url` once it is done."""
    return f"{reverse(STEP_URL_NAMES[step])}?{urlencode({'next': next_url})}"


def reachable_during(*steps: PendingStep):
    """Marks a view a user may open while one of `steps` is pending; every other view sends
    them to the step's page."""

    def mark(view):
        view.reachable_during_second_factor = frozenset(steps)
        return view

    return mark


def unconfirmed_device(user) -> TOTPDevice | None:
    """The device of an enrolment that was started and not yet confirmed with a code."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def secret_for_typing(device: TOTPDevice) -> str:
    """The secret as authenticator apps take it when typed in: base32, in groups of four."""
    return " ".join(textwrap.wrap(b32encode(device.bin_key).decode(), 4))


def qr_code_data_uri(device: TOTPDevice) -> str:
    """The otpauth:// address of the device as a QR code image, an SVG data URI.

    A data URI (which the Content-Security-Policy's img-src allows) keeps the secret within the
    one page that is sent with no-store, instead of in a second, separately fetched response.
    """
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5)
