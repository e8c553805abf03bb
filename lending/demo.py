"""Demo lending book for `seed_demo`, after credit.demo has assessed the customers:
applications in every stage, and loans disbursed over the last few years with their
repayments, most on time, some late, some stopped (so days past due spread from 0 to beyond
400), a few restructured (proposed by their officer, approved by the branch's manager) and
one restructuring awaiting approval.

Deterministic for a seed, and idempotent: a customer that already has an application is left
as it is."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from core.business_date import business_date
from core.months import add_months
from credit.models import Assessment
from customers.models import Customer, CustomerKind
from customers.screening_models import BLOCKING_HIT_STATUSES
from lending import authority_demo, document_demo, facility_demo, services
from lending.models import Application, Collateral, Guarantor, LoanProduct, LoanStatus

D = Decimal
STAGES = ["draft", "submitted", "under_review", "approved", "rejected", "withdrawn"]


def _product_for(rng, customer, grade):
    codes = (
        ["CONS-01", "AUTO-01", "MORT-01"]
        if customer.kind == CustomerKind.INDIVIDUAL
        else ["WC-01", "BT-01"]
    )
    for code in rng.sample(codes, len(codes)):
        product = LoanProduct.objects.get(code=code)
        offer = services.offer_for(product, grade)
        if offer["available"]:
            return product, offer
    return None, None


def _application(rng, customer, officer, product, offer):
    high = min(offer["max_amount"], product.max_amount)
    amount = (
        D(rng.randrange(int(product.min_amount), int(high) + 1, 1000))
        if high > (product.min_amount)
        else product.min_amount
    )
    term = rng.randrange(product.min_term_months, min(product.max_term_months, 60) + 1)
    application = services.application_create(
        actor=officer,
        application=Application(
            customer=customer,
            product=product,
            amount=amount,
            term_months=term,
            purpose=rng.choice(["购房", "装修", "补充流动资金", "设备采购", "购车", "教育"]),
            # Drawn on the customer's credit facility when it can lend this (facility_demo).
            facility=facility_demo.facility_to_draw(customer, product, amount),
        ),
    )
    if offer["collateral_required"]:
        ratio = offer["max_ltv"] or D("0.6")
        services.collateral_add(
            actor=officer,
            collateral=Collateral(
                application=application,
                collateral_type="real_estate",
                description=rng.choice(["住宅一套", "商铺", "厂房"]),
                owner_name=customer.name,
                value=(amount / ratio * D("1.2")).quantize(D("0.01")),
                valued_on=business_date() - dt.timedelta(days=rng.randrange(30, 400)),
            ),
        )
    if offer["guarantor_required"]:
        services.guarantor_add(
            actor=officer,
            guarantor=Guarantor(
                application=application, name="担保人" + customer.name[:1], amount=amount
            ),
        )
    return application, offer


def _decider(customer) -> User:
    manager = User.objects.filter(
        role=Role.MANAGER, branch=customer.branch_id, is_active=True
    ).first()
    return manager or User.objects.filter(role=Role.ADMIN, is_active=True).first()


def _advance(application, offer, stage, officer, decider):
    if stage == "draft":
        return application
    if stage == "withdrawn":
        return services.application_withdraw(
            actor=officer, application=application, reason="客户暂不需要"
        )
    services.application_submit(actor=officer, application=application)
    if stage == "submitted":
        return application
    services.application_start_review(actor=decider, application=application)
    if stage == "under_review":
        return application
    # Through the approval authority: decided at the first level that covers it, recommended
    # upward below it; one beyond the demo's committees stays waiting where it stopped.
    if stage == "rejected":
        return authority_demo.walk(
            application, approve=False, offer=offer, reason="负债率偏高，建议降低申请金额"
        )
    return authority_demo.walk(application, approve=True, offer=offer, reason="还款能力充足")


# Days past due a stopped borrower is left at, spread over every classification bucket; the
# first four already reach every class past normal (loss, special mention, substandard,
# doubtful).
STOPPED_DPD = [430, 45, 200, 330, 5, 100, 75, 280, 20, 150, 450]
EVERY_CLASS = 4
# The customers, and so every random draw after them, follow the calendar (birth dates and ID
# numbers count back from the day of seeding), so the book is not left to chance: the first
# applications take each stage in turn, and every other loan stops paying until the stopped
# loans reach every class. The rest is drawn, so the book still looks like a book.
STAGE_ROTATION = ["disbursed", *STAGES]
# The chance that a borrower of a grade stops paying (worse grades not listed: 0.6).
STOP_CHANCE = {"AAA": 0.03, "AA": 0.05, "A": 0.08, "BBB": 0.15, "BB": 0.25, "B": 0.4}


def _service_loan(rng, loan, officer, habit, stopped_dpd=0):
    """Posts the repayments of a loan up to the business date, by the borrower's habit."""
    today = business_date()
    rows = list(loan.instalments.order_by("number"))
    due_rows = [row for row in rows if row.due_date < today]
    stop_after = None
    if habit == "stopped":
        # Pay until about `target` days ago, then nothing: the oldest unpaid instalment
        # fell due roughly that long before the business date.
        target = today - dt.timedelta(days=stopped_dpd)
        stop_after = len([row for row in due_rows if row.due_date < target])
    for index, row in enumerate(due_rows):
        if stop_after is not None and index >= stop_after:
            break
        paid_on = row.due_date
        if habit == "late":
            paid_on = min(today, row.due_date + dt.timedelta(days=rng.randrange(1, 40)))
        loan.refresh_from_db()
        amount = services.loan_amount_due(loan, paid_on)
        if amount <= 0:
            continue
        services.repayment_post(
            actor=officer,
            loan=loan,
            amount=amount,
            paid_on=paid_on,
            channel=rng.choice(["auto_debit", "transfer", "counter"]),
            reference=f"DEMO-{loan.pk}-{row.number}",
        )


