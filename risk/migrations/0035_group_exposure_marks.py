from pathlib import Path

from django.db import migrations

# The SQL this migration installs, frozen as it was when it was written (migrations/sql/):
# every trigger of risk.exposure, now with those marking a group's members when a decision
# adds its amount to the group's stored exposure, and with the tier-1 capital's and the
# limits' marking every group member too (the statement is idempotent: the others are
# replaced by themselves). Undone, the new triggers go and those of 0022 come back.
SQL = Path(__file__).parent / "sql"


def frozen(name: str) -> str:
    return (SQL / f"{name}.sql").read_text()


class Migration(migrations.Migration):
    dependencies = [
        ("risk", "0034_provision_scope"),
        ("lending", "0005_concentration_limits"),
    ]

    operations = [
        migrations.RunSQL(
            frozen("0035_group_exposure_marks.install"),
            [
                frozen("0035_group_exposure_marks.uninstall"),
                frozen("0022_concentration_limits.install"),
            ],
        )
    ]
