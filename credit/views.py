from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from audit.services import audit_log
from core import exports
from core.business_date import business_date
from core.forms import apply_service_errors, refusal_status
from credit import challenger, importer, monitoring, selectors, services
from credit.forms import (
    ApplicationForm,
    AssessmentForm,
    CollateralForm,
    DecisionForm,
    GuarantorForm,
    LoanFilterForm,
    PipelineFilterForm,
    PortfolioImportForm,
    ReasonForm,
    RepaymentForm,
    RestructureForm,
    RevalueForm,
    StatementForm,
)
from credit.models import (
    OPEN_APPLICATION_STATUSES,
    ApplicationStatus,
    Collateral,
    ProposalStatus,
    Repayment,
    RepaymentReversalProposal,
    RestructuringProposal,
    ScorecardAlert,
    ScorecardAlertStatus,
    ScorecardMonitoring,
    ScorecardVersion,
)
from customers.selectors import customer_get_for, customer_list_for, officers_visible_to
from risk.services import can_override as can_override_class

PAGE_SIZE = 50
DIMENSION_LABELS = {
    "financial_condition": gettext_lazy("Financial condition"),
    "debt_service": gettext_lazy("Debt-service capacity"),
    "operational_stability": gettext_lazy("Operational stability"),
    "development_prospects": gettext_lazy("Development prospects"),
    "qualitative": gettext_lazy("Qualitative (expert)"),
    "other": gettext_lazy("Other characteristics"),
}


def _require_credit_work(user) -> None:
    if not services.can_work_credit(user):
        raise PermissionDenied


# --- Statements and assessments -------------------------------------------------------------


def statement_add(request, customer_pk: int):
    customer = customer_get_for(request.user, customer_pk)
    _require_credit_work(request.user)
    form = StatementForm(request.POST or None, customer=customer)
    if request.method == "POST" and form.is_valid():
        try:
            services.statement_record(actor=request.user, statement=form.instance)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Statement recorded."))
            return redirect("credit:assess", customer_pk=customer.pk)
    return render(
        request,
        "credit/statement_form.html",
        {"form": form, "customer": customer},
        # A POST that is not saved comes back with the reasons next to the fields.
        status=refusal_status(request),
    )


def assess(request, customer_pk: int):
    """Starts a credit assessment from the customer (or an application, ?application=ID)."""
    customer = customer_get_for(request.user, customer_pk)
    _require_credit_work(request.user)
    try:
        version = services.scorecard_in_force(customer.kind)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("customers:detail", pk=customer.pk)
    application = None
    if request.GET.get("application") or request.POST.get("application"):
        application = selectors.application_get_for(
            request.user, request.GET.get("application") or request.POST.get("application")
        )
        if application.customer_id != customer.pk:
            raise PermissionDenied
    prefill, statement = services.assessment_prefill(customer)
    form = AssessmentForm(
        request.POST or None, definition=version.definition, initial_inputs=prefill
    )
    if request.method == "POST" and form.is_valid():
        try:
            assessment = services.assessment_create(
                actor=request.user,
                customer=customer,
                inputs=form.inputs(),
                expert_comments=form.comments(),
                statement=statement,
                application=application,
            )
        except ValidationError as error:
            for key, field_errors in error.message_dict.items():
                target = f"{key}__comment" if f"{key}__comment" in form.fields else None
                form.add_error(target, field_errors)
        else:
            messages.success(
                request,
                _("Assessment saved: grade %(grade)s, score %(score)s.")
                % {"grade": assessment.grade, "score": assessment.score},
            )
            return redirect("credit:assessment-detail", pk=assessment.pk)
    return render(
        request,
        "credit/assessment_form.html",
        {
            "form": form,
            "customer": customer,
            "version": version,
            "statement": statement,
            "application": application,
            "prefill": prefill,
        },
        status=refusal_status(request),
    )


