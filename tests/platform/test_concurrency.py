"""Two people (or two workers) doing the same thing at the same moment, with real threads on
real PostgreSQL: each thread has its own connection, a barrier releases them together, and
the first to get inside its transaction is held there until the other is blocked on a lock,
is inside its own transaction too, or has finished. So the operations overlap for certain,
and a missing lock or check shows as a lost update or a duplicate every time, not once in
a while. Each case proves one winner, a clear refusal for the other, and an audit trail
with the winning change only."""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from accounts import services as account_services
from accounts.models import Branch, Role
from audit.models import AuditEvent
from audit.services import audit_object_type
from credit import services as credit_services
from credit.models import Assessment
from customers import services as customer_services
from customers.models import ContactPerson, Customer
from lending import importer, notifications
from lending import services as lending_services
from lending.models import Application, ApplicationEvent, ApplicationStatus, Loan, Repayment
from lending.services import proposals, repayments
from risk import jobs
from risk.models import Alert, JobRun, LoanRisk, RiskHistory
from tests.customers import factories

pytestmark = pytest.mark.django_db(transaction=True)

# How long an operation holding its transaction waits for the other to show up. Reached
# only when the other runs freely (no lock stops it), which is what the tests must catch.
PATIENCE = 5.0


@dataclass
class Outcome:
    result: Any = None
    error: BaseException | None = None


