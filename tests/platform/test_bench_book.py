"""The bench book is a state the product could have produced (issue 26): its assessments are
the scorecard engine's results for their inputs, its shape is a bank's, and a full run (every
customer recomputed) after the seed and after each of several nights writes nothing. A small
book, so this stays a few seconds; `make bench` checks the same at scale."""

import datetime as dt
import json

import pytest

from bench import book_checks, book_scoring, run, synthetic_book
from credit import default_scorecards, scoring
from credit.models import Assessment
from credit.services import assessment_rescore
from lending.models import Application, Collateral, Loan
from risk import jobs

DAY0 = dt.date(2026, 11, 16)


@pytest.fixture
def book(db, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    synthetic_book.generate(customers=300, loans=300, seed=11, today=DAY0, stdout=lambda t: None)
    synthetic_book.first_risk_run(DAY0, lambda text: None)


def test_every_assessment_is_the_engines_result_for_its_inputs(book):
    assessments = Assessment.objects.select_related("scorecard", "customer", "statement")
    # One per customer: the product's own first run found every repayment record in its
    # assessment as it stood, and re-scored nobody.
    assert assessments.count() == 300
    for assessment in assessments:
        result = assessment_rescore(assessment)
        assert assessment.factor_points == result.points_by_factor()
        assert (assessment.score, assessment.grade, assessment.pd) == (
            result.score,
            result.grade,
            result.grade_pd,
        )
        assert assessment.customer.grade == assessment.grade
        # The ratios are the statement's, as the product computes them.
        statement = assessment.statement
        if assessment.customer.kind == "individual":
            expected = statement.debt_service / statement.annual_income
            assert abs(assessment.inputs["dti"] - float(expected)) < 0.00005
        else:
            expected = statement.operating_cash_flow / statement.debt_service
            assert abs(assessment.inputs["dscr"] - float(expected)) < 0.00005
    # Scores spread over the scale, as a bank's customers do.
    assert len({assessment.grade for assessment in assessments}) >= 4


def test_bulk_scoring_gives_what_the_engine_gives_row_by_row():
    definition = default_scorecards.individual_definition()
    rows = [
        # On the bins' edges, below and above them, and missing or unknown values.
        {"dti": 0.35, "net_worth": 0, "monthly_income": 5000, "late_payments_12m": 1},
        {"dti": 0.3499, "net_worth": -1, "monthly_income": 4999.99, "worst_dpd_ever": 91},
        {"dti": None, "net_worth": "", "character": "5", "reputation": "9"},
        {"dti": 0.2, "years_employed": 10, "income_growth": -0.1, "character": "3"},
        {},
    ]
    scored = book_scoring.score_all(definition, rows)
    for row, result in zip(rows, scored, strict=True):
        engine = scoring.apply(definition, row)
        assert (result.score, result.grade, json.loads(result.factor_points)) == (
            engine.score,
            engine.grade,
            engine.points_by_factor(),
        )
    assert book_scoring.verify(definition, rows, scored) == len(rows)


def test_the_book_has_the_shape_of_a_banks(book):
    shape = book_checks.shape()
    assert shape["assessments_without_factor_points"] == 0
    # A few percent overdue and non-performing, open alerts for a few percent of customers
    # (300 loans: loose bounds around the 5%, 2.5% and 6% of the 10,000-loan book).
    assert 1 <= shape["overdue_loans_pct"] <= 10
    assert 0 < shape["npl_loans_pct"] <= 6
    assert 0 < shape["customers_with_open_alert_pct"] <= 15
    assert shape["facilities"] > 0 and shape["groups"] > 0
    # Collateral on every secured loan (mortgages and car loans), none on the others.
    secured = Loan.objects.filter(product__code__in=["MORT-01", "AUTO-01"])
    assert secured.exists()
    assert set(Collateral.objects.values_list("application_id", flat=True)) == set(
        secured.values_list("application_id", flat=True)
    )
    assert all(item.valuations.count() == 1 for item in Collateral.objects.all()[:20])
    # Applications in every stage of the pipeline; the undisbursed ones have no loan.
    stages = set(Application.objects.values_list("status", flat=True))
    assert stages == {
        "draft",
        "submitted",
        "under_review",
        "approved",
        "rejected",
        "disbursed",
        "withdrawn",
    }
    assert not Loan.objects.exclude(application__status="disbursed").exists()


def test_a_full_run_writes_nothing_after_the_seed_and_after_each_night(book):
    assert book_checks.full_run_writes(DAY0)["rows_written"] == 0
    previous, nights_wrote = DAY0, 0
    # The next days, a week on, and across a month end: instalments fall due and are paid or
    # missed, days past due cross thresholds, contacts age, loans near maturity.
    for days in (1, 2, 9, 20, 47):
        on = DAY0 + dt.timedelta(days=days)
        run.post_the_days_repayments(previous, on)
        night = jobs.run_synchronously(jobs.NIGHTLY, on)
        assert night.status == "done"
        nights_wrote += book_checks.rows_written(night.counts)
        check = book_checks.full_run_writes(on)
        assert check["rows_written"] == 0, (on, check["written"])
        previous = on
    # The nights had work to do: the check compares something.
    assert nights_wrote > 0
