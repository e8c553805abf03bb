"""The application pipeline's pages: the list by stage, the form, the application page with
its steps, and the collateral and guarantors added to it."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.business_date import business_date
from core.forms import apply_service_errors, refusal_status
from credit.forms import ReasonForm
from customers.selectors import customer_get_for, customer_list_for
from lending import concentration, facilities, policies, selectors, services
from lending.approval_page import approval_context
from lending.exposure_panels import exposure_picture
from lending.forms import (
    ApplicationForm,
    CollateralForm,
    DecisionForm,
    GuarantorForm,
    PipelineFilterForm,
)
from lending.models import ApplicationStatus
from lending.stages import OPEN_APPLICATION_STATUSES

PAGE_SIZE = 50


def _require_credit_work(user) -> None:
    if not policies.may_prepare_application(user):
        raise PermissionDenied


def application_list(request):
    form = PipelineFilterForm(request.GET or None)
    applications = selectors.applications_for(request.user)
    now = timezone.now()
    counts = selectors.pipeline_counts(applications, now)
    refused = form.is_bound and not form.is_valid()
    filters = {} if refused else form.cleaned_data if form.is_bound else {}
    applications = selectors.application_filter(applications, filters)
    # A filter value the form cannot read shows no rows (with the error), not the others.
    # The level each waits at comes in the same query (a join, not a query per row).
    applications = applications.select_related("approval_route__waiting_level")
    rows = [] if refused else list(applications.order_by("-status_changed_at", "-id")[:PAGE_SIZE])
    stages = [
        (status, label, counts[status], status not in OPEN_APPLICATION_STATUSES)
        for status, label in ApplicationStatus.choices
    ]
    return render(
        request,
        "lending/application_list.html",
        {
            "form": form,
            "applications": rows,
            "stages": stages,
            "now": now,
            "limited": len(rows) == PAGE_SIZE,
            "closed_days": selectors.CLOSED_STAGES_COUNTED.days,
            "current": filters.get("status", ""),
            "at": filters.get("at"),
        },
        status=400 if refused else 200,
    )


def application_create(request, customer_pk: int):
    customer = customer_get_for(request.user, customer_pk)
    _require_credit_work(request.user)
    form = ApplicationForm(request.POST or None, customer=customer)
    if request.method == "POST" and form.is_valid():
        try:
            application = services.application_create(actor=request.user, application=form.instance)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Application created as a draft."))
            return redirect("lending:application-detail", pk=application.pk)
    offers = [
        (product, services.offer_for(product, customer.grade))
        for product in form.fields["product"].queryset
    ]
    return render(
        request,
        "lending/application_form.html",
        {"form": form, "customer": customer, "offers": offers},
        status=refusal_status(request),
    )


def application_edit(request, pk: int):
    application = selectors.application_get_for(request.user, pk)
    _require_credit_work(request.user)
    form = ApplicationForm(
        request.POST or None, instance=application, customer=application.customer
    )
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            services.application_update(
                actor=request.user, application=application, changes=changes
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("lending:application-detail", pk=application.pk)
    offers = [
        (product, services.offer_for(product, application.customer.grade))
        for product in form.fields["product"].queryset
    ]
    return render(
        request,
        "lending/application_form.html",
        {
            "form": form,
            "customer": application.customer,
            "application": application,
            "offers": offers,
        },
        status=refusal_status(request),
    )


def application_detail(request, pk: int):
    return _render_application(request, selectors.application_get_for(request.user, pk))


def _render_application(request, application, *, forms: dict | None = None, http_status: int = 200):
    """The application page; after a refused step it comes back with the bound form, its
    errors next to the fields, and a 400."""
    user = request.user
    offer = services.offer_for(application.product, application.customer.grade)
    collateral = list(application.collateral.all())
    status = application.status
    may_prepare = policies.may_prepare_application(user)
    may_decide = policies.may_decide_application(user, application)
    facility = facilities.drawn_facility(application)
    context = {
        "application": application,
        "customer": application.customer,
        "customer_summary": selectors.application_customer_summary(application),
        "offer": offer,
        "stages": selectors.stage_times(application, timezone.now()),
        "notifications": list(application.notifications.all()),
        "assessment": application.assessments.select_related("scorecard").first()
        or application.customer.assessments.first(),
        "collateral": collateral,
        "collateral_total": sum((c.value for c in collateral), 0),
        "facility": facility,
        # The exposure against the concentration limits, with this application's own amount
        # while it is open (once approved the stored exposure counts it).
        "exposure": exposure_picture(
            application.customer,
            added=concentration.application_added_exposure(
                amount=application.amount, facility_id=application.facility_id
            )
            if status in OPEN_APPLICATION_STATUSES
            else concentration.ZERO,
        ),
        # On the business date: past its expiry a facility reads expired before any job ran.
        "facility_status": facility.status_label_on(business_date()) if facility else None,
        "guarantors": list(application.guarantors.select_related("guarantor_customer")),
        "loan": getattr(application, "loan", None) if status == "disbursed" else None,
        "can_edit": may_prepare and status == "draft",
        "can_secure": may_prepare and status in ("draft", "submitted", "under_review"),
        "can_submit": may_prepare and status == "draft",
        "can_decide": may_decide,
        # Why a maker sees no decision buttons (maker-checker), or None.
        "maker_refusal": services.MAKER_REFUSALS.get(policies.maker_part(user, application)),
        "disburse_refusal": services.DISBURSE_REFUSAL,
        "can_withdraw": policies.may_withdraw_application(user)
        and status in OPEN_APPLICATION_STATUSES,
        "can_disburse": policies.may_disburse_application(user, application)
        and status == "approved",
        "decision_form": DecisionForm(
            initial={
                "amount": application.amount,
                "term_months": application.term_months,
                "rate": offer.get("rate"),
            }
        ),
        "reason_form": ReasonForm(),
        # Where it waits in the approval authority, its steps, and this user's form there.
        **approval_context(application, may_decide=may_decide, offer=offer, forms=forms or {}),
        **(forms or {}),
    }
    return render(request, "lending/application_detail.html", context, status=http_status)


FORM_SLOTS = {
    "DecisionForm": "decision_form",
    "ReasonForm": "reason_form",
    # The approval authority's steps (views/authority.py).
    "RecommendationForm": "recommendation_form",
    "CommitteeVoteForm": "committee_form",
}


def _transition_view(request, pk: int, action, *, form_class=None, success: str):
    """Shared POST flow for the pipeline steps: scope (404), form, service, message. Bad
    input or a refused step answers 400 with the page and the reason next to the field."""
    application = selectors.application_get_for(request.user, pk)
    form = form_class(request.POST) if form_class else None
    slot = {FORM_SLOTS[form_class.__name__]: form} if form is not None else {}
    if form is not None and not form.is_valid():
        return _render_application(request, application, forms=slot, http_status=400)
    status = application.status
    try:
        result = action(application, form.cleaned_data if form else {})
    except services.FourEyesRefused as refusal:
        # A maker trying to decide: the page says why, and nothing changed.
        messages.error(request, str(refusal))
        return _render_application(request, application, forms=slot, http_status=403)
    except ValidationError as error:
        application.refresh_from_db()
        if form is not None and application.status == status:
            apply_service_errors(form, error)
        else:
            # Someone else moved the application meanwhile (another manager decided it):
            # the form is no longer on the page, so the reason goes on top of it.
            messages.error(request, " ".join(error.messages))
        return _render_application(request, application, forms=slot, http_status=400)
    messages.success(request, success)
    if hasattr(result, "account_number"):
        return redirect("lending:loan-detail", pk=result.pk)
    return redirect("lending:application-detail", pk=application.pk)


@require_POST
def application_submit(request, pk: int):
    return _transition_view(
        request,
        pk,
        lambda app, data: services.application_submit(actor=request.user, application=app),
        success=_("Submitted for review. A manager other than you will decide."),
    )


@require_POST
def application_review(request, pk: int):
    return _transition_view(
        request,
        pk,
        lambda app, data: services.application_start_review(actor=request.user, application=app),
        success=_("Review started."),
    )


@require_POST
def application_approve(request, pk: int):
    return _transition_view(
        request,
        pk,
        lambda app, data: services.application_approve(
            actor=request.user,
            application=app,
            amount=data["amount"],
            term_months=data["term_months"],
            rate=data["rate"],
            note=data["note"],
        ),
        form_class=DecisionForm,
        success=_("Application approved."),
    )


@require_POST
def application_reject(request, pk: int):
    return _transition_view(
        request,
        pk,
        lambda app, data: services.application_reject(
            actor=request.user, application=app, reason=data["reason"]
        ),
        form_class=ReasonForm,
        success=_("Application rejected."),
    )


@require_POST
def application_withdraw(request, pk: int):
    return _transition_view(
        request,
        pk,
        lambda app, data: services.application_withdraw(
            actor=request.user, application=app, reason=data["reason"]
        ),
        form_class=ReasonForm,
        success=_("Application withdrawn."),
    )


@require_POST
def application_disburse(request, pk: int):
    return _transition_view(
        request,
        pk,
        lambda app, data: services.application_disburse(actor=request.user, application=app),
        success=_("Loan disbursed."),
    )


def collateral_add(request, pk: int):
    application = selectors.application_get_for(request.user, pk)
    _require_credit_work(request.user)
    form = CollateralForm(request.POST or None, application=application)
    if request.method == "POST" and form.is_valid():
        try:
            services.collateral_add(actor=request.user, collateral=form.instance)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Collateral added."))
            return redirect("lending:application-detail", pk=application.pk)
    return render(
        request,
        "lending/application_child_form.html",
        {"form": form, "application": application, "title": _("Add collateral")},
        # A POST that is not saved comes back with the reasons next to the fields.
        status=refusal_status(request),
    )


def guarantor_add(request, pk: int):
    application = selectors.application_get_for(request.user, pk)
    _require_credit_work(request.user)
    form = GuarantorForm(
        request.POST or None, application=application, customers=customer_list_for(request.user)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.guarantor_add(actor=request.user, guarantor=form.instance)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Guarantor added."))
            return redirect("lending:application-detail", pk=application.pk)
    return render(
        request,
        "lending/application_child_form.html",
        {"form": form, "application": application, "title": _("Add a guarantor")},
        # A POST that is not saved comes back with the reasons next to the fields.
        status=refusal_status(request),
    )