class Overlap:
    """Runs callables in threads that start together and are sure to overlap.

    A callable reaches `hold()` (patched into the service, inside its transaction, after
    its lock and its checks): it waits there until every other callable is blocked on a
    database lock, is holding too, or has finished. With the right lock the others are
    blocked (or refused) and the holder goes on; without it they all reach `hold()` and
    their writes collide, which the test then sees."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._guard = threading.Lock()
        self._pids: dict[int, int] = {}
        self._states: dict[int, str] = {}
        self.holding = threading.Event()

    def hold(self) -> None:
        me = getattr(self._local, "index", None)
        if me is None:
            return  # the test's own thread, setting up or computing the expected state
        self._set(me, "holding")
        self.holding.set()
        deadline = time.monotonic() + PATIENCE
        try:
            while time.monotonic() < deadline:
                with self._guard:
                    others = {i: s for i, s in self._states.items() if i != me}
                    pids = {i: self._pids.get(i) for i in others}
                busy = [i for i, state in others.items() if state in ("waiting", "running")]
                if all(pids[i] is not None and self._waits_for_lock(pids[i]) for i in busy):
                    return
                time.sleep(0.005)  # polling the others' state, not a synchronisation by time
        finally:
            self._set(me, "running")

    @staticmethod
    def _waits_for_lock(pid: int) -> bool:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE pid = %s AND NOT granted)", [pid]
            )
            return cursor.fetchone()[0]

    def _set(self, index: int, state: str) -> None:
        with self._guard:
            self._states[index] = state

    def run(self, *actions, start_after_hold: bool = False) -> list[Outcome]:
        """Runs the callables, each in its own thread and connection. With
        `start_after_hold`, the first goes alone until it holds, then the others start."""
        barrier = threading.Barrier(len(actions) - (1 if start_after_hold else 0))
        outcomes = [Outcome() for _ in actions]
        for index in range(len(actions)):
            self._states[index] = "waiting"

        def work(index: int, action) -> None:
            self._local.index = index
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_backend_pid()")
                    pid = cursor.fetchone()[0]
                with self._guard:
                    self._pids[index] = pid
                if start_after_hold and index > 0:
                    self.holding.wait(PATIENCE)
                if not (start_after_hold and index == 0):
                    barrier.wait(PATIENCE)
                self._set(index, "running")
                outcomes[index].result = action()
            except BaseException as error:  # reported to the test
                outcomes[index].error = error
            finally:
                self._set(index, "done")
                connection.close()

        threads = [
            threading.Thread(target=work, args=(index, action), daemon=True)
            for index, action in enumerate(actions)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(4 * PATIENCE)
        assert not any(thread.is_alive() for thread in threads), "a thread is stuck"
        return outcomes


@pytest.fixture
def overlap():
    return Overlap()


def held(overlap: Overlap, function):
    """`function`, made to hold (see Overlap) once it has run: patched into a service at a
    point inside its transaction."""

    def wrapper(*args, **kwargs):
        result = function(*args, **kwargs)
        overlap.hold()
        return result

    return wrapper


def messages_of(error: BaseException) -> str:
    assert isinstance(error, ValidationError), repr(error)
    return " ".join(error.messages)


def audit_rows(action: str, obj) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            action=action, object_type=audit_object_type(obj), object_id=str(obj.pk)
        )
    )


# --- The team and the book, committed (every thread must see them) -----------------------------


@pytest.fixture
def team(transactional_db, settings):
    """The cast of tests/conftest.py, committed, and a second manager."""
    from accounts.demo import seed_cast
    from tests.conftest import replay_data_migrations

    replay_data_migrations()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    people = seed_cast()
    # A second manager of alice's branch: two people who may decide the same application.
    people["max"] = account_services.user_create(
        actor=None,
        username="max",
        password="x-Concurrency-1",
        role=Role.MANAGER,
        branch=Branch.objects.get(code="NORTH"),
        first_name="Max",
        last_name="Zhou",
    )
    return people


@pytest.fixture
def product(team):
    from lending.models import LoanProduct

    # Without penalty interest, so that the payments settle exactly what they name.
    product = LoanProduct.objects.get(code="CONS-01")
    product.penalty_rate = Decimal("0")
    product.save(update_fields=["penalty_rate"])
    return product


def graded(officer, **fields) -> Customer:
    from tests.risk.conftest import assessed

    return assessed(officer, factories.individual(officer, **fields))


@pytest.fixture
def under_review(team, product):
    alice, mary = team["alice"], team["mary"]
    application = lending_services.application_create(
        actor=alice,
        application=Application(
            customer=graded(alice),
            product=product,
            amount=Decimal("100000"),
            term_months=12,
            purpose="Home renovation",
        ),
    )
    lending_services.application_submit(actor=alice, application=application)
    return lending_services.application_start_review(actor=mary, application=application)


def approve(manager, application):
    return lambda: lending_services.application_approve(
        actor=manager,
        application=Application.objects.get(pk=application.pk),
        amount=Decimal("100000"),
        term_months=12,
        rate=Decimal("0.0435"),
    )


def reject(manager, application):
    return lambda: lending_services.application_reject(
        actor=manager,
        application=Application.objects.get(pk=application.pk),
        reason="Income not proven",
    )


# --- 1. Two managers deciding one application ---------------------------------------------------


@pytest.fixture
def decisions_held(overlap, monkeypatch):
    """Each decision holds after its status change is written, before it commits."""
    monkeypatch.setattr(
        notifications,
        "application_status_changed",
        held(overlap, notifications.application_status_changed),
    )


def test_two_managers_approving_at_once_record_one_decision(
    team, under_review, overlap, decisions_held
):
    mary, max_ = team["mary"], team["max"]
    outcomes = overlap.run(approve(mary, under_review), approve(max_, under_review))

    winners = [o for o in outcomes if o.error is None]
    losers = [o for o in outcomes if o.error is not None]
    assert len(winners) == len(losers) == 1
    application = Application.objects.get(pk=under_review.pk)
    winner = application.decided_by
    assert application.status == ApplicationStatus.APPROVED
    assert messages_of(losers[0].error) == (
        f"{winner.get_full_name()} already decided this application (Approved); your "
        "decision was not recorded."
    )
    events = ApplicationEvent.objects.filter(application=application, to_status="approved")
    assert [event.actor_id for event in events] == [winner.pk]
    assert [row.actor_id for row in audit_rows("credit.application.approved", application)] == [
        winner.pk
    ]


def test_approve_and_reject_at_once_record_one_decision(
    team, under_review, overlap, decisions_held
):
    mary, max_ = team["mary"], team["max"]
    outcomes = overlap.run(approve(mary, under_review), reject(max_, under_review))

    assert sorted(o.error is None for o in outcomes) == [False, True]
    application = Application.objects.get(pk=under_review.pk)
    decided = {"approved": mary, "rejected": max_}[application.status]
    loser = next(o for o in outcomes if o.error is not None)
    assert "already decided this application" in messages_of(loser.error)
    assert application.decided_by == decided
    decisions = ApplicationEvent.objects.filter(
        application=application, to_status__in=["approved", "rejected"]
    )
    assert [(e.to_status, e.actor_id) for e in decisions] == [(application.status, decided.pk)]
    audit = AuditEvent.objects.filter(
        action__in=["credit.application.approved", "credit.application.rejected"],
        object_id=str(application.pk),
    )
    assert [(row.action, row.actor_id) for row in audit] == [
        (f"credit.application.{application.status}", decided.pk)
    ]


def test_the_manager_who_clicks_second_sees_who_decided(
    team, under_review, overlap, decisions_held
):
    """The same race through the pages: one redirect, one 400 page that says why."""

    def post_as(user, action, data):
        def post():
            client = Client()
            client.force_login(user)
            return client.post(
                reverse(f"lending:application-{action}", args=[under_review.pk]), data
            )

        return post

    outcomes = overlap.run(
        post_as(team["mary"], "approve", {"amount": "100000", "term_months": "12", "rate": "4.35"}),
        post_as(team["max"], "reject", {"reason": "Income not proven"}),
    )
    assert all(o.error is None for o in outcomes), [o.error for o in outcomes]
    codes = sorted(o.result.status_code for o in outcomes)
    assert codes == [302, 400]
    refused = next(o.result for o in outcomes if o.result.status_code == 400)
    assert "already decided this application" in refused.content.decode()
    assert (
        ApplicationEvent.objects.filter(
            application=under_review, to_status__in=["approved", "rejected"]
        ).count()
        == 1
    )


# --- 2. Two payments to one loan ---------------------------------------------------------------

DISBURSED = dt.date(2026, 1, 15)
TODAY = dt.date(2026, 3, 15)  # the first two instalments are due


@pytest.fixture
def loan(team, product, settings):
    from tests.risk.conftest import disbursed_loan

    settings.BUSINESS_DATE = TODAY
    alice, mary = team["alice"], team["mary"]
    return disbursed_loan(
        alice, mary, graded(alice), product, amount="100000", term=12, on=DISBURSED
    )


@pytest.fixture
def payments_held(overlap, monkeypatch):
    """Each payment holds after its allocation is written, before it commits."""
    monkeypatch.setattr(repayments, "audit_log", held(overlap, repayments.audit_log))


def pay(user, loan, amount, reference):
    return lambda: lending_services.repayment_post(
        actor=user,
        loan=Loan.objects.get(pk=loan.pk),
        amount=amount,
        paid_on=TODAY,
        channel="transfer",
        reference=reference,
    )


def loan_state(loan) -> dict:
    loan = Loan.objects.get(pk=loan.pk)
    return {
        "outstanding": loan.outstanding_principal,
        "status": loan.status,
        "instalments": list(
            loan.instalments.filter(superseded=False)
            .order_by("number")
            .values_list("number", "principal_paid", "interest_paid", "penalty_paid", "settled_on")
        ),
    }


def posted_one_after_the_other(loan, *payments) -> dict:
    """The loan's state had the payments been posted one after the other (then undone)."""
    with transaction.atomic():
        for payment in payments:
            payment()
        state = loan_state(loan)
        transaction.set_rollback(True)
    return state


