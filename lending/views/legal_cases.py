"""The legal case pages (法律诉讼): filing one from a collection case in the legal stage, its
page, and one form per step (judgment, enforcement, preserved asset, cost, recovery).

Thin views: scope (404 for a case the user may not see, through its collection case), form,
one service call. Bad input answers 400 with the page and the reason next to the field;
nothing changes."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.business_date import business_date
from core.forms import apply_service_errors
from lending import collection_selectors, policies
from lending.legal_forms import (
    EnforcementForm,
    JudgmentForm,
    LegalCaseFilingForm,
    LegalCostForm,
    LegalRecoveryForm,
    PreservedAssetForm,
)
from lending.legal_models import LegalCase
from lending.services import legal_cases as services
from lending.views.collections import _case_page

# Each step: its form, the service that records it, the message when done.
STEPS = {
    "judgment": (
        JudgmentForm,
        services.legal_case_judgment_record,
        gettext_lazy("Judgment recorded."),
    ),
    "enforcement": (
        EnforcementForm,
        services.legal_case_enforcement_record,
        gettext_lazy("Enforcement recorded."),
    ),
    "asset": (
        PreservedAssetForm,
        services.legal_asset_add,
        gettext_lazy("Preserved asset recorded."),
    ),
    "cost": (LegalCostForm, services.legal_cost_add, gettext_lazy("Cost recorded.")),
    "recovery": (
        LegalRecoveryForm,
        services.legal_recovery_record,
        gettext_lazy("Recovery recorded and booked on the loan."),
    ),
}


def legal_case_get_for(user, pk) -> LegalCase:
    """The legal case, or 404 when it is missing or its collection case is out of sight."""
    try:
        return LegalCase.objects.select_related(
            "collection_case", "loan", "customer", "recorded_by"
        ).get(pk=pk, collection_case__in=collection_selectors.cases_for(user).values("id"))
    except (LegalCase.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


@require_POST
def legal_case_open(request, pk: int):
    case = collection_selectors.case_get_for(request.user, pk)
    if not policies.may_record_legal_case(request.user, case):
        raise PermissionDenied
    form = LegalCaseFilingForm(request.POST)
    if form.is_valid():
        try:
            legal_case = services.legal_case_open(
                actor=request.user, case=case, on=business_date(), **form.cleaned_data
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Legal case recorded."))
            return redirect("lending:legal-case", pk=legal_case.pk)
    return _case_page(request, case, legal_form=form, status=400)


def _page(request, legal_case, *, bound=None, status=200):
    can_work = policies.may_record_legal_case(request.user, legal_case.collection_case)
    forms = {name: form_class() for name, (form_class, _service, _done) in STEPS.items()}
    if bound is not None:
        forms[bound[0]] = bound[1]
    if legal_case.judgment_on is not None and bound is None:
        forms["judgment"] = JudgmentForm(
            initial={
                "judgment_on": legal_case.judgment_on,
                "amount_awarded": legal_case.amount_awarded,
            }
        )
    assets = list(legal_case.assets.order_by("preserved_on", "id"))
    costs = list(legal_case.costs.order_by("paid_on", "id"))
    recoveries = list(legal_case.recoveries.order_by("received_on", "id"))
    return render(
        request,
        "lending/legal_case.html",
        {
            "legal_case": legal_case,
            "can_work": can_work,
            "forms": forms,
            "assets": assets,
            "costs": costs,
            "recoveries": recoveries,
            "totals": {
                "assets": sum(asset.value for asset in assets),
                "costs": sum(cost.amount for cost in costs),
                "recovered": sum(recovery.amount for recovery in recoveries),
            },
        },
        status=status,
    )


def legal_case_detail(request, pk: int):
    return _page(request, legal_case_get_for(request.user, pk))


@require_POST
def legal_case_step(request, pk: int, step: str):
    legal_case = legal_case_get_for(request.user, pk)
    if step not in STEPS:
        raise Http404
    if not policies.may_record_legal_case(request.user, legal_case.collection_case):
        raise PermissionDenied
    form_class, service, done = STEPS[step]
    form = form_class(request.POST)
    if form.is_valid():
        try:
            service(
                actor=request.user, legal_case=legal_case, on=business_date(), **form.cleaned_data
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, done)
            return redirect("lending:legal-case", pk=legal_case.pk)
    return _page(request, legal_case, bound=(step, form), status=400)
