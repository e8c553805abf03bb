"""Provisions in the nightly, on the loan page, on the provisions page and at month end."""

import datetime as dt
from decimal import Decimal

import pytest

from audit.models import AuditEvent
from lending.models import Instalment, Loan
from risk import jobs, provisioning
from risk.models import LoanProvision, LoanRisk, ProvisionMovement, ProvisionRun
from risk.provision_models import ProvisionSetting
from risk.provisions import grade_pds
from tests.customers import factories
from tests.risk.conftest import assessed, disbursed_loan

NIGHT = dt.date(2025, 2, 5)


def nightly(on):
    result = jobs.run_synchronously(jobs.NIGHTLY, on)
    assert result.status == "done", result.failures
    return result


@pytest.fixture
def book(alice, bob, mary, consumer_product):
    """Loans of several customers, never repaid, disbursed so that on NIGHT one is not due
    yet (stage 1), one is 35 days past due (stage 2) and one 127 days (stage 3)."""
    loans = {}
    for stage, (officer, disbursed) in {
        1: (alice, dt.date(2025, 1, 10)),
        2: (alice, dt.date(2024, 12, 1)),
        3: (bob, dt.date(2024, 9, 1)),
    }.items():
        customer = assessed(officer, factories.individual(officer, name=f"客户{stage}"))
        loans[stage] = disbursed_loan(
            officer, mary, customer, consumer_product, amount="60000", term=12, on=disbursed
        )
    return loans


def pure_figures(provision: LoanProvision, on: dt.date) -> provisioning.Provision:
    """The pure module's figures from the loan as the ORM reads it, independently of the
    nightly's SQL."""
    loan = provision.loan
    rows = list(
        Instalment.objects.filter(
            loan=loan, schedule_version=loan.schedule_version, superseded=False
        )
    )
    due = [row for row in rows if row.due_date <= on]
    risk = LoanRisk.objects.get(loan=loan)
    setting = ProvisionSetting.in_force(on)
    inputs = provisioning.LoanInputs(
        as_of=on,
        outstanding_principal=loan.outstanding_principal,
        annual_rate=loan.annual_rate,
        loan_class=risk.final_class,
        dpd=risk.dpd,
        annual_pd=grade_pds(setting.ungraded_pd)[loan.customer.grade],
        accrual_start=max((row.due_date for row in due), default=loan.disbursed_on),
        unpaid_interest_due=sum((row.interest_due - row.interest_paid for row in due), Decimal(0)),
        future_principal=tuple(
            (row.due_date, row.principal_due - row.principal_paid)
            for row in rows
            if row.due_date > on and row.settled_on is None
        ),
        collateral=tuple(
            (item.collateral_type, item.value) for item in loan.application.collateral.all()
        ),
    )
    return provisioning.provision(inputs, setting.parameters())


def test_nightly_stores_the_pure_modules_figures_for_every_loan(book):
    nightly(NIGHT)
    stored = {row.loan_id: row for row in LoanProvision.objects.select_related("loan")}
    assert set(stored) == {loan.pk for loan in book.values()}
    for stage, loan in book.items():
        row = stored[loan.pk]
        expected = pure_figures(row, NIGHT)
        assert row.stage == stage == expected.stage
        assert tuple(row.reasons) == expected.reasons
        assert (row.pd, row.lgd, row.ead, row.ecl) == (
            expected.pd,
            expected.lgd,
            expected.ead,
            expected.ecl,
        )
        assert (row.general_reserve, row.specific_reserve) == (
            expected.general_reserve,
            expected.specific_reserve,
        )
        assert row.ecl > 0
    assert stored[book[3].pk].pd == 1


def test_a_second_night_with_nothing_changed_writes_no_provision(book):
    nightly(NIGHT)
    again = nightly(NIGHT)
    assert again.counts.get("provisions_written", 0) == 0


