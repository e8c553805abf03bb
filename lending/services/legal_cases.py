"""Legal cases (法律诉讼, issue 24): a collector files one from a collection case in the legal
stage, then records the judgment, the enforcement, the assets the court preserved, the costs
paid and the money recovered. A recovery moves money, so it goes through the service that
already books it: a repayment of the loan while it is on the book (lending.services.
repayments), a recovery on the write-off record once it is written off (lending.services.
write_offs), in the same transaction as the legal recovery row. Every step locks the legal
case, checks its input before writing anything and is audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from audit.services import audit_log, snapshot
from lending import collections, policies
from lending.collection_models import CaseStatus, CollectionCase
from lending.legal_models import (
    EnforcementStatus,
    LegalAsset,
    LegalCase,
    LegalCost,
    LegalRecovery,
)
from lending.models import LoanStatus, RepaymentChannel, WrittenOffLoan
from lending.schedule import to_cents
from lending.services.repayments import repayment_post
from lending.services.write_offs import write_off_recovery_record

FILING_FIELDS = ["court", "case_number", "filed_on", "claim_amount"]


def _require(actor, case: CollectionCase) -> None:
    if not policies.may_record_legal_case(actor, case):
        raise PermissionDenied


def _not_after(errors: dict, field: str, day: dt.date | None, on: dt.date) -> None:
    if day is not None and day > on and field not in errors:
        errors[field] = _("This date cannot be after the business date.")


def _positive(errors: dict, field: str, amount: Decimal | None) -> None:
    if amount is None or amount <= 0:
        errors[field] = _("Enter an amount above zero.")


def _locked(legal_case: LegalCase) -> LegalCase:
    return (
        LegalCase.objects.select_for_update(of=("self",))
        .select_related("collection_case", "loan")
        .get(pk=legal_case.pk)
    )


@transaction.atomic
def legal_case_open(
    *,
    actor,
    case: CollectionCase,
    court: str,
    case_number: str,
    filed_on: dt.date | None,
    claim_amount: Decimal | None,
    on: dt.date,
) -> LegalCase:
    """Files the legal case of an open collection case in the legal stage (one per case)."""
    _require(actor, case)
    locked = (
        CollectionCase.objects.select_for_update(of=("self",))
        .select_related("stage", "loan")
        .get(pk=case.pk)
    )
    if locked.status != CaseStatus.OPEN or locked.stage.code != collections.LEGAL_STAGE:
        raise ValidationError(_("A legal case is filed from an open case in the legal stage."))
    if LegalCase.objects.filter(collection_case=locked).exists():
        raise ValidationError(_("This case already has its legal case."))
    court, case_number = court.strip(), case_number.strip()
    errors: dict[str, str] = {}
    if not court:
        errors["court"] = _("Name the court.")
    if not case_number:
        errors["case_number"] = _("Give the court's case number.")
    elif LegalCase.objects.filter(court=court, case_number=case_number).exists():
        errors["case_number"] = _("This court's case number is already recorded.")
    if filed_on is None:
        errors["filed_on"] = _("Give the date the case was filed.")
    elif filed_on < locked.loan.disbursed_on:
        errors["filed_on"] = _("A case cannot be filed before the loan was disbursed.")
    _not_after(errors, "filed_on", filed_on, on)
    _positive(errors, "claim_amount", claim_amount)
    if errors:
        raise ValidationError(errors)
    try:
        # Two people filing the same court's case number at the same moment: the second
        # meets the unique rule and is told so, as the check above tells one alone.
        with transaction.atomic():
            legal_case = LegalCase.objects.create(
                collection_case=locked,
                loan=locked.loan,
                customer_id=locked.customer_id,
                court=court,
                case_number=case_number,
                filed_on=filed_on,
                claim_amount=to_cents(claim_amount),
                recorded_by=actor,
            )
    except IntegrityError:
        raise ValidationError(
            {"case_number": _("This court's case number is already recorded.")}
        ) from None
    audit_log(
        actor=actor,
        action="lending.legal_case.filed",
        obj=legal_case,
        after={"collection_case": locked.pk, **snapshot(legal_case, FILING_FIELDS)},
    )
    return legal_case


@transaction.atomic
def legal_case_judgment_record(
    *,
    actor,
    legal_case: LegalCase,
    judgment_on: dt.date | None,
    amount_awarded: Decimal | None,
    on: dt.date,
) -> LegalCase:
    """The court's judgment: its date and the amount awarded (corrected by recording again)."""
    _require(actor, legal_case.collection_case)
    locked = _locked(legal_case)
    errors: dict[str, str] = {}
    if judgment_on is None:
        errors["judgment_on"] = _("Give the date of the judgment.")
    elif judgment_on < locked.filed_on:
        errors["judgment_on"] = _("A judgment cannot come before the filing.")
    _not_after(errors, "judgment_on", judgment_on, on)
    if amount_awarded is None or amount_awarded < 0:
        errors["amount_awarded"] = _("Enter the amount awarded, zero or more.")
    if errors:
        raise ValidationError(errors)
    before = snapshot(locked, ["judgment_on", "amount_awarded"])
    locked.judgment_on, locked.amount_awarded = judgment_on, to_cents(amount_awarded)
    locked.save(update_fields=["judgment_on", "amount_awarded"])
    audit_log(
        actor=actor,
        action="lending.legal_case.judgment_recorded",
        obj=locked,
        before=before,
        after=snapshot(locked, ["judgment_on", "amount_awarded"]),
    )
    return locked


