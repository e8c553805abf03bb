"""Scoped reads of assessments."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from accounts.models import User
from accounts.scope import get_in_scope_or_404
from credit.models import Assessment

CUSTOMER_SCOPE = {"officer_field": "customer__officer", "branch_field": "customer__branch"}


def assessment_get_for(user: User, pk) -> Assessment:
    return get_in_scope_or_404(
        user,
        Assessment.objects.select_related("customer", "scorecard", "assessed_by"),
        pk=pk,
        **CUSTOMER_SCOPE,
    )


def assessment_application_get_for(user: User, customer, pk):
    """The loan application an assessment of `customer` is made for (`?application=ID`): 404
    when the user may not see it, 403 when it is another customer's. Lending's model is
    reached through Assessment's foreign key to it: credit sits below lending and names it
    only by its label."""
    application_model = Assessment._meta.get_field("application").related_model
    application = get_in_scope_or_404(
        user, application_model.objects.all(), pk=pk, **CUSTOMER_SCOPE
    )
    if application.customer_id != customer.pk:
        raise PermissionDenied
    return application
