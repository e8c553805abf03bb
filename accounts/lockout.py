"""The login-lockout section of admin (django-axes) under a name people understand, in both
languages (its other texts: crm_site/third_party_texts.py), its records titled in the
reader's language too."""

from axes.apps import AppConfig as AxesAppConfig
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


def _moment(value) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M:%S}" if value else "—"


def _attempt_title(attempt) -> str:
    return gettext("Login attempts of %(username)s from %(ip)s, last at %(time)s") % {
        "username": attempt.username,
        "ip": attempt.ip_address,
        "time": _moment(attempt.attempt_time),
    }


def _log_title(log) -> str:
    return gettext("Log-in of %(username)s from %(ip)s at %(time)s") % {
        "username": log.username,
        "ip": log.ip_address,
        "time": _moment(log.attempt_time),
    }


def _failure_title(failure) -> str:
    if failure.locked_out:
        text = gettext("Failed log-in of %(username)s from %(ip)s at %(time)s, locked out")
    else:
        text = gettext("Failed log-in of %(username)s from %(ip)s at %(time)s")
    return text % {
        "username": failure.username,
        "ip": failure.ip_address,
        "time": _moment(failure.attempt_time),
    }


class LoginLockoutConfig(AxesAppConfig):
    verbose_name = _("Login lockout")

    def ready(self):
        super().ready()
        # Axes titles its records with English f-strings ("Attempted Access: ..."), which no
        # catalogue can translate; admin shows the titles on every record's page and in its
        # breadcrumbs, so they are replaced by translatable ones.
        from axes.models import AccessAttempt, AccessFailureLog, AccessLog

        AccessAttempt.__str__ = _attempt_title
        AccessLog.__str__ = _log_title
        AccessFailureLog.__str__ = _failure_title
