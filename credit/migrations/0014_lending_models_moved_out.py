"""The lending models leave the credit app's state: lending 0001 holds them now, on the same
tables, and every key to them (credit's assessments below, risk 0017) points there first.
Nothing is done to the database: the tables, their rows and their constraints stay."""

import django.db.models.deletion
from django.db import migrations, models

# Referencing models before the models they reference, so that no state left behind points at
# a model already gone.
MOVED = [
    "RestructuringProposal",
    "RepaymentReversalProposal",
    "RepaymentAllocation",
    "Restructuring",
    "Repayment",
    "Instalment",
    "Loan",
    "CustomerNotification",
    "Guarantor",
    "CollateralValuation",
    "Collateral",
    "ApplicationEvent",
    "Application",
    "PricingRule",
    "LoanProduct",
]


class Migration(migrations.Migration):

    dependencies = [
        ("credit", "0013_four_eyes_on_applications_and_loan_changes"),
        ("lending", "0001_initial"),
        ("risk", "0017_loan_keys_to_lending"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="assessment",
                    name="application",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="assessments",
                        to="lending.application",
                        verbose_name="application",
                    ),
                ),
                *(migrations.DeleteModel(name=name) for name in MOVED),
            ],
            database_operations=[],
        ),
    ]
