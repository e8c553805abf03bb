"""Lending moved out of the credit app (lending 0001 and 0002, credit 0014, risk 0017) without
touching an installation's data: a book written before the move, by the models as they were
then, is found whole through lending's models afterwards, and the content types, the
permissions and the role groups that hold them now belong to lending, with the ids they had."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from credit.models import Assessment
from lending.models import Application, Loan
from risk.models import LoanRisk
from tests.customers import factories
from tests.risk.conftest import assessed

pytestmark = pytest.mark.django_db(transaction=True)

# The last migrations before the move: what an installation of the previous release has.
BEFORE_THE_MOVE = [
    ("credit", "0013_four_eyes_on_applications_and_loan_changes"),
    ("risk", "0016_proposal_status_shared"),
]


def migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def latest() -> list:
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


@pytest.fixture
def cast_committed(transactional_db, settings):
    from accounts.demo import seed_cast
    from tests.conftest import replay_data_migrations

    replay_data_migrations()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return seed_cast()


def write_book_before_the_move(apps, *, customer, officer, manager) -> dict:
    """A loan with everything that hangs off it, written by the credit app's models of the
    previous release (the historic models: today's would name other apps)."""

    def model(name):
        return apps.get_model("credit", name)

    now = timezone.now()
    product = model("LoanProduct").objects.get(code="CONS-01")
    application = model("Application").objects.create(
        customer_id=customer.pk,
        product_id=product.pk,
        amount=Decimal("100000.00"),
        term_months=12,
        purpose="Home renovation",
        status="disbursed",
        created_by_id=officer.pk,
        submitted_by_id=officer.pk,
        submitted_at=now,
        reviewer_id=manager.pk,
        decided_by_id=manager.pk,
        decided_at=now,
        approved_amount=Decimal("100000.00"),
        approved_term_months=12,
        approved_rate=Decimal("0.043500"),
        editor_ids=[],
    )
    model("ApplicationEvent").objects.create(
        application_id=application.pk, from_status="approved", to_status="disbursed", at=now
    )
    model("CustomerNotification").objects.create(
        application_id=application.pk, channel="sms", recipient="13800000000", message="已放款"
    )
    collateral = model("Collateral").objects.create(
        application_id=application.pk,
        collateral_type="real_estate",
        description="Flat",
        owner_name=customer.name,
        value=Decimal("250000.00"),
        valued_on=dt.date(2026, 1, 5),
    )
    model("CollateralValuation").objects.create(
        collateral_id=collateral.pk,
        value=Decimal("250000.00"),
        valued_on=dt.date(2026, 1, 5),
        recorded_by_id=officer.pk,
    )
    model("Guarantor").objects.create(
        application_id=application.pk, name="担保人", amount=Decimal("50000.00")
    )
    loan = model("Loan").objects.create(
        application_id=application.pk,
        customer_id=customer.pk,
        product_id=product.pk,
        principal=Decimal("100000.00"),
        annual_rate=Decimal("0.043500"),
        term_months=12,
        repayment_method="annuity",
        disbursed_on=dt.date(2026, 1, 15),
        maturity_date=dt.date(2027, 1, 15),
        outstanding_principal=Decimal("91833.34"),
        disbursed_by_id=manager.pk,
        external_ref="CORE-0001",
    )
    first = model("Instalment").objects.create(
        loan_id=loan.pk,
        number=1,
        due_date=dt.date(2026, 2, 15),
        principal_due=Decimal("8166.66"),
        interest_due=Decimal("362.50"),
        principal_paid=Decimal("8166.66"),
        interest_paid=Decimal("362.50"),
        settled_on=dt.date(2026, 2, 15),
    )
    model("Instalment").objects.create(
        loan_id=loan.pk,
        number=2,
        due_date=dt.date(2026, 3, 15),
        principal_due=Decimal("8196.26"),
        interest_due=Decimal("332.90"),
    )
    repayment = model("Repayment").objects.create(
        loan_id=loan.pk,
        amount=Decimal("8529.16"),
        paid_on=dt.date(2026, 2, 15),
        channel="transfer",
        reference="BANK-1",
        posted_by_id=officer.pk,
        schedule_version_before=1,
    )
    model("RepaymentAllocation").objects.create(
        repayment_id=repayment.pk,
        instalment_id=first.pk,
        interest=Decimal("362.50"),
        principal=Decimal("8166.66"),
    )
    model("RepaymentReversalProposal").objects.create(
        loan_id=loan.pk, repayment_id=repayment.pk, reason="Bounced", proposed_by_id=officer.pk
    )
    model("RestructuringProposal").objects.create(
        loan_id=loan.pk,
        new_term_months=24,
        new_rate=Decimal("0.040000"),
        reason="Hardship",
        proposed_by_id=officer.pk,
    )
    apps.get_model("risk", "LoanRisk").objects.create(
        loan_id=loan.pk, customer_id=customer.pk, dpd=0, automatic_class=1, final_class=1
    )
    model("Assessment").objects.filter(customer_id=customer.pk).update(
        application_id=application.pk
    )
    return {"application": application.pk, "loan": loan.pk, "repayment": repayment.pk}


def test_a_book_written_before_the_move_is_found_whole_after_it(cast_committed):
    alice, mary, admin = cast_committed["alice"], cast_committed["mary"], cast_committed["admin"]
    customer = assessed(alice, factories.individual(alice, name="王小明"))
    # From the layout of today (another test may have left the database part-way back), to
    # the one before the move: the way back relabels the content types credit's again.
    migrate(latest())
    executor = migrate(BEFORE_THE_MOVE)
    try:
        apps = executor.loader.project_state(BEFORE_THE_MOVE).apps
        rows = write_book_before_the_move(apps, customer=customer, officer=alice, manager=mary)
        # The content type and the permission every installation had for loans, with what
        # points at them: the risk officers' group, and an admin log entry.
        loan_type = ContentType.objects.get(app_label="credit", model="loan")
        view_loan = Permission.objects.get(content_type=loan_type, codename="view_loan")
        risk_officers = Group.objects.get(name="Risk officer")
        assert risk_officers.permissions.filter(pk=view_loan.pk).exists()
        entry = LogEntry.objects.create(
            user=admin, content_type=loan_type, object_id=str(rows["loan"]), action_flag=2
        )
        # A migrate stopped half-way left a content type under the new label (post_migrate
        # ran after lending 0001): it gives way to the one history points at.
        stray = ContentType.objects.create(app_label="lending", model="loan")
        Permission.objects.create(content_type=stray, codename="view_loan", name="Can view loan")
    finally:
        migrate(latest())
    ContentType.objects.clear_cache()

    loan = Loan.objects.select_related("application", "product").get(pk=rows["loan"])
    assert (loan.external_ref, loan.principal, loan.outstanding_principal) == (
        "CORE-0001",
        Decimal("100000.00"),
        Decimal("91833.34"),
    )
    assert loan.application.pk == rows["application"] and loan.product.code == "CONS-01"
    assert [(row.number, row.settled_on) for row in loan.instalments.order_by("number")] == [
        (1, dt.date(2026, 2, 15)),
        (2, None),
    ]
    repayment = loan.repayments.get()
    assert repayment.pk == rows["repayment"]
    assert repayment.allocations.get().instalment.number == 1
    assert loan.reversal_proposals.get().repayment == repayment
    assert loan.restructuring_proposals.get().status == "pending"
    application = Application.objects.get(pk=rows["application"])
    assert application.events.get().to_status == "disbursed"
    assert application.notifications.get().message == "已放款"
    assert application.collateral.get().valuations.get().value == Decimal("250000.00")
    assert application.guarantors.get().name == "担保人"
    # The other floors' keys reach the same rows.
    assert LoanRisk.objects.get(loan=loan).loan_id == loan.pk
    assert Assessment.objects.get(customer=customer).application == application

    # The content type moved with its id; the stray one is gone, and nothing is left under
    # the old label for any moved model.
    moved = ContentType.objects.get_for_model(Loan)
    assert (moved.pk, moved.app_label) == (loan_type.pk, "lending")
    assert not ContentType.objects.filter(pk=stray.pk).exists()
    assert not ContentType.objects.filter(app_label="credit", model__in=["loan", "application"])
    assert ContentType.objects.get_for_model(Assessment).app_label == "credit"
    entry.refresh_from_db()
    assert entry.content_type_id == moved.pk
    # The permission kept its id under lending, and the group holds it by that name.
    assert Permission.objects.get(pk=view_loan.pk).content_type_id == moved.pk
    assert risk_officers.permissions.filter(
        pk=view_loan.pk, content_type__app_label="lending", codename="view_loan"
    ).exists()
    assert not risk_officers.permissions.filter(content_type__app_label="credit").exclude(
        content_type__model__in=["assessment", "financialstatement", "scorecardversion"]
    )
