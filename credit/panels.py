"""The customer's grade and score history, for the credit section of the customer 360 page
(lending.panels draws that section, with the loans and applications beside them)."""

from django.utils import timezone
from django.utils.translation import gettext as _

from core import charts
from credit.bureau import BureauReport
from credit.bureau_services import consent_status, no_consent_message
from credit.policies import may_work_credit


def score_chart(assessments: list) -> dict | None:
    """The scores of some assessments (oldest first) as a line over their dates, each
    point's grade in its tooltip (core/charts.py); None when there is none."""
    if not assessments:
        return None
    return charts.chart(
        "line",
        categories=[
            timezone.localtime(assessment.assessed_at).strftime("%Y-%m-%d")
            for assessment in assessments
        ],
        series_list=[
            charts.series(
                _("Score"),
                [assessment.score for assessment in assessments],
                unit=charts.SCORE,
                notes=[
                    _("grade %(grade)s") % {"grade": assessment.grade} for assessment in assessments
                ],
            )
        ],
        unit=charts.SCORE,
        category_title=_("Assessment date"),
        value_title=_("Score"),
        label=_("Score history"),
    )


# What the credit section and its chart show of an assessment: not its inputs and factor
# points (JSON, decoded for each row read), nor its scorecard.
SUMMARY_COLUMNS = ["customer_id", "score", "grade", "pd", "assessed_at"]


def scoring_summary(customer) -> dict:
    """The latest assessment and the score chart of the latest twelve."""
    history = list(customer.assessments.only(*SUMMARY_COLUMNS)[:12])
    return {
        "latest_assessment": history[0] if history else None,
        "score_history": list(reversed(history)),
        "score_chart": score_chart(list(reversed(history))),
    }


def bureau_panel(customer, user) -> tuple[str, dict]:
    """The credit bureau section of the customer 360: the consent in force (or why there is
    none) and the latest reports, by date and figures only; opening one is audited."""
    consent, latest = consent_status(customer)
    # A report is recorded only under a consent in force (credit.bureau_services): with no
    # consent signed yet, as for most customers, there is none to read.
    reports = (
        []
        if latest is None
        else list(BureauReport.objects.filter(customer_id=customer.pk).select_related("source")[:5])
    )
    return "credit/bureau_panel.html", {
        "consent": consent,
        "no_consent": None if consent is not None else no_consent_message(latest),
        "reports": reports,
        "can_record": may_work_credit(user),
    }
