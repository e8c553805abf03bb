from django.db import migrations, models

# Vacuumed after each night, as customers 0017 has the customers. A night rewrites a few per
# cent of these rows, spread over every page: the provisions of the loans that paid an
# instalment (a new balance) or moved class or stage, and the risk row of every past-due loan
# (its days past due move on; not in place: the days are in loanrisk_of_note's condition).
# With PostgreSQL's default (a fifth of the rows dead) a vacuum came about once a week, and
# until then the provision cards' sums, read from their covering indexes alone on pages marked
# all-visible, read the table: on 200,000 provisions of which a night rewrote 3% (5,987 dead
# rows, under the 40,050 of the default), a branch's sums read 4,258 buffers instead of 74.
VACUUMED_AFTER_EACH_NIGHT = ["risk_loanrisk", "risk_loanprovision", "risk_facilityprovision"]


class Migration(migrations.Migration):
    """The database holds what the code assumes of the loan risks and the provisions.

    - One index per customer key: each table's customer index (loanrisk_customer,
      provision_customer, facility_provision_customer) had a copy, the foreign key's own
      index, written with every row the nightly inserts or rewrites and serving no read the
      other does not.
    - Check constraints: what the nightly computes (risk.recompute, risk.provisions) and no
      other value: days past due and overdue instalments not negative, classes of the five
      tiers, stages of the three, an expected credit loss that is never a gain.
    - Vacuumed after each night (VACUUMED_AFTER_EACH_NIGHT).

    Safe on a database with rows: the nightly never wrote another value, so the constraints,
    each checked over the table as it is added, find none; dropping an index and setting a
    storage option change no row."""

    dependencies = [("risk", "0036_alert_step_status")]

    operations = [
        migrations.AlterField(
            model_name="loanrisk",
            name="customer",
            field=models.ForeignKey(
                db_index=False,
                on_delete=models.deletion.CASCADE,
                related_name="loan_risks",
                to="customers.customer",
            ),
        ),
        migrations.AlterField(
            model_name="loanprovision",
            name="customer",
            field=models.ForeignKey(
                db_index=False,
                on_delete=models.deletion.CASCADE,
                related_name="+",
                to="customers.customer",
            ),
        ),
        migrations.AlterField(
            model_name="facilityprovision",
            name="customer",
            field=models.ForeignKey(
                db_index=False,
                on_delete=models.deletion.CASCADE,
                related_name="+",
                to="customers.customer",
            ),
        ),
        migrations.AddConstraint(
            model_name="loanrisk",
            constraint=models.CheckConstraint(
                condition=models.Q(("dpd__gte", 0)), name="loanrisk_dpd_not_negative"
            ),
        ),
        migrations.AddConstraint(
            model_name="loanrisk",
            constraint=models.CheckConstraint(
                condition=models.Q(("overdue_instalments__gte", 0)),
                name="loanrisk_overdue_instalments_not_negative",
            ),
        ),
        migrations.AddConstraint(
            model_name="loanrisk",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("automatic_class__in", [1, 2, 3, 4, 5]),
                    ("final_class__in", [1, 2, 3, 4, 5]),
                    models.Q(
                        ("override_class__isnull", True),
                        ("override_class__in", [1, 2, 3, 4, 5]),
                        _connector="OR",
                    ),
                ),
                name="loanrisk_classes_of_the_five_tiers",
            ),
        ),
        *(
            migrations.AddConstraint(model_name=model_name, constraint=constraint)
            for model_name, prefix in (
                ("loanprovision", "provision"),
                ("facilityprovision", "facility_provision"),
            )
            for constraint in (
                models.CheckConstraint(
                    condition=models.Q(("stage__in", [1, 2, 3])),
                    name=f"{prefix}_stage_of_the_three",
                ),
                models.CheckConstraint(
                    condition=models.Q(("loan_class__in", [1, 2, 3, 4, 5])),
                    name=f"{prefix}_class_of_the_five_tiers",
                ),
                models.CheckConstraint(
                    condition=models.Q(("dpd__gte", 0)), name=f"{prefix}_dpd_not_negative"
                ),
                models.CheckConstraint(
                    condition=models.Q(("ecl__gte", 0)), name=f"{prefix}_ecl_not_negative"
                ),
            )
        ),
        *(
            migrations.RunSQL(
                f"ALTER TABLE {table} SET (autovacuum_vacuum_scale_factor = 0.01)",
                f"ALTER TABLE {table} RESET (autovacuum_vacuum_scale_factor)",
            )
            for table in VACUUMED_AFTER_EACH_NIGHT
        ),
    ]
