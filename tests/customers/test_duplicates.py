"""Registering an identifier another customer holds: the answer does not tell whose customer
it is (the user's own, a colleague's, another branch's), the customer's people are told,
and nothing of the refused customer is written.

alice (North) tries identifiers of her own customer, of bob's (North, out of her scope) and of
charlie's (South); sonia manages South."""

import re
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.models import Role
from audit.models import AuditEvent
from customers import services
from customers.models import (
    Customer,
    DuplicateAttempt,
    FollowUp,
    FollowUpSource,
    FollowUpStatus,
    Industry,
)
from tests.customers import factories

RESIDENT_ID_ANSWER = (
    "This resident ID cannot be registered. If the person is already a customer of the bank, "
    "their relationship manager has been told."
)
CREDIT_CODE_ANSWER = (
    "This unified social credit code cannot be registered. If the enterprise is already a "
    "customer of the bank, its relationship manager has been told."
)
# The name typed on the refused form: it must not reach the holder's people.
TYPED_NAME = "冒名顶替"


@pytest.fixture
def sonia(cast, charlie):
    return account_services.user_create(
        actor=None,
        username="sonia",
        password="not-used-here-1",
        role=Role.MANAGER,
        branch=charlie.branch,
        first_name="Sonia",
        last_name="Zhou",
    )


@pytest.fixture
def holders(alice, bob, charlie, sonia):
    """A customer of each kind for alice, bob and charlie."""
    return {
        owner.username: {
            "individual": factories.individual(owner, name=f"{owner.username} 个人"),
            "enterprise": factories.enterprise(owner, name=f"{owner.username} 企业"),
        }
        for owner in (alice, bob, charlie)
    }


def _answer(response, typed: str) -> str:
    """The page with what differs by construction taken out: the identifier typed (echoed in
    its field) and the per-request CSRF tokens."""
    page = response.content.decode().replace(typed, "<typed>")
    return re.sub(r"\b[A-Za-z0-9]{64}\b", "<token>", page)


def _post(client, url: str, data: dict):
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, data)
    return response, len(queries)


def _person(resident_id: str) -> dict:
    return {
        "kind": "individual",
        "name": TYPED_NAME,
        "resident_id": resident_id,
        "phone": "13712345678",
        "occupation": "司机",
    }


def _firm(credit_code: str) -> dict:
    return {
        "kind": "enterprise",
        "name": TYPED_NAME,
        "credit_code": credit_code,
        "industry": Industry.objects.get(code="C").pk,
        "size": "small",
    }


def _assert_same_answers(answers: list, field: str, message: str) -> None:
    (first_response, first_queries, first_page), *others = answers
    assert first_response.status_code == 400
    assert first_response.context["form"].errors == {field: [message]}
    for response, queries, page in others:
        assert response.status_code == first_response.status_code
        assert response.context["form"].errors == first_response.context["form"].errors
        assert page == first_page
        # The same work behind each answer: no path that a stopwatch could tell apart.
        assert queries == first_queries


@pytest.mark.parametrize(
    ("kind", "identifier", "data", "message"),
    [
        ("individual", "resident_id", _person, RESIDENT_ID_ANSWER),
        ("enterprise", "credit_code", _firm, CREDIT_CODE_ANSWER),
    ],
)
def test_a_new_customer_gets_the_same_answer_whoever_holds_the_identifier(
    client_for, alice, holders, kind, identifier, data, message
):
    customers_before = Customer.objects.count()
    client = client_for(alice)
    # The session's first request of the minute moves its expiry on: not part of an answer.
    client.get(reverse("customers:create"))
    answers = []
    for owner in ("alice", "bob", "charlie"):
        typed = getattr(holders[owner][kind], identifier)
        response, queries = _post(
            client, reverse("customers:create") + f"?kind={kind}", data(typed)
        )
        answers.append((response, queries, _answer(response, typed)))

    _assert_same_answers(answers, identifier, message)
    assert Customer.objects.count() == customers_before
    assert not Customer.objects.filter(name=TYPED_NAME).exists()
    assert (
        AuditEvent.objects.filter(action="customers.customer.created").count() == customers_before
    )
    # Whose customers they were is kept, for the bank, not shown to alice.
    assert list(
        DuplicateAttempt.objects.order_by("id").values_list(
            "customer__officer__username", "in_scope"
        )
    ) == [("alice", True), ("bob", False), ("charlie", False)]


