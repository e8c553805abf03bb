"""Security for a loan: collateral with its valuations, and guarantors."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import audit_change, audit_log, snapshot
from lending.models import ApplicationStatus, Collateral, CollateralValuation, Guarantor, Loan
from lending.policies import may_prepare_application, may_service_loans
from lending.schedule import to_cents
from lending.services.permissions import require


@transaction.atomic
def collateral_add(*, actor: User, collateral: Collateral) -> Collateral:
    require(may_prepare_application(actor))
    if collateral.application.status not in (
        ApplicationStatus.DRAFT,
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.UNDER_REVIEW,
    ):
        raise ValidationError(_("Collateral is added before the decision."))
    collateral.full_clean()
    collateral.save()
    CollateralValuation.objects.create(
        collateral=collateral,
        value=collateral.value,
        valued_on=collateral.valued_on,
        recorded_by=actor,
    )
    audit_log(
        actor=actor,
        action="credit.collateral.added",
        obj=collateral,
        after=snapshot(collateral, ["application_id", "collateral_type", "value", "valued_on"]),
    )
    return collateral


@transaction.atomic
def collateral_revalue(
    *, actor: User, collateral: Collateral, value: Decimal, valued_on: dt.date
) -> Collateral:
    require(may_service_loans(actor))
    if value <= 0:
        raise ValidationError({"value": _("A value must be more than zero.")})
    locked = Collateral.objects.select_for_update().get(pk=collateral.pk)
    if valued_on < locked.valued_on:
        raise ValidationError({"valued_on": _("A revaluation cannot predate the current one.")})
    before = snapshot(locked, ["value", "valued_on"])
    locked.value, locked.valued_on = to_cents(value), valued_on
    locked.save(update_fields=["value", "valued_on"])
    CollateralValuation.objects.create(
        collateral=locked, value=locked.value, valued_on=valued_on, recorded_by=actor
    )
    audit_change(
        actor=actor,
        action="credit.collateral.revalued",
        obj=locked,
        before=before,
        after=snapshot(locked, ["value", "valued_on"]),
    )
    return locked


@transaction.atomic
def guarantor_add(*, actor: User, guarantor: Guarantor) -> Guarantor:
    require(may_prepare_application(actor))
    if guarantor.guarantor_customer_id == guarantor.application.customer_id:
        raise ValidationError(
            {"guarantor_customer": _("A borrower cannot guarantee their own loan.")}
        )
    guarantor.full_clean()
    guarantor.save()
    audit_log(
        actor=actor,
        action="credit.guarantor.added",
        obj=guarantor,
        after=snapshot(guarantor, ["application_id", "guarantor_customer_id", "name", "amount"]),
    )
    return guarantor


def loan_to_value(loan: Loan) -> Decimal | None:
    """Outstanding principal over the current value of the loan's collateral."""
    value = loan.application.collateral.aggregate(total=Sum("value"))["total"]
    if not value:
        return None
    return (loan.outstanding_principal / value).quantize(Decimal("0.0001"), ROUND_HALF_UP)
