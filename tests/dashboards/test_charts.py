"""The dashboard's and the customer 360's charts: the data each chart is drawn from (the
json_script the page carries), its drill-down links, and the sentence shown instead of an
empty chart."""

import datetime as dt
import json
import re
from decimal import Decimal

from django.urls import reverse

from dashboards.models import PortfolioSnapshot
from tests.customers import factories
from tests.risk.conftest import assessed


def chart_data(page: str, chart_id: str) -> dict:
    """The JSON of a chart as the page carries it for static/js/charts.js."""
    found = re.search(
        rf'<script id="{chart_id}" type="application/json">(.*?)</script>', page, re.S
    )
    assert found, f"no data for {chart_id}"
    assert f'data-chart="{chart_id}"' in page
    return json.loads(found.group(1))


def snapshot(officer, on, exposure, npl):
    PortfolioSnapshot.objects.create(
        taken_on=on,
        officer=officer,
        branch=officer.branch,
        loans=1,
        exposure=Decimal(exposure),
        npl_exposure=Decimal(npl),
    )


def test_trend_charts_sum_the_branchs_nightly_snapshots(client_for, alice, bob, charlie, mary):
    snapshot(alice, dt.date(2025, 4, 1), "100000.00", "0.00")
    snapshot(alice, dt.date(2025, 6, 1), "180000.00", "120000.00")
    snapshot(bob, dt.date(2025, 6, 1), "20000.00", "0.00")
    # Another branch's book and a day outside the period are not counted.
    snapshot(charlie, dt.date(2025, 6, 1), "30000.00", "30000.00")
    snapshot(alice, dt.date(2025, 3, 31), "90000.00", "0.00")
    page = (
        client_for(mary)
        .get(reverse("dashboards:dashboard"), {"start": "2025-04-01", "end": "2025-06-01"})
        .content.decode()
    )

    npl = chart_data(page, "plot-npl-ratio")
    assert npl["kind"] == "line"
    assert npl["unit"] == "percent"
    assert npl["categories"] == ["2025-04-01", "2025-06-01"]
    assert npl["series"][0]["name"] == "NPL ratio"
    # 120,000 of the North's 200,000 on 1 June; ratios travel as exact decimal strings.
    assert npl["series"][0]["values"] == ["0.0000", "0.6000"]
    assert npl["category_title"] == "Snapshot date"
    assert npl["value_title"] == "NPL ratio (%)"

    exposure = chart_data(page, "plot-exposure-trend")
    assert exposure["kind"] == "area"
    assert exposure["stacked"] is True
    assert exposure["unit"] == "money"
    # These snapshots carry no split by class (as those taken before it was kept): the five
    # classes are drawn with a gap on each date, never as zeros
    # (tests/dashboards/test_snapshot_classes.py draws them filled).
    assert [one["name"] for one in exposure["series"]] == [
        "Normal",
        "Special mention",
        "Substandard",
        "Doubtful",
        "Loss",
    ]
    assert all(one["values"] == [None, None] for one in exposure["series"])
    assert exposure["value_title"] == "Exposure (¥)"


def test_trend_charts_say_why_they_are_empty(client_for, mary):
    page = client_for(mary).get(reverse("dashboards:dashboard"), {"start": "2025-04-01"})
    body = page.content.decode()
    assert page.context["chart_npl_ratio"] is None
    assert 'id="plot-npl-ratio"' not in body
    empty = re.search(r'data-testid="plot-npl-ratio-empty">([^<]*)<', body).group(1)
    assert "No nightly snapshots from 2025-04-01 to" in empty
    assert "they start after the first nightly run" in empty
    assert 'data-testid="plot-exposure-trend-empty"' in body
    # Nothing else to draw either: each chart says why instead of leaving a blank box.
    for chart_id, reason in (
        ("plot-class", "No active loans in this scope."),
        ("plot-buckets", "No overdue exposure"),
        ("plot-alert-ages", "No open alerts in this scope."),
        ("plot-funnel", "No applications in this scope yet."),
    ):
        assert f'data-testid="{chart_id}-empty"' in body, chart_id
        assert reason in body


def test_exposure_and_pipeline_charts_carry_the_lists_figures_and_links(client_for, mary, book):
    client = client_for(mary)
    response = client.get(reverse("dashboards:dashboard"))
    page = response.content.decode()
    for chart_id, bars in (
        ("plot-class", response.context["by_class"]),
        ("plot-grade", response.context["by_grade"]),
        ("plot-buckets", response.context["buckets"]),
    ):
        data = chart_data(page, chart_id)
        assert data["unit"] == "money"
        assert data["categories"] == [bar["label"] for bar in bars]
        (series,) = data["series"]
        assert series["values"] == [str(bar["value"]) for bar in bars]
        assert series["urls"] == [bar["url"] for bar in bars]
    by_class = chart_data(page, "plot-class")
    substandard = by_class["categories"].index("Substandard")
    assert by_class["series"][0]["values"][substandard] == "120000.00"
    # A click on the substandard bar opens exactly the loan it counts.
    listed = client.get(by_class["series"][0]["urls"][substandard]).context["loans"]
    assert [loan for loan, _dpd in listed] == [book["risky"]]

    funnel = chart_data(page, "plot-funnel")
    assert funnel["kind"] == "hbar"
    assert funnel["unit"] == "count"
    (stages,) = funnel["series"]
    disbursed = funnel["categories"].index("Disbursed")
    assert stages["values"][disbursed] == 2
    applications = client.get(stages["urls"][disbursed]).context["applications"]
    assert {application.status for application in applications} == {"disbursed"}
    assert len(applications) == 2


