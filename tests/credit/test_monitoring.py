"""Monitoring a scorecard in force, its population-shift alert, and champion–challenger."""

import copy
import datetime as dt
from collections import Counter

import pytest
from django.core import mail
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from audit.models import AuditEvent
from credit import modelling, monitoring, scoring, services, tasks
from credit.models import Assessment, ScorecardAlert, ScorecardMonitoring, ScorecardVersion
from tests.credit import scored_book
from tests.customers import factories

BUSINESS_DATE = dt.date(2026, 3, 15)


@pytest.fixture
def business_day(settings):
    settings.BUSINESS_DATE = BUSINESS_DATE
    return BUSINESS_DATE


@pytest.fixture
def individual_card(db):
    return ScorecardVersion.objects.get(customer_kind="individual", status="published")


@pytest.fixture
def book(business_day, alice, mary):
    return scored_book.build(alice, mary, count=120, today=BUSINESS_DATE, seed=4)


def assess_in_month(version, customers, officer, month: dt.date, dti_values):
    """Assessments of the card in force dated in `month`, one per dti value given."""
    rows = []
    for index, dti in enumerate(dti_values):
        inputs = {"dti": dti, "monthly_income": 12000, "years_employed": 5}
        result = scoring.apply(version.definition, inputs)
        rows.append(
            Assessment(
                customer=customers[index % len(customers)],
                scorecard=version,
                inputs=inputs,
                factor_points=result.points_by_factor(),
                score=result.score,
                grade=result.grade,
                pd=result.grade_pd,
                assessed_by=officer,
                assessed_at=timezone.make_aware(
                    dt.datetime.combine(month.replace(day=10), dt.time(11))
                ),
            )
        )
    Assessment.objects.bulk_create(rows)
    return rows


@pytest.fixture
def shifted_population(business_day, alice, individual_card):
    """A first month of mostly low debt-to-income, a latest month of mostly high."""
    customers = [factories.individual(alice, name=f"客户{i}") for i in range(5)]
    baseline = assess_in_month(
        individual_card, customers, alice, dt.date(2025, 10, 1), [0.1] * 80 + [0.6] * 20
    )
    latest = assess_in_month(
        individual_card, customers, alice, dt.date(2026, 2, 1), [0.1] * 10 + [0.6] * 40
    )
    return baseline, latest


def test_discrimination_and_calibration_come_from_realised_outcomes(book, individual_card):
    report = monitoring.compute(individual_card, as_of=BUSINESS_DATE)
    figures = report.figures
    mature = [item for item in book if item.loan.disbursed_on <= dt.date(2025, 3, 15)]
    assert figures["overall"]["loans"] == len(mature)
    assert figures["overall"]["bads"] == sum(item.bad for item in mature)
    expected = modelling.auc(
        [item.assessment.score for item in mature], [item.bad for item in mature]
    )
    assert figures["overall"]["auc"] == pytest.approx(round(expected, 4))
    assert figures["overall"]["auc"] > 0.6  # debt-to-income drives both the card and the book
    assert sum(row["loans"] for row in figures["cohorts"]) == len(book)
    assert any(not row["matured"] for row in figures["cohorts"])
    for row in figures["cohorts"]:
        assert row["months_observed"] == 12 if row["matured"] else row["months_observed"] < 12
    by_grade = Counter(item.assessment.grade for item in mature)
    assert {row["grade"]: row["loans"] for row in figures["calibration"]} == dict(by_grade)
    for row in figures["calibration"]:
        assert row["low"] <= row["observed"] <= row["high"]
        assert row["verdict"] in {"within", "above", "below"}
    # Computing the same month again replaces the row rather than adding one.
    monitoring.compute(individual_card, as_of=BUSINESS_DATE)
    assert ScorecardMonitoring.objects.filter(version=individual_card).count() == 1


def test_psi_month_by_month_against_the_first_month_of_use(shifted_population, individual_card):
    baseline, latest = shifted_population
    report = monitoring.compute(individual_card, as_of=BUSINESS_DATE)
    months = {row["month"]: row for row in report.figures["psi_months"]}
    assert report.figures["baseline"] == {
        "kind": "first_assessments",
        "rows": 100,
        "from": "2025-10",
        "to": "2025-10",
    }
    assert months["2025-10-01"]["psi"] is None  # the baseline itself
    grades = report.figures["grades"]
    before = Counter(a.grade for a in baseline)
    after = Counter(a.grade for a in latest)
    expected = modelling.psi([before[g] for g in grades], [after[g] for g in grades])
    assert months["2026-02-01"]["psi"] == pytest.approx(round(expected, 4))
    assert months["2026-02-01"]["band"] == "shift"
    assert report.latest_psi == months["2026-02-01"]["psi"]
    assert months["2026-01-01"]["psi"] is None and months["2026-01-01"]["assessments"] == 0
    dti = next(row for row in report.figures["characteristics"] if row["factor"] == "dti")
    assert dti["band"] == "shift"
    income = next(r for r in report.figures["characteristics"] if r["factor"] == "monthly_income")
    assert income["psi"] == pytest.approx(0)


