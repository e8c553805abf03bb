from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RiskConfig(AppConfig):
    name = "risk"
    verbose_name = _("Risk and early warning")

    def ready(self):
        from customers import hooks, panels
        from risk.conduct import duplicate_attempts_watch
        from risk.panels import conduct_today_panel, customer_panel, today_panel
        from risk.relations import related_parties_panel

        panels.register(customer_panel)
        panels.register(related_parties_panel)
        panels.register_today(today_panel)
        panels.register_today(conduct_today_panel)
        hooks.register_duplicate_attempt_hook(duplicate_attempts_watch)
