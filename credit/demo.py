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
from credit import services
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


def seed_demo(*, seed: int, **options) -> str:
    return seed_credit(seed=seed)
