"""The application pipeline: drafts, submission, review, the decision with maker-checker,
and disbursement, which opens the loan with its schedule.

Every transition locks its row, checks the state it starts from, writes the audit trail, a
stage event and the customer's notification, all in one transaction. The audit trail's action
codes ("credit.application.approved", "credit.loan.disbursed"...) are the ones written since
the first application: they name what happened in the trail, not where the code lives, and stay
as they are now that lending is an app of its own.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from audit.services import audit_change, audit_log, snapshot
from core.business_date import business_date
from core.numbers import format_money, format_percent
from credit.models import Assessment
from customers.screening import BLOCK_MESSAGE, screening_blocks
from lending import concentration, notifications
from lending.document_checklist import require_documents
from lending.document_checklist_models import ChecklistStage
from lending.models import Application, ApplicationEvent, ApplicationStatus, Loan, StepOutcome
from lending.policies import (
    earlier_decider_ids,
    maker_part,
    may_decide_application,
    may_disburse_application,
    may_prepare_application,
    may_withdraw_application,
)
from lending.schedule import build_schedule, to_cents
from lending.services import approvals
from lending.services.facilities import facility_drawing_check
from lending.services.loans import save_schedule
from lending.services.permissions import FourEyesRefused, require
from lending.services.pricing import MAX_ANNUAL_RATE, ZERO, offer_for

MAKER_REFUSALS = {
    "submitted": gettext_lazy(
        "You submitted this application, so another manager must decide it (maker-checker)."
    ),
    "edited": gettext_lazy(
        "You edited this application, so another manager must decide it (maker-checker)."
    ),
    "created": gettext_lazy(
        "You created this application, so another manager must decide it (maker-checker)."
    ),
}


DISBURSE_REFUSAL = gettext_lazy(
    "You prepared this application, so another manager must pay it out (maker-checker)."
)


def _require_decider(user: User, application: Application) -> None:
    part = maker_part(user, application)
    if part:
        raise FourEyesRefused(MAKER_REFUSALS[part])
    if user.pk in earlier_decider_ids(application):
        raise FourEyesRefused(approvals.EARLIER_STEP_REFUSAL)
    if application.status in DECIDED and application.decided_by_id:
        # Decided meanwhile: the transition says by whom, rather than a bare refusal.
        return
    require(may_decide_application(user, application))


def _check_terms(
    application: Application, *, amount: Decimal, term: int, rate: Decimal | None = None
) -> dict:
    """Amount, term and rate within the product and the customer's grade; returns the offer."""
    product = application.product
    errors = {}
    if product.customer_kind != application.customer.kind:
        errors["product"] = _("This product is not for this type of customer.")
    if not product.is_active:
        errors["product"] = _("This product is no longer offered.")
    if not product.min_amount <= amount <= product.max_amount:
        errors["amount"] = _("The product lends between %(low)s and %(high)s.") % {
            "low": format_money(product.min_amount),
            "high": format_money(product.max_amount),
        }
    if term % product.repayment_frequency:
        errors["term_months"] = _(
            "The term must be a whole number of %(months)s-month periods."
        ) % {"months": product.repayment_frequency}
    if not product.min_term_months <= term <= product.max_term_months:
        errors["term_months"] = _("The product's term is %(low)s to %(high)s months.") % {
            "low": product.min_term_months,
            "high": product.max_term_months,
        }
    offer = offer_for(product, application.customer.grade)
    if application.customer.grade and not offer["available"]:
        errors["product"] = _(
            "The customer's grade %(grade)s does not qualify for this product."
        ) % {"grade": application.customer.grade}
    elif offer["available"] and amount > offer["max_amount"]:
        errors["amount"] = _("Grade %(grade)s allows at most %(max)s for this product.") % {
            "grade": application.customer.grade,
            "max": format_money(offer["max_amount"]),
        }
    if rate is not None and offer["available"]:
        if rate < offer["rate"]:
            errors["rate"] = _("The rate for grade %(grade)s is at least %(rate)s.") % {
                "grade": application.customer.grade,
                "rate": format_percent(offer["rate"]),
            }
        if rate > MAX_ANNUAL_RATE:
            errors["rate"] = _("The rate cannot exceed %(rate)s.") % {
                "rate": format_percent(MAX_ANNUAL_RATE)
            }
    if errors:
        raise ValidationError(errors)
    return offer


