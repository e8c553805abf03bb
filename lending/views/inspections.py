"""Post-loan inspections: the officer's list of those due, and an inspection's page with its
form, its findings, the evidence (documents) and, for a finding of concern, the button that
raises a manual risk signal. Scope first (404 for an inspection the user may not see); bad
input answers 400 with the reason next to the field and records nothing."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.business_date import business_date
from core.forms import apply_service_errors
from lending import policies
from lending.inspection_forms import InspectionForm, checklist_of
from lending.inspection_models import FindingResult, InspectionStatus
from lending.inspections import inspection_get_for, inspections_due_for
from lending.services import inspections as inspection_services


def inspections_due(request):
    on = business_date()
    return render(
        request,
        "lending/inspection_list.html",
        {"inspections": inspections_due_for(request.user, on=on), "on": on},
    )


def inspection_detail(request, pk: int):
    inspection = inspection_get_for(request.user, pk)
    can_record = inspection.status == InspectionStatus.DUE and policies.may_record_inspection(
        request.user
    )
    form = None
    status = 200
    if can_record:
        form = InspectionForm(
            request.POST or None,
            checklist=checklist_of(inspection.loan.product),
            initial={"inspected_on": business_date()},
        )
    if request.method == "POST":
        if not can_record:
            if inspection.status != InspectionStatus.DUE:
                messages.error(request, _("This inspection has already been recorded."))
                return redirect("lending:inspection-detail", pk=inspection.pk)
            raise PermissionDenied
        if form.is_valid():
            try:
                inspection_services.inspection_record(
                    actor=request.user,
                    inspection=inspection,
                    inspected_on=form.cleaned_data["inspected_on"],
                    conclusion=form.cleaned_data["conclusion"],
                    summary=form.cleaned_data["summary"],
                    findings=form.findings(),
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("Inspection recorded."))
                return redirect("lending:inspection-detail", pk=inspection.pk)
        status = 400
    findings = list(inspection.findings.all()) if inspection.status != InspectionStatus.DUE else []
    return render(
        request,
        "lending/inspection_detail.html",
        {
            "inspection": inspection,
            "form": form,
            "findings": findings,
            "concerns": [f for f in findings if f.result == FindingResult.CONCERN],
            # Officers and managers may also raise signals (risk.policies.may_raise_signal).
            "can_raise_signal": policies.may_record_inspection(request.user),
            "on": business_date(),
        },
        status=status,
    )
