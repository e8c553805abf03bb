"""Post-loan inspections (issue 24, part 2): recording what an inspection found.

The inspections themselves are created by the nightly step (lending.inspections); the officer
records one finding per checklist item, the conclusion and the day of the visit. Recording
closes the inspection (audited) and schedules the loan's next one in the same transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import audit_log
from core.business_date import business_date
from lending import policies
from lending.inspection_models import (
    FindingResult,
    Inspection,
    InspectionFinding,
    InspectionStatus,
)
from lending.inspections import inspections_schedule


@dataclass(frozen=True)
class Finding:
    topic: str
    question: str
    result: str
    note: str


@transaction.atomic
def inspection_record(
    *,
    actor: User,
    inspection: Inspection,
    inspected_on: dt.date,
    conclusion: str,
    summary: str,
    findings: list[Finding],
) -> Inspection:
    """Records the inspection's findings and closes it; a ValidationError (nothing written)
    for an inspection already recorded, a visit day in the future or before disbursement,
    or a concern without a note."""
    if not policies.may_record_inspection(actor):
        raise PermissionDenied
    locked = Inspection.objects.select_for_update().select_related("loan").get(pk=inspection.pk)
    if locked.status != InspectionStatus.DUE:
        raise ValidationError(_("This inspection has already been recorded."))
    if inspected_on > business_date():
        raise ValidationError({"inspected_on": _("The inspection cannot be in the future.")})
    if inspected_on < locked.loan.disbursed_on:
        raise ValidationError(
            {"inspected_on": _("The inspection cannot be before the loan was disbursed.")}
        )
    if not findings:
        raise ValidationError(_("Record a finding for each item of the checklist."))
    for finding in findings:
        if finding.result == FindingResult.CONCERN and not finding.note.strip():
            raise ValidationError(
                _("Say what the concern is: %(question)s") % {"question": finding.question}
            )
    InspectionFinding.objects.bulk_create(
        InspectionFinding(
            inspection=locked,
            topic=finding.topic,
            question=finding.question,
            result=finding.result,
            note=finding.note.strip(),
            position=position,
        )
        for position, finding in enumerate(findings)
    )
    locked.status = InspectionStatus.COMPLETED
    locked.inspected_on = inspected_on
    locked.conclusion = conclusion
    locked.summary = summary.strip()
    locked.completed_by = actor
    locked.save(update_fields=["status", "inspected_on", "conclusion", "summary", "completed_by"])
    audit_log(
        actor=actor,
        action="lending.inspection.recorded",
        obj=locked,
        before={"status": InspectionStatus.DUE},
        after={
            "status": locked.status,
            "loan": locked.loan_id,
            "inspected_on": inspected_on.isoformat(),
            "conclusion": conclusion,
            "concerns": sum(1 for f in findings if f.result == FindingResult.CONCERN),
        },
    )
    # The loan's next inspection, at once rather than the next night.
    inspections_schedule(first_id=locked.customer_id, last_id=locked.customer_id)
    return locked
