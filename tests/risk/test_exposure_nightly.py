"""The nightly keeps the exposure of every customer and group (risk.exposure): what it stores
equals the exposure computed directly from the book (outstanding principal + approved, not
disbursed + undrawn live facilities), a second night writes nothing, and an exposure past the
early-warning share of its concentration limit raises an alert on the customer, or on every
member of the group; it clears when the exposure falls back. Every member's group alert
follows the group on the night its exposure or its limit moves, however it moved: an
incremental night leaves them as a full night would."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Sum

from customers.models import Customer
from customers.relations import CustomerGroup, CustomerGroupMember
from lending import facilities
from lending import services as lending_services
from lending.exposure_models import CustomerExposure, GroupExposure, Tier1Capital
from lending.facility_models import CreditFacility, FacilityStatus
from lending.importer import import_loans, read_loans
from lending.models import Application, ApplicationStatus, Loan, LoanStatus, Repayment
from lending.services import facilities as facility_services
from risk import jobs
from risk.models import ACTIVE_ALERT_STATUSES, Alert
from tests.customers import factories
from tests.risk.conftest import assessed, disbursed_loan
from tests.risk.test_incremental import book_state, written

pytestmark = pytest.mark.django_db

ON = dt.date(2026, 3, 15)


def _night(on: dt.date = ON):
    run = jobs.run_synchronously(jobs.NIGHTLY, on)
    assert run.status == "done", run.failures
    return run


def _night_as_a_full_one(on: dt.date):
    """An incremental night, then a full night of the same date that finds nothing left to
    write (tests/risk/test_incremental.py): the incremental night looked at everyone whose
    results moved."""
    incremental = _night(on)
    assert not incremental.full
    after = book_state()
    full = jobs.run_synchronously(jobs.NIGHTLY, on, full=True)
    assert full.status == "done", full.failures
    assert written(full) == {}, on
    assert book_state() == after, on
    return incremental


def _facility(officer, manager, customer, limit, *, kind="revolving", expiry=dt.date(2027, 6, 30)):
    facility = facility_services.facility_propose(
        actor=officer,
        facility=CreditFacility(
            customer=customer,
            kind=kind,
            limit=Decimal(limit),
            start_date=dt.date(2025, 1, 1),
            expiry_date=expiry,
            review_date=min(expiry, dt.date(2026, 12, 31)),
            reason="Working capital",
        ),
    )
    facility_services.facility_approve(actor=manager, facility=facility)
    return facility_services.facility_activate(actor=officer, facility=facility)


def _approved_application(
    officer, manager, customer, product, amount, facility=None, rate=Decimal("0.0435")
):
    application = lending_services.application_create(
        actor=officer,
        application=Application(
            customer=customer,
            product=product,
            amount=Decimal(amount),
            term_months=12,
            purpose="Stock",
            facility=facility,
        ),
    )
    lending_services.application_submit(actor=officer, application=application)
    return lending_services.application_approve(
        actor=manager,
        application=application,
        amount=Decimal(amount),
        term_months=12,
        rate=rate,
    )


def _directly(customer_ids) -> dict[int, Decimal]:
    """The exposure of each customer computed with the ORM and the facilities' selector."""
    undrawn = facilities.customer_totals(customer_ids)
    result = {}
    for pk in customer_ids:
        outstanding = Loan.objects.filter(customer_id=pk, status=LoanStatus.ACTIVE).aggregate(
            total=Sum("outstanding_principal")
        )["total"] or Decimal("0")
        committed = Application.objects.filter(
            customer_id=pk, status=ApplicationStatus.APPROVED, facility__isnull=True
        ).aggregate(total=Sum("approved_amount"))["total"] or Decimal("0")
        facility_room = undrawn[pk].available if pk in undrawn else Decimal("0")
        result[pk] = outstanding + committed + facility_room
    return result


