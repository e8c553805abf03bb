"""The business date: the one place that says what day it is for servicing (due dates,
days past due, penalties). Production follows the calendar in TIME_ZONE; a demo or test
sets BUSINESS_DATE (YYYY-MM-DD) to stand on a chosen day."""

import datetime as dt

from django.conf import settings
from django.utils import timezone


def business_date() -> dt.date:
    configured = getattr(settings, "BUSINESS_DATE", None)
    if configured:
        return configured if isinstance(configured, dt.date) else dt.date.fromisoformat(configured)
    return timezone.localdate()
