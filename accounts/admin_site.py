from django.contrib import admin

from accounts import two_factor


class SecondFactorAdminSite(admin.AdminSite):
    """Django admin that, like django-otp's OTPAdminSite, refuses a user who still owes the
    second factor. Unlike OTPAdminSite it does not demand a device from everyone: the second
    factor is optional here unless OTP_REQUIRED_ROLES lists the user's role."""

    def has_permission(self, request):
        return super().has_permission(request) and two_factor.pending_step(request.user) is None
