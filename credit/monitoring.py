"""Monitoring a scorecard in production, the way a credit risk team validates one each month.

- Discrimination on realised outcomes: AUC, KS and Gini of the scores behind the loans of each
  disbursement quarter (credit/outcomes.py says what "bad" means); a cohort younger than the
  horizon is still maturing and says how many months it has been watched.
- Score PSI month by month over the card's grade bands, against the development sample kept
  in the card by scorecard_fit, or, for a hand-made card, against its first 100 assessments
  (whole months, from its first month of use).
- Calibration: each grade's PD against the bad rate observed on matured loans, with a 95%
  Wilson interval, so "the card under-predicts B" is a statement, not an impression.
- Characteristic stability: for every factor, the PSI of its bin distribution in the latest
  month against the baseline (often called CSI).

The figures are stored per version and month (ScorecardMonitoring), so the page reads one row;
the monthly beat task computes them and raises a ScorecardAlert for the risk officers when the
latest score PSI passes 0.25.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections import Counter, defaultdict

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from audit.services import audit_log
from core.months import add_months
from credit import modelling, scoring
from credit.models import (
    Assessment,
    ScorecardAlert,
    ScorecardAlertStatus,
    ScorecardMonitoring,
    ScorecardStatus,
    ScorecardVersion,
)
from credit.outcomes import loan_outcomes
from credit.policies import may_monitor_scorecards

logger = logging.getLogger(__name__)

# Below this many assessments a month's PSI is mostly noise: shown as "too few", never alerted.
MIN_MONTH_ROWS = 30
# A hand-made card has no development sample; its first assessments, month by month until
# there are this many, stand in for one.
MIN_BASELINE_ROWS = 100
MONTHS_SHOWN = 12
# At most this many assessments are re-read per month for the factor distributions.
FACTOR_SAMPLE = 50_000

_GRADES_BY_MONTH_SQL = """
SELECT date_trunc('month', assessed_at AT TIME ZONE %(tz)s)::date AS month, grade, count(*)
  FROM credit_assessment
 WHERE scorecard_id = %(version)s
   AND (assessed_at AT TIME ZONE %(tz)s)::date <= %(as_of)s
 GROUP BY 1, 2
