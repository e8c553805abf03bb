from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditConfig(AppConfig):
    name = "credit"
    verbose_name = _("Credit and loans")

    def ready(self):
        from credit.panels import credit_panel
        from customers import panels

        panels.register(credit_panel)
