from django.db import migrations, models


class Migration(migrations.Migration):
    """The loans that are anything but up to date and normal, by customer: the nightly's risk
    levels and the contagion's distress read these few rows instead of every risk row of a
    chunk (risk.recompute.LOAN_RISK_OF_NOTE)."""

    dependencies = [
        ("risk", "0031_alert_severity_follows_rule"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="loanrisk",
            index=models.Index(
                condition=models.Q(("dpd__gt", 0), ("final_class__gt", 1), _connector="OR"),
                fields=["customer"],
                name="loanrisk_of_note",
            ),
        ),
    ]
