"""The collections pages (催收): the work queue with the month's figures, and a case's page
where a collector records contact attempts and promises and a manager assigns the case.

Thin views: scope (404 for a case the user may not see), form, one service call. Bad input
answers 400 with the page and the reason next to the field; nothing changes."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.business_date import business_date
from core.forms import apply_service_errors
from lending import collection_selectors as selectors
from lending import policies
from lending.collection_forms import AssignCollectorForm, ContactAttemptForm
from lending.collections import LEGAL_STAGE
from lending.legal_forms import LegalCaseFilingForm
from lending.legal_models import LegalCase
from lending.roll_rate_selectors import roll_rates_for
from lending.services import collections as services

QUEUE_SIZE = 100


def collection_queue(request):
    """Open cases the user may see, highest priority (amount overdue × days past due) first;
    `?mine=1` keeps the cases assigned to the user. The month's figures on top."""
    on = business_date()
    cases = selectors.open_cases_for(request.user)
    mine = request.GET.get("mine") == "1"
    if mine:
        cases = cases.filter(collector=request.user)
    rows = [
        (case, case.dpd_on(on), case.priority_on(on))
        for case in selectors.by_priority(cases, on)[:QUEUE_SIZE]
    ]
    return render(
        request,
        "lending/collection_queue.html",
        {
            "rows": rows,
            "mine": mine,
            "kpis": selectors.collection_kpis(request.user, on),
            "roll_rates": roll_rates_for(request.user, on),
            "on": on,
        },
    )


def _case_page(request, case, *, contact_form=None, assign_form=None, legal_form=None, status=200):
    on = business_date()
    # A case in the legal stage files its legal case (法律诉讼) from here; once filed, a link.
    legal_case = LegalCase.objects.filter(collection_case=case).first()
    can_file = (
        legal_case is None
        and case.status == "open"
        and case.stage.code == LEGAL_STAGE
        and policies.may_record_legal_case(request.user, case)
    )
    return render(
        request,
        "lending/collection_case.html",
        {
            "case": case,
            "dpd": case.dpd_on(on),
            "priority": case.priority_on(on),
            "contacts": case.contacts.select_related("interaction__officer").order_by("-id"),
            "promises": case.promises.order_by("-promised_on", "-id"),
            "can_work": case.status == "open"
            and policies.may_work_collection_case(request.user, case),
            "can_assign": case.status == "open" and policies.may_assign_collections(request.user),
            "contact_form": contact_form or ContactAttemptForm(),
            "assign_form": assign_form
            or AssignCollectorForm(initial={"collector": case.collector_id}),
            "legal_case": legal_case,
            "can_file": can_file,
            "legal_form": legal_form or LegalCaseFilingForm(),
        },
        status=status,
    )


def collection_case_detail(request, pk: int):
    return _case_page(request, selectors.case_get_for(request.user, pk))


@require_POST
def collection_contact_record(request, pk: int):
    case = selectors.case_get_for(request.user, pk)
    if not policies.may_work_collection_case(request.user, case):
        raise PermissionDenied
    form = ContactAttemptForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.collection_contact_record(
                actor=request.user,
                case=case,
                channel=data["channel"],
                result=data["result"],
                summary=data["summary"],
                promise_amount=data["promise_amount"],
                promise_date=data["promise_date"],
                on=business_date(),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Contact attempt recorded."))
            return redirect("lending:collection-case", pk=case.pk)
    return _case_page(request, case, contact_form=form, status=400)


@require_POST
def collection_case_assign(request, pk: int):
    case = selectors.case_get_for(request.user, pk)
    if not policies.may_assign_collections(request.user):
        raise PermissionDenied
    form = AssignCollectorForm(request.POST)
    if form.is_valid():
        try:
            services.collection_case_assign(
                actor=request.user, case=case, collector=form.cleaned_data["collector"]
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Case assigned."))
            return redirect("lending:collection-case", pk=case.pk)
    return _case_page(request, case, assign_form=form, status=400)