"""


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _grades_by_month(version: ScorecardVersion, as_of: dt.date) -> dict[dt.date, Counter]:
    with connection.cursor() as cursor:
        cursor.execute(
            _GRADES_BY_MONTH_SQL,
            {"tz": settings.TIME_ZONE, "version": version.pk, "as_of": as_of},
        )
        months: dict[dt.date, Counter] = defaultdict(Counter)
        for month, grade, count in cursor.fetchall():
            months[month][grade] += count
    return dict(months)


def _factor_shares(
    version: ScorecardVersion, first: dt.date | None, last: dt.date
) -> dict[str, dict[str, float]]:
    """Share of the assessments of months first..last in each bin of each factor, re-read
    from their inputs (the latest ones when there are more than FACTOR_SAMPLE)."""
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(dt.datetime.combine(first or dt.date(1900, 1, 1), dt.time()), tz)
    end = timezone.make_aware(dt.datetime.combine(add_months(last, 1), dt.time()), tz)
    counts: dict[str, Counter] = defaultdict(Counter)
    rows = 0
    for inputs in (
        Assessment.objects.filter(scorecard=version, assessed_at__gte=start, assessed_at__lt=end)
        .order_by("-assessed_at")
        .values_list("inputs", flat=True)[:FACTOR_SAMPLE]
        .iterator(chunk_size=2000)
    ):
        rows += 1
        for factor in version.definition["factors"]:
            counts[factor["key"]][
                scoring.score_factor(factor, inputs.get(factor["key"])).bin_label
            ] += 1
    return {key: {label: n / rows for label, n in c.items()} for key, c in counts.items()}


def _psi_of_shares(expected: dict[str, float], actual: dict[str, float]) -> float:
    labels = sorted(set(expected) | set(actual))
    return modelling.psi(
        [expected.get(k, 0.0) for k in labels], [actual.get(k, 0.0) for k in labels]
    )


def _wilson(bads: int, total: int, z: float = 1.96) -> tuple[float, float]:
    if not total:
        return 0.0, 1.0
    rate = bads / total
    denominator = 1 + z * z / total
    centre = (rate + z * z / (2 * total)) / denominator
    spread = z * math.sqrt(rate * (1 - rate) / total + z * z / (4 * total * total)) / denominator
    return max(0.0, centre - spread), min(1.0, centre + spread)


def _quarter(day: dt.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def _quarter_end(day: dt.date) -> dt.date:
    last_month = ((day.month - 1) // 3) * 3 + 3
    return add_months(dt.date(day.year, last_month, 1), 1) - dt.timedelta(days=1)


def _discrimination(rows) -> dict:
    scores = [row.score for row in rows]
    bad = [row.bad for row in rows]
    if len(set(bad)) < 2:
        return {"auc": None, "ks": None, "gini": None}
    return modelling.discrimination(scores, bad)


def _cohorts(rows, as_of: dt.date, horizon: int) -> list[dict]:
    by_quarter: dict[str, list] = defaultdict(list)
    for row in rows:
        by_quarter[_quarter(row.disbursed_on)].append(row)
    cohorts = []
    for quarter in sorted(by_quarter):
        members = by_quarter[quarter]
        last_disbursed = _quarter_end(members[0].disbursed_on)
        matured = add_months(last_disbursed, horizon) <= as_of
        # How long the cohort's youngest loans have been watched, in whole months.
        watched = (as_of.year - last_disbursed.year) * 12 + as_of.month - last_disbursed.month
        watched -= as_of.day < last_disbursed.day
        bads = sum(row.bad for row in members)
        cohorts.append(
            {
                "cohort": quarter,
                "loans": len(members),
                "bads": bads,
                "bad_rate": round(bads / len(members), 4),
                "matured": matured,
                "months_observed": max(0, min(watched, horizon)),
                **_discrimination(members),
            }
        )
    return cohorts


def _calibration(mature, grades: list[dict]) -> list[dict]:
    by_grade: dict[str, list[bool]] = defaultdict(list)
    for row in mature:
        by_grade[row.grade].append(row.bad)
    table = []
    for grade in grades:
        outcomes = by_grade.get(grade["grade"], [])
        if not outcomes:
            continue
        bads = sum(outcomes)
        low, high = _wilson(bads, len(outcomes))
        predicted = float(grade["pd"])
        verdict = "within" if low <= predicted <= high else "above" if low > predicted else "below"
        table.append(
            {
                "grade": grade["grade"],
                "loans": len(outcomes),
                "bads": bads,
                "predicted_pd": predicted,
                "observed": round(bads / len(outcomes), 4),
                "low": round(low, 4),
                "high": round(high, 4),
                # "above": more bads than the grade's PD allows; "below": fewer.
                "verdict": verdict,
            }
        )
    return table


def compute(version: ScorecardVersion, *, as_of: dt.date, horizon_months: int = 12):
    """Computes and stores the month's figures for one version; returns the stored row."""
    definition = version.definition
    grade_order = [
        g for g in scoring.GRADE_ORDER if g in {x["grade"] for x in definition["grades"]}
    ]
    monthly = _grades_by_month(version, as_of)
    development = definition.get("development")
    baseline_end = None
    if development:
        baseline = {"kind": "development", "rows": development.get("rows")}
        baseline_grades = development["grade_shares"]
        baseline_factors = development.get("factor_shares", {})
    else:
        baseline, baseline_grades, baseline_factors = None, {}, {}
        accumulated: Counter = Counter()
        for month in sorted(monthly):
            accumulated.update(monthly[month])
            if sum(accumulated.values()) >= MIN_BASELINE_ROWS:
                baseline_end = month
                break
        if baseline_end is not None:
            total = sum(accumulated.values())
            baseline = {
                "kind": "first_assessments",
                "rows": total,
                "from": f"{min(monthly):%Y-%m}",
                "to": f"{baseline_end:%Y-%m}",
            }
            baseline_grades = {grade: n / total for grade, n in accumulated.items()}
            baseline_factors = _factor_shares(version, None, baseline_end)

    def after_baseline(month: dt.date) -> bool:
        return baseline_end is None or month > baseline_end

    psi_months = []
    first_shown = add_months(month_start(as_of), -(MONTHS_SHOWN - 1))
    month = first_shown
    while month <= as_of:
        counts = monthly.get(month, Counter())
        total = sum(counts.values())
        value = None
        if baseline_grades and total >= MIN_MONTH_ROWS and after_baseline(month):
            value = round(
                modelling.psi(
                    [baseline_grades.get(g, 0.0) for g in grade_order],
                    [counts.get(g, 0) for g in grade_order],
                ),
                4,
            )
        psi_months.append(
            {
                "month": month.isoformat(),
                "assessments": total,
                "psi": value,
                "band": modelling.psi_band(value),
                "shares": {g: round(counts.get(g, 0) / total, 4) for g in grade_order}
                if total
                else {},
            }
        )
        month = add_months(month, 1)
    judged = [row for row in psi_months if row["psi"] is not None]
    latest = judged[-1] if judged else None

    characteristics = []
    months_with_rows = [
        m for m, c in monthly.items() if sum(c.values()) >= MIN_MONTH_ROWS and after_baseline(m)
    ]
    latest_month = max(months_with_rows) if months_with_rows else None
    if baseline_factors and latest_month:
        current = _factor_shares(version, latest_month, latest_month)
        for factor in definition["factors"]:
            key = factor["key"]
            if key in baseline_factors and key in current:
                value = round(_psi_of_shares(baseline_factors[key], current[key]), 4)
                characteristics.append(
                    {
                        "factor": key,
                        "label": factor.get("label", key),
                        "psi": value,
                        "band": modelling.psi_band(value),
                        "baseline": baseline_factors[key],
                        "current": {k: round(v, 4) for k, v in current[key].items()},
                    }
                )

    rows = loan_outcomes(
        kind=version.customer_kind,
        disbursed_until=as_of,
        observed_until=as_of,
        horizon_months=horizon_months,
        scorecard_id=version.pk,
        with_inputs=False,
    )
    matured_until = add_months(as_of, -horizon_months)
    mature = [row for row in rows if row.disbursed_on <= matured_until]
    figures = {
        "baseline": baseline,
        "psi_months": psi_months,
        "latest_psi_month": latest["month"] if latest else None,
        "cohorts": _cohorts(rows, as_of, horizon_months),
        "overall": {
            "loans": len(mature),
            "bads": sum(row.bad for row in mature),
            **_discrimination(mature),
        },
        "calibration": _calibration(mature, definition["grades"]),
        "characteristics": characteristics,
        "characteristics_month": latest_month.isoformat() if characteristics else None,
        "grades": grade_order,
    }
    monitoring, _is_new = ScorecardMonitoring.objects.update_or_create(
        version=version,
        computed_for=as_of,
        defaults={
            "computed_at": timezone.now(),
            "horizon_months": horizon_months,
            "latest_psi": latest["psi"] if latest else None,
            "figures": figures,
        },
    )
    return monitoring


