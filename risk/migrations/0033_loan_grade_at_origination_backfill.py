from django.db import migrations

# Each loan's grade at origination (lending 0014), set once from the grade history as the
# provisions read it until then: the last grade change on or before the disbursement, else the
# value the first later change replaced, else the customer's grade today (never changed).
# Set-based: the loans joined to the grade history by customer and grouped, not two lookups per
# loan in every monthly partition. Frozen here: it must do the same thing forever. The loans'
# triggers (the customers' scope, the nightly's pending marks) are off for the update: the
# column is none of theirs, and every customer would otherwise be marked for the next night.
BACKFILL = """
SET CONSTRAINTS ALL IMMEDIATE;
ALTER TABLE credit_loan DISABLE TRIGGER USER;
WITH origin AS (
    SELECT l.id AS loan_id,
           (array_agg(h.new_value ORDER BY h.changed_on DESC, h.id DESC)
                FILTER (WHERE h.changed_on <= l.disbursed_on))[1] AS before,
           (array_agg(nullif(h.old_value, '') ORDER BY h.changed_on, h.id)
                FILTER (WHERE h.changed_on > l.disbursed_on))[1] AS after
    FROM credit_loan l JOIN risk_riskhistory h ON h.customer_id = l.customer_id
    WHERE h.kind = 'grade'
    GROUP BY l.id
),
graded AS (
    SELECT l.id, coalesce(o.before, o.after, c.grade) AS grade
    FROM credit_loan l
    JOIN customers_customer c ON c.id = l.customer_id
    LEFT JOIN origin o ON o.loan_id = l.id
)
UPDATE credit_loan l SET grade_at_origination = g.grade
FROM graded g
WHERE g.id = l.id;
ALTER TABLE credit_loan ENABLE TRIGGER USER;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("lending", "0016_loan_grade_at_origination"),
        ("risk", "0032_loan_risk_of_note_index"),
    ]

    operations = [
        migrations.RunSQL(BACKFILL, reverse_sql=migrations.RunSQL.noop),
    ]