@pytest.fixture
def book(alice, mary, admin_user, consumer_product, business_day):
    """A small book: loans, an approved application not disbursed, revolving and one-off
    facilities (one drawn on, one expired), and a group of three."""
    business_day(dt.date(2025, 1, 10))
    customers = [assessed(alice, factories.individual(alice, name=f"客户{n}")) for n in range(6)]
    disbursed_loan(alice, mary, customers[0], consumer_product, amount="120000")
    disbursed_loan(alice, mary, customers[1], consumer_product, amount="80000")
    business_day(ON)
    _facility(alice, mary, customers[1], "300000")
    one_off = _facility(alice, mary, customers[2], "200000", kind="one_off")
    drawn = _approved_application(
        alice, mary, customers[2], consumer_product, "50000", facility=one_off
    )
    lending_services.application_disburse(actor=mary, application=drawn, on=ON)
    _approved_application(alice, mary, customers[3], consumer_product, "70000")
    _facility(alice, mary, customers[4], "90000", expiry=dt.date(2026, 3, 31))
    group = CustomerGroup.objects.create(
        name="长江集团", group_limit=Decimal("5000000"), created_by=admin_user
    )
    for customer in customers[:3]:
        CustomerGroupMember.objects.create(group=group, customer=customer, added_by=admin_user)
    return {"customers": customers, "group": group}


def test_the_nightly_exposure_equals_a_direct_computation(book):
    customers, group = book["customers"], book["group"]
    ids = [customer.pk for customer in customers]
    _night()
    stored = dict(CustomerExposure.objects.values_list("customer_id", "exposure"))
    expected = _directly(ids)
    assert {pk: stored.get(pk, Decimal("0")) for pk in ids} == expected
    assert expected[ids[1]] > Decimal("300000")  # loan outstanding + the whole undrawn facility
    assert expected[ids[5]] == Decimal("0")
    assert GroupExposure.objects.get(group=group).exposure == sum(expected[pk] for pk in ids[:3])
    # Nothing changed: the second night writes no exposure row.
    second = _night()
    assert second.counts.get("exposures_written", 0) == 0
    # The expired facility leaves the exposure once its date has passed.
    _night(dt.date(2026, 4, 1))
    assert CustomerExposure.objects.get(customer=customers[4]).exposure == Decimal("0")
    # A member leaving the group takes its exposure out of the group's.
    CustomerGroupMember.objects.filter(customer=customers[0]).delete()
    _night(dt.date(2026, 4, 2))
    assert GroupExposure.objects.get(group=group).exposure == sum(_directly(ids[1:3]).values())


def test_a_full_night_rebuilds_every_stored_exposure_chunk_by_chunk(book):
    customers, group = book["customers"], book["group"]
    ids = [customer.pk for customer in customers]
    # The decisions added their amounts to the stored rows as they went; without those rows
    # (a restored database, say) only the night's computation can bring them back.
    CustomerExposure.objects.all().delete()
    GroupExposure.objects.all().delete()
    # Two customers a chunk: each chunk selects its customers by its range of ids.
    run = jobs.run_synchronously(jobs.NIGHTLY, ON, chunk_size=2, full=True)
    assert run.status == "done", run.failures
    stored = dict(CustomerExposure.objects.values_list("customer_id", "exposure"))
    expected = _directly(ids)
    assert {pk: stored.get(pk, Decimal("0")) for pk in ids} == expected
    assert sum(1 for pk in ids if expected[pk] > 0) >= 4
    # The members' rows carry their group, and the group's row sums them.
    assert set(
        CustomerExposure.objects.filter(group=group).values_list("customer_id", flat=True)
    ) == set(ids[:3])
    assert GroupExposure.objects.get(group=group).exposure == sum(expected[pk] for pk in ids[:3])


def test_a_full_night_counts_what_is_drawn_on_and_approved_against_each_facility(
    book, alice, mary, consumer_product
):
    """A full night reads each chunk's drawings by its range of customers: a loan drawn on a
    one-off facility (by its principal), an approved application not disbursed yet on a
    revolving one, and a loan repaid on a one-off facility all count as they do on the
    facilities' pages."""
    customers = book["customers"]
    ids = [customer.pk for customer in customers]
    revolving = CreditFacility.objects.get(customer=customers[1])
    _approved_application(alice, mary, customers[1], consumer_product, "40000", revolving)
    one_off = CreditFacility.objects.get(customer=customers[2])
    # The one-off facility's loan repaid: its principal still counts against the limit.
    Loan.objects.filter(facility=one_off).update(
        status=LoanStatus.CLOSED, outstanding_principal=Decimal("0")
    )
    CustomerExposure.objects.all().delete()
    run = jobs.run_synchronously(jobs.NIGHTLY, ON, chunk_size=2, full=True)
    assert run.status == "done", run.failures
    stored = dict(CustomerExposure.objects.values_list("customer_id", "exposure"))
    expected = _directly(ids)
    assert {pk: stored.get(pk, Decimal("0")) for pk in ids} == expected
    # The 40,000 approved on the revolving facility is inside its utilisation: the room
    # left is 300,000 less it; the one-off facility has 200,000 less the 50,000 disbursed.
    assert CustomerExposure.objects.get(customer=customers[1]).undrawn == Decimal("260000.00")
    assert CustomerExposure.objects.get(customer=customers[2]).undrawn == Decimal("150000.00")


