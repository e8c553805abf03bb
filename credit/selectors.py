"""Scoped reads of assessments."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts.models import User
from accounts.scope import get_in_scope_or_404
from credit.bureau import BureauConsent
from credit.models import Assessment
from customers.document_models import DocumentOwner
from customers.document_owners import register_owner

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


def bureau_consent_get_for(user: User, pk):
    """A credit bureau consent, scoped like its customer (404 if not)."""
    return get_in_scope_or_404(
        user, BureauConsent.objects.select_related("customer"), pk=pk, **CUSTOMER_SCOPE
    )


def register_bureau_consent_documents() -> None:
    """The signed consent is kept as a document of the consent (customers.document_owners)."""
    register_owner(
        DocumentOwner.BUREAU_CONSENT,
        get_for=bureau_consent_get_for,
        customer_of=lambda consent: consent.customer,
        url_of=lambda consent: reverse("customers:detail", args=[consent.customer_id]),
    )
