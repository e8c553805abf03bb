import math
from urllib.parse import urlencode

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from accounts import services, two_factor
from accounts.forms import AuthenticatorCodeForm, LoginForm, PasswordAndCodeForm
from accounts.models import Role
from accounts.two_factor import PendingStep, reachable_during
from core.forms import apply_service_errors, refusal_status


class RefusedFormIs400:
    """A form sent back with its errors answers 400, as every form of the product does."""

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class LoginView(RefusedFormIs400, auth_views.LoginView):
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        services.user_record_login(user=form.get_user())
        return response

    def get_success_url(self):
        # A user who owes the second step goes straight to it, then on to where they were going.
        url = super().get_success_url()
        step = two_factor.pending_step(self.request.user)
        return two_factor.step_url(step, next_url=url) if step else url


class LogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            services.user_record_logout(user=request.user)
        return super().post(request, *args, **kwargs)


class PasswordChangeView(RefusedFormIs400, auth_views.PasswordChangeView):
    def form_valid(self, form):
        response = super().form_valid(form)
        services.user_record_password_change(user=form.user)
        return response


# --- Two-factor authentication -------------------------------------------------------------


def _next_url(request, default: str = "") -> str:
    """Where to go once a two-factor step is done: the `next` the step was given, if it points
    into this site."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def _code_refusal(check: services.CodeCheck) -> str:
    if check.retry_at is None:
        return _("That code is not right. Enter the code your authenticator app shows now.")
    seconds = max(1, math.ceil((check.retry_at - timezone.now()).total_seconds()))
    return ngettext(
        "Too many wrong codes in a row. Wait %(seconds)d second, then enter the current code.",
        "Too many wrong codes in a row. Wait %(seconds)d seconds, then enter the current code.",
        seconds,
    ) % {"seconds": seconds}


def _add_refusal(form, check: services.CodeCheck) -> None:
    """The reason a password-and-code form was refused, next to the field it is about."""
    if check.password_rejected:
        form.add_error("password", _("That password is not right. Enter your current password."))
    else:
        form.add_error("code", _code_refusal(check))


@reachable_during(PendingStep.VERIFY)
@never_cache
def two_factor_verify(request):
    """The log-in's second step: the code from the authenticator app, after the password."""
    next_url = _next_url(request, resolve_url(settings.LOGIN_REDIRECT_URL))
    if two_factor.pending_step(request.user) != PendingStep.VERIFY:
        return redirect(next_url)
    form = AuthenticatorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            check = services.two_factor_verify(user=request.user, code=form.cleaned_data["code"])
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            if check.accepted:
                # The session gains rights here: a new key, as at the password step.
                request.session.cycle_key()
                django_otp.login(request, check.device)
                return redirect(next_url)
            form.add_error("code", _code_refusal(check))
    return render(
        request,
        "registration/two_factor_verify.html",
        {"form": form, "next": next_url},
        status=refusal_status(request),
    )


def _two_factor_page(request, *, confirm_form=None, disable_form=None):
    """The two-factor page in its state: off (with a set-up under way or not), or on."""
    user = request.user
    context = {
        "enabled": user.two_factor_enabled,
        "required": two_factor.enrolment_required(user),
        "next": _next_url(request),
    }
    if user.two_factor_enabled:
        context["disable_form"] = disable_form or PasswordAndCodeForm()
    elif device := two_factor.unconfirmed_device(user):
        context.update(
            secret=two_factor.secret_for_typing(device),
            qr_code=two_factor.qr_code_data_uri(device),
            confirm_form=confirm_form or PasswordAndCodeForm(),
        )
    refused = (confirm_form or disable_form) is not None
    return render(request, "accounts/two_factor.html", context, status=400 if refused else 200)


def _back_to_two_factor_page(request):
    # A set-up that a role requires happens on the way elsewhere: the page keeps where to.
    next_url = _next_url(request)
    query = f"?{urlencode({'next': next_url})}" if next_url else ""
    return redirect(reverse("two-factor") + query)


# Reachable during the enrolment a role requires; the page shows the secret, so never cached.
@reachable_during(PendingStep.ENROL)
@require_safe
@never_cache
def two_factor_settings(request):
    return _two_factor_page(request)


@reachable_during(PendingStep.ENROL)
@require_POST
def two_factor_enrol(request):
    try:
        services.two_factor_enrolment_start(user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return _back_to_two_factor_page(request)


@reachable_during(PendingStep.ENROL)
@require_POST
@never_cache
def two_factor_confirm(request):
    form = PasswordAndCodeForm(request.POST)
    if form.is_valid():
        try:
            check = services.two_factor_enrolment_confirm(
                user=request.user,
                password=form.cleaned_data["password"],
                code=form.cleaned_data["code"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            if check.accepted:
                # Confirming proved the user holds the device: this session counts as verified.
                django_otp.login(request, check.device)
                messages.success(
                    request,
                    _(
                        "Two-factor authentication is on. From your next log-in on, you will "
                        "be asked for a code from your authenticator app after your password."
                    ),
                )
                return redirect(_next_url(request, reverse("two-factor")))
            _add_refusal(form, check)
    return _two_factor_page(request, confirm_form=form)


@require_POST
@never_cache
def two_factor_disable(request):
    form = PasswordAndCodeForm(request.POST)
    if form.is_valid():
        try:
            check = services.two_factor_disable(
                user=request.user,
                password=form.cleaned_data["password"],
                code=form.cleaned_data["code"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            if check.accepted:
                messages.success(
                    request,
                    _("Two-factor authentication is off. You log in with your password alone."),
                )
                return redirect("two-factor")
            _add_refusal(form, check)
    return _two_factor_page(request, disable_form=form)


SCOPE_DESCRIPTIONS = {
    Role.OFFICER: gettext_lazy("You see the customers you own and everything that hangs off them."),
    Role.MANAGER: gettext_lazy("You see every customer of your branch."),
    Role.RISK_OFFICER: gettext_lazy("You see the whole bank, every branch."),
    Role.ADMIN: gettext_lazy("You see the whole bank, every branch."),
    Role.COMPLIANCE: gettext_lazy("You see the whole bank, every branch."),
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
