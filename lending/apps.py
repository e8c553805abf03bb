from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LendingConfig(AppConfig):
    name = "lending"
    verbose_name = _("Lending")

    def ready(self):
        from customers import panels
        from lending.panels import credit_panel, decisions_today_panel, facilities_panel

        panels.register(credit_panel)
        panels.register(facilities_panel)
        # Most customers have no facility: the facilities and exposure panels then read none.
        from lending.facilities import has_facilities

        panels.register_sparse_rows("facilities", has_facilities)
        # The concentration limits' exception registers itself with the approval authority.
        from lending import concentration  # noqa: F401
        from lending.exposure_panels import exposure_panel

        panels.register(exposure_panel)
        panels.register_today(decisions_today_panel)
        # The officer's inspections due (lending.inspection_panels).
        from lending.inspection_panels import inspections_today_panel

        panels.register_today(inspections_today_panel)
        # Applications, loans and collateral take documents (customers.document_owners).
        from lending.document_checklist import register_lending_documents

        register_lending_documents()
        # Post-loan inspections take documents: the evidence (lending.inspections).
        from lending.inspections import register_inspection_documents

        register_inspection_documents()
        # Payment reminders sent to the customer show on the 360's timeline.
        from lending.reminder_panels import reminder_timeline_entries

        panels.register_timeline(reminder_timeline_entries)
