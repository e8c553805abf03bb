from django.db import migrations


class Migration(migrations.Migration):
    """Room on every page for a changed row: each night moves the days past due of every
    past-due loan on (risk.recompute.AGE_PAST_DUE), columns no index covers, and with free
    space on the page PostgreSQL updates such a row in place (a HOT update) instead of adding
    an entry to each of the table's indexes. Applies to pages written from now on: a
    past-due loan's row moves to such a page on its first update."""

    dependencies = [("risk", "0008_loan_risk_past_due_since_index")]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE risk_loanrisk SET (fillfactor = 85)",
            "ALTER TABLE risk_loanrisk RESET (fillfactor)",
        ),
    ]
