"""Writes of the credit business: statements, assessments, the application pipeline with
maker-checker, disbursement, repayments, restructurings and reversals as proposals another
person approves (four eyes), collateral and guarantors.

Every transition locks its row, checks the state it starts from, writes the audit trail and
(for applications) a stage event, all in one transaction.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, DurationField, ExpressionWrapper, F, Max, Min, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role, User
from audit.services import audit_change, audit_log, audit_log_many, snapshot
from core.business_date import business_date
from credit import notifications, ratios, scoring
from credit.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Assessment,
    Collateral,
    CollateralValuation,
    FinancialStatement,
    Guarantor,
    Instalment,
    Loan,
    LoanChangeProposal,
    LoanStatus,
    PricingRule,
    ProposalStatus,
    Repayment,
    RepaymentAllocation,
    RepaymentReversalProposal,
    Restructuring,
    RestructuringProposal,
    ScorecardStatus,
    ScorecardVersion,
)
from credit.schedule import add_months, build_schedule, to_cents
from credit.servicing import (
    InstalmentState,
    PaymentRefused,
    allocate,
    amount_due,
    penalty_for,
)
from customers.models import Customer, CustomerKind

# The judicial protection ceiling for lending rates: no approval may go above it.
MAX_ANNUAL_RATE = Decimal("0.24")
ZERO = Decimal("0.00")


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def can_work_credit(user: User) -> bool:
    """Officers and managers prepare statements, assessments and applications."""
    return user.role in {Role.OFFICER, Role.MANAGER}


class FourEyesRefused(PermissionDenied):
    """A maker-checker refusal: the person prepared or proposed what they try to decide. Its
    message says so; the pages show it instead of the generic "not allowed"."""


def maker_part(user: User, application: Application) -> str | None:
    """How `user` took part in preparing the application ("submitted", "edited",
    "created"), or None: any of them makes them one of its makers."""
    if application.submitted_by_id == user.pk:
        return "submitted"
    if user.pk in application.editor_ids:
        return "edited"
    if application.created_by_id == user.pk:
        return "created"
    return None


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


def can_decide(user: User, application: Application) -> bool:
    """Managers of the customer's branch (and admins) decide: start the review, approve,
    reject, and pay out what was approved. Never one of its makers (whoever created it,
    edited its terms or submitted it)."""
    if maker_part(user, application):
        return False
    if user.role == Role.MANAGER:
        return application.customer.branch_id == user.branch_id
    return user.role == Role.ADMIN


def _require_decider(user: User, application: Application) -> None:
    part = maker_part(user, application)
    if part:
        raise FourEyesRefused(MAKER_REFUSALS[part])
    _require(can_decide(user, application))


def can_service_loans(user: User) -> bool:
    return user.role in {Role.OFFICER, Role.MANAGER, Role.ADMIN}


# --- Statements --------------------------------------------------------------------------------


@transaction.atomic
def statement_record(*, actor: User, statement: FinancialStatement) -> FinancialStatement:
    _require(can_work_credit(actor))
    statement.recorded_by = actor
    statement.full_clean()
    statement.save()
    audit_log(
        actor=actor,
        action="credit.statement.recorded",
        obj=statement,
        after=snapshot(statement, ["customer_id", "period_end", *statement.figures()]),
    )
    return statement


# --- Scorecards --------------------------------------------------------------------------------


def scorecard_in_force(kind: str) -> ScorecardVersion:
    version = ScorecardVersion.objects.filter(
        customer_kind=kind, status=ScorecardStatus.PUBLISHED
    ).first()
    if version is None:
        raise ValidationError(_("No scorecard is published for this type of customer."))
    return version


@transaction.atomic
def scorecard_draft_save(*, actor: User, version: ScorecardVersion) -> ScorecardVersion:
    """Creates or edits a draft; the definition must be usable before it is saved."""
    problems = scoring.validate(version.definition, translate=_)
    if problems:
        raise ValidationError({"definition": problems})
    if version.pk is None:
        latest = (
            ScorecardVersion.objects.filter(customer_kind=version.customer_kind).aggregate(
                latest=Max("version")
            )["latest"]
            or 0
        )
        version.version = latest + 1
        version.status = ScorecardStatus.DRAFT
        version.save()
        audit_log(
            actor=actor,
            action="credit.scorecard.drafted",
            obj=version,
            after={"version": version.version, "kind": version.customer_kind},
        )
    else:
        locked = ScorecardVersion.objects.select_for_update().get(pk=version.pk)
        if locked.status != ScorecardStatus.DRAFT:
            raise ValidationError(_("A published scorecard cannot change; create a new version."))
        version.save()
        audit_log(actor=actor, action="credit.scorecard.draft_updated", obj=version)
    return version


@transaction.atomic
def scorecard_publish(*, actor: User, version: ScorecardVersion) -> ScorecardVersion:
    """Puts a draft in force and retires the version it replaces."""
    locked = ScorecardVersion.objects.select_for_update().get(pk=version.pk)
    if locked.status != ScorecardStatus.DRAFT:
        raise ValidationError(_("Only a draft can be published."))
    scoring.require_valid(locked.definition, translate=_)
    previous = list(
        ScorecardVersion.objects.select_for_update().filter(
            customer_kind=locked.customer_kind, status=ScorecardStatus.PUBLISHED
        )
    )
    ScorecardVersion.objects.filter(pk__in=[p.pk for p in previous]).update(
        status=ScorecardStatus.RETIRED
    )
    locked.status = ScorecardStatus.PUBLISHED
    locked.published_at = timezone.now()
    locked.published_by = actor
    locked.save(update_fields=["status", "published_at", "published_by"])
    audit_log(
        actor=actor,
        action="credit.scorecard.published",
        obj=locked,
        before={"in_force": [p.version for p in previous]},
        after={"in_force": locked.version},
    )
    return locked


# --- Assessments --------------------------------------------------------------------------------


def repayment_record(customer: Customer, on: dt.date) -> dict:
    """The long repayment record: late instalments in 12 and 36 months, worst DPD ever.

    An instalment is late when it was settled after its due date or is still unpaid past it.
    """
    instalments = Instalment.objects.filter(
        loan__customer=customer, superseded=False, due_date__lt=on
    )
    late = Q(settled_on__gt=F("due_date")) | Q(settled_on__isnull=True)
    days_late = ExpressionWrapper(
        Coalesce("settled_on", Value(on)) - F("due_date"), output_field=DurationField()
    )
    summary = instalments.aggregate(
        total=Count("id"),
        late_12=Count("id", filter=late & Q(due_date__gte=on - dt.timedelta(days=365))),
        late_36=Count("id", filter=late & Q(due_date__gte=on - dt.timedelta(days=3 * 365))),
        worst=Max(days_late, filter=late),
    )
    if not summary["total"]:
        # No history at all is scored as missing, not as a perfect record.
        return {"late_payments_12m": None, "late_payments_36m": None, "worst_dpd_ever": None}
    return {
        "late_payments_12m": summary["late_12"],
        "late_payments_36m": summary["late_36"],
        "worst_dpd_ever": summary["worst"].days if summary["worst"] else 0,
    }


def _as_float(value) -> float | None:
    return None if value is None else float(value)


def assessment_prefill(customer: Customer) -> tuple[dict, FinancialStatement | None]:
    """Quantitative inputs from the latest statement, the customer record and the repayment
    record. Expert inputs are left for the officer."""
    statements = list(customer.statements.all()[:2])
    latest = statements[0] if statements else None
    previous = statements[1] if len(statements) > 1 else None
    figures = latest.figures() if latest else {}
    derived = ratios.statement_ratios(figures, previous.figures() if previous else None)
    inputs = repayment_record(customer, business_date())
    today = business_date()
    if customer.kind == CustomerKind.INDIVIDUAL:
        assets, debts = figures.get("personal_assets"), figures.get("personal_debts")
        inputs.update(
            {
                "net_worth": _as_float(assets - debts)
                if assets is not None and debts is not None
                else None,
                "monthly_income": _as_float(customer.monthly_income),
                "dti": _as_float(derived["dti"]),
                "income_growth": _as_float(derived["revenue_growth"]),
                "years_employed": None,
            }
        )
    else:
        inputs.update(
            {
                "total_assets": _as_float(figures.get("total_assets")),
                "current_ratio": _as_float(derived["current_ratio"]),
                "debt_ratio": _as_float(derived["debt_ratio"]),
                "dscr": _as_float(derived["dscr"]),
                "revenue_growth": _as_float(derived["revenue_growth"]),
                "years_in_business": round((today - customer.founded_on).days / 365.25, 1)
                if customer.founded_on
                else None,
            }
        )
    return inputs, latest


@transaction.atomic
def assessment_create(
    *,
    actor: User,
    customer: Customer,
    inputs: dict,
    expert_comments: dict,
    statement: FinancialStatement | None = None,
    application: Application | None = None,
) -> Assessment:
    """Scores the customer with the scorecard in force and records everything needed to
    reproduce the result; the customer's grade becomes the new one."""
    _require(can_work_credit(actor))
    version = scorecard_in_force(customer.kind)
    expert_keys = [f["key"] for f in version.definition["factors"] if f.get("expert")]
    missing_comments = [
        key
        for key in expert_keys
        if inputs.get(key) not in (None, "") and not expert_comments.get(key)
    ]
    if missing_comments:
        raise ValidationError(
            {key: _("Explain this expert score in a comment.") for key in missing_comments}
        )
    result = scoring.apply(version.definition, inputs)
    assessment = Assessment.objects.create(
        customer=customer,
        application=application,
        scorecard=version,
        statement=statement,
        inputs=inputs,
        factor_points=result.points_by_factor(),
        expert_comments={key: text for key, text in expert_comments.items() if text},
        score=result.score,
        grade=result.grade,
        pd=result.grade_pd,
        assessed_by=actor,
    )
    before = {"grade": customer.grade}
    Customer.objects.filter(pk=customer.pk).update(grade=result.grade, updated_at=timezone.now())
    customer.grade = result.grade
    audit_log(
        actor=actor,
        action="credit.assessment.created",
        obj=assessment,
        after={
            "score": result.score,
            "grade": result.grade,
            "scorecard": f"{version.customer_kind} v{version.version}",
        },
    )
    audit_change(
        actor=actor,
        action="customers.customer.graded",
        obj=customer,
        before=before,
        after={"grade": result.grade},
    )
    return assessment


