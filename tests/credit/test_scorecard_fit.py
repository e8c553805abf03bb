"""`scorecard_fit`: from an applicant CSV (or the loan history) to a validated draft scorecard."""

import csv
import datetime as dt
import io
import json

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from audit.models import AuditEvent
from credit import outcomes, scoring
from credit.models import ScorecardStatus, ScorecardVersion
from tests.credit import scored_book

BUSINESS_DATE = dt.date(2026, 3, 15)


def write_applicants(path, rows, seed, *, outcome_values=("N", "Y")):
    """Applicants with a known signal: income (with gaps) and region matter, noise does not."""
    rng = np.random.default_rng(seed)
    income = rng.lognormal(9, 0.5, rows)
    region = rng.choice(list("ABCDEFG"), rows, p=[0.3, 0.25, 0.2, 0.15, 0.05, 0.03, 0.02])
    noise = rng.normal(0, 1, rows)
    logit = -2 - 1.6 * (np.log(income) - 9) + np.where(region == "A", 0.8, 0.0)
    bad = rng.random(rows) < 1 / (1 + np.exp(-logit))
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "income", "region", "noise", "outcome"])
        for i in range(rows):
            writer.writerow(
                [
                    f"A{i:05d}",
                    "" if i % 20 == 0 else f"{income[i]:.2f}",
                    region[i],
                    f"{noise[i]:.4f}",
                    outcome_values[int(bad[i])],
                ]
            )
    return path


@pytest.fixture
def applicants(tmp_path):
    return write_applicants(tmp_path / "train.csv", 3000, 1)


@pytest.fixture
def later_applicants(tmp_path):
    return write_applicants(tmp_path / "test.csv", 1500, 2)


def run_fit(*args) -> dict:
    out = io.StringIO()
    call_command("scorecard_fit", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.django_db
def test_fit_recovers_the_signal_and_drops_the_noise(applicants, later_applicants):
    result = run_fit(
        str(applicants),
        "--target",
        "outcome",
        "--bad-value",
        "Y",
        "--holdout",
        str(later_applicants),
    )
    assert set(result) >= {"train", "holdout", "variables", "scorecard"}
    variables = {v["name"]: v for v in result["variables"]}
    assert "id" not in variables  # the identifier is not a characteristic
    assert variables["income"]["selected"] and variables["region"]["selected"]
    # An optimised binning finds some IV even in noise (its 5% tails); what drops it is that
    # shuffled outcomes give as much.
    assert not variables["noise"]["selected"] and variables["noise"]["iv"] < 0.05
    assert "chance" in variables["noise"]["reason"] or variables["noise"]["iv"] < 0.02
    assert variables["income"]["iv"] > variables["region"]["iv"] > 0.02
    assert result["holdout"]["auc"] > 0.65
    assert result["holdout"]["gini"] == pytest.approx(2 * result["holdout"]["auc"] - 1, abs=1e-3)
    assert 0 <= result["holdout"]["psi"] < 0.1
    assert result["holdout"]["rows"] == 1500
    card = result["scorecard"]
    assert scoring.validate(card) == []
    assert [f["key"] for f in card["factors"]] == ["income", "region"]
    income_bins = next(v for v in result["variables"] if v["name"] == "income")["bins"]
    assert any(b["label"] == "missing" for b in income_bins)
    # Missing incomes score the points of their own bin.
    missing_points = next(b["points"] for b in income_bins if b["label"] == "missing")
    assert card["factors"][0]["missing_points"] == missing_points


@pytest.mark.django_db
def test_without_a_holdout_file_a_stratified_share_is_held_out(applicants):
    first = run_fit(str(applicants), "--target", "outcome", "--bad-value", "Y")
    assert first["train"]["rows"] == 2100 and first["holdout"]["rows"] == 900
    assert first["holdout"]["bad_rate"] == pytest.approx(first["train"]["bad_rate"], abs=0.01)
    again = run_fit(str(applicants), "--target", "outcome", "--bad-value", "Y")
    assert again["scorecard"] == first["scorecard"]


@pytest.mark.django_db
def test_text_report_lists_iv_bins_points_and_performance(applicants):
    out = io.StringIO()
    call_command(
        "scorecard_fit", str(applicants), "--target", "outcome", "--bad-value", "Y", stdout=out
    )
    text = out.getvalue()
    for expected in ("Information value", "Base points", "WoE", "points", "AUC", "KS", "Gini"):
        assert expected in text
    assert "Score PSI train → holdout" in text
    assert "noise" in text and "dropped" in text


@pytest.mark.django_db
def test_save_stores_a_draft_in_the_engine_format(applicants, admin_user):
    result = run_fit(
        str(applicants),
        "--target",
        "outcome",
        "--bad-value",
        "Y",
        "--save",
        "Retail fitted 2026",
        "--kind",
        "individual",
        "--pdo",
        "40",
    )
    version = ScorecardVersion.objects.get(pk=result["saved"]["id"])
    assert version.status == ScorecardStatus.DRAFT
    assert version.customer_kind == "individual" and version.name == "Retail fitted 2026"
    assert version.definition["scaling"]["pdo"] == 40
    assert scoring.validate(version.definition) == []
    assert version.definition["development"]["rows"] == 2100
    assert AuditEvent.objects.filter(action="credit.scorecard.drafted", object_id=version.pk)
    # A variable the card in force knows keeps its dimension; the rest are "other".
    assert {f["dimension"] for f in version.definition["factors"]} == {"other"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--target", "missing"], "no column 'missing'"),
        (["--target", "region"], "exactly two values"),
        (["--target", "outcome"], "--bad-value"),
        (["--target", "outcome", "--bad-value", "X"], "does not occur"),
        (["--target", "outcome", "--bad-value", "Y", "--save", "x"], "needs --kind"),
        (["--target", "outcome", "--bad-value", "Y", "--pdo", "0"], "must be positive"),
    ],
)
def test_bad_arguments_get_a_clear_message_and_save_nothing(applicants, args, message):
    before = ScorecardVersion.objects.count()
    with pytest.raises(CommandError, match=message):
        call_command("scorecard_fit", str(applicants), *args, stdout=io.StringIO())
    assert ScorecardVersion.objects.count() == before


