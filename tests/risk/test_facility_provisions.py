"""The ECL of a live facility's undrawn amount while no loan is drawn on it: worked out by hand
in the pure module, kept by the nightly (a rerun writes nothing; a drawn loan takes it over),
frozen at month end beside the loans with its movement, and shown on the provisions page, the
dashboard and the facility page (404 for the outsider)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from lending import services
from lending.facility_models import CreditFacility
from lending.loan_quality import NORMAL, SUBSTANDARD
from lending.models import Application
from lending.services import facilities as facility_services
from risk import jobs
from risk import provisioning as p
from risk.models import (
    FacilityProvision,
    LoanProvision,
    ProvisionMovement,
    ProvisionRun,
    ProvisionRunTotal,
)
from tests.customers import factories
from tests.lending.conftest import make_application
from tests.risk.conftest import assessed

AS_OF = dt.date(2026, 11, 18)
PARAMS = p.Parameters()
TODAY = dt.date(2026, 11, 18)


# --- The pure module, by hand ---------------------------------------------------------------


def facility_inputs(**overrides):
    values = {
        "as_of": AS_OF,
        # 729 days ahead: the commitment runs 730 days with its expiry day, t = 2 years.
        "expiry": AS_OF + dt.timedelta(days=729),
        "undrawn": Decimal("200000.00"),
        "annual_pd": Decimal("0.02"),
    }
    values.update(overrides)
    return p.FacilityInputs(**values)


def test_stage_1_undrawn_facility_counts_twelve_months_undiscounted():
    figures = p.facility_provision(facility_inputs(), PARAMS)
    assert (figures.stage, figures.reasons) == (p.STAGE_1, ())
    # EAD = CCF 0.5 × 200,000 = 100,000; stage 1 stops at one year of the two: PD = 0.02;
    # unsecured LGD 0.45; undiscounted: 0.02 × 0.45 × 100,000 = 900.00.
    assert figures.ead == Decimal("100000.00")
    assert figures.pd == Decimal("0.020000")
    assert figures.lgd == Decimal("0.450000")
    assert figures.ecl == Decimal("900.00")


def test_stage_2_undrawn_facility_counts_to_its_expiry_and_its_collateral():
    figures = p.facility_provision(
        facility_inputs(dpd=35, collateral=(("real_estate", Decimal("50000.00")),)), PARAMS
    )
    assert (figures.stage, figures.reasons) == (p.STAGE_2, (p.PAST_DUE_STAGE_2,))
    # Lifetime to the expiry, two years: PD = 1 − 0.98² = 0.0396. Real estate 50,000 less its
    # 30% haircut recovers 35,000 of the EAD of 100,000: LGD = 0.45 × 65,000 / 100,000 =
    # 0.2925. ECL = 0.0396 × 0.2925 × 100,000 = 1,158.30.
    assert figures.pd == Decimal("0.039600")
    assert figures.lgd == Decimal("0.292500")
    assert figures.ecl == Decimal("1158.30")


def test_stage_3_undrawn_facility_and_the_lgd_floor():
    figures = p.facility_provision(
        facility_inputs(loan_class=SUBSTANDARD, collateral=(("deposit", Decimal("100000.00")),)),
        PARAMS,
    )
    assert (figures.stage, figures.reasons) == (p.STAGE_3, (p.NON_PERFORMING_CLASS,))
    # A deposit of 100,000 less 5% covers 95,000 of the 100,000: 0.45 × 0.05 = 0.0225, under
    # the floor of 0.10. Defaulted: PD = 1, ECL = 0.10 × 100,000 = 10,000.00.
    assert (figures.pd, figures.lgd, figures.ecl) == (
        Decimal("1.000000"),
        Decimal("0.100000"),
        Decimal("10000.00"),
    )


def test_a_facility_near_its_expiry_is_at_risk_only_until_then():
    # 364 days ahead: 365 days with the expiry day, t = 1, in stage 2 as in stage 1.
    near = facility_inputs(expiry=AS_OF + dt.timedelta(days=364), notches_down=3)
    figures = p.facility_provision(near, PARAMS)
    assert (figures.stage, figures.reasons) == (p.STAGE_2, (p.DOWNGRADE,))
    assert (figures.pd, figures.ecl) == (Decimal("0.020000"), Decimal("900.00"))
    # Its last day: 1/365 of a year, PD = 1 − 0.98^(1/365) = 0.0000553… → 0.000055;
    # 0.000055 × 0.45 × 100,000 = 2.475 → 2.48.
    last_day = p.facility_provision(facility_inputs(expiry=AS_OF, loan_class=NORMAL), PARAMS)
    assert (last_day.stage, last_day.pd, last_day.ecl) == (
        p.STAGE_1,
        Decimal("0.000055"),
        Decimal("2.48"),
    )


# --- The nightly ----------------------------------------------------------------------------


def nightly(on, **options):
    result = jobs.run_synchronously(jobs.NIGHTLY, on, **options)
    assert result.status == "done", result.failures
    return result


@pytest.fixture
def today(settings):
    settings.BUSINESS_DATE = TODAY
    return TODAY


@pytest.fixture
def customer(alice):
    # Graded A: a master-scale PD of 0.1484% a year.
    return assessed(alice, factories.individual(alice, name="赵六"))


@pytest.fixture
def facility(alice, mary, customer, today) -> CreditFacility:
    facility = facility_services.facility_propose(
        actor=alice,
        facility=CreditFacility(
            customer=customer,
            kind="revolving",
            limit=Decimal("150000"),
            start_date=dt.date(2026, 10, 1),
            expiry_date=dt.date(2028, 9, 30),
            review_date=dt.date(2027, 9, 30),
            reason="Working capital for two years",
        ),
        sublimits=(),
    )
    facility_services.facility_approve(actor=mary, facility=facility)
    return facility_services.facility_activate(actor=alice, facility=facility)


def approve(alice, mary, customer, product, facility, amount="100000"):
    """An application drawing on `facility`, approved, not disbursed yet."""
    application = make_application(alice, customer, product, amount=amount)
    application = services.application_update(
        actor=alice, application=application, changes={"facility": facility}
    )
    services.application_submit(actor=alice, application=application)
    services.application_start_review(actor=mary, application=application)
    return services.application_approve(
        actor=mary,
        application=Application.objects.get(pk=application.pk),
        amount=Decimal(amount),
        term_months=12,
        rate=Decimal("0.0435"),
    )


def draw(alice, mary, customer, product, facility, amount="100000", on=TODAY):
    application = approve(alice, mary, customer, product, facility, amount)
    return services.application_disburse(actor=mary, application=application, on=on)


def test_nightly_provisions_an_undrawn_facility_and_a_rerun_writes_nothing(facility, today):
    result = nightly(today)
    assert result.counts.get("facility_provisions_written") == 1
    row = FacilityProvision.objects.get(facility=facility)
    # Nothing drawn: EAD = 0.5 × 150,000 = 75,000; grade A's PD 0.001484 over the stage 1
    # year (the facility runs to 2028); unsecured LGD 0.45: ECL = 0.001484 × 0.45 × 75,000 =
    # 50.085, half up 50.09.
    assert (row.stage, list(row.reasons)) == (p.STAGE_1, [])
    assert (row.undrawn, row.ead) == (Decimal("150000.00"), Decimal("75000.00"))
    assert (row.annual_pd, row.pd, row.lgd) == (
        Decimal("0.001484"),
        Decimal("0.001484"),
        Decimal("0.450000"),
    )
    assert row.ecl == Decimal("50.09")
    assert (row.customer_id, row.computed_on) == (facility.customer_id, today)
    # Nothing changed: a second night (incremental or full) writes nothing.
    assert nightly(today).counts.get("facility_provisions_written", 0) == 0
    assert nightly(today, full=True).counts.get("facility_provisions_written", 0) == 0


def test_a_full_night_measures_again_a_facility_whose_inputs_changed(facility, today):
    """The nightly computes only the facilities whose inputs changed: a raised limit (more
    undrawn) is one of them, and its row gets the new figures."""
    nightly(today, full=True)
    CreditFacility.objects.filter(pk=facility.pk).update(limit=Decimal("200000"))
    result = nightly(today, full=True)
    assert result.counts.get("facility_provisions_written") == 1
    row = FacilityProvision.objects.get(facility=facility)
    # EAD = 0.5 × 200,000; ECL = 0.001484 × 0.45 × 100,000 = 66.78.
    assert (row.undrawn, row.ead, row.ecl) == (
        Decimal("200000.00"),
        Decimal("100000.00"),
        Decimal("66.78"),
    )
    assert nightly(today, full=True).counts.get("facility_provisions_written", 0) == 0


# A night over the changed customers reads them by key, a full night by the range of ids
# (risk.facility_provisions): both count the same drawings.
BOTH_NIGHTS = pytest.mark.parametrize("full", [False, True], ids=["changed", "full"])


@BOTH_NIGHTS
def test_a_loan_drawn_on_the_facility_takes_its_undrawn_amount_over(
    alice, mary, customer, consumer_product, facility, today, full
):
    nightly(today, full=full)
    assert FacilityProvision.objects.filter(facility=facility).exists()
    loan = draw(alice, mary, customer, consumer_product, facility)
    result = nightly(today, full=full)
    assert result.counts.get("facility_provisions_removed") == 1
    assert not FacilityProvision.objects.filter(facility=facility).exists()
    # The loan's EAD carries the 50,000 still undrawn, as it always has.
    provision = LoanProvision.objects.get(loan=loan)
    assert provision.undrawn == Decimal("50000.00")
    assert provision.ead == Decimal("100000.00") + Decimal("0.5") * Decimal("50000.00")


@BOTH_NIGHTS
def test_an_approved_application_on_the_facility_lowers_its_undrawn_amount(
    alice, mary, customer, consumer_product, facility, today, full
):
    nightly(today, full=full)
    approve(alice, mary, customer, consumer_product, facility, "60000")
    result = nightly(today, full=full)
    assert result.counts.get("facility_provisions_written") == 1
    row = FacilityProvision.objects.get(facility=facility)
    # 150,000 less the 60,000 approved and not disbursed: EAD = 0.5 × 90,000; ECL =
    # 0.001484 × 0.45 × 45,000 = 30.051, half up 30.05.
    assert (row.undrawn, row.ead, row.ecl) == (
        Decimal("90000.00"),
        Decimal("45000.00"),
        Decimal("30.05"),
    )
    assert nightly(today, full=full).counts.get("facility_provisions_written", 0) == 0


def test_a_frozen_facility_keeps_its_row_and_a_closed_one_loses_it(alice, mary, facility, today):
    facility_services.facility_freeze(actor=mary, facility=facility, reason="Lawsuit reported")
    nightly(today)
    assert FacilityProvision.objects.filter(facility=facility).exists()
    CreditFacility.objects.filter(pk=facility.pk).update(status="closed")
    nightly(today)
    assert not FacilityProvision.objects.filter(facility=facility).exists()


@BOTH_NIGHTS
def test_the_customers_past_due_loan_puts_the_facility_in_stage_2(
    alice, mary, customer, consumer_product, facility, settings, full
):
    # A loan of the customer's not drawn on the facility, disbursed in August, never repaid:
    # 40 days past due on the night.
    other = draw(alice, mary, customer, consumer_product, None, "20000", dt.date(2026, 8, 10))
    settings.BUSINESS_DATE = dt.date(2026, 10, 20)
    nightly(dt.date(2026, 10, 20), full=full)
    row = FacilityProvision.objects.get(facility=facility)
    assert other.facility_id is None
    assert row.dpd == 40
    assert row.stage == p.STAGE_2
    assert p.PAST_DUE_STAGE_2 in row.reasons
    # Lifetime, to 30 September 2028 (712 days with the expiry day), not 12 months, at the
    # PD of the grade the night gave the customer.
    expected = p.facility_provision(
        p.FacilityInputs(
            as_of=dt.date(2026, 10, 20),
            expiry=facility.expiry_date,
            undrawn=Decimal("150000.00"),
            annual_pd=row.annual_pd,
            loan_class=row.loan_class,
            dpd=40,
        ),
        PARAMS,
    )
    assert expected.stage == p.STAGE_2
    assert (row.pd, row.lgd, row.ead, row.ecl) == (
        expected.pd,
        expected.lgd,
        expected.ead,
        expected.ecl,
    )
    assert row.pd > row.annual_pd


# --- The month-end run ----------------------------------------------------------------------


def test_month_end_run_totals_and_movement_include_the_undrawn_facility(
    client_for, rita, alice, mary, customer, consumer_product, facility, settings
):
    client = client_for(rita)
    assert client.post("/risk/provisions/run/", {"month": "2026-10"}).status_code == 302
    october = ProvisionRun.objects.get(month=dt.date(2026, 10, 1))
    row = FacilityProvision.objects.get(facility=facility)
    # As of 31 October: nothing drawn, the same figure as by hand above.
    assert (row.computed_on, row.ecl) == (dt.date(2026, 10, 31), Decimal("50.09"))
    assert (october.loans, october.facilities, october.undrawn) == (0, 1, Decimal("150000.00"))
    assert october.facility_ecl == october.ecl == Decimal("50.09")
    stage_1 = ProvisionRunTotal.objects.get(run=october, dimension="stage", key="1")
    assert (stage_1.loans, stage_1.facilities, stage_1.facility_ecl) == (0, 1, Decimal("50.09"))
    assert list(october.movements.values_list("kind", "loans", "ecl")) == [
        ("facility_new", 1, Decimal("50.09"))
    ]
    # November: a loan drawn on it takes its undrawn amount over; the facility is
    # derecognised, the loan is new, and opening + movements = closing.
    loan = draw(alice, mary, customer, consumer_product, facility, on=dt.date(2026, 11, 10))
    settings.BUSINESS_DATE = dt.date(2026, 12, 1)
    assert client.post("/risk/provisions/run/", {"month": "2026-11"}).status_code == 302
    november = ProvisionRun.objects.get(month=dt.date(2026, 11, 1))
    assert (november.loans, november.facilities, november.facility_ecl) == (1, 0, 0)
    assert november.ecl == LoanProvision.objects.get(loan=loan).ecl
    moved = {m.kind: (m.loans, m.ecl) for m in ProvisionMovement.objects.filter(run=november)}
    assert moved["facility_derecognised"] == (1, Decimal("-50.09"))
    assert moved["new"][0] == 1
    assert october.ecl + sum(ecl for _count, ecl in moved.values()) == november.ecl


def test_month_end_remeasures_a_facility_that_stays_undrawn(client_for, rita, facility, settings):
    client = client_for(rita)
    assert client.post("/risk/provisions/run/", {"month": "2026-10"}).status_code == 302
    settings.BUSINESS_DATE = dt.date(2026, 12, 1)
    assert client.post("/risk/provisions/run/", {"month": "2026-11"}).status_code == 302
    november = ProvisionRun.objects.get(month=dt.date(2026, 11, 1))
    assert list(november.movements.values_list("kind", "loans", "ecl")) == [
        ("facility_remeasured", 1, Decimal("0.00"))
    ]
    assert november.ecl == Decimal("50.09")


# --- The pages ------------------------------------------------------------------------------


def test_provisions_page_and_drill_down_show_the_undrawn_facility(
    client_for, mary, rita, alice, charlie, facility, today
):
    nightly(today)
    for reader in (mary, rita):
        page = client_for(reader).get(reverse("risk:provisions"))
        assert page.status_code == 200
        text = page.content.decode()
        assert 'data-testid="facilities-by-stage"' in text
        assert "Undrawn facilities" in text
        assert page.context["facilities"]["total_ecl"] == Decimal("50.09")
        assert page.context["totals"]["ecl_with_facilities"] == Decimal("50.09")
        drill = client_for(reader).get(reverse("risk:provision-facilities"), {"stage": 1})
        assert drill.status_code == 200
        assert [row.facility_id for row in drill.context["page"]] == [facility.pk]
        assert facility.reference in drill.content.decode()
    # A stage that does not exist is named next to its label, and nothing is listed.
    bad = client_for(mary).get(reverse("risk:provision-facilities"), {"stage": "9"})
    assert bad.status_code == 400
    assert "Stage" in bad.content.decode()
    # Officers do not read the provisions pages.
    for officer in (alice, charlie):
        drill = client_for(officer).get(reverse("risk:provision-facilities"))
        assert drill.status_code == 403


def test_a_manager_reads_only_the_undrawn_facilities_of_their_branch(
    client_for, mary, rita, charlie, facility, today
):
    south_customer = assessed(charlie, factories.individual(charlie, name="钱七"))
    # Set up as the book holds it (the approval is lending's, tested there).
    south = CreditFacility.objects.create(
        customer=south_customer,
        kind="revolving",
        limit=Decimal("80000"),
        start_date=dt.date(2026, 10, 1),
        expiry_date=dt.date(2028, 9, 30),
        review_date=dt.date(2027, 9, 30),
        status="active",
        reason="Working capital",
        proposed_by=charlie,
        approved_by=rita,
    )
    nightly(today)
    assert FacilityProvision.objects.count() == 2
    listed = client_for(mary).get(reverse("risk:provision-facilities"))
    assert [row.facility_id for row in listed.context["page"]] == [facility.pk]
    page = client_for(mary).get(reverse("risk:provisions"))
    assert page.context["facilities"]["facilities"] == 1
    everything = client_for(rita).get(reverse("risk:provision-facilities"))
    assert {row.facility_id for row in everything.context["page"]} == {facility.pk, south.pk}


def test_dashboard_ecl_by_stage_counts_the_undrawn_facility(client_for, mary, facility, today):
    nightly(today)
    page = client_for(mary).get(reverse("dashboards:dashboard"))
    assert page.status_code == 200
    text = page.content.decode()
    # Stage 1 holds the facility's 50.09 (no loans), and the card says how much of it is the
    # undrawn facilities'.
    assert 'data-testid="kpi-ecl-stage-1">' in text
    assert ": ¥50.09</a>" in text
    assert 'data-testid="kpi-ecl-facilities">' in text
    assert "of which undrawn facilities: ¥50.09" in text


def test_facility_page_shows_its_provision_and_the_outsider_gets_404(
    client_for, alice, charlie, facility, today
):
    nightly(today)
    url = reverse("lending:facility-detail", args=[facility.pk])
    page = client_for(alice).get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-testid="facility-provision-ecl">¥50.09<' in text
    assert "Stage 1 (12-month ECL)" in text
    assert client_for(charlie).get(url).status_code == 404
