from django.db import migrations

TASK_NAME = "Generate revisit follow-ups"


def create_schedule(apps, schema_editor):
    # Created once at 06:00 every day; admins may change it in Django admin.
    crontab_model = apps.get_model("django_celery_beat", "CrontabSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    early_morning, _ = crontab_model.objects.get_or_create(
        minute="0",
        hour="6",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="Asia/Shanghai",
    )
    task_model.objects.get_or_create(
        name=TASK_NAME,
        defaults={
            "task": "customers.generate_revisits",
            "crontab": early_morning,
            "description": "Plans regular revisits by the cadence of each customer's risk level, "
            "never twice for the same customer.",
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0002_reference_data"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
