from django.conf import settings
from django.db import migrations, models

# Alerts raised before the dates were kept: the value they hold was last found when the scan
# last changed them, and it is the best known value they were raised with. A copy, not a
# change the nightly job has to look at (risk.pending's triggers skip it).
# Only alerts without the dates, so that running it again (tests replay the data
# migrations) changes nothing.
BACKFILL = """
SELECT set_config('xindai.risk_job', 'on', true);
UPDATE risk_alert
SET value_on = (last_seen_at AT TIME ZONE %(tz)s)::date,
    raised_value = value,
    raised_on = (raised_at AT TIME ZONE %(tz)s)::date
WHERE value_on IS NULL AND raised_on IS NULL;
SELECT set_config('xindai.risk_job', 'off', true);
"""


def backfill(apps, schema_editor):
    from django.db import connection

    with (schema_editor.connection if schema_editor else connection).cursor() as cursor:
        cursor.execute(BACKFILL, {"tz": settings.TIME_ZONE})


class Migration(migrations.Migration):
    dependencies = [
        ("risk", "0011_job_chunk"),
    ]

    operations = [
        migrations.AddField(
            model_name="alert",
            name="value_on",
            field=models.DateField(blank=True, null=True, verbose_name="value as of"),
        ),
        migrations.AddField(
            model_name="alert",
            name="raised_value",
            field=models.CharField(blank=True, max_length=100, verbose_name="value when raised"),
        ),
        migrations.AddField(
            model_name="alert",
            name="raised_on",
            field=models.DateField(blank=True, null=True, verbose_name="raised for business date"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
