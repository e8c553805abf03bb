from django.db import migrations
from django.utils import timezone

# The credit bureau's external overdue factor, frozen as it was written
# (credit.default_scorecards.EXTERNAL_OVERDUE then).
EXTERNAL_OVERDUE = {
    "key": "external_overdue",
    "label": "Overdue at other lenders, last 24 months (credit bureau)",
    "dimension": "debt_service",
    "type": "categorical",
    "weight": 1,
    "expert": False,
    "missing_points": 0,
    "bins": [
        {"label": "No overdue", "categories": ["0"], "points": 0},
        {"label": "Worst 1–30 days (M1)", "categories": ["1"], "points": -10},
        {"label": "Worst 31–60 days (M2)", "categories": ["2"], "points": -25},
        {"label": "Worst over 60 days (M3+)", "categories": ["3"], "points": -45},
    ],
}
NOTE = (
    "The version in force with the credit bureau's external overdue factor added: 0 points "
    "without a report, so no score without one moves."
)


def add_factor(apps, schema_editor):
    """A new version of each published card: the same definition with the factor after the
    repayment record; the version it replaces is retired (a published version never
    changes). A card that already has the factor is left alone, so a rerun does nothing."""
    scorecard = apps.get_model("credit", "ScorecardVersion")
    for current in scorecard.objects.filter(status="published"):
        factors = current.definition.get("factors", [])
        if any(factor.get("key") == EXTERNAL_OVERDUE["key"] for factor in factors):
            continue
        keys = [factor.get("key") for factor in factors]
        position = keys.index("worst_dpd_ever") + 1 if "worst_dpd_ever" in keys else len(keys)
        definition = {
            **current.definition,
            "factors": [*factors[:position], EXTERNAL_OVERDUE, *factors[position:]],
        }
        latest = (
            scorecard.objects.filter(customer_kind=current.customer_kind)
            .order_by("-version")
            .values_list("version", flat=True)
            .first()
        )
        scorecard.objects.filter(pk=current.pk).update(status="retired")
        scorecard.objects.create(
            name=current.name,
            customer_kind=current.customer_kind,
            version=latest + 1,
            status="published",
            definition=definition,
            notes=NOTE,
            published_at=timezone.now(),
        )


class Migration(migrations.Migration):
    dependencies = [("credit", "0015_bureau_reports")]

    operations = [migrations.RunPython(add_factor, migrations.RunPython.noop)]
