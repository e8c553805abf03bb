from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts import services
from accounts.models import Role


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        services.user_record_login(user=form.get_user())
        return response


class LogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            services.user_record_logout(user=request.user)
        return super().post(request, *args, **kwargs)


class PasswordChangeView(auth_views.PasswordChangeView):
    def form_valid(self, form):
        response = super().form_valid(form)
        services.user_record_password_change(user=form.user)
        return response


SCOPE_DESCRIPTIONS = {
    Role.OFFICER: gettext_lazy("You see the customers you own and everything that hangs off them."),
    Role.MANAGER: gettext_lazy("You see every customer of your branch."),
    Role.RISK_OFFICER: gettext_lazy("You see the whole bank, every branch."),
    Role.ADMIN: gettext_lazy("You see the whole bank, every branch."),
}


def home(request):
    """Officers land on Today (what is due and overdue); managers and head office on the
    dashboard of their scope."""
    if request.user.role == Role.OFFICER:
        return redirect("today")
    return redirect("dashboards:dashboard")


@login_not_required
@require_POST
def set_language(request):
    """Switches the language; a signed-in user keeps the choice on every device."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if language not in dict(settings.LANGUAGES):
        messages.error(request, _("That language is not available."))
        return response
    if request.user.is_authenticated:
        services.user_set_language(user=request.user, language=language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
    )
    return response
