"""The customer's grade and score history, for the credit section of the customer 360 page
(lending.panels draws that section, with the loans and applications beside them)."""

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


def scoring_summary(customer) -> dict:
    """The latest assessment and the score chart of the latest twelve."""
    history = list(customer.assessments.select_related("scorecard")[:12])
    return {
        "latest_assessment": history[0] if history else None,
        "score_chart": score_chart([(a.assessed_at, a.score, a.grade) for a in reversed(history)]),
    }
