"""The scorecard reads the credit bureau: debt at other lenders enters the debt-service ratio
and the external overdue history is a factor of its own. A customer without a report scores
exactly as before the factor existed."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from credit import scoring, services
from credit.models import FinancialStatement, ScorecardVersion
from tests.credit.bureau_book import TODAY, consent, report
from tests.customers import factories


@pytest.fixture(autouse=True)
def _today(settings):
    settings.BUSINESS_DATE = TODAY


@pytest.fixture
def customer(alice):
    """Yearly income 240,000 with 48,000 of declared debt service: a DTI of 0.20."""
    customer = factories.individual(alice, name="王评分")
    services.statement_record(
        actor=alice,
        statement=FinancialStatement(
            customer=customer,
            period_end=dt.date(2025, 12, 31),
            annual_income=Decimal("240000"),
            annual_expenses=Decimal("120000"),
            personal_assets=Decimal("800000"),
            personal_debts=Decimal("300000"),
            debt_service=Decimal("48000"),
        ),
    )
    return customer


def test_the_card_in_force_has_the_factor_and_scores_the_same_without_a_report(db):
    for kind in ("individual", "enterprise"):
        in_force = ScorecardVersion.objects.get(customer_kind=kind, status="published")
        seeded = ScorecardVersion.objects.get(customer_kind=kind, version=1)
        assert seeded.status == "retired"
        assert "external_overdue" in [f["key"] for f in in_force.definition["factors"]]
        # Every seeded input with no bureau figure: the same score and grade on both cards.
        for inputs in (
            {},
            {"dti": 0.3, "late_payments_12m": 1, "character": "4", "net_worth": 10},
            {"dscr": 1.4, "market_position": "leader", "revenue_growth": -0.2},
        ):
            before = scoring.apply(seeded.definition, inputs)
            after = scoring.apply(in_force.definition, inputs)
            assert (before.score, before.grade) == (after.score, after.grade)


def test_without_a_report_the_prefill_is_the_statements(customer):
    inputs, _statement = services.assessment_prefill(customer)
    assert inputs["dti"] == 0.2
    assert "external_overdue" not in inputs


def test_a_report_adds_debt_at_other_lenders_and_the_overdue_history(alice, customer):
    consent(customer, alice)
    # 3,000 + 4,000 a month at other lenders: 84,000 a year, above the 48,000 declared.
    report(customer, alice, m1=1, m2=1, worst="m2")
    inputs, _statement = services.assessment_prefill(customer)
    assert inputs["dti"] == 0.35
    assert inputs["external_overdue"] == 2
    assessment = services.assessment_create(
        actor=alice, customer=customer, inputs=inputs, expert_comments={}
    )
    assert assessment.factor_points["external_overdue"] == "-25.00"
    assert assessment.factor_points["dti"] == "15.00"  # 0.35–0.50
    without = services.assessment_rescore(assessment)
    clean = scoring.apply(
        assessment.scorecard.definition, {**inputs, "external_overdue": None, "dti": 0.2}
    )
    assert clean.score - without.score == 25 + (35 - 15)


def test_declared_debt_above_the_bureaus_is_kept(alice, customer):
    consent(customer, alice)
    report(customer, alice, payments=(Decimal("1000.00"),))  # 12,000 a year
    inputs, _statement = services.assessment_prefill(customer)
    assert inputs["dti"] == 0.2
    assert inputs["external_overdue"] == 0


def test_an_expired_report_or_consent_is_not_read(alice, customer, settings):
    consent(customer, alice, signed_on=dt.date(2026, 1, 1), days=360)
    report(customer, alice, report_date=dt.date(2026, 11, 1), m3=2, worst="m3_plus")
    assert services.assessment_prefill(customer)[0]["external_overdue"] == 3
    settings.BUSINESS_DATE = dt.date(2026, 12, 5)  # the report ran to 2026-12-01
    assert "external_overdue" not in services.assessment_prefill(customer)[0]


def test_the_assessment_form_says_where_the_overdue_history_came_from(client_for, alice, customer):
    consent(customer, alice)
    report(customer, alice, m1=1, worst="m1")
    page = client_for(alice).get(reverse("credit:assess", args=[customer.pk])).content.decode()
    assert "From the latest credit bureau report." in page
    assert 'value="1" selected' in page
