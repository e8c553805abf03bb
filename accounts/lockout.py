"""The login-lockout section of admin (django-axes) under a name people understand, in both
languages (its other texts: crm_site/third_party_texts.py)."""

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _


class LoginLockoutConfig(AxesAppConfig):
    verbose_name = _("Login lockout")
