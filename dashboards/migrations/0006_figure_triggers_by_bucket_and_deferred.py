from pathlib import Path

from django.db import migrations


# The SQL this migration installs, frozen as it was when it was written (migrations/sql/):
# later changes to the module that generated it never change what this migration does.
SQL = Path(__file__).parent / "sql"


def frozen(part: str) -> str:
    return (SQL / f"0006_figure_triggers_by_bucket_and_deferred.{part}.sql").read_text()


class Migration(migrations.Migration):
    """A loan risk change reaches the book figures when its class or overdue bucket moves,
    not each time its days past due grow by one (dashboards.figures.RISK_CHANGED); the
    nightly job's chunks add their differences at their end (figures.DEFERRED_SETTING)."""

    dependencies = [("dashboards", "0005_triggers_planned_per_statement")]

    operations = [migrations.RunSQL(frozen("install"), migrations.RunSQL.noop)]
