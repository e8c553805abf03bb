"""Collections (催收): the nightly step opens a case for every past-due loan in the stage its
days reach (configurable), moves it on as the days grow, closes it when the loan is cured or
written off, and writes nothing when run again; the collectors' queue is ordered by amount
overdue × days past due and scoped like loans; a contact attempt is a customer interaction
with a result code; a promise to pay that is broken raises an early-warning alert.

The loan of the fixtures is disbursed on 2026-01-15 for ¥100,000 over 12 months, instalments
due on the 15th from 2026-02-15, to alice's customer 王小明 (North)."""

# ruff: noqa: F811 (fixtures imported for pytest are the parameters of the tests)
import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from customers.models import Interaction
from lending import services, tasks
from lending.models import (
    CollectionCase,
    CollectionContact,
    CollectionStage,
    Loan,
    PromiseToPay,
)
from risk import jobs
from risk.models import Alert
from tests.lending.conftest import (  # noqa: F401
    approved,
    consumer_product,
    draft,
    graded_customer,
    loan,
    make_application,
    on_business_date,
    submitted,
    under_review,
)

FIRST_DUE = dt.date(2026, 2, 15)
QUEUE_PAGE_QUERIES = 10


def run_night(settings, monkeypatch, on: dt.date) -> list[dict]:
    """The beat task of the night on business date `on`, its chunks run as a worker would;
    what each chunk wrote."""
    settings.BUSINESS_DATE = on
    written = []
    monkeypatch.setattr(
        tasks.collection_cases_chunk,
        "delay",
        lambda first, last, day: written.append(tasks.collection_cases_chunk(first, last, day)),
    )
    tasks.collection_cases()
    return written


def total(written: list[dict]) -> dict:
    keys = {key for counts in written for key in counts}
    return {key: sum(counts.get(key, 0) for counts in written) for key in keys}


def case_events() -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type="lending.collectioncase")
        .order_by("id")
        .values_list("action", flat=True)
    )


def first_instalment_due(loan) -> Decimal:
    row = loan.instalments.get(due_date=FIRST_DUE)
    return row.principal_due + row.interest_due


def test_a_past_due_loan_opens_a_case_that_moves_through_the_stages(settings, monkeypatch, loan):
    # The day the first instalment is due nothing is past due yet.
    assert total(run_night(settings, monkeypatch, FIRST_DUE))["cases_opened"] == 0
    assert not CollectionCase.objects.exists()

    run_night(settings, monkeypatch, dt.date(2026, 2, 16))
    case = CollectionCase.objects.get()
    assert (case.loan_id, case.customer_id, case.status) == (loan.pk, loan.customer_id, "open")
    assert case.stage.code == "reminder"
    assert case.overdue_since == FIRST_DUE
    assert case.amount_overdue == first_instalment_due(loan)
    assert case.dpd_on(dt.date(2026, 2, 16)) == 1

    # Day 31 past due: collector calls and visits; the second instalment is overdue too.
    run_night(settings, monkeypatch, dt.date(2026, 3, 18))
    case.refresh_from_db()
    assert case.stage.code == "calls_visits"
    assert case.stage_since == dt.date(2026, 3, 18)
    assert case.amount_overdue > first_instalment_due(loan)

    # Day 91: legal action and asset preservation.
    run_night(settings, monkeypatch, dt.date(2026, 5, 17))
    case.refresh_from_db()
    assert case.stage.code == "legal"
    assert CollectionCase.objects.count() == 1
    assert case_events() == [
        "lending.collection_case.opened",
        "lending.collection_case.stage_changed",
        "lending.collection_case.stage_changed",
    ]


def test_a_rerun_of_the_night_writes_nothing(settings, monkeypatch, loan):
    run_night(settings, monkeypatch, dt.date(2026, 3, 20))
    audit_rows = AuditEvent.objects.count()
    case = CollectionCase.objects.values().get()

    again = total(run_night(settings, monkeypatch, dt.date(2026, 3, 20)))

    assert again == {
        "cases_opened": 0,
        "cases_updated": 0,
        "cases_closed": 0,
        "promises_settled": 0,
        "month_end_rows": 0,
    }
    assert AuditEvent.objects.count() == audit_rows
    assert CollectionCase.objects.values().get() == case


