from django.db import migrations

TASK_NAME = "Scorecard monitoring"


def create_schedule(apps, schema_editor):
    # Monthly, on the 1st after the nightly jobs, so last month's assessments and repayments
    # are all in.
    crontab_model = apps.get_model("django_celery_beat", "CrontabSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = crontab_model.objects.get_or_create(
        minute="0", hour="4", day_of_week="*", day_of_month="1", month_of_year="*",
        timezone="Asia/Shanghai",
    )
    task_model.objects.get_or_create(
        name=TASK_NAME,
        defaults={"task": "credit.scorecard_monitoring", "crontab": crontab,
                  "description": "AUC, KS, PSI, calibration and stability of every scorecard in "
                                 "force; an alert to risk officers when the score PSI passes 0.25."},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("credit", "0006_scorecard_monitoring"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, migrations.RunPython.noop)]