REPAYMENT_RECORD_INPUTS = ("late_payments_12m", "late_payments_36m", "worst_dpd_ever")


def assessments_refresh_many(records: dict[int, dict], *, on: dt.date) -> int:
    """Re-scores, for the nightly job, customers whose repayment record changed since their
    latest assessment: the same inputs and expert scores, the new record, the scorecard in
    force, `assessed_by` left empty. `records` maps a customer id to its repayment record (the
    three inputs), computed by the job in one query. A customer
    whose new record leaves score and grade where they were keeps the assessment they have:
    a new row would say nothing new, and every night would add one for each borrower whose
    worst days past due grows by a day. Returns how many were re-scored."""
    if not records:
        return 0
    latest = list(
        Assessment.objects.filter(customer_id__in=list(records))
        .select_related("customer")
        .order_by("customer_id", "-assessed_at", "-id")
        .distinct("customer_id")
    )
    versions = {}
    created, graded, audit = [], [], []
    for previous in latest:
        customer = previous.customer
        inputs = {**previous.inputs, **records[customer.pk]}
        if all(inputs.get(key) == previous.inputs.get(key) for key in REPAYMENT_RECORD_INPUTS):
            continue
        if customer.kind not in versions:
            versions[customer.kind] = scorecard_in_force(customer.kind)
        version = versions[customer.kind]
        result = scoring.apply(version.definition, inputs)
        if result.score == previous.score and result.grade == previous.grade:
            continue
        created.append(
            Assessment(
                customer=customer,
                scorecard=version,
                statement_id=previous.statement_id,
                inputs=inputs,
                factor_points=result.points_by_factor(),
                expert_comments=previous.expert_comments,
                score=result.score,
                grade=result.grade,
                pd=result.grade_pd,
                assessed_by=None,
            )
        )
        if customer.grade != result.grade:
            audit.append(
                (
                    "customers.customer.graded",
                    customer,
                    {"grade": customer.grade},
                    {"grade": result.grade},
                )
            )
            customer.grade = result.grade
            graded.append(customer)
    with transaction.atomic():
        Assessment.objects.bulk_create(created, batch_size=2000)
        Customer.objects.bulk_update(graded, ["grade"], batch_size=2000)
        audit_log_many(
            actor=None,
            entries=audit
            + [
                (
                    "credit.assessment.refreshed",
                    assessment,
                    None,
                    {"score": assessment.score, "grade": assessment.grade},
                )
                for assessment in created
            ],
        )
    return len(created)