@transaction.atomic
def legal_case_enforcement_record(
    *,
    actor,
    legal_case: LegalCase,
    enforcement_on: dt.date | None,
    status: str,
    on: dt.date,
) -> LegalCase:
    """Where the enforcement of the judgment stands, and since when."""
    _require(actor, legal_case.collection_case)
    locked = _locked(legal_case)
    if locked.judgment_on is None:
        raise ValidationError(_("Record the judgment before its enforcement."))
    errors: dict[str, str] = {}
    if status not in EnforcementStatus.values:
        errors["status"] = _("Choose where the enforcement stands.")
    if enforcement_on is None:
        errors["enforcement_on"] = _("Give the date.")
    elif enforcement_on < locked.judgment_on:
        errors["enforcement_on"] = _("Enforcement cannot come before the judgment.")
    _not_after(errors, "enforcement_on", enforcement_on, on)
    if errors:
        raise ValidationError(errors)
    fields = ["enforcement_on", "enforcement_status"]
    before = snapshot(locked, fields)
    locked.enforcement_on, locked.enforcement_status = enforcement_on, status
    locked.save(update_fields=fields)
    audit_log(
        actor=actor,
        action="lending.legal_case.enforcement_recorded",
        obj=locked,
        before=before,
        after=snapshot(locked, fields),
    )
    return locked


@transaction.atomic
def legal_asset_add(
    *,
    actor,
    legal_case: LegalCase,
    description: str,
    value: Decimal | None,
    preserved_on: dt.date | None,
    on: dt.date,
) -> LegalAsset:
    """An asset the court preserved for the claim (before the filing too: 诉前保全)."""
    _require(actor, legal_case.collection_case)
    locked = _locked(legal_case)
    description = description.strip()
    errors: dict[str, str] = {}
    if not description:
        errors["description"] = _("Describe the asset.")
    _positive(errors, "value", value)
    if preserved_on is None:
        errors["preserved_on"] = _("Give the date.")
    _not_after(errors, "preserved_on", preserved_on, on)
    if errors:
        raise ValidationError(errors)
    asset = LegalAsset.objects.create(
        legal_case=locked,
        description=description,
        value=to_cents(value),
        preserved_on=preserved_on,
        recorded_by=actor,
    )
    audit_log(
        actor=actor,
        action="lending.legal_case.asset_preserved",
        obj=locked,
        after={"asset": asset.pk, **snapshot(asset, ["description", "value", "preserved_on"])},
    )
    return asset


