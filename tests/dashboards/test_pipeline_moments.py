"""The dashboard's pipeline card now and at the comparison date, computed in one statement:
each moment keeps its own figures."""

from decimal import Decimal

from django.urls import reverse


def test_the_pipeline_card_and_its_trend_keep_now_and_the_comparison_apart(client_for, mary, book):
    # Both of the book's applications were decided during the test run (today, wall clock);
    # at the comparison date, a month before the book's business date, none was.
    response = client_for(mary).get(
        reverse("dashboards:dashboard"),
        {"refresh": "1", "compare": (book["day"].replace(day=1)).isoformat()},
    )
    assert response.status_code == 200
    pipeline = response.context["pipeline"]
    assert pipeline["approval_rate"] == Decimal("1.0000")
    assert pipeline["median_hours_to_decision"] is not None
    assert pipeline["stages"]["disbursed"] == 2
    # Nothing decided by then: no approval rate to compare with, so no approval-rate trend;
    # the count in the pipeline is known at both moments (none).
    assert response.context["pipeline_trend"] == {"in_pipeline": 0}
