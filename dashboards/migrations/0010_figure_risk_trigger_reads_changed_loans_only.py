from pathlib import Path

from django.db import migrations

# The SQL this migration installs, frozen as it was when it was written (migrations/sql/):
# later changes to the module that generated it never change what this migration does.
SQL = Path(__file__).parent / "sql"


def frozen(name: str) -> str:
    return (SQL / f"{name}.install.sql").read_text()


class Migration(migrations.Migration):
    """The book-figure trigger on loan risks finds the rows whose class or overdue bucket
    changed from the statement's own rows first, and reads only their loans and customers:
    before, it read the loan and the customer of every row the statement touched (the nightly
    classification touches every loan it examines, and most move no figure)."""

    dependencies = [("dashboards", "0009_snapshot_exposure_by_class")]

    operations = [
        migrations.RunSQL(
            frozen("0010_figure_risk_trigger_reads_changed_loans_only"),
            frozen("0008_figure_triggers_sorted_differences"),
        )
    ]
