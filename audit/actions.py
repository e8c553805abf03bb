"""Human names of the audit trail's action codes, in the reader's language.

An action code is `<subject>.<event>`: "accounts.user.logged_in" is the event "logged_in" of
the subject "accounts.user". The trail keeps the codes (they are append-only, and searches
and scripts read them); people read "User: signed in" / "用户：已登录". A subject without a
name here is named by its model when it is one (reference data saved through admin, e.g.
"customers.industry.created"); a code neither names is shown as stored, and
tests/audit/test_action_names.py fails on every code the product writes that has no name.
"""

from __future__ import annotations

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.text import capfirst
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

# The subjects the services write; several keep the app they were written under before the
# lending move ("credit.application"), since the append-only trail cannot rename them.
SUBJECTS = {
    "accounts.user": _("User"),
    "accounts.branch": _("Branch"),
    "customers.customer": _("Customer"),
    "customers.contact": _("Contact person"),
    "customers.needs": _("Needs profile"),
    "customers.interaction": _("Interaction"),
    "customers.follow_up": _("Follow-up"),
    "customers.complaint": _("Complaint"),
    "customers.survey": _("Satisfaction survey"),
    "customers.watch_list": _("Watch list"),
    "customers.screening_hit": _("Screening hit"),
    "customers.relation": _("Related-party link"),
    "customers.group": _("Customer group"),
    "customers.document": _("Document"),
    "credit.statement": _("Financial statement"),
    "credit.assessment": _("Credit assessment"),
    "credit.scorecard": _("Scorecard"),
    "credit.scorecard_alert": _("Scorecard monitoring alert"),
    "credit.application": _("Loan application"),
    "credit.loan": _("Loan account"),
    "credit.repayment": _("Repayment"),
    "credit.collateral": _("Collateral"),
    "credit.guarantor": _("Guarantor"),
    "lending.facility": _("Credit facility"),
    "lending.reminder_opt_out": _("Payment reminders"),
    "lending.collection_case": _("Collection case"),
    "lending.legal_case": _("Legal case"),
    "lending.inspection": _("Post-loan inspection"),
    "credit.bureau_consent": _("Credit bureau consent"),
    "credit.bureau_report": _("Credit bureau report"),
    "risk.alert": _("Alert"),
    "risk.signal": _("Manual signal"),
    "risk.classification": _("Five-tier classification"),
    "risk.conduct_alert": _("Conduct alert"),
    "risk.jobrun": _("Job run"),
    "risk.provision_run": _("Month-end provision run"),
    "dashboards.report": _("Report"),
}


