"""The credit section of the customer 360 page: grade and score history, loans with their
days past due, applications."""

from credit import selectors, services
from credit.models import OPEN_APPLICATION_STATUSES

CHART_WIDTH, CHART_HEIGHT, CHART_PAD = 320, 120, 14
SCORE_FLOOR, SCORE_CEILING = 400, 800


def score_chart(points: list[tuple]) -> dict | None:
    """Coordinates for a small server-rendered SVG line of scores over time (oldest left)."""
    if not points:
        return None
    step = (CHART_WIDTH - 2 * CHART_PAD) / max(len(points) - 1, 1)
    span = SCORE_CEILING - SCORE_FLOOR
    dots = []
    for index, (when, score, grade) in enumerate(points):
        clamped = min(max(score, SCORE_FLOOR), SCORE_CEILING)
        x = CHART_PAD + index * step
        y = (
            CHART_HEIGHT
            - CHART_PAD
            - (clamped - SCORE_FLOOR) / span * (CHART_HEIGHT - 2 * CHART_PAD)
        )
        dots.append(
            {"x": round(x, 1), "y": round(y, 1), "score": score, "grade": grade, "when": when}
        )
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "dots": dots,
        "line": " ".join(f"{dot['x']},{dot['y']}" for dot in dots),
    }


def credit_panel(customer, user) -> tuple[str, dict]:
    history = list(customer.assessments.select_related("scorecard")[:12])
    loans = list(customer.loans.select_related("product").order_by("-disbursed_on"))
    applications = list(
        customer.applications.select_related("product").filter(status__in=OPEN_APPLICATION_STATUSES)
    )
    return "credit/customer_panel.html", {
        "latest_assessment": history[0] if history else None,
        "score_chart": score_chart([(a.assessed_at, a.score, a.grade) for a in reversed(history)]),
        "loans": selectors.loans_with_dpd(loans),
        "open_applications": applications,
        "can_work_credit": services.can_work_credit(user),
    }
