from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditConfig(AppConfig):
    name = "credit"
    verbose_name = _("Credit scoring")

    def ready(self):
        from credit.panels import bureau_panel
        from customers import panels

        panels.register(bureau_panel)
        from credit.selectors import register_bureau_consent_documents

        register_bureau_consent_documents()
