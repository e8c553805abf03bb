"""The customer's grade and score history, for the credit section of the customer 360 page
(lending.panels draws that section, with the loans and applications beside them)."""

from django.utils import timezone
from django.utils.translation import gettext as _

from core import charts


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


def scoring_summary(customer) -> dict:
    """The latest assessment and the score chart of the latest twelve."""
    history = list(customer.assessments.select_related("scorecard")[:12])
    return {
        "latest_assessment": history[0] if history else None,
        "score_history": list(reversed(history)),
        "score_chart": score_chart(list(reversed(history))),
    }