DECISIONS = (ApplicationStatus.APPROVED, ApplicationStatus.REJECTED)
DECIDED = (*DECISIONS, ApplicationStatus.DISBURSED)


def _transition(
    application: Application,
    *,
    actor: User,
    to_status: str,
    note: str = "",
    expected: tuple[str, ...],
    fields: dict | None = None,
) -> Application:
    """Moves a locked application from one of `expected` to `to_status`, with its event,
    audit row and customer notification."""
    locked = (
        Application.objects.select_for_update().select_related("customer").get(pk=application.pk)
    )
    if locked.status not in expected:
        if to_status in DECISIONS and locked.status in DECIDED and locked.decided_by_id:
            # Two managers deciding at once: the row lock lets the first through, and the
            # second learns who decided what instead of a generic refusal.
            raise ValidationError(
                _(
                    "%(name)s already decided this application (%(status)s); your decision "
                    "was not recorded."
                )
                % {
                    "name": locked.decided_by.get_full_name() or locked.decided_by.get_username(),
                    "status": locked.get_status_display(),
                },
                code="already_decided",
            )
        raise ValidationError(
            _("This application is %(status)s; that step is not possible.")
            % {"status": locked.get_status_display()}
        )
    before = {"status": locked.status}
    now = timezone.now()
    for name, value in (fields or {}).items():
        setattr(locked, name, value)
    from_status = locked.status
    locked.status = to_status
    locked.status_changed_at = now
    locked.save()
    ApplicationEvent.objects.create(
        application=locked,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        at=now,
        note=note,
    )
    audit_log(
        actor=actor,
        action=f"credit.application.{to_status}",
        obj=locked,
        before=before,
        after={"status": to_status, **({"note": note} if note else {})},
    )
    notifications.application_status_changed(locked)
    return locked


@transaction.atomic
def application_create(*, actor: User, application: Application) -> Application:
    require(may_prepare_application(actor))
    _check_terms(application, amount=application.amount, term=application.term_months)
    facility_drawing_check(application)
    application.created_by = actor
    application.status = ApplicationStatus.DRAFT
    application.full_clean()
    application.save()
    ApplicationEvent.objects.create(
        application=application, to_status=ApplicationStatus.DRAFT, actor=actor
    )
    audit_log(
        actor=actor,
        action="credit.application.created",
        obj=application,
        after=snapshot(
            application, ["customer_id", "product_id", "amount", "term_months", "purpose"]
        ),
    )
    return application


@transaction.atomic
def application_update(*, actor: User, application: Application, changes: dict) -> Application:
    require(may_prepare_application(actor))
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if locked.status != ApplicationStatus.DRAFT:
        raise ValidationError(_("Only a draft can be edited."))
    before = snapshot(locked, list(changes))
    for name, value in changes.items():
        setattr(locked, name, value)
    _check_terms(locked, amount=locked.amount, term=locked.term_months)
    facility_drawing_check(locked)
    if changes and actor.pk not in locked.editor_ids:
        # Whoever changes what is asked for becomes one of its makers: they never decide it.
        locked.editor_ids = [*locked.editor_ids, actor.pk]
    locked.full_clean()
    locked.save()
    audit_change(
        actor=actor,
        action="credit.application.updated",
        obj=locked,
        before=before,
        after=snapshot(locked, list(changes)),
    )
    return locked


@transaction.atomic
def application_submit(*, actor: User, application: Application) -> Application:
    """The maker hands the application over; from now on they cannot decide it."""
    require(may_prepare_application(actor))
    if not application.customer.grade:
        raise ValidationError(_("Assess the customer's credit before submitting."))
    # AML: a customer on a watch list waits until compliance has cleared the hit.
    if screening_blocks(application.customer):
        raise ValidationError(BLOCK_MESSAGE)
    _check_terms(application, amount=application.amount, term=application.term_months)
    # The product's document checklist for submission (none configured: nothing required).
    require_documents(application, stage=ChecklistStage.SUBMISSION)
    # Within the facility it draws on, if any (its row locked until the submission commits).
    facility_drawing_check(application, amount=application.amount)
    submitted = _transition(
        application,
        actor=actor,
        to_status=ApplicationStatus.SUBMITTED,
        expected=(ApplicationStatus.DRAFT,),
        fields={"submitted_by": actor, "submitted_at": timezone.now()},
    )
    # From now on it waits at the first level of the approval authority.
    approvals.approval_route_open(application=submitted)
    return submitted


