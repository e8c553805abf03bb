"""The status an alert's step moved it from and to: an acknowledged alert that climbs its
ladder is open again (risk.recompute.SCAN), and its history row says so. The columns default
to blank in the database as well, so the set-based writers of the alerts' history, which name
the columns they fill, need no change; on the monthly partitions (0028) the default is added
without rewriting a row."""

from django.db import migrations, models

STATUSES = [
    ("open", "Open"),
    ("acknowledged", "Acknowledged"),
    ("in_progress", "In progress"),
    ("resolved", "Resolved"),
    ("dismissed", "Dismissed"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("risk", "0035_group_exposure_marks"),
    ]

    operations = [
        migrations.AddField(
            model_name="alertaction",
            name="status_before",
            field=models.CharField(blank=True, choices=STATUSES, db_default="", max_length=15),
        ),
        migrations.AddField(
            model_name="alertaction",
            name="status_after",
            field=models.CharField(blank=True, choices=STATUSES, db_default="", max_length=15),
        ),
    ]