def test_two_payments_at_once_are_both_applied_exactly_once(team, loan, overlap, payments_held):
    alice, mary = team["alice"], team["mary"]
    instalment = loan.instalments.order_by("number").first().total_due
    first, second = pay(alice, loan, instalment, "BANK-1"), pay(mary, loan, instalment, "BANK-2")
    expected = posted_one_after_the_other(loan, first, second)
    assert expected["instalments"][1][4] == TODAY  # both instalments settled

    outcomes = overlap.run(first, second)

    assert [o.error for o in outcomes] == [None, None]
    assert loan_state(loan) == expected
    repayments = Repayment.objects.filter(loan=loan)
    assert sorted(repayments.values_list("reference", flat=True)) == ["BANK-1", "BANK-2"]
    for repayment in repayments:
        allocated = repayment.allocations.values_list("principal", "interest", "penalty")
        assert sum(sum(parts) for parts in allocated) == repayment.amount
    assert len(audit_rows("credit.repayment.posted", loan)) == 2


def test_the_same_payment_posted_twice_at_once_is_recorded_once(team, loan, overlap, payments_held):
    alice, mary = team["alice"], team["mary"]
    instalment = loan.instalments.order_by("number").first().total_due
    expected = posted_one_after_the_other(loan, pay(alice, loan, instalment, "BANK-1"))

    outcomes = overlap.run(
        pay(alice, loan, instalment, "BANK-1"), pay(mary, loan, instalment, "BANK-1")
    )

    loser = next(o for o in outcomes if o.error is not None)
    assert sum(o.error is None for o in outcomes) == 1
    assert loser.error.message_dict == {
        "reference": ["A payment with this reference is already posted."]
    }
    assert loan_state(loan) == expected
    assert Repayment.objects.filter(loan=loan).count() == 1
    assert len(audit_rows("credit.repayment.posted", loan)) == 1