def test_the_stages_are_configurable(settings, monkeypatch, loan):
    # An admin brings the calls and visits forward to day 20.
    CollectionStage.objects.filter(code="calls_visits").update(from_days=20)
    run_night(settings, monkeypatch, dt.date(2026, 3, 7))  # 20 days past due
    assert CollectionCase.objects.get().stage.code == "calls_visits"


def test_a_cured_loan_closes_its_case(settings, monkeypatch, mary, loan):
    run_night(settings, monkeypatch, dt.date(2026, 2, 20))
    settings.BUSINESS_DATE = dt.date(2026, 2, 20)
    services.repayment_post(
        actor=mary,
        loan=loan,
        amount=first_instalment_due(loan),
        paid_on=dt.date(2026, 2, 20),
        channel="counter",
        reference="COL-1",
    )

    run_night(settings, monkeypatch, dt.date(2026, 2, 21))

    case = CollectionCase.objects.get()
    assert (case.status, case.close_reason, case.closed_on) == (
        "closed",
        "cured",
        dt.date(2026, 2, 21),
    )
    assert case_events()[-1] == "lending.collection_case.closed"
    # Past due again next month: a new case, the closed one stays as it was.
    run_night(settings, monkeypatch, dt.date(2026, 3, 16))
    assert list(CollectionCase.objects.order_by("id").values_list("status", flat=True)) == [
        "closed",
        "open",
    ]


def test_a_written_off_loan_closes_its_case(settings, monkeypatch, loan):
    run_night(settings, monkeypatch, dt.date(2026, 5, 20))
    Loan.objects.filter(pk=loan.pk).update(status="written_off")

    run_night(settings, monkeypatch, dt.date(2026, 5, 21))

    case = CollectionCase.objects.get()
    assert (case.status, case.close_reason) == ("closed", "written_off")


@pytest.fixture
def second_loan(mary, alice, graded_customer, consumer_product):
    """A smaller loan of the same customer, disbursed a month later (first due 2026-03-15)."""
    application = make_application(alice, graded_customer, consumer_product, amount="20000")
    services.application_submit(actor=alice, application=application)
    services.application_start_review(actor=mary, application=application)
    services.application_approve(
        actor=mary,
        application=application,
        amount=Decimal("20000"),
        term_months=12,
        rate=Decimal("0.0435"),
    )
    return services.application_disburse(
        actor=mary, application=application, on=dt.date(2026, 2, 15)
    )


def queue_case_ids(client, **params) -> list[int]:
    response = client.get(reverse("lending:collection-queue"), params)
    assert response.status_code == 200
    ids = [case.pk for case, _dpd, _priority in response.context["rows"]]
    return ids


def test_the_queue_puts_the_largest_amount_times_days_first(
    settings, monkeypatch, client_for, alice, loan, second_loan
):
    run_night(settings, monkeypatch, dt.date(2026, 3, 20))
    big = CollectionCase.objects.get(loan=loan)  # two instalments, 33 days
    small = CollectionCase.objects.get(loan=second_loan)  # one small instalment, 5 days
    assert big.priority_on(dt.date(2026, 3, 20)) > small.priority_on(dt.date(2026, 3, 20))

    client = client_for(alice)
    assert queue_case_ids(client) == [big.pk, small.pk]
    page = client.get(reverse("lending:collection-queue")).content.decode()
    assert page.index(loan.account_number) < page.index(second_loan.account_number)