def _restructured_term(loan) -> int:
    """Three years more, within what the product lends for, in whole repayment periods."""
    product = loan.product
    months = min(max(36, product.min_term_months), product.max_term_months)
    return months - months % loan.months_per_period


def seed_lending(*, seed: int) -> str:
    # The customers credit.demo assessed and nobody has lent to yet (one with no product for
    # their grade is drawn again on the next run, and again gets none).
    customers = list(
        Customer.objects.filter(assessments__isnull=False, applications__isnull=True)
        # The demo watch list's hit (customers.screening_demo) waits for compliance.
        .exclude(screening_hits__status__in=BLOCKING_HIT_STATUSES)
        .distinct()
        .select_related("officer", "branch")
        .order_by("id")
    )
    today = business_date()
    loans = applications = stopped = restructured = waiting = 0
    for customer in customers:
        identifier = customer.resident_id or customer.credit_code
        # A stream of its own beside credit.demo's, as repeatable for the seed.
        rng = random.Random(f"{seed}-{identifier}-lending")
        officer = customer.officer
        with transaction.atomic():
            assessment = customer.assessments.first()
            product, offer = _product_for(rng, customer, assessment.grade)
            if product is None:
                continue
            stage = (
                STAGE_ROTATION[applications]
                if applications < len(STAGE_ROTATION)
                else rng.choices(STAGE_ROTATION, weights=[60, 6, 8, 8, 6, 6, 6])[0]
            )
            application, offer = _application(rng, customer, officer, product, offer)
            applications += 1
            decider = _decider(customer)
            application = _advance(
                application, offer, stage if stage != "disbursed" else "approved", officer, decider
            )
            if stage != "disbursed" or application.status != "approved":
                continue
            # Weaker grades stop paying more often, as in a real book, so the scorecard's
            # monitoring has something to find; a stopped loan takes the next days-past-due
            # level of STOPPED_DPD, so the book spans every classification bucket.
            stops = rng.random() < STOP_CHANCE.get(assessment.grade, 0.6) or (
                stopped < EVERY_CLASS and loans % 2 == 0
            )
            habit = "stopped" if stops else "late" if loans % 7 == 5 else "on_time"
            stopped_dpd = STOPPED_DPD[stopped % len(STOPPED_DPD)]
            longest = min(application.approved_term_months, 30)
            # A stopped loan is old enough for its days past due (it may be past maturity);
            # it stopped within its first months, as most defaults do.
            months_back = (
                rng.randrange(2, longest + 1)
                if habit != "stopped"
                else stopped_dpd // 30 + rng.randrange(2, 9)
            )
            loan = services.application_disburse(
                actor=decider,
                application=application,
                on=add_months(today, -months_back) - dt.timedelta(days=rng.randrange(0, 20)),
            )
            # The assessment was made when the customer applied, days before the money went
            # out, so what the bank knew then is what its scorecard is judged on.
            Assessment.objects.filter(pk=assessment.pk).update(
                assessed_at=timezone.make_aware(
                    dt.datetime.combine(
                        loan.disbursed_on - dt.timedelta(days=rng.randrange(3, 21)), dt.time(10)
                    )
                )
            )
            _service_loan(rng, loan, officer, habit, stopped_dpd)
            loans += 1
            stopped += habit == "stopped"
            loan.refresh_from_db(fields=["status"])
            # A short loan may have been repaid in full before the borrower stopped.
            if habit == "stopped" and stopped_dpd < 100 and loan.status == LoanStatus.ACTIVE:
                # Four eyes: the officer proposes, the branch's manager approves. The first
                # such loan is restructured for certain, then about half of them; the first
                # one left keeps its proposal waiting for the manager.
                restructure = not restructured or rng.random() < 0.5
                if restructure or not waiting:
                    proposal, _created = services.restructuring_propose(
                        actor=officer,
                        loan=loan,
                        new_term_months=_restructured_term(loan),
                        new_rate=loan.annual_rate,
                        reason="经营困难，延长期限",
                    )
                if restructure:
                    services.restructuring_approve(actor=decider, proposal=proposal)
                    restructured += 1
                elif not waiting:
                    waiting += 1
    return f"{applications} applications, {loans} loans"


def seed_demo(*, seed: int, **options) -> str:
    authority_demo.place_demo_holders()
    facilities = facility_demo.seed_facilities()
    # The documents the working-capital checklist asks for, before the applications.
    documents = document_demo.seed_documents()
    lent = seed_lending(seed=seed)
    documents += document_demo.seed_contracts()
    frozen = facility_demo.freeze_one()
    # The collections queue, a legal case and post-loan inspections (lending.collection_demo);
    # before the reminders, which are about the loans it may add.
    from lending.collection_demo import seed_collections

    post_loan = seed_collections(seed=seed)
    # Payment reminders on a demo customer's timeline (after the loans they are about).
    from lending.reminder_demo import seed_reminders

    reminders = seed_reminders()
    return (
        f"{lent}, {facilities} facilities, {documents} documents, {reminders} reminders, "
        f"{post_loan}" + (f" ({frozen} frozen)" if frozen else "")
    )