def _alerts(indicator):
    return set(
        Alert.objects.filter(indicator=indicator, status__in=ACTIVE_ALERT_STATUSES).values_list(
            "customer_id", flat=True
        )
    )


def test_an_exposure_past_the_warning_share_raises_an_alert(book, alice, mary):
    customers, group = book["customers"], book["group"]
    _night()
    exposures = _directly([customer.pk for customer in customers])
    # Capital at which customer 1's exposure is 90% of the 10% limit: above the 80% warning.
    capital = (exposures[customers[1].pk] / Decimal("0.09")).quantize(Decimal("0.01"))
    Tier1Capital.objects.create(amount=capital, effective_on=ON, note="Q4 report")
    _night(ON + dt.timedelta(days=1))
    assert _alerts("single_concentration") == {customers[1].pk}
    alert = Alert.objects.get(indicator="single_concentration", customer=customers[1])
    assert alert.shown_value().startswith("90.00% of the concentration limit")
    # The group's exposure against 15% of the capital: every member is warned.
    group_exposure = GroupExposure.objects.get(group=group).exposure
    assert group_exposure >= capital * Decimal("0.15") * Decimal("0.8")
    assert _alerts("group_concentration") == {c.pk for c in customers[:3]}
    # The facility closed, the exposure falls below the warning and the alert clears.
    facility = CreditFacility.objects.get(customer=customers[1])
    facility_services.facility_close(actor=mary, facility=facility, reason="Not needed")
    assert facility.__class__.objects.get(pk=facility.pk).status == FacilityStatus.CLOSED
    _night(ON + dt.timedelta(days=2))
    assert _alerts("single_concentration") == set()


def _repay(officer, customer, reference: str, amount: str = "30000") -> None:
    """A payment on the customer's loan: its outstanding principal, and so the customer's and
    the group's exposure, go down (not through the decisions' exposure_add)."""
    loan = Loan.objects.get(customer=customer, status=LoanStatus.ACTIVE)
    lending_services.repayment_post(
        actor=officer,
        loan=loan,
        amount=Decimal(amount),
        paid_on=ON,
        channel="transfer",
        reference=reference,
        allow_prepayment=True,
    )


def _group_alert_values(customers) -> dict[int, str]:
    return dict(
        Alert.objects.filter(
            indicator="group_concentration",
            status__in=ACTIVE_ALERT_STATUSES,
            customer__in=customers,
        ).values_list("customer_id", "value")
    )


def test_a_group_far_below_its_limit_leaves_its_members_alone(book, alice):
    """A member's repayment moves the group's exposure, but with no limit in reach no member's
    group alert can change: the night looks at the member who paid, and the next run of the
    same date at nobody (it looked again at the other members before)."""
    customers, group = book["customers"], book["group"]
    _night()
    before = GroupExposure.objects.get(group=group).exposure
    _repay(alice, customers[0], "g1")
    night = _night(ON + dt.timedelta(days=1))
    assert GroupExposure.objects.get(group=group).exposure < before
    assert night.counts["customers_examined"] == 1
    rerun = _night(ON + dt.timedelta(days=1))
    assert rerun.counts.get("customers_examined", 0) == 0


