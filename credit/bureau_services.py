"""Writes and audited reads of credit bureau data: consents, reports entered or imported, and
every opening of a report. No report is recorded, imported or shown without a consent in
force on the business date (the customer's written authorisation; 征信业管理条例 art. 18)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import audit_log, snapshot
from core.business_date import business_date
from credit import bureau_figures
from credit.bureau import BureauAccount, BureauConsent, BureauReport, ReportChannel
from credit.bureau_import import read_report_file
from credit.policies import may_work_credit
from customers.models import Customer

REPORT_FIGURES = [
    "customer_id",
    "source_id",
    "reference",
    "report_date",
    "valid_until",
    "overdue_m1_24m",
    "overdue_m2_24m",
    "overdue_m3_plus_24m",
    "enquiries_6m",
    "worst_status",
    "court_enforcements",
    "tax_arrears",
    "channel",
]


def consent_status(
    customer: Customer, on=None
) -> tuple[BureauConsent | None, BureauConsent | None]:
    """(the consent in force on `on`, the latest consent signed by then), in one query: the
    signed consent that runs longest is in force exactly when any signed consent is."""
    day = on or business_date()
    latest = (
        BureauConsent.objects.filter(customer=customer, signed_on__lte=day)
        .order_by("-valid_until", "-id")
        .first()
    )
    in_force = latest if latest is not None and latest.valid_until >= day else None
    return in_force, latest


def consent_in_force(customer: Customer, on=None) -> BureauConsent | None:
    """The consent valid on `on` (the business date) that runs longest, or None."""
    return consent_status(customer, on)[0]


def no_consent_message(latest: BureauConsent | None) -> str:
    """Why a report cannot be recorded or opened, given the latest consent signed."""
    if latest is None:
        return _("There is no credit bureau consent on file for this customer: record one first.")
    return _(
        "The customer's credit bureau consent %(reference)s expired on %(date)s: record a new "
        "one first."
    ) % {"reference": latest.document_reference, "date": latest.valid_until.isoformat()}


def _require_consent(customer: Customer) -> BureauConsent:
    consent, latest = consent_status(customer)
    if consent is None:
        raise ValidationError(no_consent_message(latest), code="no_consent")
    return consent


@transaction.atomic
def bureau_consent_record(*, actor: User, consent: BureauConsent) -> BureauConsent:
    if not may_work_credit(actor):
        raise PermissionDenied
    consent.recorded_by = actor
    consent.full_clean()
    consent.save()
    audit_log(
        actor=actor,
        action="credit.bureau_consent.recorded",
        obj=consent,
        after=snapshot(
            consent, ["customer_id", "signed_on", "scope", "document_reference", "valid_until"]
        ),
    )
    return consent


@transaction.atomic
def bureau_report_record(
    *,
    actor: User,
    report: BureauReport,
    accounts: list[BureauAccount],
    channel: str = ReportChannel.FORM,
) -> BureauReport:
    """Records a report and its accounts at other lenders, all or nothing."""
    if not may_work_credit(actor):
        raise PermissionDenied
    # The customer's row locked: a consent cannot be recorded or ended under the check.
    customer = Customer.objects.select_for_update().get(pk=report.customer_id)
    consent = _require_consent(customer)
    if report.report_date < consent.signed_on:
        raise ValidationError(
            {
                "report_date": _(
                    "The report is dated before the consent was signed (%(date)s): it was "
                    "queried without the customer's authorisation."
                )
                % {"date": consent.signed_on.isoformat()}
            }
        )
    report.consent = consent
    report.channel = channel
    report.recorded_by = actor
    if BureauReport.objects.filter(source=report.source, reference=report.reference).exists():
        raise ValidationError(
            {"reference": _("This bureau's report with this number is already on file.")}
        )
    report.full_clean(exclude=["consent", "recorded_by"])
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:
        raise ValidationError(
            {"reference": _("This bureau's report with this number is already on file.")}
        ) from None
    for account in accounts:
        account.report = report
    BureauAccount.objects.bulk_create(accounts)
    audit_log(
        actor=actor,
        action=(
            "credit.bureau_report.imported"
            if channel == ReportChannel.IMPORT
            else "credit.bureau_report.recorded"
        ),
        obj=report,
        # Figures only: account and ID numbers stay out of the trail.
        after={**snapshot(report, REPORT_FIGURES), "accounts": len(accounts)},
    )
    return report


def bureau_report_import(*, actor: User, customer: Customer, data: bytes, filename: str):
    """Reads a report file (credit.bureau_import) and records it; a bad file raises
    BureauFileError and writes nothing."""
    if not may_work_credit(actor):
        raise PermissionDenied
    _require_consent(customer)
    report_form, account_forms = read_report_file(data, filename, customer=customer)
    return bureau_report_record(
        actor=actor,
        report=report_form.save(commit=False),
        accounts=[form.save(commit=False) for form in account_forms],
        channel=ReportChannel.IMPORT,
    )


@transaction.atomic
def bureau_report_view(*, actor: User, report: BureauReport) -> None:
    """Who opened which report: refused without a consent in force, audited otherwise."""
    _require_consent(report.customer)
    audit_log(actor=actor, action="credit.bureau_report.viewed", obj=report)


def bureau_scoring_figures(customer: Customer, on=None) -> dict | None:
    """What the scorecard reads from the latest report still valid on `on`, while a consent
    is in force: the yearly debt service at other lenders and the external overdue depth.
    None without one: the scorecard then scores as it did before bureau data existed."""
    day = on or business_date()
    if consent_in_force(customer, day) is None:
        return None
    report = (
        customer.bureau_reports.filter(report_date__lte=day, valid_until__gte=day)
        .order_by("-report_date", "-id")
        .first()
    )
    if report is None:
        return None
    payments = report.accounts.values_list("monthly_payment", flat=True)
    return {
        "report": report,
        "external_debt_service": bureau_figures.external_debt_service(payments),
        "external_overdue": bureau_figures.overdue_depth(
            report.overdue_m1_24m,
            report.overdue_m2_24m,
            report.overdue_m3_plus_24m,
            report.worst_status,
        ),
    }
