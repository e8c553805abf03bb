"""Post-loan inspections: the nightly step that creates the inspections due, and the scoped
reads of the pages (lending.inspection_models has the rows).

The step is set-based over a range of customers: every active loan of a product with an
inspection plan and no open inspection gets its next one, the first due `first_within_days`
after disbursement (use of funds), the later ones `every_days_<risk level>` after the last
completed inspection, by the customer's risk level now. A partial unique index (one open
inspection per loan) makes a second run, or two overlapping ones, create nothing more.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.urls import reverse

from accounts.models import User, name_columns
from accounts.scope import get_in_scope_or_404, scope_queryset
from customers.document_models import DocumentOwner
from customers.document_owners import register_owner
from lending.inspection_models import Inspection, InspectionStatus

CUSTOMER_SCOPE = {"officer_field": "customer__officer", "branch_field": "customer__branch"}
# The officer's list shows what is overdue and what falls due within this many days.
DUE_SOON_DAYS = 30

SCHEDULE = """
    INSERT INTO lending_inspection (loan_id, customer_id, kind, due_on, status, created_at,
                                    conclusion, summary)
    SELECT l.id, l.customer_id,
           CASE WHEN last.inspected_on IS NULL THEN 'first' ELSE 'periodic' END,
           CASE WHEN last.inspected_on IS NULL THEN l.disbursed_on + p.first_within_days
                ELSE last.inspected_on + CASE c.risk_level
                                              WHEN 'high' THEN p.every_days_high
                                              WHEN 'medium' THEN p.every_days_medium
                                              ELSE p.every_days_low END
           END,
           'due', now(), '', ''
    FROM credit_loan l
    JOIN lending_inspectionplan p ON p.product_id = l.product_id
    JOIN customers_customer c ON c.id = l.customer_id
    LEFT JOIN LATERAL (SELECT max(i.inspected_on) AS inspected_on FROM lending_inspection i
                       WHERE i.loan_id = l.id AND i.status = 'completed') last ON true
    WHERE l.customer_id BETWEEN %(first)s AND %(last)s AND l.status = 'active'
      AND NOT EXISTS (SELECT 1 FROM lending_inspection o
                      WHERE o.loan_id = l.id AND o.status = 'due')
    ON CONFLICT DO NOTHING
"""


def inspections_schedule(*, first_id: int, last_id: int) -> int:
    """Creates the next inspection of every active loan of the customers `first_id` to
    `last_id` that has none open; the number created (0 on a second run)."""
    with connection.cursor() as cursor:
        cursor.execute(SCHEDULE, {"first": first_id, "last": last_id})
        return cursor.rowcount


def inspection_get_for(user: User, pk) -> Inspection:
    """The inspection if `user` sees its customer; a 404 otherwise."""
    return get_in_scope_or_404(
        user,
        Inspection.objects.select_related(
            "loan", "loan__product", "customer", "customer__officer", "completed_by"
        ),
        pk=pk,
        **CUSTOMER_SCOPE,
    )


def inspections_due_for(user: User, *, on: dt.date) -> list[Inspection]:
    """The open inspections in the user's scope due by `on` + DUE_SOON_DAYS, the most
    overdue first."""
    due = Inspection.objects.filter(
        status=InspectionStatus.DUE, due_on__lte=on + dt.timedelta(days=DUE_SOON_DAYS)
    ).select_related("loan", "loan__product", "customer")
    return list(scope_queryset(user, due, **CUSTOMER_SCOPE).order_by("due_on", "id"))


def inspections_of_loan(loan) -> list[Inspection]:
    own = [field.name for field in Inspection._meta.concrete_fields]
    return list(
        loan.inspections.select_related("completed_by")
        .only(*own, *name_columns("completed_by"))
        .order_by("-due_on", "-id")
    )


def register_inspection_documents() -> None:
    """Inspections take documents (the evidence: photographs, invoices, site notes), found
    through their own scoped getter."""
    register_owner(
        DocumentOwner.INSPECTION,
        get_for=inspection_get_for,
        customer_of=lambda inspection: inspection.customer,
        url_of=lambda inspection: reverse("lending:inspection-detail", args=[inspection.pk]),
    )
