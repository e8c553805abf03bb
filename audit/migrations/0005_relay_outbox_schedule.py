from django.db import migrations

TASK_NAME = "Relay outbox"


def create_schedule(apps, schema_editor):
    # Created once; admins may change or disable it in Django admin and it stays as they left it.
    interval_model = apps.get_model("django_celery_beat", "IntervalSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = interval_model.objects.get_or_create(every=1, period="minutes")
    task_model.objects.get_or_create(
        name=TASK_NAME,
        defaults={
            "task": "audit.relay_outbox",
            "interval": every_minute,
            "description": "Sends the task messages that were recorded while Redis was down.",
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0004_outbox"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
