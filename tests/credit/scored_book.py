"""A book of scored individual loans with known outcomes, written in bulk: enough loans for the
statistics of fitting and monitoring without going through the services one payment at a time.

Each customer has one assessment with the individual scorecard in force a few days before
the loan; a borrower's chance of going bad rises with the debt-to-income ratio, the only real
signal. A bad loan stops paying at its second instalment (90 days past due about four months
after disbursement); a good loan settles every instalment on its due date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from django.utils import timezone

from credit import scoring, services
from credit.models import Assessment
from lending.models import Application, Instalment, Loan, LoanProduct
from lending.schedule import add_months
from tests.customers import factories


@dataclass
class ScoredLoan:
    loan: Loan
    assessment: Assessment
    bad: bool


def build(officer, manager, *, count: int, today: dt.date, seed: int = 1, months_back=(14, 30)):
    rng = np.random.default_rng(seed)
    product = LoanProduct.objects.get(code="CONS-01")
    version = services.scorecard_in_force("individual")
    book = []
    for index in range(count):
        dti = float(rng.uniform(0.05, 0.8))
        bad = bool(rng.random() < 1 / (1 + np.exp(-(dti - 0.55) * 12)))
        customer = factories.individual(officer, name=f"客户{index:03d}")
        disbursed = add_months(today, -int(rng.integers(*months_back)))
        inputs = {
            "net_worth": int(rng.integers(0, 2_000_000)),
            "monthly_income": int(rng.integers(4_000, 30_000)),
            "dti": round(dti, 4),
            "late_payments_12m": None,
            "late_payments_36m": None,
            "worst_dpd_ever": None,
            "years_employed": int(rng.integers(0, 20)),
            "income_growth": None,
            "character": str(rng.integers(2, 6)),
            "reputation": str(rng.integers(2, 6)),
        }
        result = scoring.apply(version.definition, inputs)
        assessed_at = timezone.make_aware(
            dt.datetime.combine(disbursed - dt.timedelta(days=5), dt.time(10))
        )
        assessment = Assessment.objects.create(
            customer=customer,
            scorecard=version,
            inputs=inputs,
            factor_points=result.points_by_factor(),
            score=result.score,
            grade=result.grade,
            pd=result.grade_pd,
            assessed_by=officer,
            assessed_at=assessed_at,
        )
        application = Application.objects.create(
            customer=customer,
            product=product,
            amount=Decimal("100000"),
            term_months=12,
            purpose="test",
            status="approved",
            created_by=officer,
            submitted_by=officer,
            decided_by=manager,
        )
        loan = Loan.objects.create(
            application=application,
            customer=customer,
            product=product,
            principal=Decimal("100000"),
            annual_rate=Decimal("0.06"),
            term_months=12,
            repayment_method="equal_principal",
            disbursed_on=disbursed,
            maturity_date=add_months(disbursed, 12),
            outstanding_principal=Decimal("100000"),
            disbursed_by=manager,
        )
        rows = []
        for number in range(1, 13):
            due = add_months(disbursed, number)
            settled = None if (bad and number >= 2) or due > today else due
            rows.append(
                Instalment(
                    loan=loan,
                    number=number,
                    due_date=due,
                    principal_due=Decimal("8333.33"),
                    interest_due=Decimal("500.00"),
                    principal_paid=Decimal("8333.33") if settled else Decimal(0),
                    interest_paid=Decimal("500.00") if settled else Decimal(0),
                    settled_on=settled,
                )
            )
        Instalment.objects.bulk_create(rows)
        book.append(ScoredLoan(loan=loan, assessment=assessment, bad=bad))
    return book
