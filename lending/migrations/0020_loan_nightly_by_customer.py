from django.db import migrations, models


class Migration(migrations.Migration):
    """A chunk's loans from an index alone (see Loan.Meta), and the loans' table vacuumed
    after each day's repayments rather than after a fifth of the book has changed: a day's
    repayments rewrite a few percent of the loans, which clears the all-visible mark of half
    the table's pages, and an index is read alone only on pages marked so (the customers'
    table is kept so for the same reason, customers 0017)."""

    dependencies = [("lending", "0019_loan_keeps_its_customer")]

    operations = [
        migrations.AddIndex(
            model_name="loan",
            index=models.Index(
                fields=["customer"],
                include=("id", "status", "facility", "application"),
                name="loan_nightly_by_customer",
            ),
        ),
        migrations.RunSQL(
            "ALTER TABLE credit_loan SET (autovacuum_vacuum_scale_factor = 0.01)",
            "ALTER TABLE credit_loan RESET (autovacuum_vacuum_scale_factor)",
        ),
    ]