def assessment_rescore(assessment: Assessment) -> scoring.ScoreResult:
    """Applies the assessment's own scorecard version to its own inputs again."""
    return scoring.apply(assessment.scorecard.definition, assessment.inputs)


# --- Applications -------------------------------------------------------------------------------


def latest_grade(customer: Customer) -> str:
    return customer.grade


def pricing_for(product, grade: str) -> PricingRule | None:
    if not grade:
        return None
    return PricingRule.objects.filter(product=product, grade=grade).first()


def offer_for(product, grade: str) -> dict:
    """What the grade allows for the product: rate, maximum amount and requirements."""
    rule = pricing_for(product, grade)
    if rule is None or not rule.available:
        return {"available": False, "rule": rule}
    return {
        "available": True,
        "rule": rule,
        "rate": product.base_rate + rule.spread,
        "max_amount": min(product.max_amount, rule.max_amount),
        "collateral_required": rule.collateral_required or product.collateral_rule == "required",
        "guarantor_required": rule.guarantor_required,
        "max_ltv": rule.max_ltv,
    }


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
            "low": product.min_amount,
            "high": product.max_amount,
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
            "max": offer["max_amount"],
        }
    if rate is not None and offer["available"]:
        if rate < offer["rate"]:
            errors["rate"] = _("The rate for grade %(grade)s is at least %(rate)s.") % {
                "grade": application.customer.grade,
                "rate": offer["rate"],
            }
        if rate > MAX_ANNUAL_RATE:
            errors["rate"] = _("The rate cannot exceed %(rate)s.") % {"rate": MAX_ANNUAL_RATE}
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
    _require(can_work_credit(actor))
    _check_terms(application, amount=application.amount, term=application.term_months)
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
    _require(can_work_credit(actor))
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if locked.status != ApplicationStatus.DRAFT:
        raise ValidationError(_("Only a draft can be edited."))
    before = snapshot(locked, list(changes))
    for name, value in changes.items():
        setattr(locked, name, value)
    _check_terms(locked, amount=locked.amount, term=locked.term_months)
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
    _require(can_work_credit(actor))
    if not application.customer.grade:
        raise ValidationError(_("Assess the customer's credit before submitting."))
    _check_terms(application, amount=application.amount, term=application.term_months)
    return _transition(
        application,
        actor=actor,
        to_status=ApplicationStatus.SUBMITTED,
        expected=(ApplicationStatus.DRAFT,),
        fields={"submitted_by": actor, "submitted_at": timezone.now()},
    )


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
    offer = _check_terms(locked, amount=amount, term=term_months, rate=rate)
    if offer["available"]:
        _check_security(locked, amount=amount, offer=offer)
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
                % {"ltv": ltv, "max": offer["max_ltv"]}
            )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def application_reject(*, actor: User, application: Application, reason: str) -> Application:
    locked = (
        Application.objects.select_for_update().select_related("customer").get(pk=application.pk)
    )
    _require_decider(actor, locked)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the rejection.")})
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
    _require(can_work_credit(actor) or actor.role == Role.ADMIN)
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
    _require(can_decide(actor, locked))
    on = on or business_date()
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
    )
    _save_schedule(loan, rows, version=1)
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


