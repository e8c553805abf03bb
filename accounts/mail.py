"""Mail to a colleague (an officer, a manager, a risk officer), in their own language.

It lives with the users because every floor above mails staff: credit tells risk officers
about shifted scorecards, risk tells officers about alerts and reviewers about conduct."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation

logger = logging.getLogger(__name__)


def send_staff_mail(user, subject: str, body: str) -> None:
    """A mail to a colleague in their own language; a mail server outage is logged, not fatal."""
    if not user.email:
        return
    with translation.override(user.language or settings.LANGUAGE_CODE):
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
        except OSError as error:
            # What the mail says is on the colleague's pages either way; mail is a courtesy.
            logger.warning("staff mail not sent", extra={"error": str(error)})