@transaction.atomic
def application_start_review(
    *, actor: User, application: Application, assessment: Assessment | None = None
) -> Application:
    locked = (
        Application.objects.select_for_update().select_related("customer").get(pk=application.pk)
    )
    _require_decider(actor, locked)
    assessment = assessment or locked.customer.assessments.first()
    if assessment is None or assessment.customer_id != locked.customer_id:
        raise ValidationError(_("Attach a credit assessment of the customer before the review."))
    Assessment.objects.filter(pk=assessment.pk, application__isnull=True).update(application=locked)
    return _transition(
        locked,
        actor=actor,
        to_status=ApplicationStatus.UNDER_REVIEW,
        expected=(ApplicationStatus.SUBMITTED,),
        fields={"reviewer": actor},
        note=_("Assessment: grade %(grade)s, score %(score)s")
        % {"grade": assessment.grade, "score": assessment.score},
    )


@transaction.atomic
def application_approve(
    *,
    actor: User,
    application: Application,
    amount: Decimal,
    term_months: int,
    rate: Decimal,
    note: str = "",
) -> Application:
    """Approves within the product and the grade's limits, possibly adjusting the terms."""
    locked = (
        Application.objects.select_for_update()
        .select_related("customer", "product")
        .get(pk=application.pk)
    )
    # Maker-checker: checked on the locked row, so no race can slip a maker through.
    _require_decider(actor, locked)
    return approve_locked(
        actor=actor,
        application=locked,
        amount=amount,
        term_months=term_months,
        rate=rate,
        note=note,
    )


def approve_locked(
    *,
    actor: User,
    application: Application,
    amount: Decimal,
    term_months: int,
    rate: Decimal | None,
    note: str,
    step: dict | None = None,
) -> Application:
    """Approves the locked application at the level where it waits (one person's decision,
    or a committee's vote when `step` carries its members and votes)."""
    locked = application
    if locked.status == ApplicationStatus.SUBMITTED:
        # A manager who may decide approves straight from "submitted": the review is still
        # its own step in the history (its event, audit row and assessment), taken in this
        # transaction, so a refused approval leaves the application submitted.
        application_start_review(actor=actor, application=locked)
        locked = (
            Application.objects.select_for_update()
            .select_related("customer", "product")
            .get(pk=application.pk)
        )
    if locked.status in DECIDED:
        # Decided meanwhile: the transition refuses and says by whom.
        return _transition(locked, actor=actor, to_status=ApplicationStatus.APPROVED, expected=())
    if rate is None:
        offered = offer_for(locked.product, locked.customer.grade)
        rate = offered.get("rate") or locked.product.base_rate
    offer = _check_terms(locked, amount=amount, term=term_months, rate=rate)
    if offer["available"]:
        _check_security(locked, amount=amount, offer=offer)
    # The customer's and group's stored exposures are locked before the matrix reads them: a
    # concentration breach escalates (lending/concentration.py), and a concurrent approval
    # for the same customer or group waits, then counts this one's amount.
    added_exposure = concentration.application_added_exposure(
        amount=amount, facility_id=locked.facility_id
    )
    concentration.uses_of(locked.customer, lock=True)
    # The matrix: the level where it waits must cover the terms decided (lending/authority.py).
    approvals.decision_step(
        actor=actor,
        application=locked,
        outcome=StepOutcome.APPROVED,
        reason=note,
        amount=amount,
        **(step or {}),
    )
    # Locks the facility drawn on until this approval commits: a concurrent approval on it
    # waits, then counts this one's amount as used.
    facility_drawing_check(locked, amount=amount)
    concentration.exposure_add(customer=locked.customer, added=added_exposure)
    return _transition(
        locked,
        actor=actor,
        to_status=ApplicationStatus.APPROVED,
        note=note,
        expected=(ApplicationStatus.UNDER_REVIEW,),
        fields={
            "decided_by": actor,
            "decided_at": timezone.now(),
            "decision_reason": note,
            "approved_amount": to_cents(amount),
            "approved_term_months": term_months,
            "approved_rate": rate,
        },
    )


