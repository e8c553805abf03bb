"""Demo credit scoring for `seed_demo`: two years of financial statements and an assessment by
the officer for every customer (lending.demo then lends to them).

Deterministic for a seed, and idempotent: a customer that already has an assessment is left
as it is."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction

from core.business_date import business_date
from credit import bureau_services, services
from credit.bureau import (
    BureauAccount,
    BureauConsent,
    BureauReport,
    BureauSource,
    ConsentScope,
)
from credit.models import FinancialStatement
from customers.models import Customer, CustomerKind

D = Decimal


def _statement(rng, customer, officer, period_end):
    if customer.kind == CustomerKind.INDIVIDUAL:
        income = (customer.monthly_income or D(8000)) * 12
        statement = FinancialStatement(
            customer=customer,
            period_end=period_end,
            annual_income=income,
            annual_expenses=(income * D(rng.uniform(0.4, 0.8))).quantize(D("0.01")),
            personal_assets=D(rng.randrange(50, 3000) * 1000),
            personal_debts=D(rng.randrange(0, 1500) * 1000),
            debt_service=(income * D(rng.uniform(0.05, 0.55))).quantize(D("0.01")),
        )
    else:
        revenue = customer.annual_revenue or D(20_000_000)
        total_assets = (revenue * D(rng.uniform(0.6, 2.0))).quantize(D("0.01"))
        liabilities = (total_assets * D(rng.uniform(0.3, 0.85))).quantize(D("0.01"))
        current_assets = (total_assets * D(rng.uniform(0.3, 0.6))).quantize(D("0.01"))
        statement = FinancialStatement(
            customer=customer,
            period_end=period_end,
            total_assets=total_assets,
            current_assets=current_assets,
            current_liabilities=(current_assets / D(rng.uniform(0.8, 2.4))).quantize(D("0.01")),
            total_liabilities=liabilities,
            equity=total_assets - liabilities,
            revenue=revenue,
            net_profit=(revenue * D(rng.uniform(-0.05, 0.15))).quantize(D("0.01")),
            operating_cash_flow=(revenue * D(rng.uniform(0.02, 0.2))).quantize(D("0.01")),
            interest_expense=(liabilities * D("0.045")).quantize(D("0.01")),
            debt_service=(revenue * D(rng.uniform(0.03, 0.12))).quantize(D("0.01")),
        )
    return services.statement_record(actor=officer, statement=statement)


def _assess(rng, customer, officer):
    version = services.scorecard_in_force(customer.kind)
    inputs, statement = services.assessment_prefill(customer)
    comments = {}
    for factor in version.definition["factors"]:
        if factor.get("expert"):
            choice = rng.choice([c for b in factor["bins"] for c in b["categories"]][1:])
            inputs[factor["key"]] = choice
            comments[factor["key"]] = "客户经理实地走访评估"
    if customer.kind == CustomerKind.INDIVIDUAL:
        inputs["years_employed"] = rng.randrange(0, 20)
    return services.assessment_create(
        actor=officer,
        customer=customer,
        inputs=inputs,
        expert_comments=comments,
        statement=statement,
    )


def seed_credit(*, seed: int) -> str:
    customers = list(
        Customer.objects.filter(assessments__isnull=True)
        .select_related("officer", "branch")
        .order_by("id")
    )
    today = business_date()
    for customer in customers:
        identifier = customer.resident_id or customer.credit_code
        rng = random.Random(f"{seed}-{identifier}")
        officer = customer.officer
        with transaction.atomic():
            for years_back in (2, 1):
                _statement(rng, customer, officer, dt.date(today.year - years_back, 12, 31))
            _assess(rng, customer, officer)
    return f"{len(customers)} customers assessed"


LENDERS = ["招商银行", "平安银行", "微众银行", "兴业银行", "本地农商行"]


def _bureau(rng, customer, officer, today) -> None:
    """A consent signed two months ago for a year and one report of last week; a few
    reports show overdue months or many enquiries, so the bureau rules have work."""
    consent = bureau_services.bureau_consent_record(
        actor=officer,
        consent=BureauConsent(
            customer=customer,
            signed_on=today - dt.timedelta(days=60),
            scope=ConsentScope.BOTH,
            document_reference=f"SQ-{customer.pk:06d}",
            valid_until=today + dt.timedelta(days=305),
        ),
    )
    m1 = rng.choice([0, 0, 0, 1, 2])
    m2 = rng.choice([0, 0, 0, 0, 1]) if m1 else 0
    worst = "m2" if m2 else ("m1" if m1 else "normal")
    accounts = [
        BureauAccount(
            lender=rng.choice(LENDERS),
            account_type=rng.choice(["loan", "credit_card"]),
            account_number=f"62{rng.randrange(10**14, 10**15)}",
            limit=D(rng.randrange(2, 50) * 10_000),
            balance=D(rng.randrange(1, 20) * 5_000),
            monthly_payment=D(rng.randrange(5, 60) * 100),
            overdue_amount=D(0),
        )
        for _ in range(rng.randrange(1, 4))
    ]
    report_date = today - dt.timedelta(days=rng.randrange(2, 10))
    bureau_services.bureau_report_record(
        actor=officer,
        report=BureauReport(
            customer=customer,
            source=BureauSource.objects.get(code=rng.choice(["pboc", "baihang"])),
            consent=consent,
            reference=f"DEMO-{customer.pk:06d}",
            report_date=report_date,
            valid_until=report_date + dt.timedelta(days=30),
            subject_identifier=customer.resident_id or customer.credit_code or "",
            overdue_m1_24m=m1,
            overdue_m2_24m=m2,
            overdue_m3_plus_24m=0,
            enquiries_6m=rng.choice([0, 1, 2, 3, 8]),
            worst_status=worst,
        ),
        accounts=accounts,
    )


def seed_bureau(*, seed: int) -> str:
    """About a third of the customers, chosen by their identifier, get a consent and a
    report; a customer with a consent on file already is left as it is."""
    customers = (
        Customer.objects.filter(bureau_consents__isnull=True)
        .select_related("officer")
        .order_by("id")
    )
    today = business_date()
    count = 0
    for customer in customers:
        identifier = customer.resident_id or customer.credit_code
        rng = random.Random(f"{seed}-bureau-{identifier}")
        if rng.random() >= 0.35:
            continue
        with transaction.atomic():
            _bureau(rng, customer, customer.officer, today)
        count += 1
    return f"{count} credit bureau reports"


def seed_demo(*, seed: int, **options) -> str:
    # The bureau first: the assessments that follow read its reports.
    bureau = seed_bureau(seed=seed)
    return f"{seed_credit(seed=seed)}, {bureau}"