def test_an_edit_to_another_customers_identifier_gets_the_same_answer(client_for, alice, holders):
    editing = factories.individual(alice, name="王小明", occupation="教师")
    version = editing.updated_at
    url = reverse("customers:edit", args=[editing.pk])
    client = client_for(alice)
    client.get(url)
    answers = []
    for owner in ("alice", "bob", "charlie"):
        typed = holders[owner]["individual"].resident_id
        response, queries = _post(
            client,
            url,
            {"name": "王小明", "resident_id": typed, "phone": "13800138000", "occupation": "医生"},
        )
        answers.append((response, queries, _answer(response, typed)))

    _assert_same_answers(answers, "resident_id", RESIDENT_ID_ANSWER)
    editing.refresh_from_db()
    assert (editing.occupation, editing.updated_at) == ("教师", version)
    assert not AuditEvent.objects.filter(action="customers.customer.updated").exists()
    assert set(DuplicateAttempt.objects.values_list("channel", flat=True)) == {"edit"}


def test_the_customers_officer_and_branch_managers_are_told_who_tried(
    client_for, alice, bob, charlie, mary, sonia, holders
):
    bobs, charlies = holders["bob"]["individual"], holders["charlie"]["individual"]
    client = client_for(alice)
    client.post(reverse("customers:create"), _person(bobs.resident_id))
    client.post(reverse("customers:create"), _person(charlies.resident_id))

    told = FollowUp.objects.filter(source=FollowUpSource.DUPLICATE)
    assert sorted(told.values_list("customer__name", "owner__username")) == [
        ("bob 个人", "bob"),
        ("bob 个人", "mary"),
        ("charlie 个人", "charlie"),
        ("charlie 个人", "sonia"),
    ]
    follow_up = told.get(owner=bob)
    assert follow_up.status == FollowUpStatus.OPEN
    today = timezone.localdate()
    assert follow_up.due_on == today
    assert follow_up.purpose == (
        "Alice Wang (North) tried to register this customer's resident ID again "
        f"(new customer form, {today}). Ask them what the customer came for."
    )
    # Nothing alice typed travels with it.
    assert all(TYPED_NAME not in purpose for purpose in told.values_list("purpose", flat=True))
    assert all("13712345678" not in purpose for purpose in told.values_list("purpose", flat=True))

    # On the Today pages of the people who may see the customer, and on nobody else's.
    for person, customer in ((bob, bobs), (mary, bobs), (charlie, charlies), (sonia, charlies)):
        page = client_for(person).get(reverse("today")).content.decode()
        assert customer.name in page and "tried to register" in page, person
    page = client_for(alice).get(reverse("today")).content.decode()
    assert "tried to register" not in page and bobs.name not in page

    # Each attempt is on the audit trail with its actor; the task is planned once per person
    # who tried, however often they try.
    client_for(alice).post(reverse("customers:create"), _person(bobs.resident_id))
    assert told.count() == 4
    assert DuplicateAttempt.objects.filter(customer=bobs, attempted_by=alice).count() == 2
    events = AuditEvent.objects.filter(
        action="customers.customer.duplicate_attempted", object_id=str(bobs.pk)
    )
    assert [(event.actor, event.after) for event in events] == 2 * [
        (alice, {"identifier": "resident_id", "channel": "create", "in_scope": False})
    ]


def test_a_duplicate_of_the_users_own_customer_reaches_them_on_their_today_page(
    client_for, alice, mary, holders
):
    """The answer does not link to the existing record (that would differ from the answer
    about anyone else's); the user finds their own customer from the follow-up."""
    own = holders["alice"]["individual"]
    client_for(alice).post(reverse("customers:create"), _person(own.resident_id))
    assert set(
        FollowUp.objects.filter(source=FollowUpSource.DUPLICATE, customer=own).values_list(
            "owner__username", flat=True
        )
    ) == {"alice", "mary"}
    page = client_for(alice).get(reverse("today")).content.decode()
    assert reverse("customers:detail", args=[own.pk]) in page


