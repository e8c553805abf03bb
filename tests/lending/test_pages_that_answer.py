"""The loan and application pages answer the question a reader comes with: how far behind
the loan is and what it owes, and (for the manager) who the customer is and what is waiting
for their decision, decided in one click."""

import datetime as dt
from decimal import Decimal

from django.urls import reverse
from django.utils import translation

from audit.models import AuditEvent
from lending import services
from lending.models import Application, ApplicationEvent, LoanProduct
from tests.lending.conftest import make_application

PENALTY_RATE = Decimal("0.18")


def _text(response) -> str:
    return response.content.decode()


def test_loan_page_summarises_the_arrears_and_names_each_instalments_state(client_for, alice, loan):
    LoanProduct.objects.filter(pk=loan.product_id).update(penalty_rate=PENALTY_RATE)
    first, second, third = list(loan.instalments.order_by("number"))[:3]
    response = client_for(alice).get(reverse("lending:loan-detail", args=[loan.pk]))
    assert response.status_code == 200
    arrears = response.context["arrears"]
    # Business date 2026-03-15: the February instalment is 28 days late; March's falls due
    # today (not yet overdue); April's is scheduled.
    late_days = (dt.date(2026, 3, 15) - first.due_date).days
    penalty = (
        (first.principal_due + first.interest_due) * PENALTY_RATE * late_days / 360
    ).quantize(Decimal("0.01"))
    assert (arrears.principal, arrears.interest, arrears.penalty) == (
        first.principal_due,
        first.interest_due,
        penalty,
    )
    assert arrears.total == first.principal_due + first.interest_due + penalty
    assert (arrears.missed_instalments, arrears.days_past_due) == (1, late_days)
    assert arrears.past_due_since == first.due_date
    page = _text(response)
    assert f"past due since {first.due_date:%Y-%m-%d}" in page
    assert "1 missed instalment" in page
    states = dict(
        (row.number, state) for part in response.context["schedule"].values() for row, state in part
    )
    assert (states[first.number], states[second.number], states[third.number]) == (
        "overdue",
        "due_today",
        "scheduled",
    )
    assert "due today" in page and "scheduled" in page
    assert "Up to date" not in page


def test_loan_page_says_up_to_date_once_the_arrears_are_paid(client_for, alice, loan):
    due = services.loan_amount_due(loan, dt.date(2026, 3, 14))
    services.repayment_post(
        actor=alice,
        loan=loan,
        amount=due,
        paid_on=dt.date(2026, 3, 14),
        channel="counter",
        reference="R-1",
    )
    response = client_for(alice).get(reverse("lending:loan-detail", args=[loan.pk]))
    assert response.context["arrears"].missed_instalments == 0
    assert "Up to date: nothing is past due." in _text(response)


def test_a_long_schedule_folds_what_is_paid_and_what_is_far_ahead(
    client_for, alice, mary, graded_customer, consumer_product, on_business_date
):
    application = make_application(alice, graded_customer, consumer_product, term=36)
    services.application_submit(actor=alice, application=application)
    services.application_start_review(actor=mary, application=application)
    services.application_approve(
        actor=mary,
        application=application,
        amount=Decimal("100000"),
        term_months=36,
        rate=Decimal("0.0435"),
    )
    loan = services.application_disburse(
        actor=mary, application=application, on=dt.date(2025, 10, 15)
    )
    # The first two instalments paid; the third (2026-01-15) and fourth overdue.
    first_two = list(loan.instalments.order_by("number"))[:2]
    services.repayment_post(
        actor=alice,
        loan=loan,
        amount=sum((row.total_due for row in first_two), Decimal("0")),
        paid_on=dt.date(2025, 12, 15),
        channel="counter",
        reference="R-2",
    )
    response = client_for(alice).get(reverse("lending:loan-detail", args=[loan.pk]))
    schedule = response.context["schedule"]
    shown = [row.number for row, _state in schedule["shown"]]
    # Unpaid and fallen due (January to March, March today), then the next three.
    assert shown == [3, 4, 5, 6, 7, 8]
    assert [row.number for row, _state in schedule["earlier"]] == [1, 2]
    assert [row.number for row, _state in schedule["later"]] == list(range(9, 37))
    page = _text(response)
    assert '<details class="mb-2" data-testid="schedule-earlier">' in page
    assert '<details class="mt-2" data-testid="schedule-later">' in page
    assert "28 later instalments" in page


def test_loan_page_in_chinese_shows_the_same_arrears(client_for, alice, loan):
    client = client_for(alice)
    client.cookies["django_language"] = "zh-hans"
    with translation.override("zh-hans"):
        response = client.get(reverse("lending:loan-detail", args=[loan.pk]))
    assert response.status_code == 200
    assert 'data-testid="arrears-total"' in _text(response)
    assert response.context["arrears"].missed_instalments == 1


# --- the application page and the decision queue ------------------------------------------


def test_application_page_shows_the_customers_exposure_grade_risk_and_alerts(
    client_for, alice, mary, loan, graded_customer, consumer_product
):
    second = make_application(alice, graded_customer, consumer_product)
    response = client_for(mary).get(reverse("lending:application-detail", args=[second.pk]))
    summary = response.context["customer_summary"]
    loan.refresh_from_db()
    assert summary["exposure"] == loan.outstanding_principal
    assert summary["active_loans"] == 1
    assert summary["grade"] == "A"
    assert summary["open_alerts"] == 0
    page = _text(response)
    assert 'data-testid="summary-exposure"' in page
    assert f'href="/customers/{graded_customer.pk}/#risk"' in page