def assessment_detail(request, pk: int):
    assessment = selectors.assessment_get_for(request.user, pk)
    result = services.assessment_rescore(assessment)
    factors = [
        {
            "factor": factor,
            "dimension": DIMENSION_LABELS.get(factor.dimension, factor.dimension),
            "value": assessment.inputs.get(factor.key),
            "stored": assessment.factor_points.get(factor.key),
            "comment": assessment.expert_comments.get(factor.key, ""),
        }
        for factor in result.factors
    ]
    return render(
        request,
        "credit/assessment_detail.html",
        {
            "assessment": assessment,
            "customer": assessment.customer,
            "factors": factors,
            "reproduced": result.score == assessment.score and result.grade == assessment.grade,
        },
    )


# --- Applications ---------------------------------------------------------------------------


def application_list(request):
    form = PipelineFilterForm(request.GET or None)
    applications = selectors.applications_for(request.user)
    now = timezone.now()
    counts = selectors.pipeline_counts(applications, now)
    refused = form.is_bound and not form.is_valid()
    filters = {} if refused else form.cleaned_data if form.is_bound else {}
    applications = selectors.application_filter(applications, filters)
    # A filter value the form cannot read shows no rows (with the error), not the others.
    rows = [] if refused else list(applications.order_by("-status_changed_at", "-id")[:PAGE_SIZE])
    stages = [
        (status, label, counts[status], status not in OPEN_APPLICATION_STATUSES)
        for status, label in ApplicationStatus.choices
    ]
    return render(
        request,
        "credit/application_list.html",
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
            return redirect("credit:application-detail", pk=application.pk)
    offers = [
        (product, services.offer_for(product, customer.grade))
        for product in form.fields["product"].queryset
    ]
    return render(
        request,
        "credit/application_form.html",
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
            return redirect("credit:application-detail", pk=application.pk)
    offers = [
        (product, services.offer_for(product, application.customer.grade))
        for product in form.fields["product"].queryset
    ]
    return render(
        request,
        "credit/application_form.html",
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
    context = {
        "application": application,
        "customer": application.customer,
        "offer": offer,
        "stages": selectors.stage_times(application, timezone.now()),
        "notifications": list(application.notifications.all()),
        "assessment": application.assessments.select_related("scorecard").first()
        or application.customer.assessments.first(),
        "collateral": collateral,
        "collateral_total": sum((c.value for c in collateral), 0),
        "guarantors": list(application.guarantors.select_related("guarantor_customer")),
        "loan": getattr(application, "loan", None) if status == "disbursed" else None,
        "can_edit": services.can_work_credit(user) and status == "draft",
        "can_secure": services.can_work_credit(user)
        and status in ("draft", "submitted", "under_review"),
        "can_submit": services.can_work_credit(user) and status == "draft",
        "can_decide": services.can_decide(user, application),
        # Why a maker sees no decision buttons (maker-checker), or None.
        "maker_refusal": services.MAKER_REFUSALS.get(services.maker_part(user, application)),
        "disburse_refusal": services.DISBURSE_REFUSAL,
        "can_withdraw": (services.can_work_credit(user) or user.role == "admin")
        and status in OPEN_APPLICATION_STATUSES,
        "can_disburse": services.can_decide(user, application) and status == "approved",
        "decision_form": DecisionForm(
            initial={
                "amount": application.amount,
                "term_months": application.term_months,
                "rate": offer.get("rate"),
            }
        ),
        "reason_form": ReasonForm(),
        **(forms or {}),
    }
    return render(request, "credit/application_detail.html", context, status=http_status)


FORM_SLOTS = {"DecisionForm": "decision_form", "ReasonForm": "reason_form"}


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
        return redirect("credit:loan-detail", pk=result.pk)
    return redirect("credit:application-detail", pk=application.pk)


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
            return redirect("credit:application-detail", pk=application.pk)
    return render(
        request,
        "credit/application_child_form.html",
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
            return redirect("credit:application-detail", pk=application.pk)
    return render(
        request,
        "credit/application_child_form.html",
        {"form": form, "application": application, "title": _("Add a guarantor")},
        # A POST that is not saved comes back with the reasons next to the fields.
        status=refusal_status(request),
    )


# --- Loans ----------------------------------------------------------------------------------


def _filtered_loans(request):
    form = LoanFilterForm(request.GET or None, officers=officers_visible_to(request.user))
    filters = form.cleaned_data if form.is_valid() else {}
    loans = selectors.loan_filter(selectors.loans_for(request.user), filters)
    return form, loans.order_by("-disbursed_on", "-id"), filters


def _refused_loan_filters(request, form):
    """A filter value the form cannot read: the list says which, next to the field, and shows
    no rows (rows filtered by the other values only would pass for the ones asked for)."""
    return render(
        request,
        "credit/loan_list.html",
        {"form": form, "loans": [], "page": 1, "business_date": business_date()},
        status=400,
    )


def loan_list(request):
    form, loans, filters = _filtered_loans(request)
    if form.is_bound and not form.is_valid():
        return _refused_loan_filters(request, form)
    page = filters.get("page") or 1
    rows = list(loans[(page - 1) * PAGE_SIZE : page * PAGE_SIZE + 1])
    query = {key: value for key, value in request.GET.items() if key != "page" and value}
    return render(
        request,
        "credit/loan_list.html",
        {
            "form": form,
            "loans": selectors.loans_with_dpd(rows[:PAGE_SIZE]),
            "has_next": len(rows) > PAGE_SIZE,
            "page": page,
            "query": urlencode(query),
            "business_date": business_date(),
        },
    )


def loan_export(request, fmt: str):
    if fmt not in exports.FORMATS:
        raise Http404
    form, loans, _filters = _filtered_loans(request)
    if form.is_bound and not form.is_valid():
        return _refused_loan_filters(request, form)
    audit_log(
        actor=request.user,
        action="credit.loan.exported",
        object_type="credit.loan",
        after={"format": fmt, "query": request.GET.urlencode()},
    )
    return exports.export(
        fmt,
        loans.select_related("customer__officer", "customer__branch", "risk"),
        loan_columns(),
        stem="loans",
        sheet=_("Loans"),
    )


def loan_columns():
    return [
        (_("Account"), lambda loan: loan.account_number),
        (_("Customer"), lambda loan: loan.customer.name),
        (_("Product"), lambda loan: _(loan.product.name)),
        (_("Amount disbursed"), lambda loan: loan.principal),
        (_("Outstanding principal"), lambda loan: loan.outstanding_principal),
        (_("Annual rate"), lambda loan: loan.annual_rate),
        (_("Disbursed"), lambda loan: loan.disbursed_on.isoformat()),
        (_("Maturity"), lambda loan: loan.maturity_date.isoformat()),
        (_("Days past due"), lambda loan: getattr(getattr(loan, "risk", None), "dpd", "")),
        (
            _("Class"),
            lambda loan: loan.risk.get_final_class_display() if getattr(loan, "risk", None) else "",
        ),
        (_("Status"), lambda loan: loan.get_status_display()),
        (_("Relationship manager"), lambda loan: str(loan.customer.officer)),
        (_("Branch"), lambda loan: str(loan.customer.branch)),
    ]


def loan_detail(request, pk: int):
    return _render_loan(request, selectors.loan_get_for(request.user, pk))


def _render_loan(request, loan, *, forms: dict | None = None, http_status: int = 200):
    on = business_date()
    rows = selectors.current_schedule(loan)
    collateral = list(loan.application.collateral.all())
    collateral_total = sum((c.value for c in collateral), 0)
    repayments = list(loan.repayments.select_related("posted_by", "reversed_by"))
    totals = loan.instalments.filter(
        schedule_version=loan.schedule_version, superseded=False
    ).aggregate(principal=Sum("principal_due"), interest=Sum("interest_due"))
    user = request.user
    restructuring_proposal = (
        loan.restructuring_proposals.filter(status=ProposalStatus.PENDING)
        .select_related("proposed_by")
        .first()
    )
    reversal_proposal = (
        loan.reversal_proposals.filter(status=ProposalStatus.PENDING)
        .select_related("proposed_by", "repayment")
        .first()
    )
    return render(
        request,
        "credit/loan_detail.html",
        {
            "loan": loan,
            "customer": loan.customer,
            "business_date": on,
            "dpd": selectors.loan_dpd(loan, rows, on),
            "schedule": [(row, row.state_on(on)) for row in rows],
            "totals": totals,
            "repayments": repayments,
            "latest_repayment": next((r for r in repayments if not r.reversed_at), None),
            "collateral": collateral,
            "ltv": (loan.outstanding_principal / collateral_total).quantize(Decimal("0.0001"))
            if collateral_total
            else None,
            "guarantors": list(loan.application.guarantors.select_related("guarantor_customer")),
            "restructurings": list(
                loan.restructurings.select_related("decided_by", "proposal__proposed_by")
            ),
            "can_post": services.can_service_loans(request.user) and loan.status == "active",
            # Four eyes: officers and managers propose a restructuring or a reversal; another
            # person with the authority approves or rejects it; the proposer may withdraw it.
            "can_propose": services.can_service_loans(user),
            "restructuring_proposal": restructuring_proposal,
            "reversal_proposal": reversal_proposal,
            "can_decide_restructuring": restructuring_proposal is not None
            and services.can_decide_loan_change(user, loan, restructuring_proposal),
            "can_decide_reversal": reversal_proposal is not None
            and services.can_decide_loan_change(user, loan, reversal_proposal),
            "proposer_refusal": services.PROPOSER_REFUSAL,
            "can_override": can_override_class(request.user),
            "repayment_form": RepaymentForm(initial={"paid_on": on}),
            "restructure_form": RestructureForm(initial={"new_rate": loan.annual_rate}),
            "reason_form": ReasonForm(),
            "restructuring_reject_form": ReasonForm(prefix="restructuring"),
            "reversal_reject_form": ReasonForm(prefix="reversal"),
            **(forms or {}),
        },
        status=http_status,
    )


LOAN_FORM_SLOTS = {
    "RepaymentForm": "repayment_form",
    "RestructureForm": "restructure_form",
    "ReasonForm": "reason_form",
    # Shown with its errors under the collateral item whose URL it was posted to.
    "RevalueForm": "revalue_form",
}


def _loan_action(
    request,
    pk: int,
    form_class,
    action,
    success,
    *,
    anchor: str = "repayments",
    refusals_on_top: bool = False,
):
    """Shared POST flow of the loan page; bad input or a refused payment answers 400 with
    the page and the reason next to the field (never a half-posted payment). `success` is
    the message, or makes it from what the action returned. With `refusals_on_top`, a
    refusal that names no field goes above the page: the form may not be on it any more (a
    proposal waits in its place)."""
    loan = selectors.loan_get_for(request.user, pk)
    form = form_class(request.POST)
    slot = (
        {LOAN_FORM_SLOTS[form_class.__name__]: form}
        if (form_class.__name__ in LOAN_FORM_SLOTS)
        else {}
    )
    if form.is_valid():
        try:
            result = action(loan, form.cleaned_data)
        except ValidationError as error:
            if refusals_on_top and not hasattr(error, "error_dict"):
                messages.error(request, " ".join(error.messages))
            else:
                apply_service_errors(form, error)
        else:
            messages.success(request, success(result) if callable(success) else success)
            return redirect(f"{reverse('credit:loan-detail', args=[loan.pk])}#{anchor}")
    if not slot:
        messages.error(request, "; ".join(" ".join(errors) for errors in form.errors.values()))
    loan.refresh_from_db()
    return _render_loan(request, loan, forms=slot, http_status=400)


@require_POST
def repayment_post(request, pk: int):
    return _loan_action(
        request,
        pk,
        RepaymentForm,
        lambda loan, data: services.repayment_post(
            actor=request.user,
            loan=loan,
            amount=data["amount"],
            paid_on=data["paid_on"],
            channel=data["channel"],
            reference=data["reference"],
            allow_prepayment=data["allow_prepayment"],
        ),
        _("Payment posted."),
    )


def _proposed(created_message: str, again_message: str):
    """The success message of a proposing step: new, or the same form sent again (which
    adds nothing: the proposal already waits)."""
    return lambda result: created_message if result[1] else again_message


@require_POST
def repayment_reverse(request, pk: int, repayment_pk: int):
    """Proposes the reversal of a payment; it takes effect when someone else approves it."""
    loan = selectors.loan_get_for(request.user, pk)
    repayment = get_object_or_404(Repayment, pk=repayment_pk, loan=loan)
    return _loan_action(
        request,
        pk,
        ReasonForm,
        lambda loan, data: services.repayment_reversal_propose(
            actor=request.user, repayment=repayment, reason=data["reason"]
        ),
        _proposed(
            _("Reversal proposed: it takes effect when a manager other than you approves it."),
            _("This reversal already awaits approval; nothing was added."),
        ),
        refusals_on_top=True,
    )


@require_POST
def loan_restructure(request, pk: int):
    """Proposes new terms; they take effect when someone else approves them."""
    return _loan_action(
        request,
        pk,
        RestructureForm,
        lambda loan, data: services.restructuring_propose(
            actor=request.user,
            loan=loan,
            new_term_months=data["new_term_months"],
            new_rate=data["new_rate"],
            reason=data["reason"],
        ),
        _proposed(
            _(
                "Restructuring proposed: the new terms take effect when a manager other than "
                "you approves them."
            ),
            _("This restructuring already awaits approval; nothing was added."),
        ),
        anchor="restructuring",
        refusals_on_top=True,
    )


def _proposal_step(
    request, pk: int, proposal_pk: int, model, step, *, success: str, anchor: str, form=None
):
    """Approve, reject or withdraw a proposal from the loan page: scope (404 for the loan
    and for a proposal of another loan), form, one service call. A refusal answers with the
    page and the reason: 403 for a proposer deciding their own, 400 otherwise; nothing
    changed. A reject form's prefix names its slot on the page (restructuring_reject_form,
    reversal_reject_form)."""
    loan = selectors.loan_get_for(request.user, pk)
    proposal = get_object_or_404(model, pk=proposal_pk, loan=loan)
    slots = {f"{form.prefix}_reject_form": form} if form is not None else {}
    http_status = 400
    if form is None or form.is_valid():
        try:
            step(proposal, form.cleaned_data if form is not None else {})
        except services.FourEyesRefused as refusal:
            messages.error(request, str(refusal))
            http_status = 403
        except ValidationError as error:
            if form is not None and hasattr(error, "error_dict"):
                apply_service_errors(form, error)
            else:
                # Decided or withdrawn meanwhile: the proposal is gone from the page.
                messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, success)
            return redirect(f"{reverse('credit:loan-detail', args=[loan.pk])}#{anchor}")
    loan.refresh_from_db()
    return _render_loan(request, loan, forms=slots, http_status=http_status)


@require_POST
def restructuring_approve(request, pk: int, proposal_pk: int):
    return _proposal_step(
        request,
        pk,
        proposal_pk,
        RestructuringProposal,
        lambda proposal, data: services.restructuring_approve(
            actor=request.user, proposal=proposal
        ),
        success=_("Restructuring approved: the new schedule is in force."),
        anchor="restructuring",
    )


@require_POST
def restructuring_reject(request, pk: int, proposal_pk: int):
    return _proposal_step(
        request,
        pk,
        proposal_pk,
        RestructuringProposal,
        lambda proposal, data: services.loan_change_reject(
            actor=request.user, proposal=proposal, reason=data["reason"]
        ),
        success=_("Restructuring rejected: the loan keeps its terms."),
        anchor="restructuring",
        form=ReasonForm(request.POST, prefix="restructuring"),
    )


@require_POST
def restructuring_withdraw(request, pk: int, proposal_pk: int):
    return _proposal_step(
        request,
        pk,
        proposal_pk,
        RestructuringProposal,
        lambda proposal, data: services.loan_change_withdraw(actor=request.user, proposal=proposal),
        success=_("Restructuring proposal withdrawn."),
        anchor="restructuring",
    )


@require_POST
def reversal_approve(request, pk: int, proposal_pk: int):
    return _proposal_step(
        request,
        pk,
        proposal_pk,
        RepaymentReversalProposal,
        lambda proposal, data: services.repayment_reversal_approve(
            actor=request.user, proposal=proposal
        ),
        success=_("Payment reversed."),
        anchor="repayments",
    )


@require_POST
def reversal_reject(request, pk: int, proposal_pk: int):
    return _proposal_step(
        request,
        pk,
        proposal_pk,
        RepaymentReversalProposal,
        lambda proposal, data: services.loan_change_reject(
            actor=request.user, proposal=proposal, reason=data["reason"]
        ),
        success=_("Reversal rejected: the payment stands."),
        anchor="repayments",
        form=ReasonForm(request.POST, prefix="reversal"),
    )


@require_POST
def reversal_withdraw(request, pk: int, proposal_pk: int):
    return _proposal_step(
        request,
        pk,
        proposal_pk,
        RepaymentReversalProposal,
        lambda proposal, data: services.loan_change_withdraw(actor=request.user, proposal=proposal),
        success=_("Reversal proposal withdrawn."),
        anchor="repayments",
    )


@require_POST
def collateral_revalue(request, pk: int, collateral_pk: int):
    loan = selectors.loan_get_for(request.user, pk)
    collateral = get_object_or_404(Collateral, pk=collateral_pk, application=loan.application)
    return _loan_action(
        request,
        pk,
        RevalueForm,
        lambda loan, data: services.collateral_revalue(
            actor=request.user,
            collateral=collateral,
            value=data["value"],
            valued_on=data["valued_on"],
        ),
        _("Collateral revalued."),
    )


def portfolio_import(request):
    """Upload of core banking exports (loans, then repayments) by managers and admins."""
    if request.user.role not in ("manager", "admin"):
        raise PermissionDenied
    form = PortfolioImportForm(request.POST or None, request.FILES or None)
    reports = []
    http_status = 200
    if request.method == "POST":
        if form.is_valid():
            # Both files are read before either is imported: an unreadable repayments file
            # refuses the upload whole, loans included.
            readable = []
            for label, field, read, run in (
                (_("Loans"), "loans", importer.read_loans, importer.import_loans),
                (
                    _("Repayments"),
                    "repayments",
                    importer.read_repayments,
                    importer.import_repayments,
                ),
            ):
                upload = form.cleaned_data.get(field)
                if not upload:
                    continue
                try:
                    readable.append((label, read(upload.read(), upload.name), run))
                except importer.tabular.ImportFileError as error:
                    form.add_error(field, str(error))
                    http_status = 400
            if http_status == 200:
                reports = [
                    (label, run(actor=request.user, rows=rows, strict=form.cleaned_data["strict"]))
                    for label, rows, run in readable
                ]
        else:
            http_status = 400
    return render(
        request,
        "credit/portfolio_import.html",
        {
            "form": form,
            "reports": reports,
            "loan_columns": importer.LOAN_COLUMNS,
            "repayment_columns": importer.REPAYMENT_COLUMNS,
        },
        status=http_status,
    )


# --- Scorecards: monitoring and champion–challenger -------------------------------------------


def _require_monitoring(user) -> None:
    if not monitoring.can_monitor(user):
        raise PermissionDenied


def scorecard_list(request):
    _require_monitoring(request.user)
    versions = list(
        ScorecardVersion.objects.order_by("customer_kind", "-version").prefetch_related(
            Prefetch(
                "alerts",
                queryset=ScorecardAlert.objects.exclude(status=ScorecardAlertStatus.CLOSED),
                to_attr="active_alerts",
            ),
        )
    )
    # Only each version's latest month: the months before it stay in the database.
    latest = {
        report.version_id: report
        for report in ScorecardMonitoring.objects.order_by(
            "version_id", "-computed_for", "-id"
        ).distinct("version_id")
    }
    for version in versions:
        version.latest_report = latest.get(version.pk)
    return render(request, "credit/scorecard_list.html", {"versions": versions})


def _psi_chart(months: list[dict]) -> dict:
    """Bars of the monthly PSI on a scale that always shows the 0.25 line."""
    top = max([0.3, *(row["psi"] or 0 for row in months)])
    height = 120
    width = 28
    bars = []
    for index, row in enumerate(months):
        value = row["psi"] or 0
        bar_height = round(height * value / top, 1)
        bars.append(
            {
                "x": index * width + 4,
                "y": round(height - bar_height, 1),
                "height": bar_height,
                "width": width - 8,
                "band": row["band"],
                "label": row["month"][2:7],
                "psi": row["psi"],
            }
        )
    return {
        "bars": bars,
        "width": len(months) * width + 8,
        "height": height,
        "watch_y": round(height - height * 0.1 / top, 1),
        "shift_y": round(height - height * 0.25 / top, 1),
    }


def _monitoring_page(request, version, *, note_form=None, status=200):
    report = version.monitoring.order_by("-computed_for", "-id").first()
    alerts = list(version.alerts.select_related("acknowledged_by")[:10])
    return render(
        request,
        "credit/scorecard_monitoring.html",
        {
            "version": version,
            "report": report,
            "figures": report.figures if report else None,
            "chart": _psi_chart(report.figures["psi_months"]) if report else None,
            "alerts": alerts,
            "note_form": note_form or ReasonForm(),
            "min_month_rows": monitoring.MIN_MONTH_ROWS,
            "min_baseline_rows": monitoring.MIN_BASELINE_ROWS,
        },
        status=status,
    )


def scorecard_monitoring(request, pk: int):
    _require_monitoring(request.user)
    version = get_object_or_404(ScorecardVersion, pk=pk)
    return _monitoring_page(request, version)


@require_POST
def scorecard_monitoring_refresh(request, pk: int):
    _require_monitoring(request.user)
    version = get_object_or_404(ScorecardVersion, pk=pk)
    with transaction.atomic():
        report = monitoring.compute(version, as_of=business_date())
        alert = monitoring.raise_alert_if_shifted(report)
    audit_log(actor=request.user, action="credit.scorecard.monitoring_computed", obj=version)
    messages.success(
        request,
        _("Monitoring figures computed as of %(date)s.")
        % {"date": report.computed_for.isoformat()},
    )
    if alert is not None:
        messages.warning(request, _("The score PSI is above 0.25: an alert is open."))
    return redirect("credit:scorecard-monitoring", pk=version.pk)


@require_POST
def scorecard_alert_update(request, pk: int, action: str):
    _require_monitoring(request.user)
    alert = get_object_or_404(ScorecardAlert.objects.select_related("version"), pk=pk)
    moves = {"acknowledge": monitoring.alert_acknowledge, "close": monitoring.alert_close}
    if action not in moves:
        raise Http404
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            moves[action](actor=request.user, alert=alert, note=form.cleaned_data["reason"])
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Alert updated."))
            return redirect("credit:scorecard-monitoring", pk=alert.version_id)
    return _monitoring_page(request, alert.version, note_form=form, status=400)


def scorecard_compare(request, pk: int):
    _require_monitoring(request.user)
    version = get_object_or_404(ScorecardVersion, pk=pk)
    champion = challenger.champion_for(version)
    comparison = None
    if champion is not None and champion.pk != version.pk:
        comparison = challenger.compare(version, champion, request.user)
    return render(
        request,
        "credit/scorecard_compare.html",
        {"version": version, "champion": champion, "comparison": comparison},
    )
