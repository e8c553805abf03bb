"""Issue 25: the scorecard's binning keeps the signal at every sample size, depends on the
data's shape and not its row count, drops noise, and says how it cut each variable."""

import csv
import io
import json

import numpy as np
import pytest
from django.core.management import CommandError, call_command

HEADER = ["id", "income", "age", "purpose", "telephone", "noise", "noise_cat", "outcome"]


def applicant_rows(rows: int, seed: int) -> list[list[str]]:
    """Income lowers risk, risk is U-shaped in age, purpose moves the bad rate from about 20%
    to about 42% over five equal classes (no two neighbours far apart), telephone is "yes" or
    "none" (a real answer: no telephone) or not given; noise and noise_cat carry nothing."""
    rng = np.random.default_rng(seed)
    income = rng.lognormal(9, 0.5, rows)
    age = rng.integers(18, 76, rows)
    purpose = rng.choice(list("ABCDE"), rows)
    telephone = rng.choice(["yes", "none", ""], rows, p=[0.55, 0.35, 0.10])
    purpose_logit = {"A": -1.4, "B": -1.1, "C": -0.85, "D": -0.6, "E": -0.3}
    logit = (
        np.array([purpose_logit[p] for p in purpose])
        - 1.2 * (np.log(income) - 9)
        + 2.2 * ((age - 46) / 28) ** 2
        - 0.35
        + np.where(telephone == "none", 0.3, 0.0)
    )
    bad = rng.random(rows) < 1 / (1 + np.exp(-logit))
    noise = rng.normal(0, 1, rows)
    noise_cat = rng.choice(list("PQRS"), rows)
    return [
        [
            f"A{i:05d}",
            f"{income[i]:.2f}",
            str(age[i]),
            purpose[i],
            telephone[i],
            f"{noise[i]:.4f}",
            noise_cat[i],
            "Y" if bad[i] else "N",
        ]
        for i in range(rows)
    ]


def write(path, rows, *, times: int = 1):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for row in rows:
            for copy in range(times):
                writer.writerow([f"{row[0]}-{copy}", *row[1:]])
    return path


def run_fit(*args) -> dict:
    out = io.StringIO()
    call_command(
        "scorecard_fit", *args, "--target", "outcome", "--bad-value", "Y", "--json", stdout=out
    )
    return json.loads(out.getvalue())


def by_name(result: dict) -> dict:
    return {v["name"]: v for v in result["variables"]}


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """700 applicants and 700 later ones to validate on."""
    folder = tmp_path_factory.mktemp("binning")
    return write(folder / "train.csv", applicant_rows(700, 11)), write(
        folder / "holdout.csv", applicant_rows(700, 12)
    )


@pytest.fixture(scope="module")
def small_fit(small):
    train, holdout = small
    return run_fit(str(train), "--holdout", str(holdout))


def test_duplicating_every_row_twenty_times_leaves_the_bins_as_they_were(small, tmp_path):
    train, holdout = small
    rows = applicant_rows(700, 11)
    once = run_fit(str(train), "--holdout", str(holdout))
    twenty = run_fit(str(write(tmp_path / "twenty.csv", rows, times=20)), "--holdout", str(holdout))
    assert twenty["train"]["rows"] == 20 * once["train"]["rows"]
    for name, variable in by_name(once).items():
        again = by_name(twenty)[name]
        assert [b["label"] for b in again["bins"]] == [b["label"] for b in variable["bins"]], name
        assert [b["count"] for b in again["bins"]] == [20 * b["count"] for b in variable["bins"]]
        assert again["trend"] == variable["trend"]


def test_a_categorical_variable_with_signal_is_kept_at_700_rows(small_fit):
    purpose = by_name(small_fit)["purpose"]
    assert purpose["selected"], purpose["reason"]
    assert len(purpose["bins"]) >= 2
    # The safest and the riskiest classes end in different bins, the riskier with fewer points.
    bin_of = {c: b for b in purpose["bins"] for c in b["label"].split(", ")}
    assert bin_of["A"] is not bin_of["E"]
    assert bin_of["A"]["points"] > bin_of["E"]["points"]
    assert bin_of["E"]["bad_rate"] > bin_of["A"]["bad_rate"]