def _save_schedule(loan: Loan, rows, *, version: int) -> None:
    """Stores the instalments of a computed schedule as one version of the loan's schedule."""
    Instalment.objects.bulk_create(
        Instalment(
            loan=loan,
            schedule_version=version,
            number=row.number,
            due_date=row.due_date,
            principal_due=row.principal,
            interest_due=row.interest,
        )
        for row in rows
    )


# --- Collateral and guarantors ---------------------------------------------------------------


@transaction.atomic
def collateral_add(*, actor: User, collateral: Collateral) -> Collateral:
    _require(can_work_credit(actor))
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
    _require(can_service_loans(actor))
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
    _require(can_work_credit(actor))
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


# --- Repayments ----------------------------------------------------------------------------------


def _states(instalments: list[Instalment], on: dt.date, penalty_rate: Decimal):
    states = []
    for row in instalments:
        state = InstalmentState(
            key=row.pk,
            due_date=row.due_date,
            principal_due=row.principal_due,
            interest_due=row.interest_due,
            principal_paid=row.principal_paid,
            interest_paid=row.interest_paid,
            penalty_paid=row.penalty_paid,
        )
        state.penalty_accrued = penalty_for(state, on, penalty_rate) + row.penalty_paid
        states.append(state)
    return states


def loan_amount_due(loan: Loan, on: dt.date) -> Decimal:
    """Everything fallen due by `on` and unpaid: penalty, interest and principal."""
    rows = list(loan.instalments.filter(schedule_version=loan.schedule_version, superseded=False))
    return amount_due(_states(rows, on, loan.product.penalty_rate), on)


@transaction.atomic
def repayment_post(
    *,
    actor: User,
    loan: Loan,
    amount: Decimal,
    paid_on: dt.date,
    channel: str,
    reference: str,
    allow_prepayment: bool = False,
) -> Repayment:
    """Allocates a payment (penalty, interest, principal; oldest instalment first). A
    prepayment lowers the outstanding principal and re-spreads it over the remaining
    instalments; an amount the loan does not owe is refused, never lost."""
    _require(can_service_loans(actor))
    locked = Loan.objects.select_for_update().select_related("product").get(pk=loan.pk)
    if locked.status != LoanStatus.ACTIVE:
        raise ValidationError(_("This loan is repaid; nothing more can be posted."))
    if paid_on > business_date():
        raise ValidationError({"paid_on": _("A payment cannot be dated after the business date.")})
    if paid_on < locked.disbursed_on:
        raise ValidationError({"paid_on": _("A payment cannot predate the disbursement.")})
    amount = to_cents(amount)
    if Repayment.objects.filter(
        loan=locked, reference=reference, reversed_at__isnull=True
    ).exists():
        raise ValidationError({"reference": _("A payment with this reference is already posted.")})
    rows = list(
        locked.instalments.filter(
            schedule_version=locked.schedule_version, superseded=False
        ).order_by("due_date", "number")
    )
    try:
        result = allocate(
            amount,
            _states(rows, paid_on, locked.product.penalty_rate),
            paid_on=paid_on,
            allow_prepayment=allow_prepayment,
        )
    except PaymentRefused as refusal:
        raise ValidationError({"amount": _(refusal.message) % refusal.params}) from None
    repayment = Repayment.objects.create(
        loan=locked,
        amount=amount,
        paid_on=paid_on,
        channel=channel,
        reference=reference,
        prepayment=result.prepayment,
        posted_by=actor,
        schedule_version_before=locked.schedule_version,
    )
    by_key = {row.pk: row for row in rows}
    principal_paid = result.prepayment
    for part in result.allocations:
        row = by_key[part.key]
        row.penalty_paid += part.penalty
        row.interest_paid += part.interest
        row.principal_paid += part.principal
        principal_paid += part.principal
        if row.principal_paid == row.principal_due and row.interest_paid == row.interest_due:
            row.settled_on = paid_on
        row.save(update_fields=["penalty_paid", "interest_paid", "principal_paid", "settled_on"])
        RepaymentAllocation.objects.create(
            repayment=repayment,
            instalment=row,
            penalty=part.penalty,
            interest=part.interest,
            principal=part.principal,
        )
    locked.outstanding_principal -= principal_paid
    if result.prepayment:
        _respread_future(locked, rows, paid_on)
    if locked.outstanding_principal == 0:
        locked.status = LoanStatus.CLOSED
    locked.save(update_fields=["outstanding_principal", "status", "schedule_version"])
    audit_log(
        actor=actor,
        action="credit.repayment.posted",
        obj=locked,
        after={
            "repayment": repayment.pk,
            "amount": amount,
            "paid_on": paid_on,
            "prepayment": result.prepayment,
            "outstanding_principal": locked.outstanding_principal,
        },
    )
    return repayment


