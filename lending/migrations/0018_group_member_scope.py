from pathlib import Path

from django.db import migrations

# The SQL this migration installs, frozen as it was when it was written (migrations/sql/):
# later changes to the module that generated it (lending.customer_scope) never change what
# this migration does.
SQL = Path(__file__).parent / "sql"


def frozen(part: str) -> str:
    return (SQL / f"0018_group_member_scope.{part}.sql").read_text()


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0016_group_member_scope"),
        ("lending", "0017_loan_maturing_by_customer"),
    ]

    operations = [
        # Before the fill trigger exists, with the product's own triggers on group members off:
        # a copy, not a change of membership for the nightly job.
        migrations.RunSQL(frozen("backfill"), migrations.RunSQL.noop),
        migrations.RunSQL(frozen("install"), frozen("uninstall")),
    ]