def test_the_members_group_alerts_follow_a_group_near_its_limit(book, alice, mary):
    """Near the group limit every member's alert carries the group's share of it: a member's
    repayment moves the others' alerts too, and when the group falls below the warning share
    every member's alert clears, the same night (the members in the chunk that moved the
    group are examined by it; here every customer is in one chunk)."""
    customers, group = book["customers"], book["group"]
    members = customers[:3]
    _night()
    group_exposure = GroupExposure.objects.get(group=group).exposure
    # Capital at which the group uses 90% of its limit (15% of the capital).
    capital = (group_exposure / Decimal("0.135")).quantize(Decimal("0.01"))
    Tier1Capital.objects.create(amount=capital, effective_on=ON, note="Q4 report")
    _night(ON + dt.timedelta(days=1))
    first = _group_alert_values(members)
    assert set(first) == {member.pk for member in members}
    assert set(first.values()) == {"0.9000"}
    # Customer 0 pays: every member's alert takes the group's new share.
    _repay(alice, members[0], "g2")
    _night_as_a_full_one(ON + dt.timedelta(days=2))
    moved = _group_alert_values(members)
    assert set(moved) == {member.pk for member in members}
    assert len(set(moved.values())) == 1
    assert Decimal(moved[members[2].pk]) < Decimal("0.9000")
    # Customer 1's facility closes: the group falls far below the warning share (80%) and
    # the alerts of customers 0 and 2, who changed nothing, clear too.
    facility = CreditFacility.objects.get(customer=members[1])
    facility_services.facility_close(actor=mary, facility=facility, reason="Not needed")
    _night_as_a_full_one(ON + dt.timedelta(days=3))
    assert GroupExposure.objects.get(group=group).exposure < group_exposure * Decimal("0.8")
    assert _group_alert_values(members) == {}


def test_a_group_climbing_to_its_warning_share_warns_every_member(book, alice, mary):
    """A payment reversed takes the group back above the warning share: the members who
    changed nothing, with no alert open, are warned the same night as the one whose loan
    moved."""
    customers, group = book["customers"], book["group"]
    members = customers[:3]
    _night()
    group_exposure = GroupExposure.objects.get(group=group).exposure
    # Capital at which the group uses 81% of its limit, just past the 80% warning.
    capital = (group_exposure / Decimal("0.1215")).quantize(Decimal("0.01"))
    Tier1Capital.objects.create(amount=capital, effective_on=ON, note="Q4 report")
    _night(ON + dt.timedelta(days=1))
    assert set(_group_alert_values(members)) == {member.pk for member in members}
    _repay(alice, members[0], "g3")
    _night_as_a_full_one(ON + dt.timedelta(days=2))
    assert GroupExposure.objects.get(group=group).exposure < group_exposure * Decimal("0.98")
    assert _group_alert_values(members) == {}
    payment = Repayment.objects.get(reference="g3")
    proposal, _ = lending_services.repayment_reversal_propose(
        actor=alice, repayment=payment, reason="Posted to the wrong loan"
    )
    lending_services.repayment_reversal_approve(actor=mary, proposal=proposal)
    _night_as_a_full_one(ON + dt.timedelta(days=3))
    assert GroupExposure.objects.get(group=group).exposure == group_exposure
    assert set(_group_alert_values(members)) == {member.pk for member in members}


def _capital_at_share_of_group_limit(group, share: str) -> Decimal:
    """The tier-1 capital at which the group's stored exposure uses `share` of the group
    limit (15% of the capital)."""
    exposure = GroupExposure.objects.get(group=group).exposure
    return (exposure / (Decimal("0.15") * Decimal(share))).quantize(Decimal("0.01"))


def test_a_decision_during_the_day_warns_every_member_that_night(
    book, alice, mary, consumer_product, business_day
):
    """An approval adds its amount to the stored exposure of its customer and of their group
    at once (lending.concentration.exposure_add), so that the day's next decision counts it;
    the night's refresh then finds the group as stored and moves nothing. The group's other
    members, who changed nothing, are warned that night all the same."""
    customers, group = book["customers"], book["group"]
    members = customers[:3]
    _night()
    group_exposure = GroupExposure.objects.get(group=group).exposure
    capital = _capital_at_share_of_group_limit(group, "0.75")
    Tier1Capital.objects.create(amount=capital, effective_on=ON, note="Q4 report")
    _night(ON + dt.timedelta(days=1))
    assert _group_alert_values(members) == {}
    # A new loan to customer 2 (who pays on time) of a seventh of the group's exposure takes
    # the group from 75% of its limit to 86%, past the warning share (80%); customer 2 stays
    # far below the single-customer limit.
    day = business_day(ON + dt.timedelta(days=2))
    added = (group_exposure / 7).quantize(Decimal("1"))
    borrower = Customer.objects.get(pk=members[2].pk)
    rate = lending_services.offer_for(consumer_product, borrower.grade)["rate"]
    application = _approved_application(
        alice, mary, borrower, consumer_product, str(added), rate=rate
    )
    lending_services.application_disburse(actor=mary, application=application, on=day)
    assert GroupExposure.objects.get(group=group).exposure == group_exposure + added
    _night_as_a_full_one(day)
    shares = _group_alert_values(members)
    assert set(shares) == {member.pk for member in members}
    assert len(set(shares.values())) == 1
    assert Decimal(shares[members[0].pk]) > Decimal("0.85")