def _respread_future(loan: Loan, rows: list[Instalment], on: dt.date) -> None:
    """After a prepayment, the instalments not yet due are replaced by a new schedule for
    the lower principal over the same remaining months (same method, same rate)."""
    future = [row for row in rows if row.due_date > on and row.settled_on is None]
    if not future:
        return
    Instalment.objects.filter(pk__in=[row.pk for row in future]).update(superseded=True)
    loan.schedule_version += 1
    _copy_current(loan, exclude=future)
    if loan.outstanding_principal > 0:
        start = add_months(future[0].due_date, -loan.months_per_period)
        new_rows = build_schedule(
            principal=loan.outstanding_principal,
            annual_rate=loan.annual_rate,
            periods=len(future),
            start=start,
            method=loan.repayment_method,
            first_number=future[0].number,
            months_per_period=loan.months_per_period,
        )
        _save_schedule(loan, new_rows, version=loan.schedule_version)


def _copy_current(loan: Loan, *, exclude: list[Instalment]) -> None:
    """Carries the instalments that stay (due or paid) into the new schedule version."""
    excluded = {row.pk for row in exclude}
    kept = loan.instalments.filter(
        schedule_version=loan.schedule_version - 1, superseded=False
    ).exclude(pk__in=excluded)
    kept.update(schedule_version=loan.schedule_version)


# --- Four eyes on loan changes: restructurings and repayment reversals ---------------------------
#
# A change that moves money or lowers recorded risk is proposed by one person (an officer or
# manager with the loan in scope) and approved by another with the authority: a manager of
# the customer's branch or an admin, never the proposer. Nothing happens to the loan before
# the approval. Every step locks the loan first, then the proposal, so two people acting on
# one loan at once queue on the same lock: one proposal waits per loan and kind, and an
# approval takes effect once.


def can_decide_loan_change(user: User, loan: Loan, proposal: LoanChangeProposal) -> bool:
    """Who approves or rejects a proposal: a manager of the customer's branch or an admin,
    never its proposer."""
    if proposal.proposed_by_id == user.pk:
        return False
    if user.role == Role.MANAGER:
        return loan.customer.branch_id == user.branch_id
    return user.role == Role.ADMIN


PROPOSER_REFUSAL = gettext_lazy(
    "You proposed this change, so someone else must approve or reject it (four eyes)."
)


def _who(user: User) -> str:
    return user.get_full_name() or user.get_username()


def _lock_proposal(model, proposal: LoanChangeProposal) -> tuple[Loan, LoanChangeProposal]:
    """The loan, then the proposal, locked: the same order as the proposing steps. Only
    their own rows: the product and the customer read along stay free for everyone else."""
    loan = (
        Loan.objects.select_for_update(of=("self",))
        .select_related("product", "customer")
        .get(pk=proposal.loan_id)
    )
    locked = (
        model.objects.select_for_update(of=("self",))
        .select_related("proposed_by", "decided_by")
        .get(pk=proposal.pk)
    )
    return loan, locked


def _require_proposal_decider(actor: User, loan: Loan, proposal: LoanChangeProposal) -> None:
    if proposal.proposed_by_id == actor.pk:
        raise FourEyesRefused(PROPOSER_REFUSAL)
    _require(can_decide_loan_change(actor, loan, proposal))


def _require_pending(proposal: LoanChangeProposal) -> None:
    """A proposal is decided once: whoever comes second learns who came first."""
    if proposal.is_pending:
        return
    if proposal.status == ProposalStatus.WITHDRAWN:
        raise ValidationError(
            _("%(name)s withdrew this proposal; nothing was changed.")
            % {"name": _who(proposal.proposed_by)},
            code="closed",
        )
    raise ValidationError(
        _("%(name)s already decided this proposal (%(status)s); your decision was not recorded.")
        % {"name": _who(proposal.decided_by), "status": proposal.get_status_display()},
        code="closed",
    )


def _close(
    proposal: LoanChangeProposal,
    *,
    status: str,
    decided_by: User | None = None,
    note: str = "",
    also: tuple[str, ...] = (),
) -> None:
    """Closes the locked proposal in one write (with the fields in `also`, set before)."""
    proposal.status = status
    proposal.decided_by = decided_by
    proposal.decision_note = note
    proposal.closed_at = timezone.now()
    proposal.save(update_fields=["status", "decided_by", "decision_note", "closed_at", *also])


def _pending_refusal(pending: LoanChangeProposal, message: str) -> ValidationError:
    """`message` names who proposed the waiting change and when."""
    return ValidationError(
        message
        % {
            "name": _who(pending.proposed_by),
            "day": f"{timezone.localtime(pending.proposed_at):%Y-%m-%d}",
        },
        code="pending",
    )


# --- Repayment reversals -------------------------------------------------------------------------


