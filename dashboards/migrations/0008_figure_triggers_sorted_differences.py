from pathlib import Path

from django.db import migrations

# The SQL this migration installs, frozen as it was when it was written (migrations/sql/):
# later changes to the module that generated it never change what this migration does.
SQL = Path(__file__).parent / "sql"


def frozen(part: str) -> str:
    return (SQL / f"0008_figure_triggers_sorted_differences.{part}.sql").read_text()


class Migration(migrations.Migration):
    """The book-figure triggers as dashboards.figures writes them since the differences are
    added in one order (so two writers lock the figure rows in the same order): databases
    migrated before kept the triggers of 0006 until this one."""

    dependencies = [("dashboards", "0007_activity_figures")]

    operations = [
        migrations.RunSQL(
            frozen("install"),
            (SQL / "0006_figure_triggers_by_bucket_and_deferred.install.sql").read_text(),
        )
    ]
