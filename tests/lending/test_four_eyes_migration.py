"""Credit migration 0013 on a book that broke the four-eyes rule before it existed: the
migration runs, closed history stays as it was, open applications decided or reviewed by
one of their makers go back for another person's decision, and editors are found in the
audit trail."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from audit.models import AuditEvent
from lending import services
from lending.models import Application, ApplicationEvent, LoanProduct
from tests.customers import factories
from tests.risk.conftest import assessed

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = ("credit", "0012_application_recent")
AFTER = ("credit", "0013_four_eyes_on_applications_and_loan_changes")


def migrate(target) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])


@pytest.fixture(autouse=True)
def _latest_schema_after():
    """Going back to credit 0012 undoes every migration that depends on it, some of which
    change the schema (risk 0018's alert columns): the database is left as the others expect
    it, at the latest migrations, whatever the test did."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def insert_application(customer, product, *, status, created, submitted, reviewer, decided):
    """An application as the code before 0013 could leave it (raw SQL: the model has
    columns that table does not have yet)."""
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO credit_application
                (customer_id, product_id, amount, term_months, purpose, status, created_by_id,
                 created_at, submitted_by_id, submitted_at, reviewer_id, decided_by_id,
                 decided_at, decision_reason, approved_amount, approved_term_months,
                 approved_rate, status_changed_at)
            VALUES (%s, %s, 100000, 12, 'Car', %s, %s, %s, %s, %s, %s, %s, %s, '', %s, %s, %s, %s)
            RETURNING id
            """,
            [
                customer.pk,
                product.pk,
                status,
                created.pk,
                now,
                submitted.pk if submitted else None,
                now if submitted else None,
                reviewer.pk if reviewer else None,
                decided.pk if decided else None,
                now if decided else None,
                100000 if decided else None,
                12 if decided else None,
                "0.0435" if decided else None,
                now,
            ],
        )
        return cursor.fetchone()[0]


def edited(application_id: int, editor) -> None:
    AuditEvent.objects.create(
        actor=editor,
        action="credit.application.updated",
        object_type="credit.application",
        object_id=str(application_id),
        before={"amount": "90000"},
        after={"amount": "100000"},
    )


@pytest.fixture
def cast_committed(transactional_db, settings):
    from accounts.demo import seed_cast
    from accounts.models import Role
    from accounts.services import user_create
    from tests.conftest import replay_data_migrations

    replay_data_migrations()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    people = seed_cast()
    people["max"] = user_create(
        actor=None,
        username="max",
        password="x-Long-enough-1",
        role=Role.MANAGER,
        branch=people["mary"].branch,
    )
    return people


def test_the_migration_reopens_open_breaches_and_leaves_history(cast_committed):
    alice, bob, mary = cast_committed["alice"], cast_committed["bob"], cast_committed["mary"]
    max_ = cast_committed["max"]
    customer = assessed(alice, factories.individual(alice, name="王小明"))
    product = LoanProduct.objects.get(code="CONS-01")
    migrate(BEFORE)
    try:
        rows = {
            # mary created it, alice submitted it, mary reviewed and approved it.
            "approved_by_creator": insert_application(
                customer,
                product,
                status="approved",
                created=mary,
                submitted=alice,
                reviewer=mary,
                decided=mary,
            ),
            "reviewed_by_creator": insert_application(
                customer,
                product,
                status="under_review",
                created=mary,
                submitted=alice,
                reviewer=mary,
                decided=None,
            ),
            "disbursed_by_creator": insert_application(
                customer,
                product,
                status="disbursed",
                created=mary,
                submitted=alice,
                reviewer=mary,
                decided=mary,
            ),
            # max edited it, then approved it.
            "approved_by_editor": insert_application(
                customer,
                product,
                status="approved",
                created=alice,
                submitted=alice,
                reviewer=max_,
                decided=max_,
            ),
            # mary edited it; max (no maker) approved it.
            "approved_by_checker": insert_application(
                customer,
                product,
                status="approved",
                created=alice,
                submitted=alice,
                reviewer=max_,
                decided=max_,
            ),
            "edited_draft": insert_application(
                customer,
                product,
                status="draft",
                created=alice,
                submitted=None,
                reviewer=None,
                decided=None,
            ),
        }
        edited(rows["approved_by_editor"], max_)
        edited(rows["approved_by_checker"], mary)
        edited(rows["edited_draft"], mary)
        edited(rows["edited_draft"], bob)
    finally:
        migrate(AFTER)
    # The later migrations only add tables and columns (credit facilities, authority...):
    # today's models and services read the rows 0013 left once the schema is the latest.
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    def state(key):
        application = Application.objects.get(pk=rows[key])
        return (application.status, application.reviewer_id, application.decided_by_id)

    for key in ("approved_by_creator", "reviewed_by_creator", "approved_by_editor"):
        assert state(key) == ("submitted", None, None), key
        application = Application.objects.get(pk=rows[key])
        assert application.approved_amount is None
        event = ApplicationEvent.objects.get(application=application, to_status="submitted")
        assert event.actor is None and "four-eyes" in event.note
        assert AuditEvent.objects.filter(
            action="credit.application.reopened", object_id=str(application.pk), actor=None
        ).exists()
    # History and sound decisions stay as they were.
    assert state("disbursed_by_creator") == ("disbursed", mary.pk, mary.pk)
    assert state("approved_by_checker") == ("approved", max_.pk, max_.pk)
    assert Application.objects.get(pk=rows["approved_by_checker"]).editor_ids == [mary.pk]
    assert sorted(Application.objects.get(pk=rows["edited_draft"]).editor_ids) == sorted(
        [mary.pk, bob.pk]
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT convalidated FROM pg_constraint WHERE conname = 'application_maker_checker'"
        )
        assert cursor.fetchone() == (False,)

    # From now on the rule holds for every row written, the old ones included.
    reopened = Application.objects.get(pk=rows["approved_by_creator"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.filter(pk=reopened.pk).update(reviewer=mary)
    services.application_start_review(actor=max_, application=reopened)
    reopened.refresh_from_db()
    assert (reopened.status, reopened.reviewer) == ("under_review", max_)
