"""Texts of installed packages that their own catalogues leave in English in Chinese: listed
here so `makemessages` puts them in ours, which Django reads before the packages' own. Only
texts people see on the pages the product uses (admin's lists and menus)."""

from django.utils.translation import gettext_noop

THIRD_PARTY_TEXTS = [
    # Django admin (app_list.html): a column heading screen readers read.
    gettext_noop("Change or view list link"),
    # django-celery-beat: the tasks listed with a schedule.
    gettext_noop("Periodic Tasks Using This Schedule"),
    # django-axes ships no Chinese catalogue: its models, fields and admin sections.
    # Models.
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    # Fields, filters and sections of its admin pages.
    gettext_noop("Access Attempt"),
    gettext_noop("Access lock out"),
    gettext_noop("Attempt Remaining"),
    gettext_noop("Attempt Time"),
    gettext_noop("Clean up expired attempts"),
    gettext_noop("Expires At"),
    gettext_noop("Failed Logins"),
    gettext_noop("Form Data"),
    gettext_noop("GET Data"),
    gettext_noop("HTTP Accept"),
    gettext_noop("IP Address"),
    gettext_noop("Locked Out"),
    gettext_noop("Logout Time"),
    gettext_noop("Meta Data"),
    gettext_noop("Not set"),
    gettext_noop("POST Data"),
    gettext_noop("Path"),
    gettext_noop("Session key hash (sha256)"),
    gettext_noop("The time when access attempt expires and is no longer valid."),
    gettext_noop("User Agent"),
    gettext_noop("Username"),
]
