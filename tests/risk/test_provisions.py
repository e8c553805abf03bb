"""Provisions in the nightly, on the loan page, on the provisions page and at month end."""

import datetime as dt
import importlib
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from audit.models import AuditEvent
from core.business_date import business_date
from credit import services as credit_services
from customers.grades import GRADES
from customers.models import Customer
from lending import services as lending_services
from lending.models import Application, Instalment, Loan, LoanClass
from risk import jobs, provisioning
from risk import services as risk_services
from risk.models import LoanProvision, LoanRisk, ProvisionMovement, ProvisionRun, RiskHistory
from risk.provision_models import ProvisionSetting
from risk.provisions import grade_pds
from tests.customers import factories
from tests.risk.conftest import GOOD_INPUTS, assessed, disbursed_loan

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
    # Graded at disbursement (stored on the loan), perhaps re-graded by the nightly since.
    at_origination, grade = loan.grade_at_origination, loan.customer.grade
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
        notches_down=GRADES.index(grade) - GRADES.index(at_origination),
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


# A borrower who has since fallen behind elsewhere and lost most of their income.
POOR_INPUTS = {
    **GOOD_INPUTS,
    "net_worth": 0,
    "monthly_income": 2500,
    "dti": 0.85,
    "late_payments_12m": 5,
    "late_payments_36m": 8,
    "worst_dpd_ever": 120,
    "years_employed": 0,
    "income_growth": -0.3,
}


def approved_application(officer, manager, customer, product):
    application = lending_services.application_create(
        actor=officer,
        application=Application(
            customer=customer,
            product=product,
            amount=Decimal("60000"),
            term_months=12,
            purpose="Working capital",
        ),
    )
    lending_services.application_submit(actor=officer, application=application)
    lending_services.application_start_review(actor=manager, application=application)
    lending_services.application_approve(
        actor=manager,
        application=application,
        amount=Decimal("60000"),
        term_months=12,
        rate=lending_services.offer_for(product, customer.grade)["rate"],
    )
    return application


def test_a_downgrade_counts_from_the_grade_the_customer_had_when_the_money_went_out(
    client_for, alice, mary, consumer_product
):
    customer = assessed(alice, factories.individual(alice, name="客户降级"))
    graded_then = Customer.objects.get(pk=customer.pk).grade
    application = approved_application(alice, mary, customer, consumer_product)
    response = client_for(mary).post(reverse("lending:application-disburse", args=[application.pk]))
    assert response.status_code == 302
    loan = Loan.objects.get(application=application)
    assert loan.grade_at_origination == graded_then == "A"

    # Re-assessed the same day, after the money went out: the grade history the nightly
    # records shows only the new grade for the day, so only the loan knows the grade it was
    # granted on.
    credit_services.assessment_create(
        actor=alice, customer=customer, inputs=POOR_INPUTS, expert_comments={}
    )
    graded_now = Customer.objects.get(pk=customer.pk).grade
    assert GRADES.index(graded_now) - GRADES.index("A") >= 3
    nightly(business_date())

    row = LoanProvision.objects.get(loan=loan)
    assert row.stage == provisioning.STAGE_2
    assert provisioning.DOWNGRADE in row.reasons
    assert Loan.objects.get(pk=loan.pk).grade_at_origination == "A"


def test_a_loan_without_a_stored_grade_counts_from_the_grade_history(alice, mary, book):
    """A loan imported from the core banking system stores no grade at origination: the
    history's grade on its disbursement date is the origin."""
    loan = book[1]
    Loan.objects.filter(pk=loan.pk).update(grade_at_origination=None)
    RiskHistory.objects.create(
        kind="grade",
        customer=loan.customer,
        changed_on=loan.disbursed_on - dt.timedelta(days=30),
        old_value="",
        new_value="AAA",
    )
    credit_services.assessment_create(
        actor=alice, customer=loan.customer, inputs=POOR_INPUTS, expert_comments={}
    )
    nightly(NIGHT)

    row = LoanProvision.objects.get(loan=loan)
    assert row.stage == provisioning.STAGE_2
    assert tuple(row.reasons) == (provisioning.DOWNGRADE,)
    assert Loan.objects.get(pk=loan.pk).grade_at_origination is None


def test_the_migration_stores_the_grade_the_history_shows_on_each_disbursement(alice, mary, book):
    """The backfill (risk 0033) gives each loan the grade of the last change on or before its
    disbursement, else the value the first later change replaced, else today's grade."""
    backfill = importlib.import_module("risk.migrations.0033_loan_grade_at_origination_backfill")
    before, after, never = book[1], book[2], book[3]
    for loan, days, old, new in (
        (before, -20, "", "AA"),
        (before, +3, "AA", "BB"),
        (after, +5, "", "CCC"),
        (after, +40, "BBB", "CC"),
    ):
        RiskHistory.objects.create(
            kind="grade",
            customer=loan.customer,
            changed_on=loan.disbursed_on + dt.timedelta(days=days),
            old_value=old,
            new_value=new,
        )
    Loan.objects.update(grade_at_origination=None)

    with connection.cursor() as cursor:
        cursor.execute(backfill.BACKFILL)

    stored = dict(Loan.objects.values_list("pk", "grade_at_origination"))
    # The first later change replaced nothing recorded (""), the next one BBB: the first
    # change decides, and it says nothing, so today's grade stands.
    assert stored == {
        before.pk: "AA",
        after.pk: Customer.objects.get(pk=after.customer_id).grade,
        never.pk: Customer.objects.get(pk=never.customer_id).grade,
    }


def test_a_full_night_provisions_a_loan_by_its_overridden_class_with_nothing_past_due(
    rita, book, settings
):
    # A full chunk reads only the risk rows of note (days past due or a class above normal);
    # a loan up to date that a risk officer put in special mention is one of them.
    settings.BUSINESS_DATE = NIGHT
    nightly(NIGHT)
    up_to_date = book[1]
    risk_services.classification_override(
        actor=rita,
        loan_risk=LoanRisk.objects.get(loan=up_to_date),
        loan_class=LoanClass.SPECIAL_MENTION,
        reason="Employer announced lay-offs",
        until=NIGHT + dt.timedelta(days=30),
    )
    result = jobs.run_synchronously(jobs.NIGHTLY, NIGHT, full=True)
    assert result.status == "done", result.failures
    row = LoanProvision.objects.select_related("loan").get(loan=up_to_date)
    expected = pure_figures(row, NIGHT)
    assert (row.dpd, row.loan_class) == (0, LoanClass.SPECIAL_MENTION)
    assert (row.stage, tuple(row.reasons)) == (2, expected.reasons)
    assert provisioning.SPECIAL_MENTION_CLASS in row.reasons
    assert (row.ecl, row.specific_reserve) == (expected.ecl, expected.specific_reserve)
    assert row.specific_reserve > 0