# Past participles such as "updated" are also fields' names elsewhere ("更新时间"): the events
# have a context of their own in the catalogue.
EVENTS = {
    # Records.
    "created": pgettext_lazy("audit event", "created"),
    "updated": pgettext_lazy("audit event", "updated"),
    "recorded": pgettext_lazy("audit event", "recorded"),
    "added": pgettext_lazy("audit event", "added"),
    "viewed": pgettext_lazy("audit event", "viewed"),
    "downloaded": pgettext_lazy("audit event", "downloaded"),
    "exported": pgettext_lazy("audit event", "exported"),
    "imported": pgettext_lazy("audit event", "imported"),
    "logged": pgettext_lazy("audit event", "logged"),
    "voided": pgettext_lazy("audit event", "voided"),
    # Sign-in and the account.
    "logged_in": pgettext_lazy("audit event", "signed in"),
    "logged_out": pgettext_lazy("audit event", "signed out"),
    "password_changed": pgettext_lazy("audit event", "password changed"),
    "language_changed": pgettext_lazy("audit event", "language changed"),
    "two_factor_enrolment_started": pgettext_lazy("audit event", "two-factor set-up started"),
    "two_factor_enabled": pgettext_lazy("audit event", "two-factor authentication turned on"),
    "two_factor_disabled": pgettext_lazy("audit event", "two-factor authentication turned off"),
    "two_factor_reset": pgettext_lazy("audit event", "two-factor authentication reset"),
    "two_factor_verified": pgettext_lazy("audit event", "two-factor code accepted"),
    "two_factor_code_rejected": pgettext_lazy("audit event", "two-factor code refused"),
    "two_factor_password_rejected": pgettext_lazy(
        "audit event", "password refused at two-factor step"
    ),
    "two_factor_throttled": pgettext_lazy("audit event", "two-factor attempts throttled"),
    # Customers.
    "transferred": pgettext_lazy("audit event", "transferred to another officer"),
    "identifier_revealed": pgettext_lazy("audit event", "identifier revealed"),
    "graded": pgettext_lazy("audit event", "graded"),
    "duplicate_attempted": pgettext_lazy("audit event", "duplicate entry attempted"),
    "planned": pgettext_lazy("audit event", "planned"),
    "reopened": pgettext_lazy("audit event", "reopened"),
    "done": pgettext_lazy("audit event", "done"),
    "cancelled": pgettext_lazy("audit event", "cancelled"),
    # Watch-list screening (customers.screening_models.HitStatus).
    "confirmed": pgettext_lazy("audit event", "confirmed as a match"),
    "clearing_proposed": pgettext_lazy("audit event", "clearing proposed"),
    "cleared": pgettext_lazy("audit event", "cleared as a false positive"),
    "clearing_rejected": pgettext_lazy("audit event", "clearing rejected"),
    # Related parties and groups.
    "ended": pgettext_lazy("audit event", "ended"),
    "member_added": pgettext_lazy("audit event", "member added"),
    "member_removed": pgettext_lazy("audit event", "member removed"),
    # Scorecards and assessments.
    "drafted": pgettext_lazy("audit event", "drafted"),
    "draft_updated": pgettext_lazy("audit event", "draft updated"),
    "published": pgettext_lazy("audit event", "published"),
    "monitoring_computed": pgettext_lazy("audit event", "monitoring computed"),
    "refreshed": pgettext_lazy("audit event", "refreshed"),
    # Applications (lending.models.ApplicationStatus) and loans.
    "draft": pgettext_lazy("audit event", "saved as draft"),
    "submitted": pgettext_lazy("audit event", "submitted"),
    "under_review": pgettext_lazy("audit event", "review started"),
    "approved": pgettext_lazy("audit event", "approved"),
    "rejected": pgettext_lazy("audit event", "rejected"),
    "withdrawn": pgettext_lazy("audit event", "withdrawn"),
    "disbursed": pgettext_lazy("audit event", "disbursed"),
    # Collection cases (lending.collection_models.CollectionCase).
    "opened": pgettext_lazy("audit event", "opened"),
    "stage_changed": pgettext_lazy("audit event", "moved to another stage"),
    "contact_recorded": pgettext_lazy("audit event", "contact attempt recorded"),
    "promise_recorded": pgettext_lazy("audit event", "promise to pay recorded"),
    # Legal cases of collections (lending.legal_models.LegalCase).
    "filed": pgettext_lazy("audit event", "filed with the court"),
    "judgment_recorded": pgettext_lazy("audit event", "judgment recorded"),
    "enforcement_recorded": pgettext_lazy("audit event", "enforcement recorded"),
    "asset_preserved": pgettext_lazy("audit event", "preserved asset recorded"),
    "cost_recorded": pgettext_lazy("audit event", "legal cost recorded"),
    "recovery_recorded": pgettext_lazy("audit event", "recovery recorded"),
    # A customer's payment reminders (lending.reminder_models.ReminderOptOut).
    "opted_out": pgettext_lazy("audit event", "customer opted out of a channel"),
    "opted_in": pgettext_lazy("audit event", "customer opted back in to a channel"),
    "recommended": pgettext_lazy("audit event", "recommended to the next authority level"),
    "deleted": pgettext_lazy("audit event", "deleted"),
    "posted": pgettext_lazy("audit event", "posted"),
    "reversed": pgettext_lazy("audit event", "reversed"),
    "reversal_proposed": pgettext_lazy("audit event", "reversal proposed"),
    "reversal_approved": pgettext_lazy("audit event", "reversal approved"),
    "reversal_rejected": pgettext_lazy("audit event", "reversal rejected"),
    "reversal_withdrawn": pgettext_lazy("audit event", "reversal withdrawn"),
    "restructured": pgettext_lazy("audit event", "restructured"),
    "restructuring_proposed": pgettext_lazy("audit event", "restructuring proposed"),
    "restructuring_approved": pgettext_lazy("audit event", "restructuring approved"),
    "restructuring_rejected": pgettext_lazy("audit event", "restructuring rejected"),
    "restructuring_withdrawn": pgettext_lazy("audit event", "restructuring withdrawn"),
    "write_off_proposed": pgettext_lazy("audit event", "write-off proposed"),
    "write_off_approved": pgettext_lazy("audit event", "written off"),
    "write_off_rejected": pgettext_lazy("audit event", "write-off rejected"),
    "write_off_withdrawn": pgettext_lazy("audit event", "write-off withdrawn"),
    "write_off_recovery_recorded": pgettext_lazy(
        "audit event", "recovery after write-off recorded"
    ),
    "write_off_reversal_proposed": pgettext_lazy("audit event", "write-off reversal proposed"),
    "write_off_reversal_approved": pgettext_lazy(
        "audit event", "write-off reversed: back on the book"
    ),
    "write_off_reversal_rejected": pgettext_lazy("audit event", "write-off reversal rejected"),
    "write_off_reversal_withdrawn": pgettext_lazy("audit event", "write-off reversal withdrawn"),
    "revalued": pgettext_lazy("audit event", "revalued"),
    # Credit facilities (lending.facility_models.FacilityStatus) and the raises of a limit.
    "proposed": pgettext_lazy("audit event", "proposed"),
    "activated": pgettext_lazy("audit event", "activated"),
    "frozen": pgettext_lazy("audit event", "frozen"),
    "unfrozen": pgettext_lazy("audit event", "freeze lifted"),
    "expired": pgettext_lazy("audit event", "expired"),
    "limit_change_proposed": pgettext_lazy("audit event", "limit raise proposed"),
    "review_recorded": pgettext_lazy("audit event", "annual review recorded"),
    "limit_change_approved": pgettext_lazy("audit event", "limit raise approved"),
    "limit_change_rejected": pgettext_lazy("audit event", "limit raise rejected"),
    # Alerts (risk.models.AlertStatus), signals and classifications.
    "raised": pgettext_lazy("audit event", "raised"),
    "open": pgettext_lazy("audit event", "reopened"),
    "acknowledged": pgettext_lazy("audit event", "acknowledged"),
    "in_progress": pgettext_lazy("audit event", "in progress"),
    "resolved": pgettext_lazy("audit event", "resolved"),
    "dismissed": pgettext_lazy("audit event", "dismissed"),
    "closed": pgettext_lazy("audit event", "closed"),
    "escalated": pgettext_lazy("audit event", "escalated"),
    "assigned": pgettext_lazy("audit event", "assigned"),
    "action_recorded": pgettext_lazy("audit event", "response recorded"),
    "overridden": pgettext_lazy("audit event", "overridden"),
    "override_proposed": pgettext_lazy("audit event", "override proposed"),
    "override_approved": pgettext_lazy("audit event", "override approved"),
    "override_rejected": pgettext_lazy("audit event", "override rejected"),
    "override_withdrawn": pgettext_lazy("audit event", "override withdrawn"),
    "override_cleared": pgettext_lazy("audit event", "override ended"),
    "released": pgettext_lazy("audit event", "released by an operator"),
}


