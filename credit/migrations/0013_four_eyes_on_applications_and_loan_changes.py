"""Four eyes on applications, restructurings and repayment reversals.

Applications: whoever created, edited or submitted one never starts its review nor decides it.
The editors are kept on the row (`editor_ids`, filled here from the audit trail), so one CHECK
sees every maker. The CHECK is added NOT VALID: PostgreSQL checks every row written from now
on and leaves the rows already there unchecked. Closed applications (disbursed, rejected,
withdrawn) that broke the rule stay as they are, history. Open ones that broke it (under
review by, or approved by, one of their makers) could not take another step under the check
(a disbursement or a withdrawal rewrites the row), and no money may move on such a decision:
they go back to "submitted" for another person's decision, with a stage event without actor
and an audit row saying why.

Restructurings and reversals become proposals (new tables) that take effect when another
person approves them."""

import django.contrib.postgres.fields
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

BACKFILL_EDITORS = """
UPDATE credit_application a SET editor_ids = edits.ids
  FROM (SELECT object_id::bigint AS application_id,
               array_agg(DISTINCT actor_id ORDER BY actor_id) AS ids
          FROM audit_auditevent
         WHERE action = 'credit.application.updated' AND object_type = 'credit.application'
           AND actor_id IS NOT NULL
         GROUP BY object_id) AS edits
 WHERE a.id = edits.application_id
"""


def _not_a_maker(column: str) -> str:
    return (
        f"({column} IS NULL OR ({column} <> created_by_id "
        f"AND {column} IS DISTINCT FROM submitted_by_id AND NOT {column} = ANY(editor_ids)))"
    )


MAKER_CHECKER = f"{_not_a_maker('decided_by_id')} AND {_not_a_maker('reviewer_id')}"

REOPEN_NOTE = (
    "Reviewed or decided by one of the people who prepared it, before the four-eyes rule "
    "covered creators and editors: back for another person's decision."
)
# Open applications whose review or decision was taken by one of their makers go back to
# "submitted": the decision is cleared, a stage event (no actor: no person took this step)
# and an audit row record why, in one statement.
REOPEN = [
    (
        f"""
WITH broken AS (
    SELECT id, status, reviewer_id, decided_by_id
      FROM credit_application
     WHERE status IN ('under_review', 'approved') AND NOT ({MAKER_CHECKER})
       FOR UPDATE
), reopened AS (
    UPDATE credit_application a
       SET status = 'submitted', reviewer_id = NULL, decided_by_id = NULL, decided_at = NULL,
           decision_reason = '', approved_amount = NULL, approved_term_months = NULL,
           approved_rate = NULL, status_changed_at = now()
      FROM broken b
     WHERE a.id = b.id
 RETURNING a.id, b.status AS was, b.reviewer_id, b.decided_by_id
), events AS (
    INSERT INTO credit_applicationevent (application_id, from_status, to_status, actor_id, at,
                                         note)
    SELECT id, was, 'submitted', NULL, now(), %s FROM reopened
)
INSERT INTO audit_auditevent (created_at, actor_id, action, object_type, object_id,
                              object_label, before, after, ip)
SELECT now(), NULL, 'credit.application.reopened', 'credit.application', id::text, '#' || id,
       jsonb_build_object('status', was, 'reviewer', reviewer_id, 'decided_by', decided_by_id),
       jsonb_build_object('status', 'submitted', 'note', %s), NULL
  FROM reopened
""",
        [REOPEN_NOTE, REOPEN_NOTE],
    )
]