def test_a_month_with_too_few_assessments_is_not_judged(business_day, alice, individual_card):
    customers = [factories.individual(alice)]
    assess_in_month(individual_card, customers, alice, dt.date(2025, 11, 1), [0.1] * 60)
    assess_in_month(individual_card, customers, alice, dt.date(2025, 12, 1), [0.1] * 40)
    assess_in_month(individual_card, customers, alice, dt.date(2026, 2, 1), [0.6] * 5)
    report = monitoring.compute(individual_card, as_of=BUSINESS_DATE)
    february = next(r for r in report.figures["psi_months"] if r["month"] == "2026-02-01")
    assert february["assessments"] == 5 and february["psi"] is None
    assert report.latest_psi is None
    assert report.figures["baseline"]["from"] == "2025-11"
    assert report.figures["baseline"]["to"] == "2025-12"
    assert monitoring.raise_alert_if_shifted(report) is None


def test_the_baseline_waits_for_enough_assessments(business_day, alice, individual_card):
    customers = [factories.individual(alice)]
    assess_in_month(individual_card, customers, alice, dt.date(2026, 1, 1), [0.1] * 60)
    report = monitoring.compute(individual_card, as_of=BUSINESS_DATE)
    assert report.figures["baseline"] is None
    assert all(row["psi"] is None for row in report.figures["psi_months"])


def test_a_development_sample_is_the_baseline_when_the_card_has_one(
    business_day, alice, admin_user, individual_card
):
    definition = copy.deepcopy(individual_card.definition)
    definition["development"] = {
        "rows": 1000,
        "bad_rate": 0.1,
        "grade_shares": {"A": 1.0},
        "factor_shares": {},
    }
    fitted = services.scorecard_draft_save(
        actor=admin_user,
        version=ScorecardVersion(name="Fitted", customer_kind="individual", definition=definition),
    )
    customers = [factories.individual(alice)]
    assess_in_month(fitted, customers, alice, dt.date(2026, 2, 1), [0.1] * 40)
    report = monitoring.compute(fitted, as_of=BUSINESS_DATE)
    assert report.figures["baseline"] == {"kind": "development", "rows": 1000}
    assert report.latest_psi is not None and report.latest_psi > 0.25


def test_monthly_job_alerts_risk_officers_once(
    shifted_population, individual_card, rita, django_capture_on_commit_callbacks, settings
):
    settings.BUSINESS_DATE = dt.date(2026, 3, 1)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.scorecard_monitoring()
    alert = ScorecardAlert.objects.get(version=individual_card)
    assert alert.status == "open" and alert.month == dt.date(2026, 2, 1) and alert.psi > 0.25
    # The job looks at the month just ended.
    assert ScorecardMonitoring.objects.get(version=individual_card).computed_for == dt.date(
        2026, 2, 28
    )
    assert [m.to for m in mail.outbox] == [[rita.email]]
    assert "PSI" in mail.outbox[0].body
    assert AuditEvent.objects.filter(action="credit.scorecard_alert.raised").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        tasks.scorecard_monitoring()
    assert ScorecardAlert.objects.filter(version=individual_card).count() == 1
    assert len(mail.outbox) == 1


def test_the_monthly_schedule_is_installed(db):
    task = PeriodicTask.objects.get(name="Scorecard monitoring")
    assert task.task == "credit.scorecard_monitoring"
    assert task.crontab.day_of_month == "1"


def test_risk_officer_reads_refreshes_and_decides_on_an_alert(
    client_for, rita, shifted_population, individual_card
):
    client = client_for(rita)
    assert "No scorecard" not in client.get("/credit/scorecards/").content.decode()
    page = client.get(f"/credit/scorecards/{individual_card.pk}/monitoring/")
    assert page.status_code == 200 and page.context["report"] is None
    response = client.post(f"/credit/scorecards/{individual_card.pk}/monitoring/refresh/")
    assert response.status_code == 302
    page = client.get(f"/credit/scorecards/{individual_card.pk}/monitoring/")
    body = page.content.decode()
    assert page.context["report"].latest_psi > 0.25
    assert 'data-testid="psi-chart"' in body and 'data-testid="scorecard-alert"' in body
    alert = ScorecardAlert.objects.get(version=individual_card)
    overview = client.get("/risk/").content.decode()
    assert 'data-testid="scorecard-alerts"' in overview

    empty = client.post(f"/credit/scorecard-alerts/{alert.pk}/acknowledge/", {"reason": " "})
    assert empty.status_code == 400
    alert.refresh_from_db()
    assert alert.status == "open"
    client.post(
        f"/credit/scorecard-alerts/{alert.pk}/acknowledge/",
        {"reason": "Shift expected: new payroll product"},
    )
    alert.refresh_from_db()
    assert alert.status == "acknowledged" and alert.acknowledged_by == rita
    client.post(f"/credit/scorecard-alerts/{alert.pk}/close/", {"reason": "Cut-offs recalibrated"})
    alert.refresh_from_db()
    assert alert.status == "closed" and alert.note == "Cut-offs recalibrated"
    assert (
        AuditEvent.objects.filter(
            action__in=["credit.scorecard_alert.acknowledged", "credit.scorecard_alert.closed"],
            actor=rita,
        ).count()
        == 2
    )
    again = client.post(f"/credit/scorecard-alerts/{alert.pk}/close/", {"reason": "twice"})
    assert again.status_code == 400
    assert (
        client.post(f"/credit/scorecard-alerts/{alert.pk}/reopen/", {"reason": "x"}).status_code
        == 404
    )


