"""The Today page's "inspections due" panel (issue 24): the post-loan inspections in the
user's scope overdue or due within lending.inspections.DUE_SOON_DAYS, the most overdue
first, for those who record them (officers and managers; no query for the others)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Window

from accounts.scope import scope_queryset
from core.business_date import business_date
from lending.inspection_models import Inspection, InspectionStatus
from lending.inspections import CUSTOMER_SCOPE, DUE_SOON_DAYS
from lending.policies import may_record_inspection

PANEL_SIZE = 5
TEMPLATE = "lending/today_inspections.html"


def inspections_today_panel(user) -> tuple[str, dict]:
    if not may_record_inspection(user):
        return TEMPLATE, {"shown": False}
    on = business_date()
    due = Inspection.objects.filter(
        status=InspectionStatus.DUE, due_on__lte=on + dt.timedelta(days=DUE_SOON_DAYS)
    )
    # One query: the first rows with the count of them all (a window over the whole set).
    rows = list(
        scope_queryset(user, due, **CUSTOMER_SCOPE)
        .select_related("loan", "customer")
        # What the panel shows: the loan's and the customer's rows are wide.
        .only("kind", "due_on", "loan__id", "customer__name")
        .annotate(total=Window(Count("id")))
        .order_by("due_on", "id")[:PANEL_SIZE]
    )
    return TEMPLATE, {
        "shown": True,
        "inspections": rows,
        "total": rows[0].total if rows else 0,
        "overdue": sum(1 for row in rows if row.due_on < on),
        "on": on,
    }
