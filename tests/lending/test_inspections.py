"""Post-loan inspections (issue 24, part 2): the nightly step creates each loan's inspection
due (the first within the plan's days of disbursement, then periodic by the customer's risk
level), the officer records the findings on the inspection's page (scoped, 400 on bad input,
audited), an overdue inspection raises the early-warning alert, a concern can become a manual
risk signal, and the evidence is attached through the documents feature.

The loan of the fixtures (CONS-01) is disbursed on 2026-01-15 to alice's customer; the suite's
business date is 2026-11-18."""

# ruff: noqa: F811 (fixtures imported for pytest are the parameters of the tests)
import datetime as dt

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from lending import tasks
from lending.inspection_models import (
    Inspection,
    InspectionChecklistItem,
    InspectionPlan,
    InspectionStatus,
)
from risk import jobs
from risk.models import Alert, ManualSignal
from tests.lending.conftest import (  # noqa: F401
    approved,
    consumer_product,
    draft,
    graded_customer,
    loan,
    on_business_date,
    submitted,
    under_review,
)

TODAY = dt.date(2026, 11, 18)
DISBURSED = dt.date(2026, 1, 15)
ACTIVE = ["open", "acknowledged", "in_progress"]


@pytest.fixture
def today(settings):
    settings.BUSINESS_DATE = TODAY
    return TODAY


@pytest.fixture
def plan(consumer_product):
    return InspectionPlan.objects.create(
        product=consumer_product,
        first_within_days=30,
        every_days_low=180,
        every_days_medium=180,
        every_days_high=90,
    )


def run_night(monkeypatch) -> None:
    """The beat task, its chunks run as a worker would."""
    monkeypatch.setattr(
        tasks.inspections_schedule_chunk,
        "delay",
        lambda first, last: tasks.inspections_schedule_chunk(first, last),
    )
    tasks.inspections_schedule()


@pytest.fixture
def due(plan, loan, today, monkeypatch):
    run_night(monkeypatch)
    return Inspection.objects.get(loan=loan, status=InspectionStatus.DUE)


def record(client, inspection, **overrides):
    data = {
        "inspected_on": "2026-11-10",
        "conclusion": "normal",
        "summary": "Visited the shop.",
        **{f"result_{index}": "satisfactory" for index in range(5)},
        **{f"note_{index}": "" for index in range(5)},
        **overrides,
    }
    return client.post(reverse("lending:inspection-detail", args=[inspection.pk]), data)


def test_the_night_creates_the_first_inspection_once(plan, loan, today, monkeypatch):
    run_night(monkeypatch)
    run_night(monkeypatch)
    (inspection,) = Inspection.objects.filter(loan=loan)
    assert inspection.kind == "first"
    assert inspection.due_on == DISBURSED + dt.timedelta(days=30)
    assert inspection.customer_id == loan.customer_id


def test_a_product_without_a_plan_is_not_inspected(loan, today, monkeypatch):
    run_night(monkeypatch)
    assert not Inspection.objects.exists()


def test_the_officer_sees_the_inspection_due_and_records_it(client_for, alice, due):
    client = client_for(alice)
    page = client.get(reverse("lending:inspection-list"))
    assert page.status_code == 200
    assert reverse("lending:inspection-detail", args=[due.pk]) in page.content.decode()

    response = record(client, due, result_2="concern", note_2="Stock half what was declared")
    assert response.status_code == 302
    due.refresh_from_db()
    assert due.status == "completed"
    assert due.inspected_on == dt.date(2026, 11, 10)
    assert due.completed_by == alice
    findings = list(due.findings.values_list("topic", "result", "note"))
    assert findings[2] == ("collateral", "concern", "Stock half what was declared")
    assert len(findings) == 5
    event = AuditEvent.objects.get(action="lending.inspection.recorded")
    assert event.after["concerns"] == 1
    # The next one, periodic, 180 days after the visit for a customer not at high risk.
    (following,) = Inspection.objects.filter(loan=due.loan, status="due")
    assert following.kind == "periodic"
    assert following.due_on == dt.date(2026, 11, 10) + dt.timedelta(days=180)


def test_a_high_risk_customer_is_inspected_every_90_days(client_for, alice, due):
    due.customer.risk_level = "high"
    due.customer.save(update_fields=["risk_level"])
    assert record(client_for(alice), due).status_code == 302
    (following,) = Inspection.objects.filter(loan=due.loan, status="due")
    assert following.due_on == dt.date(2026, 11, 10) + dt.timedelta(days=90)


