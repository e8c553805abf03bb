"""Pages to add and end a related-party link from the customer 360."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from core.forms import apply_service_errors, refusal_status
from customers import policies, relation_services, selectors
from customers.relation_forms import RelationEndForm, RelationForm
from customers.relations import CustomerRelation


def _back(customer) -> str:
    return f"{reverse('customers:detail', args=[customer.pk])}#relations"


def relation_add(request, pk: int):
    customer = selectors.customer_get_for(request.user, pk)
    if not policies.may_record_relations(request.user):
        raise PermissionDenied
    form = RelationForm(request.POST or None, customer=customer, user=request.user)
    if request.method == "POST" and form.is_valid():
        from_customer, to_customer, kind = form.link()
        try:
            relation_services.relation_record(
                actor=request.user,
                from_customer=from_customer,
                to_customer=to_customer,
                kind=kind,
                started_on=form.cleaned_data["started_on"],
                evidence=form.cleaned_data["evidence"],
            )
        except ValidationError as error:
            # The service names the stored ends; on this page they are "side" and "other".
            if hasattr(error, "error_dict"):
                renamed = {"to_customer": "other", "kind": "side"}
                error = ValidationError(
                    {
                        renamed.get(field, field): errors
                        for field, errors in error.error_dict.items()
                    }
                )
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Link recorded."))
            return redirect(_back(customer))
    return render(
        request,
        "customers/customer_child_form.html",
        {"form": form, "customer": customer, "title": _("Record a related party")},
        status=refusal_status(request),
    )


def relation_end(request, pk: int, relation_pk: int):
    """Ends a link of this customer; the other party must be in the user's view too (404)."""
    customer = selectors.customer_get_for(request.user, pk)
    relation = (
        CustomerRelation.objects.filter(Q(from_customer=customer) | Q(to_customer=customer))
        .filter(pk=relation_pk)
        .first()
    )
    if relation is None:
        raise Http404
    selectors.customer_get_for(request.user, relation.other_party(customer.pk))
    if not policies.may_record_relations(request.user):
        raise PermissionDenied
    form = RelationEndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            relation_services.relation_end(
                actor=request.user, relation=relation, ended_on=form.cleaned_data["ended_on"]
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Link ended."))
            return redirect(_back(customer))
    return render(
        request,
        "customers/customer_child_form.html",
        {"form": form, "customer": customer, "title": _("End a related-party link")},
        status=refusal_status(request),
    )