def test_the_same_repayment_file_imported_twice_at_once_posts_each_payment_once(
    team, loan, overlap, payments_held
):
    Loan.objects.filter(pk=loan.pk).update(external_ref="CORE-1")
    instalment = loan.instalments.order_by("number").first().total_due
    rows = [
        {
            "loan_ref": "CORE-1",
            "paid_on": TODAY.isoformat(),
            "amount": str(instalment),
            "reference": "BANK-1",
            "channel": "transfer",
        }
    ]

    def import_file():
        return importer.import_repayments(actor=team["mary"], rows=rows, strict=True)

    outcomes = overlap.run(import_file, import_file)

    assert [o.error for o in outcomes] == [None, None]
    reports = sorted((o.result.created, o.result.unchanged, o.result.rejected) for o in outcomes)
    # One import posts the payment; the other, having waited for it, finds it and skips it.
    assert reports == [(0, 1, []), (1, 0, [])]
    assert all(o.result.committed for o in outcomes)
    assert Repayment.objects.filter(loan=loan).count() == 1


def test_the_same_loan_file_imported_twice_at_once_books_each_loan_once(
    team, product, overlap, monkeypatch
):
    customer = graded(team["alice"])
    monkeypatch.setattr(
        lending_services, "loan_import", held(overlap, lending_services.loan_import)
    )
    rows = [
        {
            "external_ref": "CORE-LOAN-1",
            "customer": customer.resident_id,
            "product": product.code,
            "amount": "50000",
            "annual_rate": "0.06",
            "term_months": "12",
            "disbursed_on": TODAY.isoformat(),
        }
    ]

    def import_file():
        return importer.import_loans(actor=team["mary"], rows=rows, strict=True)

    outcomes = overlap.run(import_file, import_file)

    assert [o.error for o in outcomes] == [None, None]
    reports = sorted((o.result.created, o.result.unchanged, o.result.rejected) for o in outcomes)
    # One import books the loan; the other waits for it on the reference and skips it.
    assert reports == [(0, 1, []), (1, 0, [])]
    assert Loan.objects.filter(external_ref="CORE-LOAN-1").count() == 1


# --- 3. Two people editing one customer ----------------------------------------------------------


@pytest.fixture
def customer(team):
    return factories.individual(team["alice"], name="王小明", occupation="教师")


@pytest.fixture
def edits_held(overlap, monkeypatch):
    """Each edit holds after its row is written, before it commits."""
    monkeypatch.setattr(
        customer_services, "audit_change", held(overlap, customer_services.audit_change)
    )


def edit(user, customer, version, **changes):
    return lambda: customer_services.customer_update(
        actor=user,
        customer=Customer.objects.get(pk=customer.pk),
        changes=changes,
        expected_version=version,
    )


