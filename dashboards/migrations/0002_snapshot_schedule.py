from django.db import migrations

TASK_NAME = "Portfolio snapshot"


def create_schedule(apps, schema_editor):
    # After the nightly risk recompute (01:30), so classes and days past due are current.
    crontab_model = apps.get_model("django_celery_beat", "CrontabSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = crontab_model.objects.get_or_create(
        minute="0", hour="3", day_of_week="*", day_of_month="*", month_of_year="*",
        timezone="Asia/Shanghai",
    )
    task_model.objects.get_or_create(
        name=TASK_NAME,
        defaults={"task": "dashboards.snapshot", "crontab": crontab,
                  "description": "Each officer's book of the day, for the dashboard's trends."},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, migrations.RunPython.noop)]