@pytest.mark.django_db
def test_bad_files_get_a_clear_message(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("scorecard_fit", str(tmp_path / "nope.csv"), "--target", "y")
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("a,b,y\n1,2,0\n1,2\n", encoding="utf-8")
    with pytest.raises(CommandError, match="line 3"):
        call_command("scorecard_fit", str(ragged), "--target", "y")
    tiny = tmp_path / "tiny.csv"
    tiny.write_text("a,y\n" + "".join(f"{i},{i % 2}\n" for i in range(20)), encoding="utf-8")
    with pytest.raises(CommandError, match="too few"):
        call_command("scorecard_fit", str(tiny), "--target", "y")


@pytest.mark.django_db
def test_holdout_must_have_the_training_columns(applicants, tmp_path):
    other = tmp_path / "other.csv"
    other.write_text("income,outcome\n1,Y\n2,N\n", encoding="utf-8")
    with pytest.raises(CommandError, match="lacks the columns"):
        call_command(
            "scorecard_fit",
            str(applicants),
            "--target",
            "outcome",
            "--bad-value",
            "Y",
            "--holdout",
            str(other),
        )


@pytest.fixture
def history(settings, alice, mary):
    settings.BUSINESS_DATE = BUSINESS_DATE
    return scored_book.build(alice, mary, count=160, today=BUSINESS_DATE, seed=2)


@pytest.mark.django_db
def test_loan_outcomes_follow_the_repayment_record(history):
    rows = outcomes.loan_outcomes(
        kind="individual",
        disbursed_until=BUSINESS_DATE,
        observed_until=BUSINESS_DATE,
        horizon_months=12,
    )
    expected = {item.loan.pk: (item.bad, item.assessment.pk) for item in history}
    assert {row.loan_id: (row.bad, row.assessment_id) for row in rows} == expected
    # Within three months of disbursement no loan can be 90 days past due yet.
    short = outcomes.loan_outcomes(
        kind="individual",
        disbursed_until=BUSINESS_DATE,
        observed_until=BUSINESS_DATE,
        horizon_months=3,
    )
    assert not any(row.bad for row in short)


@pytest.mark.django_db
def test_fit_from_history_builds_the_table_from_loans_and_outcomes(history, admin_user):
    result = run_fit(
        "--from-history",
        "--kind",
        "individual",
        "--as-of",
        "2026-03-15",
        "--horizon-months",
        "12",
        "--save",
        "From history",
    )
    bads = sum(item.bad for item in history)
    assert result["train"]["rows"] + result["holdout"]["rows"] == len(history)
    assert result["train"]["bad_rate"] == pytest.approx(bads / len(history), abs=0.05)
    variables = {v["name"]: v for v in result["variables"]}
    assert variables["dti"]["selected"]
    assert result["holdout"]["auc"] > 0.7
    saved = ScorecardVersion.objects.get(pk=result["saved"]["id"])
    # The history's variables are the card's own inputs: dimensions and labels carry over.
    dti = next(f for f in saved.definition["factors"] if f["key"] == "dti")
    assert dti["dimension"] == "debt_service" and dti["label"] == "Debt to income"


@pytest.mark.django_db
def test_fit_from_history_checks_its_dates(history):
    with pytest.raises(CommandError, match="after the business date"):
        call_command(
            "scorecard_fit", "--from-history", "--kind", "individual", "--as-of", "2027-01-01"
        )
    with pytest.raises(CommandError, match="not a date"):
        call_command("scorecard_fit", "--from-history", "--kind", "individual", "--as-of", "soon")
    with pytest.raises(CommandError, match="No scored loan"):
        call_command(
            "scorecard_fit", "--from-history", "--kind", "individual", "--as-of", "2024-01-01"
        )
    with pytest.raises(CommandError, match="needs --kind"):
        call_command("scorecard_fit", "--from-history")
