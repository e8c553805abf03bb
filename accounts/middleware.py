import time

from django.contrib.auth import middleware as auth_middleware
from django.shortcuts import redirect
from django.utils import translation

from accounts import two_factor


class LoginRequiredMiddleware(auth_middleware.LoginRequiredMiddleware):
    """Django's: every view needs a signed-in user unless it is marked login_not_required.

    Extended with the log-in's second step: a user who still owes the authenticator code (or,
    for a role that requires one, the enrolment of a device) is sent to that step's page from
    every other view, Django admin's included, so no URL typed in directly skips it.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        refused = super().process_view(request, view_func, view_args, view_kwargs)
        if refused is not None or not getattr(view_func, "login_required", True):
            return refused
        step = two_factor.pending_step(request.user)
        if step is None or step in getattr(view_func, "reachable_during_second_factor", ()):
            return None
        return redirect(two_factor.step_url(step, next_url=request.get_full_path()))


class UserLanguageMiddleware:
    """A signed-in user's saved language wins over the browser's, on every device they use."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.language:
            return self.get_response(request)
        previous = translation.get_language()
        translation.activate(user.language)
        request.LANGUAGE_CODE = translation.get_language()
        try:
            response = self.get_response(request)
        finally:
            # The thread serves other requests and jobs next: leave its language as it was.
            translation.activate(previous)
        if response.streaming:
            # A streamed export renders its rows after this returns: in the user's language.
            response.streaming_content = _in_language(response.streaming_content, user.language)
        return response


def _in_language(chunks, language):
    with translation.override(language):
        yield from chunks


# How often a signed-in user's requests push the session's idle expiry on. Saving it on every
# request cost a write and a commit (with its write-ahead-log flush) per page; once a minute
# keeps the idle timeout (SESSION_IDLE_MINUTES) exact to the minute.
SESSION_RENEW_SECONDS = 60
_RENEWED_AT = "_renewed_at"


class SessionRenewalMiddleware:
    """Keeps an active session alive: the session is saved (and its expiry moved on by
    SESSION_COOKIE_AGE) when it was last renewed more than SESSION_RENEW_SECONDS ago."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and session.session_key and not session.is_empty():
            now = int(time.time())
            if now - session.get(_RENEWED_AT, 0) >= SESSION_RENEW_SECONDS:
                session[_RENEWED_AT] = now
        return response
