"""Telling risk officers about the scorecards they watch."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.mail import send_staff_mail


def scorecard_shift_alert(user, alert) -> None:
    """Tells a risk officer that the population of a scorecard in force has shifted."""
    from django.urls import reverse

    with translation.override(user.language or settings.LANGUAGE_CODE):
        body = _(
            "The scores of %(version)s have shifted: PSI %(psi).2f in %(month)s against its "
            "baseline (above 0.25). Review the monitoring page and decide whether to "
            "recalibrate or redevelop.\n%(url)s"
        ) % {
            "version": alert.version,
            "psi": alert.psi,
            "month": alert.month.strftime("%Y-%m"),
            "url": reverse("credit:scorecard-monitoring", args=[alert.version_id]),
        }
        send_staff_mail(user, _("Scorecard population shift"), body)