def test_manager_approves_a_submitted_application_in_one_step(client_for, mary, submitted):
    client = client_for(mary)
    url = reverse("lending:application-detail", args=[submitted.pk])
    page = _text(client.get(url))
    assert reverse("lending:application-approve", args=[submitted.pk]) in page
    assert "Start review" not in page
    response = client.post(
        reverse("lending:application-approve", args=[submitted.pk]),
        {"amount": "100000", "term_months": "12", "rate": "4.35", "note": "ok"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    submitted.refresh_from_db()
    assert submitted.status == "approved"
    assert submitted.reviewer == mary and submitted.decided_by == mary
    # The history keeps the review as its own step, each audited.
    steps = list(
        ApplicationEvent.objects.filter(application=submitted).values_list("to_status", flat=True)
    )
    assert steps[-2:] == ["under_review", "approved"]
    actions = set(
        AuditEvent.objects.filter(object_id=str(submitted.pk)).values_list("action", flat=True)
    )
    assert {"credit.application.under_review", "credit.application.approved"} <= actions


def test_a_refused_one_step_approval_leaves_the_application_submitted(client_for, mary, submitted):
    response = client_for(mary).post(
        reverse("lending:application-approve", args=[submitted.pk]),
        {"amount": "999999999", "term_months": "12", "rate": "4.35", "note": ""},
    )
    assert response.status_code == 400
    submitted.refresh_from_db()
    assert submitted.status == "submitted" and submitted.reviewer is None
    assert not ApplicationEvent.objects.filter(
        application=submitted, to_status="under_review"
    ).exists()


def test_a_maker_is_offered_no_approval_and_refused_by_the_service(
    client_for, alice, mary, submitted
):
    # alice prepared it: no decision buttons for her, and the service refuses her.
    page = _text(client_for(alice).get(reverse("lending:application-detail", args=[submitted.pk])))
    assert reverse("lending:application-approve", args=[submitted.pk]) not in page
    response = client_for(alice).post(
        reverse("lending:application-approve", args=[submitted.pk]),
        {"amount": "100000", "term_months": "12", "rate": "4.35", "note": ""},
    )
    assert response.status_code in (403, 404)
    submitted.refresh_from_db()
    assert submitted.status == "submitted"


def test_charlie_gets_404_deciding_norths_application(client_for, charlie, submitted):
    response = client_for(charlie).post(
        reverse("lending:application-approve", args=[submitted.pk]),
        {"amount": "100000", "term_months": "12", "rate": "4.35", "note": ""},
    )
    assert response.status_code == 404
    submitted.refresh_from_db()
    assert submitted.status == "submitted"


def test_todays_decision_queue_lists_what_waits_oldest_first_with_the_true_total(
    client_for, alice, mary, charlie, graded_customer, consumer_product, submitted
):
    newer = make_application(alice, graded_customer, consumer_product, amount="50000")
    services.application_submit(actor=alice, application=newer)
    Application.objects.filter(pk=submitted.pk).update(
        status_changed_at=submitted.status_changed_at - dt.timedelta(days=3)
    )
    response = client_for(mary).get(reverse("today"))
    panel = next(p for t, p in response.context["panels"] if t == "lending/today_decisions.html")
    assert [a.pk for a in panel["applications"]] == [submitted.pk, newer.pk]
    assert panel["total"] == 2
    assert [a.age_days for a in panel["applications"]] == [3, 0]
    page = _text(response)
    assert "Decisions waiting" in page and "waiting 3 days" in page
    assert reverse("lending:application-detail", args=[submitted.pk]) in page
    # Officers decide nothing: no queue; the South's manager-less outsider sees none of North's.
    assert "Decisions waiting" not in _text(client_for(alice).get(reverse("today")))
    assert "Decisions waiting" not in _text(client_for(charlie).get(reverse("today")))


def test_application_page_counts_the_customers_open_alerts_and_links_to_them(
    client_for, alice, mary, graded_customer, consumer_product
):
    from risk import jobs
    from risk.models import Alert
    from tests.risk.conftest import disbursed_loan

    # A loan never repaid since February 2025: the nightly raises its alerts.
    disbursed_loan(alice, mary, graded_customer, consumer_product)
    jobs.run_synchronously(jobs.NIGHTLY, dt.date(2025, 3, 20))
    open_alerts = Alert.objects.filter(
        customer=graded_customer, status__in=("open", "acknowledged", "in_progress")
    ).count()
    assert open_alerts > 0
    second = make_application(alice, graded_customer, consumer_product)
    response = client_for(mary).get(reverse("lending:application-detail", args=[second.pk]))
    assert response.context["customer_summary"]["open_alerts"] == open_alerts
    assert (
        f'data-testid="summary-alerts"><a href="/customers/{graded_customer.pk}/#risk">'
        f"{open_alerts}</a>"
    ) in _text(response)


def test_the_decision_queue_shows_the_longest_waiting_first_and_counts_them_all(
    alice, mary, graded_customer, consumer_product
):
    from lending.selectors import decisions_waiting_for

    waiting = []
    for hours_ago in (1, 30, 5):
        application = services.application_submit(
            actor=alice,
            application=make_application(alice, graded_customer, consumer_product),
        )
        Application.objects.filter(pk=application.pk).update(
            status_changed_at=application.status_changed_at - dt.timedelta(hours=hours_ago)
        )
        waiting.append(application.pk)
    queue = decisions_waiting_for(mary, limit=2)
    # The page holds two: the one waiting 30 hours, then 5; the total counts the third too.
    assert [application.pk for application in queue["applications"]] == [waiting[1], waiting[2]]
    assert queue["total"] == 3
