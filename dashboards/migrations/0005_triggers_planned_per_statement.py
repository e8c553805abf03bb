from pathlib import Path

from django.db import migrations


# The SQL this migration installs, frozen as it was when it was written (migrations/sql/):
# later changes to the module that generated it never change what this migration does.
SQL = Path(__file__).parent / "sql"


def frozen(part: str) -> str:
    return (SQL / f"0005_triggers_planned_per_statement.{part}.sql").read_text()


class Migration(migrations.Migration):
    """The book-figure triggers plan their statement for each change (dashboards.figures)."""

    dependencies = [("dashboards", "0004_book_figures")]

    operations = [migrations.RunSQL(frozen("install"), migrations.RunSQL.noop)]
