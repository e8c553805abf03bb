"""Writes of credit scoring: statements, scorecard drafts and publication, assessments (and
their nightly refresh when the repayment record changes).

Lending (applications, loans, servicing) sits on the floor above, in the lending app; the
repayment record that assessments score is read here from its tables by name, in SQL, so this
app never imports that one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Max, Model
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import audit_change, audit_log, audit_log_many, snapshot
from core.business_date import business_date
from credit import bureau_figures, monitoring, ratios, scoring
from credit.bureau_services import bureau_scoring_figures
from credit.models import (
    Assessment,
    FinancialStatement,
    ScorecardAlert,
    ScorecardMonitoring,
    ScorecardStatus,
    ScorecardVersion,
)
from credit.policies import may_monitor_scorecards, may_work_credit
from customers.models import Customer, CustomerKind


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


# --- Statements --------------------------------------------------------------------------------


@transaction.atomic
def statement_record(*, actor: User, statement: FinancialStatement) -> FinancialStatement:
    _require(may_work_credit(actor))
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

# An instalment is late when it was settled after its due date or is still unpaid past it.
_REPAYMENT_RECORD_SQL = """
SELECT count(*),
       count(*) FILTER (WHERE (i.settled_on > i.due_date OR i.settled_on IS NULL)
                          AND i.due_date >= %(since_12)s),
       count(*) FILTER (WHERE (i.settled_on > i.due_date OR i.settled_on IS NULL)
                          AND i.due_date >= %(since_36)s),
       max(COALESCE(i.settled_on, %(on)s) - i.due_date)
           FILTER (WHERE i.settled_on > i.due_date OR i.settled_on IS NULL)
  FROM credit_instalment i
  JOIN credit_loan l ON l.id = i.loan_id
 WHERE l.customer_id = %(customer)s AND NOT i.superseded AND i.due_date < %(on)s
"""


def repayment_record(customer: Customer, on: dt.date) -> dict:
    """The long repayment record: late instalments in 12 and 36 months, worst DPD ever.

    Read from the lending book's tables (credit_loan, credit_instalment) by name: lending is
    the floor above, and risk.recompute reads the same record the same way for the whole
    book at once."""
    with connection.cursor() as cursor:
        cursor.execute(
            _REPAYMENT_RECORD_SQL,
            {
                "customer": customer.pk,
                "on": on,
                "since_12": on - dt.timedelta(days=365),
                "since_36": on - dt.timedelta(days=3 * 365),
            },
        )
        total, late_12, late_36, worst = cursor.fetchone()
    if not total:
        # No history at all is scored as missing, not as a perfect record.
        return {"late_payments_12m": None, "late_payments_36m": None, "worst_dpd_ever": None}
    return {
        "late_payments_12m": late_12,
        "late_payments_36m": late_36,
        "worst_dpd_ever": worst or 0,
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
    # The latest valid bureau report (with a consent in force): its debt at other lenders
    # enters the debt-service ratios, its overdue history a factor of its own. Without one the
    # inputs are what they were before bureau data existed (credit/bureau_figures.py).
    bureau = bureau_scoring_figures(customer)
    if bureau is not None:
        figures["debt_service"] = bureau_figures.combined_debt_service(
            figures.get("debt_service"), bureau["external_debt_service"]
        )
    derived = ratios.statement_ratios(figures, previous.figures() if previous else None)
    inputs = repayment_record(customer, business_date())
    if bureau is not None:
        inputs["external_overdue"] = bureau["external_overdue"]
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
    application: Model | None = None,
) -> Assessment:
    """Scores the customer with the scorecard in force and records everything needed to
    reproduce the result; the customer's grade becomes the new one. `application` is the
    lending application it is made for, if any."""
    _require(may_work_credit(actor))
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


def record_inputs(late_12, late_36, worst) -> dict:
    """A repayment record as the scorecard's inputs name it."""
    return dict(zip(REPAYMENT_RECORD_INPUTS, (late_12, late_36, worst), strict=True))


@dataclass(frozen=True)
class ScoredRecord:
    """A customer's new repayment record beside the one their latest assessment was scored
    with (`previous`), by the scorecard `scorecard_id`."""

    customer_id: int
    kind: str
    scorecard_id: int
    previous: dict
    record: dict


def records_moving_scores(moved: list[ScoredRecord]) -> dict[int, dict]:
    """The new records (customer → record) of those in `moved` whose score the record can
    move, for assessments_refresh_many. A score is the sum of its factors' points: a customer
    whose latest assessment was scored by the scorecard in force for their kind, and whose
    record leaves every repayment factor on the points it had, would be scored again to the
    same score and grade, which keeps the assessment they have. Left out, they cost nothing:
    a borrower in arrears has their worst days past due grow by a day every night, and stays
    in its bin for weeks."""
    in_force: dict[str, ScorecardVersion] = {}
    stale = {}
    for entry in moved:
        if entry.kind not in in_force:
            in_force[entry.kind] = scorecard_in_force(entry.kind)
        version = in_force[entry.kind]
        if entry.scorecard_id != version.pk or any(
            scoring.score_factor(factor, entry.previous.get(factor["key"])).points
            != scoring.score_factor(factor, entry.record.get(factor["key"])).points
            for factor in version.definition["factors"]
            if factor["key"] in REPAYMENT_RECORD_INPUTS
        ):
            stale[entry.customer_id] = entry.record
    return stale


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


# --- Monitoring --------------------------------------------------------------------------------


@transaction.atomic
def scorecard_monitoring_refresh(
    *, actor: User, version: ScorecardVersion, as_of: dt.date | None = None
) -> tuple[ScorecardMonitoring, ScorecardAlert | None]:
    """Computes a version's monitoring figures now, at a risk officer's request: the figures,
    the alert a shifted score raises and the audit row commit together or not at all."""
    _require(may_monitor_scorecards(actor))
    report = monitoring.compute(version, as_of=as_of or business_date())
    alert = monitoring.raise_alert_if_shifted(report)
    audit_log(actor=actor, action="credit.scorecard.monitoring_computed", obj=version)
    return report, alert