def _check_reversible(loan: Loan, repayment: Repayment) -> None:
    if repayment.reversed_at:
        raise ValidationError(_("This payment is already reversed."))
    latest = loan.repayments.filter(reversed_at__isnull=True).order_by("-posted_at", "-id").first()
    if latest.pk != repayment.pk:
        raise ValidationError(_("Reverse the later payments of this loan first."))
    if loan.restructurings.filter(schedule_version__gt=repayment.schedule_version_before).exists():
        raise ValidationError(
            _("The loan was restructured after this payment; it cannot be reversed.")
        )


@transaction.atomic
def repayment_reversal_propose(
    *, actor: User, repayment: Repayment, reason: str
) -> tuple[RepaymentReversalProposal, bool]:
    """Proposes undoing a payment posted in error (the latest of its loan). Returns the
    proposal and whether it is new: the same form sent again returns the waiting one."""
    _require(can_service_loans(actor))
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the reversal.")})
    loan = Loan.objects.select_for_update().get(pk=repayment.loan_id)
    locked = Repayment.objects.get(pk=repayment.pk)
    pending = (
        loan.reversal_proposals.filter(status=ProposalStatus.PENDING)
        .select_related("proposed_by")
        .first()
    )
    if pending is not None:
        if (pending.repayment_id, pending.proposed_by_id, pending.reason) == (
            locked.pk,
            actor.pk,
            reason,
        ):
            return pending, False
        raise _pending_refusal(
            pending,
            _(
                "%(name)s proposed on %(day)s to reverse a payment of this loan, and it awaits "
                "approval: have it decided or withdrawn before proposing another."
            ),
        )
    _check_reversible(loan, locked)
    proposal = RepaymentReversalProposal.objects.create(
        loan=loan, repayment=locked, reason=reason, proposed_by=actor
    )
    audit_log(
        actor=actor,
        action="credit.repayment.reversal_proposed",
        obj=loan,
        after={
            "proposal": proposal.pk,
            "repayment": locked.pk,
            "amount": locked.amount,
            "reason": reason,
        },
    )
    return proposal, True


@transaction.atomic
def repayment_reversal_approve(*, actor: User, proposal: RepaymentReversalProposal) -> Repayment:
    """Undoes the payment: the instalments return exactly to the state they had before it
    (only the latest payment of a loan can be reversed)."""
    loan, locked = _lock_proposal(RepaymentReversalProposal, proposal)
    _require_proposal_decider(actor, loan, locked)
    _require_pending(locked)
    repayment = Repayment.objects.select_for_update().get(pk=locked.repayment_id)
    _check_reversible(loan, repayment)
    if loan.schedule_version != repayment.schedule_version_before:
        # The prepayment's new schedule (everything due after the payment) goes, and the
        # schedule it replaced comes back.
        current = loan.instalments.filter(schedule_version=loan.schedule_version)
        current.filter(due_date__gt=repayment.paid_on).delete()
        current.update(schedule_version=repayment.schedule_version_before)
        loan.instalments.filter(
            schedule_version=repayment.schedule_version_before,
            superseded=True,
            due_date__gt=repayment.paid_on,
        ).update(superseded=False)
        loan.schedule_version = repayment.schedule_version_before
    principal_back = repayment.prepayment
    for part in repayment.allocations.select_related("instalment"):
        row = part.instalment
        row.penalty_paid -= part.penalty
        row.interest_paid -= part.interest
        row.principal_paid -= part.principal
        row.settled_on = None
        row.save(update_fields=["penalty_paid", "interest_paid", "principal_paid", "settled_on"])
        principal_back += part.principal
    loan.outstanding_principal += principal_back
    loan.status = LoanStatus.ACTIVE
    loan.save(update_fields=["outstanding_principal", "status", "schedule_version"])
    repayment.reversed_at = timezone.now()
    repayment.reversed_by = actor
    repayment.reversal_reason = locked.reason
    repayment.save(update_fields=["reversed_at", "reversed_by", "reversal_reason"])
    _close(locked, status=ProposalStatus.APPROVED, decided_by=actor)
    audit_log(
        actor=actor,
        action="credit.repayment.reversed",
        obj=loan,
        before={"repayment": repayment.pk, "amount": repayment.amount},
        after={
            "proposal": locked.pk,
            "proposed_by": locked.proposed_by_id,
            "reason": locked.reason,
            "outstanding_principal": loan.outstanding_principal,
        },
    )
    return repayment


# --- Restructuring -------------------------------------------------------------------------------


def product_rate_range(product) -> tuple[Decimal, Decimal]:
    """The rates the product lends at: from its base rate plus the smallest spread any grade
    gets (the best grade's offer) up to the ceiling every approval is held to."""
    lowest_spread = product.pricing.filter(available=True).aggregate(low=Min("spread"))["low"]
    return product.base_rate + (lowest_spread or ZERO), MAX_ANNUAL_RATE