def test_pure_noise_columns_are_dropped(small_fit):
    variables = by_name(small_fit)
    for name in ("noise", "noise_cat"):
        assert not variables[name]["selected"], name
        assert variables[name]["reason"]
    factors = [f["key"] for f in small_fit["scorecard"]["factors"]]
    assert "noise" not in factors and "noise_cat" not in factors
    assert {"income", "age", "purpose"} <= set(factors)


def test_every_bin_holds_at_least_5_percent_of_the_rows(small_fit):
    rows = small_fit["train"]["rows"]
    for variable in small_fit["variables"]:
        for b in variable["bins"]:
            if b["label"] != "missing":
                assert b["count"] >= 0.05 * rows, (variable["name"], b)
        assert len([b for b in variable["bins"] if b["label"] != "missing"]) <= 8


def test_a_u_shaped_variable_gets_a_valley_unless_the_analyst_asks_for_monotone(small):
    train, holdout = small
    auto = by_name(run_fit(str(train), "--holdout", str(holdout)))["age"]
    assert auto["trend"] == "valley"
    rates = [b["bad_rate"] for b in auto["bins"]]
    lowest = rates.index(min(rates))
    assert 0 < lowest < len(rates) - 1
    assert rates[: lowest + 1] == sorted(rates[: lowest + 1], reverse=True)
    assert rates[lowest:] == sorted(rates[lowest:])
    monotone = by_name(run_fit(str(train), "--holdout", str(holdout), "--trend", "monotone"))
    assert monotone["age"]["trend"] in ("ascending", "descending")
    assert set(monotone["age"]["trend_ivs"]) == {"ascending", "descending"}


def test_none_is_a_category_unless_the_analyst_says_it_means_missing(small, small_fit):
    telephone = by_name(small_fit)["telephone"]
    labels = [b["label"] for b in telephone["bins"]]
    assert any("none" in label.split(", ") for label in labels)
    missing = next(b for b in telephone["bins"] if b["label"] == "missing")
    assert missing["count"] == sum(1 for row in applicant_rows(700, 11) if row[4] == "")
    assert "none" not in small_fit["summary"]["missing_tokens"]
    assert small_fit["summary"]["missing_found"] == {"": missing["count"]}

    train, holdout = small
    told = run_fit(str(train), "--holdout", str(holdout), "--missing-values", "none, 无,N/A")
    assert {"none", "无", "n/a"} <= set(told["summary"]["missing_tokens"])
    telephone = by_name(told)["telephone"]
    assert not any("none" in b["label"].split(", ") for b in telephone["bins"])
    missing = next(b for b in telephone["bins"] if b["label"] == "missing")
    assert missing["count"] == sum(1 for row in applicant_rows(700, 11) if row[4] in ("", "none"))


def test_the_text_report_explains_each_binning(small):
    train, holdout = small
    out = io.StringIO()
    call_command(
        "scorecard_fit",
        str(train),
        "--holdout",
        str(holdout),
        "--target",
        "outcome",
        "--bad-value",
        "Y",
        "--missing-values",
        "none",
        stdout=out,
    )
    text = out.getvalue()
    assert "Read as missing (without case): '', '-', '?', 'na', 'nan', 'none', 'null'." in text
    assert "Missing cells found: '' × " in text and "'none' × " in text
    explained = text.split("How each variable was binned", 1)[1]
    assert "age: trend valley (IV tried: ascending " in explained
    assert "cut at " in explained and "bad rate " in explained
    assert "purpose: trend ascending" in explained and "ordered by bad rate" in explained
    assert "chance explains it" in text  # why the noise left


def test_an_unknown_trend_is_refused(small):
    train, holdout = small
    with pytest.raises(CommandError, match="invalid choice"):
        run_fit(str(train), "--holdout", str(holdout), "--trend", "wiggly")
