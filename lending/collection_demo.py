"""Demo post-loan work for `seed_demo` (lending.demo), after the loans and their repayments:

- the collections queue: the nightly collections step over the whole book on the business
  date (the demo's stopped loans land in its stages; a stage left empty by the drawn book
  gets a borrower who stopped paying that long ago), one promise to pay taken on a call by
  the customer's officer, and one legal case filed from a case in the legal stage, with an
  asset the court preserved;
- post-loan inspections: an inspection plan for working-capital loans (流动资金贷款, whose
  rules require the use of funds to be checked), their first inspections scheduled, and all
  but the longest due recorded by the officer, so that their next ones fall due in the
  coming days while that one stays overdue.

Idempotent: the nightly steps write nothing the second time, and the promise, the legal case
and the inspections recorded are made only while the book has none."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.db.models import Max, Min

from core.business_date import business_date
from core.months import add_months
from customers.models import Customer, CustomerKind
from lending import collections, services
from lending.collection_models import (
    CaseStatus,
    CollectionCase,
    CollectionStage,
    ContactResult,
    PromiseToPay,
)
from lending.inspection_models import (
    ChecklistTopic,
    FindingResult,
    Inspection,
    InspectionConclusion,
    InspectionPlan,
    InspectionStatus,
)
from lending.inspections import inspections_schedule
from lending.legal_models import LegalCase
from lending.models import LoanProduct, LoanStatus
from lending.services.collections import collection_cases_refresh, collection_contact_record
from lending.services.inspections import Finding, inspection_record
from lending.services.legal_cases import legal_asset_add, legal_case_open

INSPECTED_PRODUCT = "WC-01"
# The recorded inspections' next ones fall due this many days after the business date.
NEXT_DUE_IN_DAYS = 10


def _open_cases(stage_code: str):
    return (
        CollectionCase.objects.filter(status=CaseStatus.OPEN, stage__code=stage_code)
        .select_related("customer__officer", "loan", "stage")
        .order_by("id")
    )


# The days past due of the loan the demo adds for a stage the book left empty: well inside
# each default stage (lending.collections.DEFAULT_STAGES).
BEHIND_BY = {"reminder": 12, "calls_visits": 50, "legal": 120}


def _fill_empty_stages(on: dt.date, seed: int) -> int:
    """A stage without an open case gets one: a further loan to one of the book's individual
    borrowers, disbursed months ago through the usual pipeline, whose borrower stopped paying
    so that the oldest unpaid instalment is about BEHIND_BY days old. The drawn book restructures
    most of its short arrears, and a small one may have none in a stage."""
    from lending.demo import _advance, _application, _decider, _product_for, _service_loan

    added = 0
    rng = random.Random(f"{seed}-collections")  # noqa: S311 - repeatable demo data, no secret
    borrowers = (
        Customer.objects.filter(kind=CustomerKind.INDIVIDUAL, loans__status=LoanStatus.ACTIVE)
        .select_related("officer")
        .distinct()
        .order_by("id")
    )
    for stage in CollectionStage.objects.order_by("from_days"):
        dpd = BEHIND_BY.get(stage.code)
        if (
            dpd is None
            or CollectionCase.objects.filter(status=CaseStatus.OPEN, stage=stage).exists()
        ):
            continue
        customer = borrowers[added] if len(borrowers) > added else None
        if customer is None:
            continue
        officer, decider = customer.officer, _decider(customer)
        product, offer = _product_for(rng, customer, customer.assessments.first().grade)
        if product is None:
            continue
        application, offer = _application(rng, customer, officer, product, offer)
        application = _advance(application, offer, "approved", officer, decider)
        if application.status != "approved":
            continue
        # Disbursed so that an instalment fell due exactly `dpd` days ago, three periods in:
        # the borrower paid the ones before it and none since.
        loan = services.application_disburse(
            actor=decider,
            application=application,
            on=add_months(on - dt.timedelta(days=dpd), -3 * product.repayment_frequency),
        )
        # A few days' slack: a due day past the 28th moves with the month's length.
        _service_loan(rng, loan, officer, "stopped", dpd + 3)
        added += 1
    return added


def _promise(on: dt.date) -> int:
    if PromiseToPay.objects.exists():
        return 0
    case = _open_cases(collections.DEFAULT_STAGES[0][0]).first()
    if case is None:
        return 0
    collection_contact_record(
        actor=case.customer.officer,
        case=case,
        channel="phone",
        result=ContactResult.PROMISED,
        summary="客户承诺下周发工资后还清逾期款项",
        promise_amount=case.amount_overdue,
        promise_date=on + dt.timedelta(days=7),
        on=on,
    )
    return 1


def _legal_case(on: dt.date) -> int:
    if LegalCase.objects.exists():
        return 0
    case = _open_cases(collections.LEGAL_STAGE).first()
    if case is None:
        return 0
    officer = case.customer.officer
    filed_on = max(on - dt.timedelta(days=20), case.loan.disbursed_on)
    legal_case = legal_case_open(
        actor=officer,
        case=case,
        court="北京市朝阳区人民法院",
        case_number=f"({filed_on.year})京0105民初{case.pk:04d}号",
        filed_on=filed_on,
        claim_amount=case.loan.outstanding_principal + case.amount_overdue,
        on=on,
    )
    legal_asset_add(
        actor=officer,
        legal_case=legal_case,
        description="借款人名下机动车一辆（诉讼保全查封）",
        value=Decimal("86000"),
        preserved_on=filed_on,
        on=on,
    )
    return 1


def _interval(plan: InspectionPlan, risk_level: str) -> int:
    return {"high": plan.every_days_high, "medium": plan.every_days_medium}.get(
        risk_level, plan.every_days_low
    )


def _inspections(on: dt.date, first_id: int, last_id: int) -> int:
    product = LoanProduct.objects.filter(code=INSPECTED_PRODUCT).first()
    if product is None:
        return 0
    plan, _created = InspectionPlan.objects.get_or_create(product=product)
    made = inspections_schedule(first_id=first_id, last_id=last_id)
    if Inspection.objects.filter(status=InspectionStatus.COMPLETED).exists():
        return made
    due = list(
        Inspection.objects.filter(status=InspectionStatus.DUE, loan__product=product)
        .select_related("loan", "customer__officer")
        .order_by("due_on", "id")
    )
    # The longest due stays as scheduled (overdue); the others were visited, so that their
    # next inspection falls due NEXT_DUE_IN_DAYS from now.
    for inspection in due[1:]:
        interval = _interval(plan, inspection.customer.risk_level)
        visited = on + dt.timedelta(days=NEXT_DUE_IN_DAYS - interval)
        inspection_record(
            actor=inspection.customer.officer,
            inspection=inspection,
            inspected_on=min(on, max(visited, inspection.loan.disbursed_on)),
            conclusion=InspectionConclusion.NORMAL,
            summary="资金按约定用于采购原材料，经营正常",
            findings=[
                Finding(
                    topic=ChecklistTopic.USE_OF_FUNDS,
                    question="贷款资金是否按约定用途使用",
                    result=FindingResult.SATISFACTORY,
                    note="核对采购合同与发票",
                ),
                Finding(
                    topic=ChecklistTopic.OPERATIONS,
                    question="企业经营是否正常",
                    result=FindingResult.SATISFACTORY,
                    note="",
                ),
            ],
        )
        made += 1
    return made


@transaction.atomic
def seed_collections(*, seed: int) -> str:
    on = business_date()
    bounds = Customer.objects.aggregate(first=Min("id"), last=Max("id"))
    if bounds["first"] is None:
        return "no collection cases"
    # Once: the promise and the legal case mark the post-loan demo as seeded.
    if not (PromiseToPay.objects.exists() or LegalCase.objects.exists()):
        _fill_empty_stages(on, seed)
    counts = collection_cases_refresh(first_id=bounds["first"], last_id=bounds["last"], on=on)
    promises = _promise(on)
    legal_cases = _legal_case(on)
    inspections = _inspections(on, bounds["first"], bounds["last"])
    return (
        f"{counts['cases_opened']} collection cases, {promises} promise, "
        f"{legal_cases} legal case, {inspections} inspections"
    )
