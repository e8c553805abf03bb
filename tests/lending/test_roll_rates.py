"""Roll rates (issue 24) against a hand-built book: the nightly keeps a month-end record of
every loan's days past due and balance on the last day of a month (once: a rerun writes
nothing), and the collections page shows where each bucket's balance at the end of the
previous month sat at the end of the last one, scoped to the user's branch, with the 1–30 →
31–60 roll rate of the last six months.

The book (consumer loans over 12 months, instalments due on the 15th, nothing paid unless
said): on 28 February 2026 three of alice's loans are 13 days past due (¥100,000 and
¥300,000 of North, ¥50,000 moved to charlie in South) and one (¥20,000, first due 15 March)
is current. In March the ¥300,000 loan pays what it owes; on 31 March the ¥100,000 and
¥50,000 loans are 44 days past due, the ¥20,000 one 16."""

# ruff: noqa: F811 (fixtures imported for pytest are the parameters of the tests)
import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.urls import reverse

from credit import services as credit_services
from customers.models import Customer
from lending import services, tasks
from lending.models import Instalment, LoanMonthEnd
from tests.credit.conftest import graded_customer  # noqa: F401
from tests.customers.factories import individual
from tests.lending.conftest import consumer_product  # noqa: F401
from tests.risk.conftest import disbursed_loan

D = Decimal
FEBRUARY_END = dt.date(2026, 2, 28)
MARCH_END = dt.date(2026, 3, 31)
ASSESSMENT_INPUTS = {
    "net_worth": 500000,
    "monthly_income": 15000,
    "dti": 0.25,
    "late_payments_12m": 0,
    "late_payments_36m": 0,
    "worst_dpd_ever": 0,
    "years_employed": 5,
    "income_growth": 0.06,
    "character": "4",
    "reputation": "4",
}
COLUMNS = ["current", "1-30", "31-60", "61-90", "90+", "written_off", "repaid"]


def run_night(settings, monkeypatch, on: dt.date) -> int:
    """The collections beat task of the night on `on`, its chunks run as a worker would; the
    month-end rows written."""
    settings.BUSINESS_DATE = on
    written = []
    monkeypatch.setattr(
        tasks.collection_cases_chunk,
        "delay",
        lambda first, last, day: written.append(tasks.collection_cases_chunk(first, last, day)),
    )
    tasks.collection_cases()
    return sum(counts["month_end_rows"] for counts in written)


def owed_by(loan, on: dt.date) -> Decimal:
    rows = Instalment.objects.filter(loan=loan, superseded=False, due_date__lte=on)
    totals = rows.aggregate(principal=Sum("principal_due"), interest=Sum("interest_due"))
    return totals["principal"] + totals["interest"]


def graded(officer, name: str) -> Customer:
    """Another of the officer's customers, assessed as graded_customer is."""
    customer = individual(officer, name=name)
    credit_services.assessment_create(
        actor=officer,
        customer=customer,
        inputs=ASSESSMENT_INPUTS,
        expert_comments={"character": "Known for ten years", "reputation": "Clean record"},
    )
    customer.refresh_from_db()
    return customer


def interest_owed_by(loan, on: dt.date) -> Decimal:
    rows = Instalment.objects.filter(loan=loan, superseded=False, due_date__lte=on)
    return rows.aggregate(interest=Sum("interest_due"))["interest"]


@pytest.fixture
def book(settings, alice, mary, charlie, graded_customer, consumer_product):
    settings.BUSINESS_DATE = dt.date(2026, 3, 1)
    loans = {}
    for key, amount, disbursed in (
        ("late", "100000", dt.date(2026, 1, 15)),
        ("cured", "300000", dt.date(2026, 1, 15)),
        ("south", "50000", dt.date(2026, 1, 15)),
        ("new", "20000", dt.date(2026, 2, 15)),
    ):
        customer = graded_customer if key == "late" else graded(alice, f"客户{key}")
        loans[key] = disbursed_loan(
            alice, mary, customer, consumer_product, amount=amount, term=12, on=disbursed
        )
    # The South loan's customer is charlie's now: North's figures leave it out.
    Customer.objects.filter(pk=loans["south"].customer_id).update(
        officer=charlie, branch=charlie.branch
    )
    return loans


def month_end_rows(on) -> dict:
    return {
        row.loan_id: (row.bucket, row.dpd, row.balance)
        for row in LoanMonthEnd.objects.filter(as_of=on)
    }