@transaction.atomic
def legal_cost_add(
    *,
    actor,
    legal_case: LegalCase,
    description: str,
    amount: Decimal | None,
    paid_on: dt.date | None,
    on: dt.date,
) -> LegalCost:
    """A cost paid for the lawsuit (court fees, lawyers, preservation, enforcement)."""
    _require(actor, legal_case.collection_case)
    locked = _locked(legal_case)
    description = description.strip()
    errors: dict[str, str] = {}
    if not description:
        errors["description"] = _("Say what the cost was for.")
    _positive(errors, "amount", amount)
    if paid_on is None:
        errors["paid_on"] = _("Give the date.")
    _not_after(errors, "paid_on", paid_on, on)
    if errors:
        raise ValidationError(errors)
    cost = LegalCost.objects.create(
        legal_case=locked,
        description=description,
        amount=to_cents(amount),
        paid_on=paid_on,
        recorded_by=actor,
    )
    audit_log(
        actor=actor,
        action="lending.legal_case.cost_recorded",
        obj=locked,
        after={"cost": cost.pk, **snapshot(cost, ["description", "amount", "paid_on"])},
    )
    return cost


def _renamed(error: ValidationError, names: dict[str, str]) -> ValidationError:
    """The booking service's errors under this form's field names."""
    if not hasattr(error, "error_dict"):
        return error
    return ValidationError(
        {names.get(field, field): messages for field, messages in error.error_dict.items()}
    )


@transaction.atomic
def legal_recovery_record(
    *,
    actor,
    legal_case: LegalCase,
    amount: Decimal | None,
    received_on: dt.date | None,
    reference: str,
    on: dt.date,
) -> LegalRecovery:
    """Money recovered through the lawsuit, booked on the loan: a repayment (allocated like
    any other) while it is on the book, a recovery on its write-off record once written off.
    The booking service's own checks apply (dates, amount owed, a reference used once)."""
    _require(actor, legal_case.collection_case)
    locked = _locked(legal_case)
    reference = reference.strip()
    errors: dict[str, str] = {}
    _positive(errors, "amount", amount)
    if received_on is None:
        errors["received_on"] = _("Give the date the money was received.")
    _not_after(errors, "received_on", received_on, on)
    if not reference:
        errors["reference"] = _("Give the receipt's reference.")
    if errors:
        raise ValidationError(errors)
    loan = locked.loan
    loan.refresh_from_db(fields=["status"])
    repayment = write_off_recovery = None
    if loan.status == LoanStatus.ACTIVE:
        try:
            repayment = repayment_post(
                actor=actor,
                loan=loan,
                amount=amount,
                paid_on=received_on,
                channel=RepaymentChannel.TRANSFER,
                reference=reference,
            )
        except ValidationError as error:
            raise _renamed(error, {"paid_on": "received_on"}) from None
    elif loan.status == LoanStatus.WRITTEN_OFF:
        record = WrittenOffLoan.objects.get(loan=loan, reversed_on__isnull=True)
        write_off_recovery = write_off_recovery_record(
            actor=actor,
            record=record,
            amount=amount,
            received_on=received_on,
            reference=reference,
            note=_("Legal case %(number)s") % {"number": locked.case_number},
        )
    else:
        raise ValidationError(_("This loan is repaid; nothing more can be recovered on it."))
    recovery = LegalRecovery.objects.create(
        legal_case=locked,
        received_on=received_on,
        amount=to_cents(amount),
        repayment=repayment,
        write_off_recovery=write_off_recovery,
        recorded_by=actor,
    )
    audit_log(
        actor=actor,
        action="lending.legal_case.recovery_recorded",
        obj=locked,
        after={
            "recovery": recovery.pk,
            "amount": recovery.amount,
            "received_on": received_on,
            "reference": reference,
            "repayment": repayment.pk if repayment else None,
            "write_off_recovery": write_off_recovery.pk if write_off_recovery else None,
        },
    )
    return recovery
