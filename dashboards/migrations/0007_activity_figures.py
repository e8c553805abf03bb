from django.db import migrations, models

TASK_NAME = "Dashboard activity figures"


def create_schedule(apps, schema_editor):
    # Created once; admins may change or disable it in Django admin and it stays as they left it.
    interval_model = apps.get_model("django_celery_beat", "IntervalSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    every_five_minutes, _ = interval_model.objects.get_or_create(every=5, period="minutes")
    task_model.objects.get_or_create(
        name=TASK_NAME,
        defaults={
            "task": "dashboards.refresh_activity_figures",
            "interval": every_five_minutes,
            "description": "The bank's and each branch's dashboard figures of alerts, "
            "pipeline and officers, computed ahead of the managers' views.",
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0006_figure_triggers_by_bucket_and_deferred"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.CreateModel(
            name="ActivityFigures",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.CharField(max_length=100, unique=True)),
                ("computed_at", models.DateTimeField()),
                ("figures", models.JSONField()),
            ],
            options={
                "verbose_name": "dashboard activity figures",
                "verbose_name_plural": "dashboard activity figures",
            },
        ),
        migrations.RunPython(create_schedule, remove_schedule),
    ]