def test_members_in_the_chunk_that_moves_their_group_are_warned_that_night(
    book, mary, business_day
):
    """A loan disbursed in the core banking system and imported (no decision here added it to
    the stored exposures) takes the group past its warning share: the chunk's refresh moves
    the group, and its other members in the same chunk, who changed nothing and were not
    among the chunk's customers, are examined by that chunk before its scan."""
    customers, group = book["customers"], book["group"]
    members = customers[:3]
    _night()
    group_exposure = GroupExposure.objects.get(group=group).exposure
    capital = _capital_at_share_of_group_limit(group, "0.70")
    Tier1Capital.objects.create(amount=capital, effective_on=ON, note="Q4 report")
    _night(ON + dt.timedelta(days=1))
    assert _group_alert_values(members) == {}
    day = business_day(ON + dt.timedelta(days=2))
    added = (group_exposure / 5).quantize(Decimal("1"))
    loans = (
        "external_ref,customer,product,amount,annual_rate,term_months,disbursed_on\n"
        f"CB-G1,{members[0].resident_id},CONS-01,{added},0.0435,12,{day.isoformat()}\n"
    ).encode()
    report = import_loans(actor=mary, rows=read_loans(loans, "loans.csv"), strict=True)
    assert (report.created, report.committed) == (1, True)
    night = _night_as_a_full_one(day)
    # One chunk (the default size holds the whole book): the customer whose loan came in,
    # and the two members whose group it moved.
    assert night.counts["customers_examined"] == 3
    assert set(_group_alert_values(members)) == {member.pk for member in members}


def test_a_capital_figure_entered_ahead_moves_the_alerts_on_the_day_it_takes_effect(book):
    """Next quarter's tier-1 capital entered now marks every exposed customer the day it is
    entered, when it is not in force yet. On the date it takes effect every limit moves with
    it: that night warns the group's members (and clears nothing that still holds), as a
    full night would."""
    customers, group = book["customers"], book["group"]
    members = customers[:3]
    _night()
    today = _capital_at_share_of_group_limit(group, "0.50")
    Tier1Capital.objects.create(amount=today, effective_on=ON, note="Q4 report")
    takes_effect = ON + dt.timedelta(days=10)
    ahead = _capital_at_share_of_group_limit(group, "0.90")
    Tier1Capital.objects.create(amount=ahead, effective_on=takes_effect, note="Q1 plan")
    _night_as_a_full_one(ON + dt.timedelta(days=1))
    assert _group_alert_values(members) == {}
    quiet = _night_as_a_full_one(takes_effect - dt.timedelta(days=1))
    assert quiet.counts.get("customers_examined", 0) == 0
    _night_as_a_full_one(takes_effect)
    assert set(_group_alert_values(members)) == {member.pk for member in members}
    assert set(_group_alert_values(members).values()) == {"0.9000"}


def test_a_member_with_no_exposure_of_its_own_follows_a_new_capital_figure(book, admin_user):
    """A group member with nothing drawn carries the group's alert like the others: a capital
    figure entered marks it with the exposed customers."""
    customers, group = book["customers"], book["group"]
    CustomerGroupMember.objects.create(group=group, customer=customers[5], added_by=admin_user)
    members = [*customers[:3], customers[5]]
    _night()
    assert CustomerExposure.objects.get(customer=customers[5]).exposure == Decimal("0")
    capital = _capital_at_share_of_group_limit(group, "0.90")
    Tier1Capital.objects.create(amount=capital, effective_on=ON, note="Q4 report")
    _night_as_a_full_one(ON + dt.timedelta(days=1))
    assert set(_group_alert_values(members)) == {member.pk for member in members}
