"""Risk history and the alerts' history, which only grow, split into monthly range
partitions (issue 26). No foreign key points at either table, so each keeps every row and id
under a primary key (id, partition column).

The SQL is frozen beside this file (migrations/sql/0028_monthly_partitions.*.sql); it reads
the bank's time zone, which draws the months of a moment, from crm.partition_zone."""

from pathlib import Path

from django.conf import settings
from django.db import connection, migrations

SQL = Path(__file__).parent / "sql"
TABLES = ["risk_riskhistory", "risk_alertaction"]


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
            cursor.execute((SQL / f"0028_monthly_partitions.{part}.sql").read_text())

    return run


class Migration(migrations.Migration):
    dependencies = [("risk", "0027_inspection_overdue")]

    operations = [migrations.RunPython(_run_frozen("forward"), _run_frozen("reverse"))]
