from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.forms import apply_service_errors, refusal_status
from credit import challenger, monitoring, policies, selectors, services
from credit.assessment_wording import (
    DIMENSION_LABELS,
    assessment_dimensions,
    assessment_reasons,
    input_shown,
)
from credit.forms import AssessmentForm, ReasonForm, StatementForm
from credit.models import (
    ScorecardAlert,
    ScorecardAlertStatus,
    ScorecardMonitoring,
    ScorecardVersion,
)
from customers.selectors import customer_get_for


def _require_credit_work(user) -> None:
    if not policies.may_work_credit(user):
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
        application = selectors.assessment_application_get_for(
            request.user,
            customer,
            request.GET.get("application") or request.POST.get("application"),
        )
    prefill, statement = services.assessment_prefill(customer)
    form = AssessmentForm(
        request.POST or None,
        definition=version.definition,
        initial_inputs=prefill,
        statement=statement,
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
            "value": input_shown(assessment.inputs.get(factor.key), factor.bin_label),
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
            "base_points": assessment.scorecard.definition.get("base_points", 0),
            "dimensions": assessment_dimensions(
                assessment.scorecard.definition, assessment.factor_points
            ),
            "reasons": assessment_reasons(
                assessment.scorecard.definition, assessment.inputs, assessment.factor_points
            ),
        },
    )


# --- Scorecards: monitoring and champion–challenger -------------------------------------------


def _require_monitoring(user) -> None:
    if not policies.may_monitor_scorecards(user):
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
    report, alert = services.scorecard_monitoring_refresh(actor=request.user, version=version)
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