def _check_security(application: Application, *, amount: Decimal, offer: dict) -> None:
    collateral_value = application.collateral.aggregate(total=Sum("value"))["total"] or ZERO
    errors = []
    if offer["collateral_required"] and collateral_value <= 0:
        errors.append(_("The grade and product require collateral: add it first."))
    if offer["guarantor_required"] and not application.guarantors.exists():
        errors.append(_("The grade and product require a guarantor: add one first."))
    if offer["collateral_required"] and collateral_value > 0 and offer["max_ltv"]:
        ltv = (amount / collateral_value).quantize(Decimal("0.0001"), ROUND_HALF_UP)
        if ltv > offer["max_ltv"]:
            errors.append(
                _("Loan to value would be %(ltv)s, above the %(max)s allowed.")
                % {"ltv": format_percent(ltv), "max": format_percent(offer["max_ltv"])}
            )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def application_reject(*, actor: User, application: Application, reason: str) -> Application:
    locked = (
        Application.objects.select_for_update().select_related("customer").get(pk=application.pk)
    )
    _require_decider(actor, locked)
    return reject_locked(actor=actor, application=locked, reason=reason)


def reject_locked(
    *, actor: User, application: Application, reason: str, step: dict | None = None
) -> Application:
    """Rejects the locked application at the level where it waits (one person's decision,
    or a committee's vote when `step` carries its members and votes)."""
    locked = application
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the rejection.")})
    if locked.status not in DECIDED:
        approvals.decision_step(
            actor=actor,
            application=locked,
            outcome=StepOutcome.REJECTED,
            reason=reason.strip(),
            amount=locked.amount,
            **(step or {}),
        )
    return _transition(
        locked,
        actor=actor,
        to_status=ApplicationStatus.REJECTED,
        note=reason.strip(),
        expected=(ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW),
        fields={
            "decided_by": actor,
            "decided_at": timezone.now(),
            "decision_reason": reason.strip(),
        },
    )


@transaction.atomic
def application_withdraw(*, actor: User, application: Application, reason: str) -> Application:
    require(may_withdraw_application(actor))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the application is withdrawn.")})
    return _transition(
        application,
        actor=actor,
        to_status=ApplicationStatus.WITHDRAWN,
        note=reason.strip(),
        expected=(
            ApplicationStatus.DRAFT,
            ApplicationStatus.SUBMITTED,
            ApplicationStatus.UNDER_REVIEW,
            ApplicationStatus.APPROVED,
        ),
    )


@transaction.atomic
def application_disburse(
    *, actor: User, application: Application, on: dt.date | None = None
) -> Loan:
    """Pays out an approved application: the loan account and its schedule are created.
    The money moves at the hands of someone who may decide the application (a manager of its
    branch or an admin, never one of its makers), so it never moves on one person's word."""
    locked = (
        Application.objects.select_for_update().select_related("customer").get(pk=application.pk)
    )
    if maker_part(actor, locked):
        raise FourEyesRefused(DISBURSE_REFUSAL)
    require(may_disburse_application(actor, locked))
    # AML: a hit raised after the approval (a new list version) stops the money too.
    if screening_blocks(locked.customer):
        raise ValidationError(BLOCK_MESSAGE)
    on = on or business_date()
    # The product's whole document checklist is on file before the money moves.
    require_documents(locked, stage=ChecklistStage.DISBURSEMENT, on=on)
    # Paying out is the drawing: a facility frozen or expired since the approval stops it.
    facility_drawing_check(locked)
    locked = _transition(
        locked,
        actor=actor,
        to_status=ApplicationStatus.DISBURSED,
        expected=(ApplicationStatus.APPROVED,),
    )
    product = locked.product
    frequency = product.repayment_frequency
    rows = build_schedule(
        principal=locked.approved_amount,
        annual_rate=locked.approved_rate,
        periods=locked.approved_term_months // frequency,
        start=on,
        method=product.repayment_method,
        months_per_period=frequency,
    )
    loan = Loan.objects.create(
        application=locked,
        customer=locked.customer,
        product=product,
        principal=locked.approved_amount,
        annual_rate=locked.approved_rate,
        term_months=locked.approved_term_months,
        repayment_method=product.repayment_method,
        months_per_period=frequency,
        disbursed_on=on,
        maturity_date=rows[-1].due_date,
        disbursed_by=actor,
        outstanding_principal=locked.approved_amount,
        facility_id=locked.facility_id,
        grade_at_origination=locked.customer.grade,
    )
    save_schedule(loan, rows, version=1)
    audit_log(
        actor=actor,
        action="credit.loan.disbursed",
        obj=loan,
        after=snapshot(
            loan,
            [
                "customer_id",
                "principal",
                "annual_rate",
                "term_months",
                "repayment_method",
                "disbursed_on",
                "maturity_date",
            ],
        ),
    )
    return loan