def test_loan_page_shows_the_provisions_and_outsider_gets_404(client, alice, charlie, book):
    nightly(NIGHT)
    loan = book[2]
    row = LoanProvision.objects.get(loan=loan)
    client.force_login(alice)
    page = client.get(f"/credit/loans/{loan.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Stage 2 (lifetime ECL)" in text
    assert "more than the stage 2 days past due" in text
    assert f"{row.ecl:,}" in text
    client.force_login(charlie)
    assert client.get(f"/credit/loans/{loan.pk}/").status_code == 404


def test_provisions_page_scopes_to_the_managers_branch(client, mary, rita, alice, book):
    nightly(NIGHT)
    client.force_login(rita)
    page = client.get("/risk/provisions/")
    assert page.status_code == 200
    whole = sum(row.ecl for row in LoanProvision.objects.all())
    assert f"{whole:,}" in page.content.decode()
    client.force_login(alice)
    assert client.get("/risk/provisions/").status_code == 403


def test_drill_down_lists_the_loans_behind_a_figure(client, mary, book):
    nightly(NIGHT)
    client.force_login(mary)
    page = client.get("/risk/provisions/loans/", {"stage": 3})
    assert page.status_code == 200
    assert list(page.context["page"].object_list) == [LoanProvision.objects.get(loan=book[3])]
    assert client.get("/risk/provisions/loans/", {"stage": "9"}).status_code == 400


def test_month_end_run_freezes_once_and_measures_the_movement(client, rita, mary, book, settings):
    settings.BUSINESS_DATE = dt.date(2025, 2, 1)
    nightly(dt.date(2025, 1, 31))
    client.force_login(rita)
    response = client.post("/risk/provisions/run/", {"month": "2025-01"})
    assert response.status_code == 302
    january = ProvisionRun.objects.get(month=dt.date(2025, 1, 1))
    assert january.loans == 3
    assert january.ecl == sum(row.ecl for row in LoanProvision.objects.all())
    # The first run: every loan is new.
    assert list(ProvisionMovement.objects.filter(run=january).values_list("kind", "loans")) == [
        ("new", 3)
    ]
    assert AuditEvent.objects.filter(action="risk.provision_run.created").count() == 1
    # A month is frozen once: the second run is refused next to the field and changes nothing.
    again = client.post("/risk/provisions/run/", {"month": "2025-01"})
    assert again.status_code == 400
    assert "already frozen" in again.content.decode()
    assert ProvisionRun.objects.count() == 1
    # A month that has not ended cannot be frozen.
    assert client.post("/risk/provisions/run/", {"month": "2025-02"}).status_code == 400
    # February: the stage 1 loan fell past due; the movement adds up to the closing figure.
    settings.BUSINESS_DATE = dt.date(2025, 3, 1)
    nightly(dt.date(2025, 2, 28))
    assert client.post("/risk/provisions/run/", {"month": "2025-02"}).status_code == 302
    february = ProvisionRun.objects.get(month=dt.date(2025, 2, 1))
    moved = sum(m.ecl for m in february.movements.all())
    assert january.ecl + moved == february.ecl
    # Only the risk officer runs it.
    client.force_login(mary)
    assert client.post("/risk/provisions/run/", {"month": "2025-03"}).status_code == 403


def test_dashboard_cards_show_reserves_and_ecl_by_stage_and_drill_down(client, mary, book):
    nightly(NIGHT)
    client.force_login(mary)
    page = client.get("/dashboard/")
    assert page.status_code == 200
    text = page.content.decode()
    reserve = sum(row.reserve for row in LoanProvision.objects.all())
    assert f"{reserve:,}" in text
    for stage, loan in book.items():
        ecl = LoanProvision.objects.get(loan=loan).ecl
        assert f'data-testid="kpi-ecl-stage-{stage}">' in text
        assert f"{ecl:,}" in text
    # The stage 3 figure's link lists the loan behind it.
    drill = client.get("/risk/provisions/loans/", {"stage": 3, "branch": mary.branch_id})
    assert [row.loan_id for row in drill.context["page"]] == [book[3].pk]


def test_officers_do_not_read_the_provisions_pages(client, alice, charlie, book):
    nightly(NIGHT)
    for user in (alice, charlie):
        client.force_login(user)
        assert client.get("/risk/provisions/").status_code == 403
        assert client.get("/risk/provisions/loans/").status_code == 403
        assert client.post("/risk/provisions/run/", {"month": "2025-01"}).status_code == 403
    assert not ProvisionRun.objects.exists()


def test_a_month_that_is_not_a_month_is_refused_next_to_the_field(client, rita, book):
    client.force_login(rita)
    response = client.post("/risk/provisions/run/", {"month": "January"})
    assert response.status_code == 400
    assert response.context["run_form"].errors["month"]
    assert not ProvisionRun.objects.exists()


def test_a_written_off_loan_leaves_the_provisions_and_shows_in_the_movement(
    client, rita, book, settings
):
    settings.BUSINESS_DATE = dt.date(2025, 2, 1)
    nightly(dt.date(2025, 1, 31))
    client.force_login(rita)
    assert client.post("/risk/provisions/run/", {"month": "2025-01"}).status_code == 302
    january_ecl = LoanProvision.objects.get(loan=book[3]).ecl
    # The write-off itself is lending's (four eyes); here only its outcome: the loan left.
    Loan.objects.filter(pk=book[3].pk).update(status="written_off")
    settings.BUSINESS_DATE = dt.date(2025, 3, 1)
    nightly_full = jobs.run_synchronously(jobs.NIGHTLY, dt.date(2025, 2, 28), full=True)
    assert nightly_full.status == "done"
    assert not LoanProvision.objects.filter(loan=book[3]).exists()
    assert client.post("/risk/provisions/run/", {"month": "2025-02"}).status_code == 302
    written_off = ProvisionMovement.objects.get(run__month=dt.date(2025, 2, 1), kind="written_off")
    assert (written_off.loans, written_off.ecl) == (1, -january_ecl)
