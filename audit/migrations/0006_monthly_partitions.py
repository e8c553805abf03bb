"""The audit trail, which only grows, split into monthly range partitions (issue 26).

The SQL is frozen beside this file (migrations/sql/0006_monthly_partitions.*.sql); it reads
the bank's time zone, which draws the months of a moment, from crm.partition_zone. The
schedule of the maintenance step that keeps next months' partitions ready (core/partitions.py)
is created here too."""

from pathlib import Path

from django.conf import settings
from django.db import connection, migrations

SQL = Path(__file__).parent / "sql"
TABLES = ["audit_auditevent"]
TASK_NAME = "Monthly partitions"


def _run_frozen(part: str):
    def run(apps, schema_editor):
        # Converges: the suite replays the data migrations (schema_editor None) on a database
        # whose tables are already split, and then there is nothing to do.
        with (schema_editor.connection if schema_editor else connection).cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_partitioned_table WHERE partrelid = ANY(%s::regclass[])",
                [TABLES],
            )
            if cursor.fetchone()[0] == (len(TABLES) if part == "forward" else 0):
                return
            cursor.execute(
                "SELECT set_config('crm.partition_zone', %s, true)", [settings.TIME_ZONE]
            )
            cursor.execute((SQL / f"0006_monthly_partitions.{part}.sql").read_text())

    return run


def create_schedule(apps, schema_editor):
    # Daily, in the quiet hour before the nightly: created once; admins may change or disable
    # it in Django admin and it stays as they left it.
    crontab_model = apps.get_model("django_celery_beat", "CrontabSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = crontab_model.objects.get_or_create(
        minute="30",
        hour="0",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone=settings.TIME_ZONE,
    )
    task_model.objects.get_or_create(
        name=TASK_NAME,
        defaults={
            "task": "audit.maintain_partitions",
            "crontab": crontab,
            "description": "Creates the next months' partitions of the tables that only grow "
            "and moves rows that landed in a default partition into their month.",
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0005_relay_outbox_schedule"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(_run_frozen("forward"), _run_frozen("reverse")),
        migrations.RunPython(create_schedule, remove_schedule),
    ]