def test_two_people_saving_one_customer_at_once_keep_the_first_change(
    team, customer, overlap, edits_held
):
    alice, mary = team["alice"], team["mary"]
    opened = customer.updated_at  # both opened the form on this version

    outcomes = overlap.run(
        edit(alice, customer, opened, occupation="工程师"),
        edit(mary, customer, opened, occupation="医生"),
    )

    assert sum(o.error is None for o in outcomes) == 1
    customer.refresh_from_db()
    winner = alice if customer.occupation == "工程师" else mary
    loser = next(o for o in outcomes if o.error is not None)
    assert isinstance(loser.error, customer_services.EditConflict)
    assert messages_of(loser.error) == (
        f"This customer was changed by {winner.get_full_name()} while you were editing; "
        "review their change and save again."
    )
    updates = audit_rows("customers.customer.updated", customer)
    assert [(row.actor_id, row.after) for row in updates] == [
        (winner.pk, {"occupation": customer.occupation})
    ]


@pytest.mark.django_db
def test_an_edit_on_the_current_version_goes_through(alice):
    customer = factories.individual(alice, occupation="教师")
    updated = customer_services.customer_update(
        actor=alice,
        customer=customer,
        changes={"occupation": "工程师"},
        expected_version=customer.updated_at,
    )
    assert updated.occupation == "工程师"
    assert updated.updated_at > customer.updated_at


def form_data(page: str, button: str = "Save changes") -> dict[str, str]:
    """The edit form's fields as the page renders them (what the browser would post)."""
    html = next(
        form for form in re.findall(r"<form.*?</form>", page, re.S) if f">{button}</button>" in form
    )
    data = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        kind = re.search(r'type="([^"]+)"', tag)
        if name and (not kind or kind.group(1) not in {"checkbox", "radio"} or "checked" in tag):
            data[name.group(1)] = value.group(1) if value else ""
    for name, options in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', options)
        data[name] = chosen.group(1) if chosen else ""
    return data


@pytest.mark.django_db
def test_a_stale_edit_page_is_refused_with_the_reason_and_keeps_the_input(cast):
    """No threads needed: two pages opened on the same version, saved one after the other."""
    customer = factories.individual(cast["alice"], occupation="教师")
    alice, mary = Client(), Client()
    alice.force_login(cast["alice"])
    mary.force_login(cast["mary"])
    url = reverse("customers:edit", args=[customer.pk])
    alice_form = form_data(alice.get(url).content.decode())
    mary_form = form_data(mary.get(url).content.decode())
    assert alice_form["version"] == mary_form["version"] == customer.updated_at.isoformat()

    assert alice.post(url, {**alice_form, "occupation": "工程师"}).status_code == 302
    response = mary.post(url, {**mary_form, "occupation": "医生", "employer": "市医院"})

    assert response.status_code == 409
    page = response.content.decode()
    assert (
        "This customer was changed by Alice Wang while you were editing; review their "
        "change and save again."
    ) in page
    assert 'value="医生"' in page and 'value="市医院"' in page  # her input is still there
    customer.refresh_from_db()
    assert (customer.occupation, customer.employer) == ("工程师", "")
    assert [row.actor_id for row in audit_rows("customers.customer.updated", customer)] == [
        cast["alice"].pk
    ]
    # Having seen alice's change, mary saves again from the same page: it goes through.
    assert mary.post(url, form_data(page)).status_code == 302
    customer.refresh_from_db()
    assert (customer.occupation, customer.employer) == ("医生", "市医院")