def test_the_queue_and_the_case_are_scoped_like_loans(
    settings, monkeypatch, client_for, charlie, bob, mary, loan
):
    run_night(settings, monkeypatch, dt.date(2026, 3, 20))
    case = CollectionCase.objects.get()

    outsider = client_for(charlie)
    assert queue_case_ids(outsider) == []
    assert outsider.get(reverse("lending:collection-case", args=[case.pk])).status_code == 404
    response = outsider.post(
        reverse("lending:collection-contact", args=[case.pk]),
        {"channel": "phone", "result": "reached", "summary": "Called"},
    )
    assert response.status_code == 404
    assert not CollectionContact.objects.exists()
    response = outsider.post(
        reverse("lending:collection-assign", args=[case.pk]), {"collector": charlie.pk}
    )
    assert response.status_code == 404

    # bob (another North officer) does not see alice's customer's case until mary assigns it.
    client = client_for(bob)
    assert client.get(reverse("lending:collection-case", args=[case.pk])).status_code == 404
    manager = client_for(mary)
    response = manager.post(
        reverse("lending:collection-assign", args=[case.pk]), {"collector": bob.pk}
    )
    assert response.status_code == 302
    assert CollectionCase.objects.get().collector == bob
    assert AuditEvent.objects.filter(
        action="lending.collection_case.assigned", object_id=str(case.pk)
    ).exists()
    client = client_for(bob)
    assert queue_case_ids(client, mine="1") == [case.pk]
    assert client.get(reverse("lending:collection-case", args=[case.pk])).status_code == 200


def test_an_officer_cannot_assign_cases(settings, monkeypatch, client_for, alice, bob, loan):
    run_night(settings, monkeypatch, dt.date(2026, 3, 20))
    case = CollectionCase.objects.get()
    response = client_for(alice).post(
        reverse("lending:collection-assign", args=[case.pk]), {"collector": bob.pk}
    )
    assert response.status_code == 403
    assert CollectionCase.objects.get().collector is None


def test_a_contact_attempt_is_an_interaction_on_the_customer(
    settings, monkeypatch, client_for, alice, loan
):
    run_night(settings, monkeypatch, dt.date(2026, 3, 20))
    case = CollectionCase.objects.get()
    client = client_for(alice)

    response = client.post(
        reverse("lending:collection-contact", args=[case.pk]),
        {"channel": "phone", "result": "no_answer", "summary": "Rang twice"},
    )

    assert response.status_code == 302
    contact = CollectionContact.objects.get()
    assert (contact.case, contact.result) == (case, "no_answer")
    interaction = Interaction.objects.get()
    assert contact.interaction == interaction
    assert (interaction.customer_id, interaction.officer, interaction.channel) == (
        loan.customer_id,
        alice,
        "phone",
    )
    assert interaction.summary == "Rang twice"
    # The result is the contact's code, named in each reader's language where it is shown;
    # nothing English is frozen into the interaction's free text.
    assert interaction.outcome == ""
    assert AuditEvent.objects.filter(action="lending.collection_case.contact_recorded").exists()
    page = client.get(reverse("customers:detail", args=[loan.customer_id])).content.decode()
    assert "Rang twice" in page


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (
            {"channel": "phone", "result": "promised", "promise_date": "2026-03-25"},
            "promise_amount",
        ),
        ({"channel": "phone", "result": "promised", "promise_amount": "500"}, "promise_date"),
        (
            {
                "channel": "phone",
                "result": "promised",
                "promise_amount": "500",
                "promise_date": "2026-03-01",
            },
            "promise_date",
        ),
        (
            {
                "channel": "phone",
                "result": "promised",
                "promise_amount": "-5",
                "promise_date": "2026-03-25",
            },
            "promise_amount",
        ),
        ({"channel": "phone", "result": "shouted"}, "result"),
        ({"channel": "pigeon", "result": "reached"}, "channel"),
    ],
)
def test_bad_input_is_refused_next_to_the_field_and_changes_nothing(
    settings, monkeypatch, client_for, alice, loan, data, field
):
    run_night(settings, monkeypatch, dt.date(2026, 3, 20))
    case = CollectionCase.objects.get()
    audit_rows = AuditEvent.objects.count()

    response = client_for(alice).post(reverse("lending:collection-contact", args=[case.pk]), data)

    assert response.status_code == 400
    assert response.context["contact_form"].errors[field]
    assert not Interaction.objects.exists()
    assert not CollectionContact.objects.exists()
    assert not PromiseToPay.objects.exists()
    assert AuditEvent.objects.count() == audit_rows


def promise(client, case, amount: str, by: str):
    response = client.post(
        reverse("lending:collection-contact", args=[case.pk]),
        {
            "channel": "phone",
            "result": "promised",
            "summary": "Will pay",
            "promise_amount": amount,
            "promise_date": by,
        },
    )
    assert response.status_code == 302


