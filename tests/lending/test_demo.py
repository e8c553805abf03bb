"""The demo book (`seed_demo --customers 24 --seed 3`): a credit book with loans in every
state, restructured through four eyes; credit facilities (lending/facility_demo.py) in every
state; payment reminders on a customer's timeline; the post-loan work of issue 24 (a
collections queue with cases in every stage, a promise to pay and a legal case, post-loan
inspections due soon and overdue); provisions in every stage. Seeding again adds nothing.

Seeding is the slow part, so the module seeds the book once and each test reads it in a
savepoint of its own (tests/shared_book.py), then seeds again to check that nothing is added;
what a test's second seed would add is gone before the next test."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.test.utils import override_settings
from django.urls import reverse

from audit.models import AuditEvent
from core.business_date import business_date
from credit.models import Assessment
from customers.relation_demo import DEMO_GROUP
from customers.relations import CustomerGroup
from lending.facility_models import CreditFacility, FacilitySublimit
from lending.models import (
    Application,
    CollectionCase,
    CollectionStage,
    Inspection,
    LegalAsset,
    LegalCase,
    Loan,
    PaymentReminder,
    PromiseToPay,
    Repayment,
    RestructuringProposal,
)
from lending.selectors import loans_with_dpd
from risk import provisioning
from risk.models import Alert, LoanProvision
from tests.shared_book import shared_book

SEED_DEMO = ("seed_demo", "--customers", "24", "--seed", "3")


@pytest.fixture(scope="module")
def _seeded_demo(django_db_setup, django_db_blocker):
    # seed_demo refuses to run with DEBUG=0 (its passwords are public).
    with shared_book(django_db_blocker), override_settings(DEBUG=True):
        call_command(*SEED_DEMO)
        yield


@pytest.fixture
def demo_book(_seeded_demo, db, settings):
    """The seeded demo book, DEBUG on so that a test may seed again."""
    settings.DEBUG = True


def test_seed_demo_builds_a_credit_book_once(demo_book):
    counts = (
        Assessment.objects.count(),
        Application.objects.count(),
        Loan.objects.count(),
        Repayment.objects.count(),
    )
    # One assessment per customer by their officer; the demo's closing risk run adds
    # refreshed ones where the repayment record moved since.
    assert Assessment.objects.filter(assessed_by__isnull=False).count() == 24
    assert counts[2] >= 8 and counts[3] > 0
    statuses = set(Application.objects.values_list("status", flat=True))
    assert {"disbursed", "under_review"} <= statuses
    dpds = [dpd for _loan, dpd in loans_with_dpd(list(Loan.objects.all()))]
    assert min(dpds) == 0 and max(dpds) > 90
    # Restructured through four eyes: proposed by the officer, approved by another person.
    approved = list(
        RestructuringProposal.objects.filter(status="approved").values_list(
            "proposed_by", "decided_by", "restructuring__loan__restructure_count"
        )
    )
    assert approved and all(
        proposer != approver and count == 1 for proposer, approver, count in approved
    )
    assert Loan.objects.filter(restructure_count__gt=0).count() == len(approved)
    assert RestructuringProposal.objects.filter(status="pending").count() <= 1
    call_command(*SEED_DEMO)
    assert (
        Assessment.objects.count(),
        Application.objects.count(),
        Loan.objects.count(),
        Repayment.objects.count(),
    ) == counts
    for loan in Loan.objects.all():
        rows = loan.instalments.filter(schedule_version=loan.schedule_version, superseded=False)
        if not loan.restructure_count:
            assert sum(row.principal_due for row in rows) == loan.principal


def facility_state() -> tuple:
    return (
        list(CreditFacility.objects.order_by("id").values_list("id", "status", "limit")),
        FacilitySublimit.objects.count(),
        Application.objects.filter(facility__isnull=False).count(),
        AuditEvent.objects.filter(action__startswith="lending.facility.").count(),
    )


def test_the_demo_has_facilities_in_every_state_once(demo_book):
    facilities = list(CreditFacility.objects.select_related("customer"))
    assert len(facilities) >= 5
    assert {facility.customer.branch.code for facility in facilities} == {"NORTH", "SOUTH"}
    assert all(
        facility.approved_by_id and facility.approved_by_id != facility.proposed_by_id
        for facility in facilities
    )
    group = CustomerGroup.objects.get(name=DEMO_GROUP)
    members = set(group.members.values_list("customer_id", flat=True))
    assert len(members) == 3
    assert members <= {facility.customer_id for facility in facilities}
    assert FacilitySublimit.objects.exists()
    (frozen,) = [facility for facility in facilities if facility.status == "frozen"]
    assert frozen.frozen_by == frozen.customer.officer
    assert frozen.loans.exists()
    today = business_date()
    overdue = [facility for facility in facilities if facility.review_date < today]
    assert len(overdue) == 1 and overdue[0].status_on(today) in ("active", "frozen")
    assert Alert.objects.filter(
        rule__code="facility_review_overdue", subject=f"facility:{overdue[0].pk}"
    ).exists()
    assert Loan.objects.filter(facility__isnull=False).exists()
    assert Application.objects.filter(facility__isnull=False).exclude(status="disbursed").exists()

    before = facility_state()
    call_command(*SEED_DEMO)
    assert facility_state() == before


def test_the_demo_shows_reminders_on_a_customers_timeline_once(client, demo_book):
    reminders = list(PaymentReminder.objects.order_by("id").values_list("id", "kind", "days"))
    assert reminders
    call_command(*SEED_DEMO)
    assert list(PaymentReminder.objects.order_by("id").values_list("id", "kind", "days")) == (
        reminders
    )

    reminder = PaymentReminder.objects.exclude(message="").select_related("customer").first()
    client.force_login(reminder.customer.officer)
    page = client.get(reverse("customers:detail", args=[reminder.customer_id]))
    assert reminder.message in page.content.decode()


def post_loan_rows() -> dict:
    return {
        "cases": list(CollectionCase.objects.order_by("id").values_list("id", "stage_id")),
        "promises": list(PromiseToPay.objects.order_by("id").values_list("id", "amount")),
        "legal_cases": list(LegalCase.objects.order_by("id").values_list("id", "case_number")),
        "assets": list(LegalAsset.objects.order_by("id").values_list("id", "value")),
        "inspections": list(
            Inspection.objects.order_by("id").values_list("id", "status", "due_on")
        ),
    }


def test_the_demo_shows_a_collections_queue_and_inspections_once(demo_book, client):
    rows = post_loan_rows()
    on = business_date()

    open_cases = CollectionCase.objects.filter(status="open")
    assert set(open_cases.values_list("stage__code", flat=True)) == set(
        CollectionStage.objects.values_list("code", flat=True)
    )
    (promise,) = PromiseToPay.objects.select_related("case")
    assert (promise.status, promise.case.status) == ("open", "open")
    (legal_case,) = LegalCase.objects.select_related("collection_case__stage")
    assert legal_case.collection_case.stage.code == "legal"
    assert legal_case.assets.count() == 1
    due = Inspection.objects.filter(status="due")
    assert due.filter(due_on__lt=on).count() == 1
    assert due.filter(due_on__gte=on, due_on__lte=on + dt.timedelta(days=30)).exists()

    call_command(*SEED_DEMO)
    assert post_loan_rows() == rows

    officer = legal_case.customer.officer
    client.force_login(officer)
    queue = client.get(reverse("lending:collection-queue"))
    assert queue.status_code == 200
    case_page = client.get(reverse("lending:collection-case", args=[legal_case.collection_case_id]))
    assert reverse("lending:legal-case", args=[legal_case.pk]) in case_page.content.decode()
    assert client.get(reverse("lending:legal-case", args=[legal_case.pk])).status_code == 200


def test_demo_book_shows_provisions_in_every_stage(demo_book):
    stages = set(LoanProvision.objects.values_list("stage", flat=True))
    assert stages == {provisioning.STAGE_1, provisioning.STAGE_2, provisioning.STAGE_3}
    # Every active loan has its figures.
    assert LoanProvision.objects.count() == Loan.objects.filter(status="active").count()