@pytest.mark.django_db
def test_a_stale_contact_edit_is_refused_with_the_reason_and_keeps_the_input(cast):
    customer = factories.individual(cast["alice"])
    contact = ContactPerson.objects.create(customer=customer, name="李会计", role="CFO")
    alice, mary = Client(), Client()
    alice.force_login(cast["alice"])
    mary.force_login(cast["mary"])
    url = reverse("customers:contact-edit", args=[customer.pk, contact.pk])
    alice_form = form_data(alice.get(url).content.decode(), "Save")
    mary_form = form_data(mary.get(url).content.decode(), "Save")
    assert alice_form["version"] == mary_form["version"] == contact.updated_at.isoformat()

    assert alice.post(url, {**alice_form, "role": "财务总监"}).status_code == 302
    response = mary.post(url, {**mary_form, "role": "出纳", "email": "li@example.com"})

    assert response.status_code == 409
    page = response.content.decode()
    assert (
        "This contact was changed by Alice Wang while you were editing; review their "
        "change and save again."
    ) in page
    assert 'value="出纳"' in page and 'value="li@example.com"' in page
    contact.refresh_from_db()
    assert (contact.role, contact.email) == ("财务总监", "")
    assert [row.actor_id for row in audit_rows("customers.contact.updated", contact)] == [
        cast["alice"].pk
    ]
    # The trail shows what changed, not the version moving with it.
    assert "updated_at" not in audit_rows("customers.contact.updated", contact)[0].after
    # Having seen alice's change, mary saves again from the same page: it goes through.
    assert mary.post(url, form_data(page, "Save")).status_code == 302
    contact.refresh_from_db()
    assert (contact.role, contact.email) == ("出纳", "li@example.com")


# --- 4. Two nightly risk runs --------------------------------------------------------------------

NIGHT = dt.date(2025, 6, 1)


@pytest.fixture
def book(team, product, settings):
    """An overdue loan (classification, history, alerts), and a customer whose grade changed
    today with a current loan (grade history without any loan changing)."""
    from tests.risk.conftest import GOOD_INPUTS, disbursed_loan

    settings.BUSINESS_DATE = NIGHT
    alice, mary = team["alice"], team["mary"]
    disbursed_loan(alice, mary, graded(alice), product, on=dt.date(2025, 1, 10))
    steady = graded(alice, name="李四")
    disbursed_loan(alice, mary, steady, product, on=dt.date(2025, 5, 20))
    jobs.run_synchronously(jobs.NIGHTLY, NIGHT - dt.timedelta(days=1))
    credit_services.assessment_create(
        actor=alice,
        customer=steady,
        inputs={**GOOD_INPUTS, "monthly_income": 4000, "dti": 0.6},
        expert_comments={},
    )
    assert RiskHistory.objects.filter(customer=steady, kind="grade").get().new_value != (
        Customer.objects.get(pk=steady.pk).grade
    )
    settings.RISK_CHUNK_SIZE = 1  # several chunks, so the runs interleave chunk by chunk
    return steady


def risk_state() -> dict:
    return {
        "loans": sorted(
            LoanRisk.objects.values_list(
                "loan_id", "dpd", "overdue_instalments", "automatic_class", "final_class"
            )
        ),
        "history": sorted(
            RiskHistory.objects.values_list(
                "kind", "customer_id", "loan_id", "changed_on", "old_value", "new_value"
            )
        ),
        "alerts": sorted(
            Alert.objects.values_list("rule__code", "subject", "status", "severity", "value")
        ),
        "levels": sorted(Customer.objects.values_list("id", "risk_level", "grade")),
        "assessments": sorted(Assessment.objects.values_list("customer_id", "score", "grade")),
    }


def one_clean_run() -> dict:
    """The state a single run of tonight's job leaves (computed, then undone)."""
    with transaction.atomic():
        assert jobs.run_synchronously(jobs.NIGHTLY, NIGHT).status == "done"
        state = risk_state()
        transaction.set_rollback(True)
    return state


def assert_no_duplicates(state: dict) -> None:
    assert len(state["history"]) == len(set(state["history"]))
    open_alerts = [
        (code, subject) for code, subject, status, *_ in state["alerts"] if status == "open"
    ]
    assert len(open_alerts) == len(set(open_alerts))


@pytest.fixture
def chunks_held(overlap, monkeypatch):
    """Each chunk holds once it has its lock, before it works."""
    from risk import recompute

    monkeypatch.setattr(
        recompute, "recompute_chunk", held_before(overlap, recompute.recompute_chunk)
    )
    monkeypatch.setattr(recompute, "scan_chunk", held_before(overlap, recompute.scan_chunk))