def raise_alert_if_shifted(monitoring: ScorecardMonitoring) -> ScorecardAlert | None:
    """An alert for the risk officers when the latest score PSI passes 0.25; an active alert
    for the version is refreshed instead of duplicated (a partial unique index keeps it so
    even when two runs race)."""
    psi = monitoring.latest_psi
    if psi is None or psi <= modelling.PSI_SHIFT:
        return None
    month = dt.date.fromisoformat(monitoring.figures["latest_psi_month"])
    active = ScorecardAlert.objects.filter(version=monitoring.version).exclude(
        status=ScorecardAlertStatus.CLOSED
    )
    if active.update(psi=psi, month=month, last_seen_at=timezone.now()):
        return active.first()
    try:
        with transaction.atomic():
            alert = ScorecardAlert.objects.create(version=monitoring.version, month=month, psi=psi)
    except IntegrityError:
        return active.first()
    audit_log(
        actor=None,
        action="credit.scorecard_alert.raised",
        obj=alert,
        after={"psi": psi, "month": month.isoformat()},
    )
    transaction.on_commit(lambda: _mail_risk_officers(alert.pk))
    return alert


def _mail_risk_officers(alert_id: int) -> None:
    from credit.notifications import scorecard_shift_alert

    alert = ScorecardAlert.objects.select_related("version").get(pk=alert_id)
    for user in User.objects.filter(role=Role.RISK_OFFICER, is_active=True):
        scorecard_shift_alert(user, alert)


def run_monthly(as_of: dt.date) -> list[ScorecardMonitoring]:
    """Every published scorecard, figures as of `as_of`, alerts where the population moved."""
    results = []
    for version in ScorecardVersion.objects.filter(status=ScorecardStatus.PUBLISHED):
        with transaction.atomic():
            monitoring = compute(version, as_of=as_of)
            raise_alert_if_shifted(monitoring)
        results.append(monitoring)
    return results


def alert_acknowledge(*, actor: User, alert: ScorecardAlert, note: str) -> ScorecardAlert:
    return _alert_move(actor, alert, note, ScorecardAlertStatus.ACKNOWLEDGED)


def alert_close(*, actor: User, alert: ScorecardAlert, note: str) -> ScorecardAlert:
    return _alert_move(actor, alert, note, ScorecardAlertStatus.CLOSED)


@transaction.atomic
def _alert_move(actor, alert, note: str, status: str) -> ScorecardAlert:
    if not may_monitor_scorecards(actor):
        raise PermissionDenied
    locked = ScorecardAlert.objects.select_for_update().get(pk=alert.pk)
    if not note.strip():
        raise ValidationError({"note": _("Say what was decided.")})
    allowed = {
        ScorecardAlertStatus.ACKNOWLEDGED: {ScorecardAlertStatus.OPEN},
        ScorecardAlertStatus.CLOSED: {ScorecardAlertStatus.OPEN, ScorecardAlertStatus.ACKNOWLEDGED},
    }[status]
    if locked.status not in allowed:
        raise ValidationError(
            _("This alert is already %(status)s.") % {"status": locked.get_status_display()}
        )
    before = {"status": locked.status}
    now = timezone.now()
    locked.status = status
    locked.note = note.strip()
    if status == ScorecardAlertStatus.ACKNOWLEDGED:
        locked.acknowledged_by, locked.acknowledged_at = actor, now
    else:
        locked.closed_at = now
        if locked.acknowledged_by_id is None:
            locked.acknowledged_by, locked.acknowledged_at = actor, now
    locked.save()
    audit_log(
        actor=actor,
        action=f"credit.scorecard_alert.{status}",
        obj=locked,
        before=before,
        after={"status": status, "note": locked.note},
    )
    return locked
