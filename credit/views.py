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
from credit import challenger, importer, monitoring, selectors, services
from credit.business_date import business_date
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
    Repayment,
    ScorecardAlert,
    ScorecardAlertStatus,
    ScorecardMonitoring,
    ScorecardVersion,
)
from crm_site import exports
from crm_site.forms import apply_service_errors
from customers.selectors import customer_get_for, customer_list_for
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
    return render(request, "credit/statement_form.html", {"form": form, "customer": customer})


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
    filters = form.cleaned_data if form.is_valid() else {}
    if filters.get("status"):
        applications = applications.filter(status=filters["status"])
    else:
        applications = applications.filter(status__in=OPEN_APPLICATION_STATUSES)
    if filters.get("q"):
        applications = applications.filter(customer__name__icontains=filters["q"])
    if filters.get("branch"):
        applications = applications.filter(customer__branch=filters["branch"])
    rows = list(applications.order_by("-status_changed_at", "-id")[:PAGE_SIZE])
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
        },
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
        "is_submitter": application.submitted_by_id == user.pk,
        "can_withdraw": (services.can_work_credit(user) or user.role == "admin")
        and status in OPEN_APPLICATION_STATUSES,
        "can_disburse": user.role in ("manager", "admin") and status == "approved",
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
    )


# --- Loans ----------------------------------------------------------------------------------


def _filtered_loans(request):
    form = LoanFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    loans = selectors.loan_filter(selectors.loans_for(request.user), filters)
    return form, loans.order_by("-disbursed_on", "-id"), filters


def loan_list(request):
    form, loans, filters = _filtered_loans(request)
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
    _form, loans, _filters = _filtered_loans(request)
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
    can_manage = request.user.role in ("manager", "admin")
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
            "restructurings": list(loan.restructurings.select_related("decided_by")),
            "can_post": services.can_service_loans(request.user) and loan.status == "active",
            "can_manage": can_manage,
            "can_override": can_override_class(request.user),
            "repayment_form": RepaymentForm(initial={"paid_on": on}),
            "restructure_form": RestructureForm(initial={"new_rate": loan.annual_rate}),
            "reason_form": ReasonForm(),
            **(forms or {}),
        },
        status=http_status,
    )


LOAN_FORM_SLOTS = {
    "RepaymentForm": "repayment_form",
    "RestructureForm": "restructure_form",
    "ReasonForm": "reason_form",
}


def _loan_action(request, pk: int, form_class, action, success: str):
    """Shared POST flow of the loan page; bad input or a refused payment answers 400 with
    the page and the reason next to the field (never a half-posted payment)."""
    loan = selectors.loan_get_for(request.user, pk)
    form = form_class(request.POST)
    slot = (
        {LOAN_FORM_SLOTS[form_class.__name__]: form}
        if (form_class.__name__ in LOAN_FORM_SLOTS)
        else {}
    )
    if form.is_valid():
        try:
            action(loan, form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, success)
            return redirect(f"{reverse('credit:loan-detail', args=[loan.pk])}#repayments")
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


@require_POST
def repayment_reverse(request, pk: int, repayment_pk: int):
    loan = selectors.loan_get_for(request.user, pk)
    repayment = get_object_or_404(Repayment, pk=repayment_pk, loan=loan)
    return _loan_action(
        request,
        pk,
        ReasonForm,
        lambda loan, data: services.repayment_reverse(
            actor=request.user, repayment=repayment, reason=data["reason"]
        ),
        _("Payment reversed."),
    )


@require_POST
def loan_restructure(request, pk: int):
    return _loan_action(
        request,
        pk,
        RestructureForm,
        lambda loan, data: services.loan_restructure(
            actor=request.user,
            loan=loan,
            new_term_months=data["new_term_months"],
            new_rate=data["new_rate"],
            reason=data["reason"],
        ),
        _("Loan restructured: the new schedule is in force."),
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
                    rows = read(upload.read(), upload.name)
                except importer.tabular.ImportFileError as error:
                    form.add_error(field, str(error))
                    http_status = 400
                    break
                reports.append(
                    (label, run(actor=request.user, rows=rows, strict=form.cleaned_data["strict"]))
                )
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
