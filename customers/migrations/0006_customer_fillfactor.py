from django.db import migrations


class Migration(migrations.Migration):
    """Room on every page for a changed row: the nightly job rewrites risk levels and grades,
    columns no index covers, and with free space on the page PostgreSQL updates such a row in
    place (a HOT update) instead of adding an entry to each of the table's sixteen indexes,
    the name-gram GIN index among them. Applies to pages written from now on; VACUUM FULL
    applies it to an existing table."""

    dependencies = [("customers", "0005_risk_calendar_indexes")]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE customers_customer SET (fillfactor = 85)",
            "ALTER TABLE customers_customer RESET (fillfactor)",
        ),
    ]
