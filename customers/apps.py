from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = _("Customers and relationships")

    def ready(self):
        # Documents attach to customers (the other owners register from their own apps).
        from customers.document_views import register_customer_documents

        register_customer_documents()
