from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RiskConfig(AppConfig):
    name = "risk"
    verbose_name = _("Risk and early warning")

    def ready(self):
        from customers import panels
        from risk.panels import customer_panel, today_panel

        panels.register(customer_panel)
        panels.register_today(today_panel)
