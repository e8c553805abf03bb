from django.conf import settings
from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache

from accounts import two_factor


class SecondFactorAdminSite(admin.AdminSite):
    """Django admin that, like django-otp's OTPAdminSite, refuses a user who still owes the
    second factor. Unlike OTPAdminSite it does not demand a device from everyone: the second
    factor is optional here unless OTP_REQUIRED_ROLES lists the user's role. Its log-in page
    is the product's: one log-in for everyone, with the throttling and the code step."""

    def has_permission(self, request):
        return super().has_permission(request) and two_factor.pending_step(request.user) is None

    @method_decorator(never_cache)
    @login_not_required
    def login(self, request, extra_context=None):
        """Django admin has no log-in of its own: its log-in page hands over to the product's,
        which throttles failed passwords and asks for the authenticator code, and audits the
        log-in. A user who gave the password and still owes the code (or the enrolment their
        role requires) goes to that step; either way they come back to `next` afterwards."""
        next_url = self._next_url(request)
        step = two_factor.pending_step(request.user)
        if step is not None:
            return redirect(two_factor.step_url(step, next_url=next_url))
        if not request.user.is_authenticated:
            return redirect_to_login(next_url, settings.LOGIN_URL)
        if self.has_permission(request):
            return redirect(next_url)
        # Signed in all the way, but the role does not work in Django admin. Sending them to
        # the product's log-in would only bounce them back here.
        raise PermissionDenied

    def _next_url(self, request) -> str:
        candidate = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME)
        if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return candidate
        return reverse("admin:index", current_app=self.name)
