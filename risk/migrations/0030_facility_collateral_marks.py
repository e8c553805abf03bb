from pathlib import Path

from django.db import migrations

# The SQL this migration installs, frozen as it was when it was written (migrations/sql/):
# every pending-customer trigger of risk.pending, now with those of a facility's collateral
# links (the statement is idempotent: the others are replaced by themselves). Undone, only the
# new triggers go.
SQL = Path(__file__).parent / "sql"


def frozen(part: str) -> str:
    return (SQL / f"0030_facility_collateral_marks.{part}.sql").read_text()


class Migration(migrations.Migration):
    dependencies = [
        ("risk", "0029_facility_provisions"),
        ("lending", "0003_credit_facilities"),
    ]

    operations = [migrations.RunSQL(frozen("install"), frozen("uninstall"))]