def night(on: dt.date):
    run = jobs.run_synchronously(jobs.NIGHTLY, on)
    assert run.status == "done", run.failures
    return run


def broken_promise_alerts() -> list[Alert]:
    return list(
        Alert.objects.filter(
            rule__code="broken_promise", status__in=["open", "acknowledged", "in_progress"]
        )
    )


def test_a_broken_promise_raises_an_alert(settings, monkeypatch, client_for, alice, loan):
    run_night(settings, monkeypatch, dt.date(2026, 2, 20))
    case = CollectionCase.objects.get()
    promise(client_for(alice), case, "1000", "2026-02-25")
    made = PromiseToPay.objects.get()
    assert (made.amount, made.promised_on, made.made_on, made.status) == (
        Decimal("1000"),
        dt.date(2026, 2, 25),
        dt.date(2026, 2, 20),
        "open",
    )

    # On the promised day nothing is broken yet.
    night(dt.date(2026, 2, 25))
    assert broken_promise_alerts() == []

    # The day after, unpaid: the promise is broken and the alert is raised.
    run_night(settings, monkeypatch, dt.date(2026, 2, 26))
    assert PromiseToPay.objects.get().status == "broken"
    night(dt.date(2026, 2, 26))
    (alert,) = broken_promise_alerts()
    assert (alert.customer_id, alert.loan_id) == (loan.customer_id, loan.pk)
    assert alert.shown_value() == "promised for 2026-02-25, 1 day ago"


def test_a_kept_promise_raises_nothing_and_counts_as_kept(
    settings, monkeypatch, client_for, alice, mary, loan
):
    run_night(settings, monkeypatch, dt.date(2026, 2, 20))
    case = CollectionCase.objects.get()
    client = client_for(alice)
    promise(client, case, "1000", "2026-02-25")
    settings.BUSINESS_DATE = dt.date(2026, 2, 24)
    services.repayment_post(
        actor=mary,
        loan=loan,
        amount=Decimal("1000"),
        paid_on=dt.date(2026, 2, 24),
        channel="counter",
        reference="COL-2",
    )

    run_night(settings, monkeypatch, dt.date(2026, 2, 26))
    night(dt.date(2026, 2, 26))

    assert PromiseToPay.objects.get().status == "kept"
    assert broken_promise_alerts() == []
    kpis = client.get(reverse("lending:collection-queue")).context["kpis"]
    assert kpis["promise_kept_rate"] == Decimal("1")
    assert kpis["recovered"] == Decimal("1000")


def test_the_page_shows_the_months_figures(settings, monkeypatch, client_for, mary, loan):
    run_night(settings, monkeypatch, dt.date(2026, 2, 16))
    settings.BUSINESS_DATE = dt.date(2026, 2, 17)
    services.repayment_post(
        actor=mary,
        loan=loan,
        amount=first_instalment_due(loan),
        paid_on=dt.date(2026, 2, 17),
        channel="counter",
        reference="COL-3",
    )
    run_night(settings, monkeypatch, dt.date(2026, 2, 18))

    response = client_for(mary).get(reverse("lending:collection-queue"))

    kpis = response.context["kpis"]
    assert [(stage.code, count) for stage, count in kpis["stages"]] == [
        ("reminder", 0),
        ("calls_visits", 0),
        ("legal", 0),
    ]
    assert kpis["cure_rate"] == Decimal("1")
    assert kpis["recovered"] == first_instalment_due(loan)
    page = response.content.decode()
    assert "100.00%" in page


def test_the_queue_page_costs_the_same_for_more_cases(
    settings, monkeypatch, client_for, django_assert_num_queries, mary, loan, second_loan
):
    run_night(settings, monkeypatch, dt.date(2026, 3, 20))
    client = client_for(mary)
    client.get(reverse("lending:collection-queue"))  # the session and the user, cached
    # Session, user, the queue (one join), the stages, their counts, the cases worked, the
    # promises, the recoveries, the legal recoveries and the roll rates with their trend (one
    # query over the month-end record); the base page asks nothing more of the database.
    with django_assert_num_queries(QUEUE_PAGE_QUERIES):
        assert client.get(reverse("lending:collection-queue")).status_code == 200