IMPORT_HEADER = "kind,name,resident_id,credit_code,officer,industry,size\n"


def _upload(client, *rows: str, strict: bool = False):
    content = (IMPORT_HEADER + "\n".join(rows) + "\n").encode()
    data = {"file": SimpleUploadedFile("book.csv", content, content_type="text/csv")}
    if strict:
        data["strict"] = "on"
    return client.post(reverse("customers:import"), data)


def _import_report(response) -> str:
    page = response.content.decode()
    return re.search(
        r'<div class="card card-body mb-3" data-testid="import-report">.*?</div>', page, re.S
    )[0]


def test_the_import_rejects_another_portfolios_identifier_with_the_forms_answer(
    client_for, alice, mary, holders
):
    client = client_for(alice)
    reports = []
    for owner in ("bob", "charlie"):
        person, firm = holders[owner]["individual"], holders[owner]["enterprise"]
        response = _upload(
            client,
            f"individual,{TYPED_NAME},{person.resident_id},,alice,,",
            f"enterprise,{TYPED_NAME},,{firm.credit_code},alice,C,small",
        )
        assert response.status_code == 200
        reports.append(_import_report(response))
        assert response.context["report"].rejected == [
            (2, f"resident_id: {RESIDENT_ID_ANSWER}"),
            (3, f"credit_code: {CREDIT_CODE_ANSWER}"),
        ]
    assert reports[0] == reports[1]
    assert not Customer.objects.filter(name=TYPED_NAME).exists()
    assert DuplicateAttempt.objects.filter(channel="import", in_scope=False).count() == 4
    assert (
        FollowUp.objects.filter(source=FollowUpSource.DUPLICATE, owner__username="bob").count() == 2
    )


def test_a_strict_import_that_commits_nothing_still_tells_the_customers_people(
    client_for, alice, bob, holders
):
    bobs = holders["bob"]["individual"]
    response = _upload(
        client_for(alice),
        f"individual,新客户,{factories.resident_id()},,alice,,",
        f"individual,{TYPED_NAME},{bobs.resident_id},,alice,,",
        strict=True,
    )
    assert response.context["report"].committed is False
    assert not Customer.objects.filter(name__in=["新客户", TYPED_NAME]).exists()
    assert FollowUp.objects.filter(source=FollowUpSource.DUPLICATE, owner=bob).exists()
    assert DuplicateAttempt.objects.get().customer == bobs


@pytest.mark.django_db(transaction=True)
def test_two_people_registering_the_same_new_person_at_once(cast, monkeypatch):
    """Both check before either saves: the unique index turns the second away with the same
    answer as any duplicate, never a server error."""
    alice, bob = cast["alice"], cast["bob"]
    number = factories.resident_id()
    checked = threading.Barrier(2, timeout=10)
    waited = threading.local()
    original = services._holder_of_identifier

    def check_then_wait_for_the_other(customer):
        refusal = original(customer)
        if not getattr(waited, "done", False):
            waited.done = True
            checked.wait()
        return refusal

    monkeypatch.setattr(services, "_holder_of_identifier", check_then_wait_for_the_other)
    outcomes = {}

    def register(officer):
        try:
            customer = Customer(officer=officer, kind="individual", name="孪生", resident_id=number)
            outcomes[officer.username] = services.customer_create(actor=officer, customer=customer)
        except Exception as error:  # the outcome is what the test looks at
            outcomes[officer.username] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=register, args=(officer,)) for officer in (alice, bob)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    created = [result for result in outcomes.values() if isinstance(result, Customer)]
    refused = [result for result in outcomes.values() if not isinstance(result, Customer)]
    assert len(created) == 1 and len(refused) == 1
    assert isinstance(refused[0], services.DuplicateIdentifier)
    assert refused[0].message_dict == {"resident_id": [RESIDENT_ID_ANSWER]}
    assert refused[0].customer_id == created[0].pk
    assert Customer.objects.count() == 1