def test_alert_ages_chart_splits_the_cards_counts_by_severity(client_for, mary, book):
    client = client_for(mary)
    response = client.get(reverse("dashboards:dashboard"))
    alerts = response.context["alerts"]
    data = chart_data(response.content.decode(), "plot-alert-ages")
    assert data["stacked"] is True
    assert data["categories"] == [bar["label"] for bar in response.context["alert_ages"]]
    by_name = {series["name"]: series for series in data["series"]}
    assert list(by_name) == ["Red", "Orange", "Yellow"]
    # Each severity's bars add up to the card's number, and the ages to the list's bars.
    for severity in ("red", "orange", "yellow"):
        assert sum(by_name[severity.title()]["values"]) == alerts[severity]
    assert alerts["red"] >= 1
    per_age = [sum(values) for values in zip(*(s["values"] for s in data["series"]), strict=True)]
    assert per_age == [bar["value"] for bar in response.context["alert_ages"]]
    red = by_name["Red"]
    age = next(index for index, value in enumerate(red["values"]) if value)
    listed = client.get(red["urls"][age])
    assert listed.status_code == 200
    assert "severity=red" in red["urls"][age]
    assert {alert.severity for alert in listed.context["alerts"]} == {"red"}
    assert len(listed.context["alerts"]) == red["values"][age]


def test_open_alerts_card_names_its_three_numbers(client_for, mary):
    page = client_for(mary).get(reverse("dashboards:dashboard")).content.decode()
    legend = re.search(r'data-testid="alerts-legend"[^>]*>(.*?)</ul>', page, re.S).group(1)
    words = re.sub(r"<[^>]+>", " ", legend).split()
    assert [word for word in words if word.isalpha()] == ["Red", "Orange", "Yellow"]


def test_empty_classification_matrix_says_why(client_for, mary, book):
    client = client_for(mary)
    # The first nightly ran on 1 April 2025: no class was recorded before it.
    page = client.get(
        reverse("dashboards:dashboard"), {"start": "2025-03-01", "end": "2025-06-01"}
    ).content.decode()
    assert 'data-testid="matrix-empty"' in page
    assert "no loan in this scope had a five-tier class on or before 2025-03-01" in page
    grades = client.get(
        reverse("dashboards:dashboard"),
        {"matrix": "grade", "start": "2020-01-01", "end": "2025-06-01"},
    ).content.decode()
    assert "no customer in this scope had a grade on or before 2020-01-01" in grades
    # Dates the wrong way round are refused (tests/dashboards/test_dashboard_filters.py).
    reversed_dates = client.get(
        reverse("dashboards:dashboard"), {"start": "2025-03-15", "end": "2025-03-01"}
    )
    assert reversed_dates.status_code == 400
    assert 'data-testid="matrix-empty"' not in reversed_dates.content.decode()
    # A matrix with subjects in it has no such sentence.
    full = client.get(
        reverse("dashboards:dashboard"), {"start": "2025-04-01", "end": "2025-06-01"}
    ).content.decode()
    assert 'data-testid="matrix-empty"' not in full


def test_customer_360_draws_the_score_history_with_grades(client_for, alice):
    customer = assessed(alice, factories.individual(alice, name="张三"))
    page = client_for(alice).get(reverse("customers:detail", args=[customer.pk])).content.decode()
    data = chart_data(page, "score-chart")
    assessment = customer.assessments.get()
    assert data["kind"] == "line"
    assert data["unit"] == "score"
    assert data["category_title"] == "Assessment date"
    assert data["value_title"] == "Score"
    (scores,) = data["series"]
    assert scores["values"] == [assessment.score]
    assert scores["notes"] == [f"grade {assessment.grade}"]
    assert 'data-testid="score-table"' in page


def test_customer_360_without_assessment_says_why_there_is_no_score(client_for, alice):
    customer = factories.individual(alice, name="新客户")
    page = client_for(alice).get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert 'id="score-chart"' not in page
    assert "the score history starts with the customer" in page


def test_alert_ages_kept_before_the_severity_split_are_drawn_as_one_series():
    from dashboards import charts

    # Activity figures computed before the split by severity existed (kept for minutes).
    kept = {"age_1": 2, "age_7": 0, "age_30": 1, "age_older": 0}
    ages = [(key, key, key) for key in kept]
    data = charts.alert_ages(kept, ages, lambda severity, age: f"/risk/alerts/?age={age}")
    (series,) = data["series"]
    assert series["values"] == [2, 0, 1, 0]
    assert series["urls"][2] == "/risk/alerts/?age=age_30"
    assert charts.alert_ages(dict.fromkeys(kept, 0), ages, lambda *args: "") is None