def test_monitoring_page_reads_a_fixed_number_of_queries(
    client_for, rita, book, individual_card, django_assert_max_num_queries
):
    monitoring.compute(individual_card, as_of=BUSINESS_DATE)
    client = client_for(rita)
    with django_assert_max_num_queries(12):
        assert client.get(f"/credit/scorecards/{individual_card.pk}/monitoring/").status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get("/credit/scorecards/").status_code == 200


@pytest.mark.parametrize("who", ["alice", "charlie", "mary"])
def test_officers_and_managers_cannot_reach_scorecard_pages(
    request, client_for, who, individual_card, shifted_population
):
    alert = ScorecardAlert.objects.create(version=individual_card, month=BUSINESS_DATE, psi=0.3)
    client = client_for(request.getfixturevalue(who))
    for url in (
        "/credit/scorecards/",
        f"/credit/scorecards/{individual_card.pk}/monitoring/",
        f"/credit/scorecards/{individual_card.pk}/compare/",
    ):
        assert client.get(url).status_code == 403
    assert (
        client.post(f"/credit/scorecards/{individual_card.pk}/monitoring/refresh/").status_code
        == 403
    )
    closing = client.post(f"/credit/scorecard-alerts/{alert.pk}/close/", {"reason": "no"})
    assert closing.status_code == 403
    alert.refresh_from_db()
    assert alert.status == "open"
    assert not ScorecardMonitoring.objects.exists()


def test_unknown_scorecards_are_404(client_for, rita, db):
    client = client_for(rita)
    assert client.get("/credit/scorecards/999999/monitoring/").status_code == 404
    assert client.get("/credit/scorecards/999999/compare/").status_code == 404
    assert client.post("/credit/scorecard-alerts/999999/close/", {"reason": "x"}).status_code == 404


def test_challenger_is_scored_beside_the_champion(
    client_for, rita, admin_user, book, individual_card
):
    definition = copy.deepcopy(individual_card.definition)
    definition["base_points"] -= 60  # two grades stricter for everyone
    draft = services.scorecard_draft_save(
        actor=admin_user,
        version=ScorecardVersion(
            name="Stricter", customer_kind="individual", definition=definition
        ),
    )
    page = client_for(rita).get(f"/credit/scorecards/{draft.pk}/compare/")
    assert page.status_code == 200
    comparison = page.context["comparison"]
    assert comparison["customers"] == len(book)
    assert comparison["upgraded"] == 0
    assert comparison["downgraded"] + comparison["unchanged"] == len(book)
    assert comparison["downgraded"] > 0.9 * len(book)
    assert comparison["mean_challenger"] == pytest.approx(comparison["mean_champion"] - 60)
    # The matrix rows are the champion's grades: each row sums to the champion's count.
    for row in comparison["rows"]:
        assert sum(row["moves"]) == row["champion"]
    backtest = comparison["backtest"]
    assert backtest["loans"] > 0
    # A constant shift of every score ranks the loans exactly as before.
    assert backtest["challenger"]["auc"] == backtest["champion"]["auc"]
    in_force = client_for(rita).get(f"/credit/scorecards/{individual_card.pk}/compare/")
    assert in_force.context["comparison"] is None


def test_a_refresh_is_audited_with_its_figures_and_alert_or_nothing_is_kept(
    client_for, rita, shifted_population, individual_card, monkeypatch
):
    response = client_for(rita).post(f"/credit/scorecards/{individual_card.pk}/monitoring/refresh/")
    assert response.status_code == 302
    computed = AuditEvent.objects.get(action="credit.scorecard.monitoring_computed")
    assert computed.actor == rita and computed.object_id == str(individual_card.pk)
    ScorecardAlert.objects.all().delete()
    ScorecardMonitoring.objects.all().delete()

    # The audit row fails to write: the figures and the alert computed with it are undone.
    def audit_fails(**_kwargs):
        raise RuntimeError("audit trail unavailable")

    monkeypatch.setattr(services, "audit_log", audit_fails)
    with pytest.raises(RuntimeError):
        services.scorecard_monitoring_refresh(actor=rita, version=individual_card)
    assert not ScorecardMonitoring.objects.exists()
    assert not ScorecardAlert.objects.exists()