def held_before(overlap: Overlap, function):
    def wrapper(*args, **kwargs):
        overlap.hold()
        return function(*args, **kwargs)

    return wrapper


def test_two_nightly_runs_at_once_do_the_night_once(book, overlap, chunks_held, caplog):
    expected = one_clean_run()
    tonight = lambda: jobs.run_synchronously(jobs.NIGHTLY, NIGHT)  # noqa: E731

    with caplog.at_level(logging.INFO, logger="risk.jobs"):
        outcomes = overlap.run(tonight, tonight)

    assert [o.error for o in outcomes] == [None, None]
    runs = [o.result for o in outcomes]
    assert sum(run is None for run in runs) == 1  # the second did not even start
    assert "job already running" in caplog.messages
    assert JobRun.objects.filter(business_date=NIGHT).get().status == "done"
    state = risk_state()
    assert state == expected
    assert_no_duplicates(state)


def test_two_workers_on_the_same_chunks_at_once_do_each_chunk_once(
    book, overlap, chunks_held, caplog
):
    """What the run's guard cannot stop: the same chunk tasks delivered twice (a retry, a
    second worker after a broker hiccup). The chunk lock makes the second a logged no-op."""
    expected = one_clean_run()
    ranges = jobs.chunk_ranges()

    def worker():
        from risk.recompute import process_chunk

        return [process_chunk(first, last, NIGHT) for first, last in ranges]

    with caplog.at_level(logging.INFO, logger="risk.recompute"):
        outcomes = overlap.run(worker, worker)

    assert [o.error for o in outcomes] == [None, None]
    state = risk_state()
    assert_no_duplicates(state)
    assert state == expected
    first_chunks = [results[0] for results in (o.result for o in outcomes)]
    assert sorted(result.skipped for result in first_chunks) == [False, True]
    assert "risk chunk skipped: another worker is already processing this range" in caplog.messages


def test_a_duplicated_chunk_adds_no_second_history_row(book, overlap, monkeypatch):
    """The range of the customer whose grade changed today (no loan of theirs changes, so no
    row lock orders the two workers): without the chunk lock both would record the change."""
    from risk import recompute

    monkeypatch.setattr(recompute, "recompute_chunk", held(overlap, recompute.recompute_chunk))
    first = last = book.pk

    def chunk():
        return recompute.process_chunk(first, last, NIGHT)

    with transaction.atomic():
        chunk()
        expected = risk_state()
        transaction.set_rollback(True)

    outcomes = overlap.run(chunk, chunk)

    assert [o.error for o in outcomes] == [None, None]
    state = risk_state()
    assert_no_duplicates(state)
    assert state == expected
    assert sorted(o.result.skipped for o in outcomes) == [False, True]


def test_a_nightly_chunk_waits_for_a_scan_on_its_range_instead_of_skipping(
    book, overlap, chunks_held
):
    """The day's scan holds the range when the night's worker arrives: skipping would lose
    the night's recompute of that range, so the nightly chunk waits, then does it all."""
    from risk.recompute import process_chunk

    expected = one_clean_run()
    first, last = jobs.chunk_ranges()[0]
    outcomes = overlap.run(
        lambda: process_chunk(first, last, NIGHT, recompute=False),
        lambda: process_chunk(first, last, NIGHT),
        start_after_hold=True,
    )
    scan, nightly = (o.result for o in outcomes)
    assert [o.error for o in outcomes] == [None, None]
    assert not scan.skipped and not nightly.skipped
    for first, last in jobs.chunk_ranges()[1:]:
        process_chunk(first, last, NIGHT)
    state = risk_state()
    assert state == expected
    assert_no_duplicates(state)


# --- 5. Four eyes on a loan change: two approvals, two proposals ---------------------------------


@pytest.fixture
def loan_changes_held(overlap, monkeypatch):
    """Each proposal or approval holds after its last write (the audit row), before it
    commits."""
    monkeypatch.setattr(proposals, "audit_log", held(overlap, proposals.audit_log))