def _restructuring_terms_errors(loan: Loan, *, new_term_months: int, new_rate: Decimal) -> dict:
    """New terms within the product's bounds: its term range in whole repayment periods,
    and a rate above zero within the rates it lends at."""
    product = loan.product
    errors = {}
    if not product.min_term_months <= new_term_months <= product.max_term_months:
        errors["new_term_months"] = _("The product's term is %(low)s to %(high)s months.") % {
            "low": product.min_term_months,
            "high": product.max_term_months,
        }
    elif new_term_months % loan.months_per_period:
        errors["new_term_months"] = _(
            "The term must be a whole number of %(months)s-month periods."
        ) % {"months": loan.months_per_period}
    low, high = product_rate_range(product)
    if new_rate <= 0:
        errors["new_rate"] = _("The rate must be more than zero.")
    elif not low <= new_rate <= high:
        errors["new_rate"] = _("The product lends at rates from %(low)s to %(high)s.") % {
            "low": f"{low.normalize():f}",
            "high": f"{high.normalize():f}",
        }
    return errors


@transaction.atomic
def restructuring_propose(
    *, actor: User, loan: Loan, new_term_months: int, new_rate: Decimal, reason: str
) -> tuple[RestructuringProposal, bool]:
    """Proposes new terms for the loan's unpaid schedule. Returns the proposal and whether it
    is new: the same form sent again returns the waiting one; one proposal waits per loan."""
    _require(can_service_loans(actor))
    reason = reason.strip()
    locked = Loan.objects.select_for_update(of=("self",)).select_related("product").get(pk=loan.pk)
    errors = _restructuring_terms_errors(locked, new_term_months=new_term_months, new_rate=new_rate)
    if not reason:
        errors["reason"] = _("Give the reason for the restructuring.")
    if errors:
        raise ValidationError(errors)
    if locked.status != LoanStatus.ACTIVE:
        raise ValidationError(_("Only an active loan can be restructured."))
    pending = (
        locked.restructuring_proposals.filter(status=ProposalStatus.PENDING)
        .select_related("proposed_by")
        .first()
    )
    if pending is not None:
        if (pending.proposed_by_id, pending.new_term_months, pending.new_rate, pending.reason) == (
            actor.pk,
            new_term_months,
            new_rate,
            reason,
        ):
            return pending, False
        raise _pending_refusal(
            pending,
            _(
                "%(name)s proposed on %(day)s to restructure this loan, and it awaits approval: "
                "have it decided or withdrawn before proposing another."
            ),
        )
    proposal = RestructuringProposal.objects.create(
        loan=locked,
        new_term_months=new_term_months,
        new_rate=new_rate,
        reason=reason,
        proposed_by=actor,
    )
    audit_log(
        actor=actor,
        action="credit.loan.restructuring_proposed",
        obj=locked,
        after={
            "proposal": proposal.pk,
            "new_term_months": new_term_months,
            "new_rate": new_rate,
            "reason": reason,
        },
    )
    return proposal, True


@transaction.atomic
def restructuring_approve(*, actor: User, proposal: RestructuringProposal) -> Restructuring:
    """Puts the proposed terms in force: the unpaid schedule is replaced by a new one over
    the outstanding principal and any overdue interest capitalised, and the loan is flagged
    restructured with the date. The terms are checked again against the product as it is."""
    loan, locked = _lock_proposal(RestructuringProposal, proposal)
    _require_proposal_decider(actor, loan, locked)
    _require_pending(locked)
    errors = _restructuring_terms_errors(
        loan, new_term_months=locked.new_term_months, new_rate=locked.new_rate
    )
    if errors:
        raise ValidationError(list(errors.values()))
    if loan.status != LoanStatus.ACTIVE:
        raise ValidationError(_("Only an active loan can be restructured."))
    record = _restructure(
        loan,
        new_term_months=locked.new_term_months,
        new_rate=locked.new_rate,
        reason=locked.reason,
        decided_by=actor,
    )
    locked.restructuring = record
    _close(locked, status=ProposalStatus.APPROVED, decided_by=actor, also=("restructuring",))
    audit_log(
        actor=actor,
        action="credit.loan.restructuring_approved",
        obj=loan,
        after={
            "proposal": locked.pk,
            "proposed_by": locked.proposed_by_id,
            "restructuring": record.pk,
            "new_term_months": locked.new_term_months,
            "new_rate": locked.new_rate,
        },
    )
    return record


