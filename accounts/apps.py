# The admin's AppConfig module is imported whole, not its class by name: a second AppConfig
# subclass in this module would make Django unsure which one configures the accounts app.
from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Organisation and users")


class SecondFactorAdminConfig(admin_apps.AdminConfig):
    """Django admin served by SecondFactorAdminSite (INSTALLED_APPS names this config)."""

    # Never picked as the accounts app's own configuration.
    default = False
    default_site = "accounts.admin_site.SecondFactorAdminSite"