def approve_restructuring(manager, proposal):
    from lending.models import RestructuringProposal

    return lambda: lending_services.restructuring_approve(
        actor=manager, proposal=RestructuringProposal.objects.get(pk=proposal.pk)
    )


def approve_reversal(manager, proposal):
    from lending.models import RepaymentReversalProposal

    return lambda: lending_services.repayment_reversal_approve(
        actor=manager, proposal=RepaymentReversalProposal.objects.get(pk=proposal.pk)
    )


def test_two_managers_approving_one_restructuring_at_once_restructure_once(
    team, loan, overlap, loan_changes_held
):
    from lending.models import Restructuring, RestructuringProposal

    alice, mary, max_ = team["alice"], team["mary"], team["max"]
    proposal, _created = lending_services.restructuring_propose(
        actor=alice, loan=loan, new_term_months=24, new_rate=Decimal("0.04"), reason="Hardship"
    )

    outcomes = overlap.run(
        approve_restructuring(mary, proposal), approve_restructuring(max_, proposal)
    )

    losers = [o for o in outcomes if o.error is not None]
    assert sum(o.error is None for o in outcomes) == len(losers) == 1
    proposal = RestructuringProposal.objects.get(pk=proposal.pk)
    winner = proposal.decided_by
    assert proposal.status == "approved"
    assert messages_of(losers[0].error) == (
        f"{winner.get_full_name()} already decided this proposal (Approved); your decision "
        "was not recorded."
    )
    restructured = Loan.objects.get(pk=loan.pk)
    assert (restructured.restructure_count, restructured.schedule_version) == (1, 2)
    assert Restructuring.objects.filter(loan=loan).count() == 1
    new_rows = restructured.instalments.filter(schedule_version=2, due_date__gt=TODAY)
    assert new_rows.count() == 24
    assert [row.actor_id for row in audit_rows("credit.loan.restructuring_approved", loan)] == [
        winner.pk
    ]


def test_two_managers_approving_one_reversal_at_once_reverse_once(
    team, loan, overlap, loan_changes_held
):
    from lending.models import RepaymentReversalProposal

    alice, mary, max_ = team["alice"], team["mary"], team["max"]
    before = loan_state(loan)
    instalment = loan.instalments.order_by("number").first().total_due
    payment = pay(alice, loan, instalment, "BANK-1")()
    proposal, _created = lending_services.repayment_reversal_propose(
        actor=alice, repayment=payment, reason="Bounced"
    )

    outcomes = overlap.run(approve_reversal(mary, proposal), approve_reversal(max_, proposal))

    losers = [o for o in outcomes if o.error is not None]
    assert sum(o.error is None for o in outcomes) == len(losers) == 1
    assert "already decided this proposal" in messages_of(losers[0].error)
    assert loan_state(loan) == before  # the payment undone once, not twice
    proposal = RepaymentReversalProposal.objects.get(pk=proposal.pk)
    payment.refresh_from_db()
    assert (proposal.status, payment.reversed_by) == ("approved", proposal.decided_by)
    assert len(audit_rows("credit.repayment.reversed", loan)) == 1


def test_the_same_restructuring_proposed_twice_at_once_waits_once(
    team, loan, overlap, loan_changes_held
):
    from lending.models import RestructuringProposal

    alice = team["alice"]

    def propose():
        return lending_services.restructuring_propose(
            actor=alice,
            loan=Loan.objects.get(pk=loan.pk),
            new_term_months=24,
            new_rate=Decimal("0.04"),
            reason="Hardship",
        )

    outcomes = overlap.run(propose, propose)

    assert [o.error for o in outcomes] == [None, None]
    assert sorted(o.result[1] for o in outcomes) == [False, True]
    assert outcomes[0].result[0].pk == outcomes[1].result[0].pk
    assert RestructuringProposal.objects.filter(loan=loan).count() == 1
    assert len(audit_rows("credit.loan.restructuring_proposed", loan)) == 1