def subject_name(subject: str) -> str | None:
    """The subject's name: the registry's, else its model's (reference data in admin)."""
    if subject in SUBJECTS:
        return str(SUBJECTS[subject])
    try:
        model = apps.get_model(subject)
    except (LookupError, ValueError):
        return None
    return str(capfirst(model._meta.verbose_name))


def action_name(code: str) -> str:
    """ "accounts.user.logged_in" → "User: signed in"; an unknown code as it is stored."""
    subject, _dot, event = code.rpartition(".")
    subject_shown = subject_name(subject)
    if subject_shown is None or event not in EVENTS:
        return code
    return gettext("%(subject)s: %(event)s") % {"subject": subject_shown, "event": EVENTS[event]}


def object_type_name(object_type: str) -> str:
    """ "customers.customer" → "Customer"; an unknown type as it is stored."""
    return subject_name(object_type) or object_type


def model_for(object_type: str):
    """The model an object type names: its label, or the `credit.<model>` a moved model's
    rows keep (lending.models.MovedFromCredit); None for a type that is no model."""
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        pass
    model_name = object_type.partition(".")[2]
    for model in apps.get_models():
        if model._meta.model_name == model_name and isinstance(
            getattr(model, "audit_object_type", None), property
        ):
            return model
    return None


# Details an event records beside the row's own fields, named as people read them (a key
# no model field and no entry here names is shown as stored).
DETAIL_NAMES = {
    "sublimit_by_product": _("product sublimits"),
    "new_limit": _("new limit"),
    "note": _("note"),
}


def _value_shown(field, value) -> str:
    if value is None or value == "":
        return "—"
    if field is not None and field.choices:
        for choice, label in field.flatchoices:
            if str(choice) == str(value):
                return str(label)
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, list | dict):
        return ", ".join(str(item) for item in value) if isinstance(value, list) else str(value)
    return str(value)


def change_lines(model, before: dict | None, after: dict | None) -> list[str]:
    """An event's before and after as lines people read: "Risk level: Medium → High", each
    field by its verbose name and each choice by its label; a field no model knows (an
    event's own detail) keeps its key."""
    before, after = before or {}, after or {}
    lines = []
    for name in dict.fromkeys([*before, *after]):
        field = None
        if model is not None:
            try:
                field = model._meta.get_field(name)
            except FieldDoesNotExist:  # a detail of the event, not a field
                field = None
        if field is not None:
            label = capfirst(field.verbose_name)
        else:
            label = capfirst(DETAIL_NAMES[name]) if name in DETAIL_NAMES else name
        if name in before and name in after:
            shown = f"{_value_shown(field, before[name])} → {_value_shown(field, after[name])}"
        else:
            shown = _value_shown(field, after[name] if name in after else before[name])
        lines.append(f"{label}: {shown}")
    return lines