def _restructure(
    loan: Loan, *, new_term_months: int, new_rate: Decimal, reason: str, decided_by: User
) -> Restructuring:
    """The effect of an approved restructuring on the locked loan."""
    on = business_date()
    unpaid = list(
        loan.instalments.filter(
            schedule_version=loan.schedule_version, superseded=False, settled_on__isnull=True
        )
    )
    overdue_interest = sum(
        (row.interest_due - row.interest_paid for row in unpaid if row.due_date <= on), ZERO
    )
    principal = loan.outstanding_principal + overdue_interest
    Instalment.objects.filter(pk__in=[row.pk for row in unpaid]).update(superseded=True)
    loan.schedule_version += 1
    _copy_current(loan, exclude=unpaid)
    next_number = (loan.instalments.aggregate(top=Max("number"))["top"] or 0) + 1
    rows = build_schedule(
        principal=principal,
        annual_rate=new_rate,
        periods=max(new_term_months // loan.months_per_period, 1),
        start=on,
        method=loan.repayment_method,
        first_number=next_number,
        months_per_period=loan.months_per_period,
    )
    _save_schedule(loan, rows, version=loan.schedule_version)
    record = Restructuring.objects.create(
        loan=loan,
        restructured_on=on,
        reason=reason,
        old_rate=loan.annual_rate,
        new_rate=new_rate,
        old_remaining_months=len([r for r in unpaid if r.due_date > on]),
        new_term_months=new_term_months,
        principal_restructured=principal,
        decided_by=decided_by,
        schedule_version=loan.schedule_version,
    )
    before = snapshot(loan, ["annual_rate", "maturity_date", "outstanding_principal"])
    loan.annual_rate = new_rate
    loan.outstanding_principal = principal
    loan.maturity_date = rows[-1].due_date
    loan.restructured_on = on
    loan.restructure_count += 1
    loan.save()
    audit_change(
        actor=decided_by,
        action="credit.loan.restructured",
        obj=loan,
        before=before,
        after=snapshot(loan, ["annual_rate", "maturity_date", "outstanding_principal"]),
    )
    return record


# --- Rejecting and withdrawing proposals ----------------------------------------------------------

PROPOSAL_KINDS = {
    RestructuringProposal: "credit.loan.restructuring",
    RepaymentReversalProposal: "credit.repayment.reversal",
}


@transaction.atomic
def loan_change_reject(*, actor: User, proposal: LoanChangeProposal, reason: str) -> None:
    """The decider turns the proposal down, saying why; the loan stays as it is."""
    model = type(proposal)
    loan, locked = _lock_proposal(model, proposal)
    _require_proposal_decider(actor, loan, locked)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the rejection.")})
    _require_pending(locked)
    _close(locked, status=ProposalStatus.REJECTED, decided_by=actor, note=reason)
    audit_log(
        actor=actor,
        action=f"{PROPOSAL_KINDS[model]}_rejected",
        obj=loan,
        after={"proposal": locked.pk, "proposed_by": locked.proposed_by_id, "reason": reason},
    )


@transaction.atomic
def loan_change_withdraw(*, actor: User, proposal: LoanChangeProposal) -> None:
    """The proposer takes the proposal back while it waits."""
    model = type(proposal)
    loan, locked = _lock_proposal(model, proposal)
    _require(locked.proposed_by_id == actor.pk)
    _require_pending(locked)
    _close(locked, status=ProposalStatus.WITHDRAWN)
    audit_log(
        actor=actor,
        action=f"{PROPOSAL_KINDS[model]}_withdrawn",
        obj=loan,
        after={"proposal": locked.pk},
    )


@transaction.atomic
def loan_import(
    *,
    actor: User,
    customer: Customer,
    product,
    amount: Decimal,
    annual_rate: Decimal,
    term_months: int,
    disbursed_on: dt.date,
    external_ref: str,
) -> Loan:
    """A loan disbursed by the core banking system: its application is recorded as already
    disbursed (it never went through this pipeline), and its schedule is built here."""
    _require(actor.role in {Role.MANAGER, Role.ADMIN})
    errors = {}
    if product.customer_kind != customer.kind:
        errors["product"] = _("This product is not for this type of customer.")
    if amount <= 0:
        errors["amount"] = _("A value must be more than zero.")
    if term_months < 1 or term_months % product.repayment_frequency:
        errors["term_months"] = _(
            "The term must be a whole number of %(months)s-month periods."
        ) % {"months": product.repayment_frequency}
    if not 0 <= annual_rate <= MAX_ANNUAL_RATE:
        errors["annual_rate"] = _("The rate must be between 0 and %(max)s.") % {
            "max": MAX_ANNUAL_RATE
        }
    if disbursed_on > business_date():
        errors["disbursed_on"] = _("A loan cannot be disbursed after the business date.")
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    application = Application.objects.create(
        customer=customer,
        product=product,
        amount=to_cents(amount),
        term_months=term_months,
        purpose=_("Imported from the core banking system"),
        status=ApplicationStatus.DISBURSED,
        created_by=actor,
        approved_amount=to_cents(amount),
        approved_term_months=term_months,
        approved_rate=annual_rate,
        status_changed_at=now,
    )
    ApplicationEvent.objects.create(
        application=application,
        to_status=ApplicationStatus.DISBURSED,
        actor=actor,
        at=now,
        note=external_ref,
    )
    rows = build_schedule(
        principal=amount,
        annual_rate=annual_rate,
        periods=term_months // product.repayment_frequency,
        start=disbursed_on,
        method=product.repayment_method,
        months_per_period=product.repayment_frequency,
    )
    loan = Loan.objects.create(
        application=application,
        customer=customer,
        product=product,
        principal=to_cents(amount),
        annual_rate=annual_rate,
        term_months=term_months,
        repayment_method=product.repayment_method,
        months_per_period=product.repayment_frequency,
        disbursed_on=disbursed_on,
        maturity_date=rows[-1].due_date,
        disbursed_by=actor,
        outstanding_principal=to_cents(amount),
        external_ref=external_ref,
    )
    _save_schedule(loan, rows, version=1)
    audit_log(
        actor=actor,
        action="credit.loan.imported",
        obj=loan,
        after={
            "external_ref": external_ref,
            "principal": loan.principal,
            "disbursed_on": disbursed_on,
        },
    )
    return loan