def test_the_nightly_keeps_the_month_end_once(settings, monkeypatch, mary, book):
    assert run_night(settings, monkeypatch, dt.date(2026, 2, 27)) == 0
    assert not LoanMonthEnd.objects.exists()

    assert run_night(settings, monkeypatch, FEBRUARY_END) == 4
    assert month_end_rows(FEBRUARY_END) == {
        book["late"].pk: ("1-30", 13, D("100000.00")),
        book["cured"].pk: ("1-30", 13, D("300000.00")),
        book["south"].pk: ("1-30", 13, D("50000.00")),
        book["new"].pk: ("current", 0, D("20000.00")),
    }
    # The same night again (a rerun, a redelivered chunk) writes nothing.
    assert run_night(settings, monkeypatch, FEBRUARY_END) == 0

    settings.BUSINESS_DATE = dt.date(2026, 3, 20)
    services.repayment_post(
        actor=mary,
        loan=book["cured"],
        amount=owed_by(book["cured"], dt.date(2026, 3, 20)),
        paid_on=dt.date(2026, 3, 20),
        channel="counter",
        reference="ROLL-1",
    )
    book["cured"].refresh_from_db()
    assert run_night(settings, monkeypatch, MARCH_END) == 4
    rows = month_end_rows(MARCH_END)
    assert rows[book["late"].pk] == ("31-60", 44, D("100000.00"))
    assert rows[book["cured"].pk] == ("current", 0, book["cured"].outstanding_principal)
    assert rows[book["new"].pk] == ("1-30", 16, D("20000.00"))
    # February's record is kept as it was.
    assert month_end_rows(FEBRUARY_END)[book["cured"].pk] == ("1-30", 13, D("300000.00"))


def roll_page(client):
    response = client.get(reverse("lending:collection-queue"))
    assert response.status_code == 200
    return response


@pytest.fixture
def rolled(settings, monkeypatch, mary, book):
    run_night(settings, monkeypatch, FEBRUARY_END)
    settings.BUSINESS_DATE = dt.date(2026, 3, 20)
    services.repayment_post(
        actor=mary,
        loan=book["cured"],
        amount=owed_by(book["cured"], dt.date(2026, 3, 20)),
        paid_on=dt.date(2026, 3, 20),
        channel="counter",
        reference="ROLL-1",
    )
    run_night(settings, monkeypatch, MARCH_END)
    settings.BUSINESS_DATE = dt.date(2026, 4, 10)
    return book


def shares(roll, row_label) -> list:
    return dict(roll["matrix"])[row_label]


def test_the_page_shows_the_roll_rates_of_the_branch(client_for, alice, rolled):
    response = roll_page(client_for(alice))
    roll = response.context["roll_rates"]
    assert (roll["previous_month_end"], roll["month_end"]) == (FEBRUARY_END, MARCH_END)
    # Of North's ¥400,000 in 1–30 days on 28 February, ¥100,000 rolled to 31–60 and
    # ¥300,000 was cured; the ¥20,000 current loan rolled to 1–30.
    assert shares(roll, "1–30 days") == [D("0.75"), 0, D("0.25"), 0, 0, 0, 0]
    assert shares(roll, "Current") == [0, D("1"), 0, 0, 0, 0, 0]
    assert shares(roll, "31–60 days") == [None] * len(COLUMNS)
    # The trend: March's 1–30 → 31–60 rate, and nothing recorded before.
    assert roll["trend"][-1] == (MARCH_END, D("0.25"))
    assert [share for _end, share in roll["trend"][:-1]] == [None] * 5
    assert [end.month for end, _share in roll["trend"]] == [10, 11, 12, 1, 2, 3]
    page = response.content.decode()
    assert 'data-testid="roll-rate-matrix"' in page
    assert "25.0%" in page and "75.0%" in page


def test_the_manager_sees_the_branch_and_the_other_branch_its_own(
    client_for, mary, charlie, rolled
):
    assert shares(roll_page(client_for(mary)).context["roll_rates"], "1–30 days")[2] == D("0.25")
    # South holds only the ¥50,000 loan, which rolled from 1–30 to 31–60.
    south = roll_page(client_for(charlie)).context["roll_rates"]
    assert shares(south, "1–30 days") == [0, 0, D("1"), 0, 0, 0, 0]
    assert shares(south, "Current") == [None] * len(COLUMNS)


def test_a_loan_repaid_in_the_month_rolls_to_repaid(settings, monkeypatch, client_for, mary, book):
    run_night(settings, monkeypatch, FEBRUARY_END)
    settings.BUSINESS_DATE = dt.date(2026, 3, 20)
    loan = book["new"]
    services.repayment_post(
        actor=mary,
        loan=loan,
        amount=interest_owed_by(loan, dt.date(2026, 3, 20)) + loan.outstanding_principal,
        paid_on=dt.date(2026, 3, 20),
        channel="counter",
        reference="ROLL-2",
        allow_prepayment=True,
    )
    loan.refresh_from_db()
    assert loan.status == "closed"
    run_night(settings, monkeypatch, MARCH_END)
    assert loan.pk not in month_end_rows(MARCH_END)
    settings.BUSINESS_DATE = dt.date(2026, 4, 10)
    roll = roll_page(client_for(mary)).context["roll_rates"]
    assert shares(roll, "Current") == [0, 0, 0, 0, 0, 0, D("1")]