def test_the_product_checklist_is_the_form(client_for, alice, due, consumer_product):
    InspectionChecklistItem.objects.create(
        product=consumer_product, topic="use_of_funds", question="Invoices match the purpose"
    )
    client = client_for(alice)
    assert (
        "Invoices match the purpose"
        in client.get(reverse("lending:inspection-detail", args=[due.pk])).content.decode()
    )
    response = record(client, due)
    assert response.status_code == 302
    assert list(due.findings.values_list("question", flat=True)) == ["Invoices match the purpose"]


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"result_1": "concern", "note_1": " "}, "note_1"),
        ({"inspected_on": "2026-11-19"}, "inspected_on"),
        ({"inspected_on": "2026-01-01"}, "inspected_on"),
        ({"result_0": "maybe"}, "result_0"),
        ({"conclusion": ""}, "conclusion"),
    ],
)
def test_bad_input_is_refused_and_records_nothing(client_for, alice, due, overrides, field):
    response = record(client_for(alice), due, **overrides)
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    due.refresh_from_db()
    assert due.status == "due"
    assert not due.findings.exists()
    assert not AuditEvent.objects.filter(action="lending.inspection.recorded").exists()


def test_a_recorded_inspection_is_not_recorded_twice(client_for, alice, due):
    client = client_for(alice)
    assert record(client, due).status_code == 302
    record(client, due, summary="again")
    assert due.findings.count() == 5
    assert AuditEvent.objects.filter(action="lending.inspection.recorded").count() == 1


def test_the_outsider_gets_404_and_does_not_see_it(client_for, charlie, due):
    client = client_for(charlie)
    assert client.get(reverse("lending:inspection-detail", args=[due.pk])).status_code == 404
    assert record(client, due).status_code == 404
    page = client.get(reverse("lending:inspection-list"))
    assert reverse("lending:inspection-detail", args=[due.pk]) not in page.content.decode()
    assert client.get(reverse("documents:owner", args=["inspection", due.pk])).status_code == 404
    due.refresh_from_db()
    assert due.status == "due"


def test_the_risk_officer_sees_it_but_may_not_record(client_for, rita, due):
    client = client_for(rita)
    page = client.get(reverse("lending:inspection-detail", args=[due.pk]))
    assert page.status_code == 200
    assert 'data-testid="inspection-form"' not in page.content.decode()
    assert record(client, due).status_code == 403
    due.refresh_from_db()
    assert due.status == "due"


def test_the_evidence_is_a_document_of_the_inspection(client_for, alice, due):
    page = client_for(alice).get(reverse("documents:owner", args=["inspection", due.pk]))
    assert page.status_code == 200


def test_the_loan_page_shows_its_inspections(client_for, alice, due):
    page = client_for(alice).get(reverse("lending:loan-detail", args=[due.loan_id]))
    assert page.status_code == 200
    assert reverse("lending:inspection-detail", args=[due.pk]) in page.content.decode()


def test_an_overdue_inspection_raises_an_alert_that_recording_clears(client_for, alice, due):
    # Due 2026-02-14, still open on 2026-11-18.
    run = jobs.run_synchronously(jobs.NIGHTLY, TODAY)
    assert run.status == "done", run.failures
    (alert,) = Alert.objects.filter(rule__code="inspection_overdue", status__in=ACTIVE)
    assert alert.subject == f"inspection:{due.pk}"
    assert alert.value == "2026-02-14"
    assert record(client_for(alice), due).status_code == 302
    run = jobs.run_synchronously(jobs.NIGHTLY, TODAY)
    assert run.status == "done", run.failures
    assert not Alert.objects.filter(rule__code="inspection_overdue", status__in=ACTIVE).exists()


def test_a_concern_raises_a_manual_signal_from_the_inspection(client_for, alice, due):
    client = client_for(alice)
    record(client, due, result_0="concern", note_0="Funds used to buy a car")
    page = client.get(reverse("lending:inspection-detail", args=[due.pk]))
    assert 'data-testid="raise-signal"' in page.content.decode()
    note = page.context["concerns"][0].note
    response = client.post(
        reverse("risk:signal-add", args=[due.customer_id]),
        {"kind": "covenant_breach", "note": f"Post-loan inspection of 2026-11-10: {note}"},
    )
    assert response.status_code == 302
    signal = ManualSignal.objects.get(customer=due.customer)
    assert "Funds used to buy a car" in signal.note
