from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    name = "dashboards"
    verbose_name = _("Dashboards")

    def ready(self):
        from dashboards import figures
        from dashboards.selectors import loan_class_counts
        from risk import hooks

        # The book figures follow the nightly's chunks and answer the risk page's class
        # distribution; risk, a floor below, only calls what is registered here.
        hooks.register_chunk_hook(begin=figures.defer_in_this_transaction, end=figures.add_deferred)
        hooks.register_class_counts(loan_class_counts)