class Migration(migrations.Migration):

    dependencies = [
        ('credit', '0012_application_recent'),
        ('audit', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='RepaymentReversalProposal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('reason', models.TextField(verbose_name='reason')),
                ('status', models.CharField(choices=[('pending', 'Awaiting approval'), ('approved', 'Approved'), ('rejected', 'Rejected'), ('withdrawn', 'Withdrawn')], default='pending', max_length=10, verbose_name='status')),
                ('proposed_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='proposed')),
                ('closed_at', models.DateTimeField(blank=True, null=True, verbose_name='closed')),
                ('decision_note', models.TextField(blank=True, verbose_name='decision note')),
            ],
            options={
                'verbose_name': 'repayment reversal proposal',
                'verbose_name_plural': 'repayment reversal proposals',
                'ordering': ['-proposed_at', '-id'],
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='RestructuringProposal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('reason', models.TextField(verbose_name='reason')),
                ('status', models.CharField(choices=[('pending', 'Awaiting approval'), ('approved', 'Approved'), ('rejected', 'Rejected'), ('withdrawn', 'Withdrawn')], default='pending', max_length=10, verbose_name='status')),
                ('proposed_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='proposed')),
                ('closed_at', models.DateTimeField(blank=True, null=True, verbose_name='closed')),
                ('decision_note', models.TextField(blank=True, verbose_name='decision note')),
                ('new_term_months', models.PositiveIntegerField(verbose_name='new remaining term (months)')),
                ('new_rate', models.DecimalField(decimal_places=6, max_digits=9, verbose_name='new annual rate')),
            ],
            options={
                'verbose_name': 'restructuring proposal',
                'verbose_name_plural': 'restructuring proposals',
                'ordering': ['-proposed_at', '-id'],
                'abstract': False,
            },
        ),
        migrations.AddField(
            model_name='application',
            name='editor_ids',
            field=django.contrib.postgres.fields.ArrayField(base_field=models.BigIntegerField(), blank=True, default=list, size=None, verbose_name='edited by'),
        ),
        migrations.AlterField(
            model_name='applicationevent',
            name='actor',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        # Who edited each application: the audit trail has every edit since the first one.
        migrations.RunSQL(BACKFILL_EDITORS, migrations.RunSQL.noop),
        migrations.RunSQL(REOPEN, migrations.RunSQL.noop),
        migrations.SeparateDatabaseAndState(
            database_operations=[
                # The rows written above leave deferred foreign-key checks pending, and
                # PostgreSQL alters no table with pending events: they are checked first.
                migrations.RunSQL(
                    "SET CONSTRAINTS ALL IMMEDIATE; "
                    "ALTER TABLE credit_application DROP CONSTRAINT application_maker_checker; "
                    f"ALTER TABLE credit_application ADD CONSTRAINT application_maker_checker "
                    f"CHECK ({MAKER_CHECKER}) NOT VALID",
                    "ALTER TABLE credit_application DROP CONSTRAINT application_maker_checker; "
                    "ALTER TABLE credit_application ADD CONSTRAINT application_maker_checker "
                    "CHECK (decided_by_id IS NULL OR decided_by_id <> submitted_by_id) NOT VALID",
                )
            ],
            state_operations=[
                migrations.RemoveConstraint(
                    model_name='application',
                    name='application_maker_checker',
                ),
                migrations.AddConstraint(
                    model_name='application',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('decided_by__isnull', True), models.Q(models.Q(('decided_by', models.F('created_by')), _negated=True), models.Q(('decided_by', models.F('submitted_by')), _negated=True), models.Q(('editor_ids__contains', [models.F('decided_by')]), _negated=True)), _connector='OR'), models.Q(('reviewer__isnull', True), models.Q(models.Q(('reviewer', models.F('created_by')), _negated=True), models.Q(('reviewer', models.F('submitted_by')), _negated=True), models.Q(('editor_ids__contains', [models.F('reviewer')]), _negated=True)), _connector='OR')), name='application_maker_checker'),
                ),
            ],
        ),
        migrations.AddField(
            model_name='repaymentreversalproposal',
            name='decided_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='decided by'),
        ),
        migrations.AddField(
            model_name='repaymentreversalproposal',
            name='loan',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='reversal_proposals', to='credit.loan', verbose_name='loan'),
        ),
        migrations.AddField(
            model_name='repaymentreversalproposal',
            name='proposed_by',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='proposed by'),
        ),
        migrations.AddField(
            model_name='repaymentreversalproposal',
            name='repayment',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='reversal_proposals', to='credit.repayment', verbose_name='repayment'),
        ),
        migrations.AddField(
            model_name='restructuringproposal',
            name='decided_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='decided by'),
        ),
        migrations.AddField(
            model_name='restructuringproposal',
            name='loan',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='restructuring_proposals', to='credit.loan', verbose_name='loan'),
        ),
        migrations.AddField(
            model_name='restructuringproposal',
            name='proposed_by',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='proposed by'),
        ),
        migrations.AddField(
            model_name='restructuringproposal',
            name='restructuring',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='proposal', to='credit.restructuring', verbose_name='restructuring'),
        ),
        migrations.AddConstraint(
            model_name='repaymentreversalproposal',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('decided_by__isnull', True), ('status__in', ['pending', 'withdrawn'])), models.Q(('decided_by__isnull', False), ('status__in', ['approved', 'rejected']), models.Q(('decided_by', models.F('proposed_by')), _negated=True)), _connector='OR'), name='repaymentreversalproposal_four_eyes'),
        ),
        migrations.AddConstraint(
            model_name='repaymentreversalproposal',
            constraint=models.UniqueConstraint(condition=models.Q(('status', 'pending')), fields=('loan',), name='repaymentreversalproposal_one_pending'),
        ),
        migrations.AddConstraint(
            model_name='restructuringproposal',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('decided_by__isnull', True), ('status__in', ['pending', 'withdrawn'])), models.Q(('decided_by__isnull', False), ('status__in', ['approved', 'rejected']), models.Q(('decided_by', models.F('proposed_by')), _negated=True)), _connector='OR'), name='restructuringproposal_four_eyes'),
        ),
        migrations.AddConstraint(
            model_name='restructuringproposal',
            constraint=models.UniqueConstraint(condition=models.Q(('status', 'pending')), fields=('loan',), name='restructuringproposal_one_pending'),
        ),
        migrations.AddConstraint(
            model_name='restructuringproposal',
            constraint=models.CheckConstraint(condition=models.Q(('new_rate__gt', 0), ('new_term_months__gte', 1)), name='restructuringproposal_terms'),
        ),
        migrations.AddConstraint(
            model_name='restructuringproposal',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('restructuring__isnull', False), ('status', 'approved')), models.Q(models.Q(('status', 'approved'), _negated=True), ('restructuring__isnull', True)), _connector='OR'), name='restructuringproposal_effect'),
        ),
    ]
