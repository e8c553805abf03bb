from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LendingConfig(AppConfig):
    name = "lending"
    verbose_name = _("Lending")

    def ready(self):
        from customers import panels
        from lending.panels import credit_panel, decisions_today_panel

        panels.register(credit_panel)
        panels.register_today(decisions_today_panel)
