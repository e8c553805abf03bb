"""Concentration limits (商业银行大额风险暴露管理办法): one customer's exposure against 10% of
the bank's tier-1 capital, a group's against 15%, configured in admin with their history. A
facility approval that would breach a limit is refused with the figures, as is one that takes
its group past the group limit; an application approval that would breach one goes to the
head-office credit committee, with the figures. The customer 360 and the application page show
the exposure against every limit that applies."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from customers.relations import CustomerGroup, CustomerGroupMember
from lending import concentration
from lending.exposure_models import (
    ConcentrationLimit,
    CustomerExposure,
    GroupExposure,
    LimitKind,
    Tier1Capital,
)
from lending.facility_models import CreditFacility, FacilityStatus
from lending.models import ApplicationStatus, ApprovalRoute
from tests.customers import factories
from tests.lending.test_facilities import EXPIRY, REVIEW, START, propose

# Tier-1 capital of ¥2,000,000: the single-customer limit is ¥200,000, the group one ¥300,000,
# their warnings at ¥160,000 and ¥240,000.
CAPITAL = Decimal("2000000.00")


@pytest.fixture
def capital(db, on_business_date):
    return Tier1Capital.objects.create(
        amount=CAPITAL, effective_on=dt.date(2025, 12, 31), note="2025 annual report"
    )


@pytest.fixture
def group(admin_user, graded_customer):
    group = CustomerGroup.objects.create(
        name="华东集团", group_limit=Decimal("1000000"), created_by=admin_user
    )
    CustomerGroupMember.objects.create(group=group, customer=graded_customer, added_by=admin_user)
    return group


def member(group, officer, name, admin_user):
    customer = factories.individual(officer, name=name)
    CustomerGroupMember.objects.create(group=group, customer=customer, added_by=admin_user)
    return customer


def test_the_limits_are_shares_of_the_latest_capital_in_effect(capital, on_business_date):
    limits = concentration.limits()
    assert limits[LimitKind.SINGLE_CUSTOMER].amount == Decimal("200000.00")
    assert limits[LimitKind.GROUP].amount == Decimal("300000.00")
    assert limits[LimitKind.SINGLE_CUSTOMER].warning_amount == Decimal("160000.00")
    # A later figure applies from its date on; one dated after the business date not yet.
    Tier1Capital.objects.create(
        amount=Decimal("3000000"), effective_on=on_business_date, note="Q1 2026 capital report"
    )
    Tier1Capital.objects.create(
        amount=Decimal("9000000"), effective_on=on_business_date + dt.timedelta(days=1), note="x"
    )
    assert concentration.limits()[LimitKind.SINGLE_CUSTOMER].amount == Decimal("300000.00")
    ConcentrationLimit.objects.filter(kind=LimitKind.SINGLE_CUSTOMER).update(
        share_of_capital=Decimal("0.0500")
    )
    assert concentration.limits()[LimitKind.SINGLE_CUSTOMER].amount == Decimal("150000.00")


def test_without_capital_no_limit_applies(db, alice, mary, graded_customer, on_business_date):
    facility = propose(alice, graded_customer, "5000000")
    response = _client(mary).post(reverse("lending:facility-approve", args=[facility.pk]))
    assert response.status_code == 302
    assert CreditFacility.objects.get(pk=facility.pk).status == FacilityStatus.APPROVED


def _client(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def test_a_facility_breaching_the_single_customer_limit_is_refused_with_the_figures(
    capital, alice, mary, graded_customer
):
    facility = propose(alice, graded_customer, "250000")
    response = _client(mary).post(reverse("lending:facility-approve", args=[facility.pk]))
    assert response.status_code == 400
    page = response.content.decode()
    assert "¥250,000.00" in page  # this decision
    assert "¥200,000.00" in page  # the limit
    assert "¥2,000,000.00" in page  # the capital it is a share of
    assert CreditFacility.objects.get(pk=facility.pk).status == FacilityStatus.PROPOSED
    assert not CustomerExposure.objects.filter(customer=graded_customer).exists()


def test_an_approved_facility_counts_at_once_for_the_next_decision(
    capital, alice, mary, graded_customer
):
    first = propose(alice, graded_customer, "150000")
    assert (
        _client(mary).post(reverse("lending:facility-approve", args=[first.pk])).status_code == 302
    )
    assert CustomerExposure.objects.get(customer=graded_customer).exposure == Decimal("150000.00")
    second = propose(alice, graded_customer, "60000")
    response = _client(mary).post(reverse("lending:facility-approve", args=[second.pk]))
    assert response.status_code == 400
    assert "¥150,000.00 + this decision ¥60,000.00 = ¥210,000.00" in response.content.decode()
    assert CreditFacility.objects.get(pk=second.pk).status == FacilityStatus.PROPOSED


def test_a_facility_taking_its_group_past_the_group_limit_is_refused(
    db, alice, mary, admin_user, graded_customer, group, on_business_date
):
    group.group_limit = Decimal("200000")
    group.save()
    sister = member(group, alice, "李四", admin_user)
    CreditFacility.objects.create(
        customer=sister,
        kind="revolving",
        limit=Decimal("150000"),
        start_date=START,
        expiry_date=EXPIRY,
        review_date=REVIEW,
        status=FacilityStatus.ACTIVE,
        reason="Existing line",
        proposed_by=alice,
        approved_by=mary,
    )
    facility = propose(alice, graded_customer, "60000")
    response = _client(mary).post(reverse("lending:facility-approve", args=[facility.pk]))
    assert response.status_code == 400
    page = response.content.decode()
    assert "华东集团" in page and "¥200,000.00" in page and "¥50,000.00" in page
    assert CreditFacility.objects.get(pk=facility.pk).status == FacilityStatus.PROPOSED


def test_a_facility_breaching_the_group_concentration_limit_is_refused(
    capital, alice, mary, admin_user, graded_customer, group
):
    sister = member(group, alice, "李四", admin_user)
    CustomerExposure.objects.create(
        customer=sister, group=group, exposure=Decimal("180000"), computed_on=START
    )
    GroupExposure.objects.create(
        group=group, exposure=Decimal("180000"), members=2, computed_on=START
    )
    facility = propose(alice, graded_customer, "150000")
    response = _client(mary).post(reverse("lending:facility-approve", args=[facility.pk]))
    assert response.status_code == 400
    assert "¥180,000.00 + this decision ¥150,000.00 = ¥330,000.00" in response.content.decode()
    assert "¥300,000.00" in response.content.decode()
    assert GroupExposure.objects.get(group=group).exposure == Decimal("180000.00")


def test_an_application_breaching_a_limit_goes_to_the_head_office_committee(
    capital, client_for, mary, graded_customer, submitted
):
    # The customer already owes ¥150,000 (as the nightly stored it); the ¥100,000 application
    # would take them to ¥250,000, past the ¥200,000 limit.
    CustomerExposure.objects.create(
        customer=graded_customer, exposure=Decimal("150000"), computed_on=START
    )
    client = client_for(mary)
    response = client.post(
        reverse("lending:application-approve", args=[submitted.pk]),
        {"amount": "100000", "term_months": "12", "rate": "4.35", "note": "Fine"},
    )
    assert response.status_code == 400
    refusal = response.content.decode()
    assert "Head-office credit committee" in refusal
    assert "¥150,000.00 + this decision ¥100,000.00 = ¥250,000.00" in refusal
    assert "¥200,000.00" in refusal
    submitted.refresh_from_db()
    assert submitted.status != ApplicationStatus.APPROVED
    assert CustomerExposure.objects.get(customer=graded_customer).exposure == Decimal("150000.00")
    # Recommended upward, it is routed to the head-office committee with the figures.
    response = client.post(
        reverse("lending:application-recommend", args=[submitted.pk]),
        {"recommendation": "approve", "reason": "Good customer"},
    )
    assert response.status_code == 302
    route = ApprovalRoute.objects.get(application=submitted)
    assert route.required_level.code == "head_office_committee"
    assert any("= ¥250,000.00" in exception for exception in route.exceptions)


def test_an_application_within_the_limits_is_approved_and_counted(
    capital, client_for, mary, graded_customer, submitted
):
    response = client_for(mary).post(
        reverse("lending:application-approve", args=[submitted.pk]),
        {"amount": "100000", "term_months": "12", "rate": "4.35", "note": "Fine"},
    )
    assert response.status_code == 302
    stored = CustomerExposure.objects.get(customer=graded_customer)
    assert (stored.committed, stored.exposure) == (Decimal("100000.00"), Decimal("100000.00"))


def test_the_360_and_the_application_page_show_exposure_against_every_limit(
    capital, client_for, alice, graded_customer, group, submitted
):
    CustomerExposure.objects.create(
        customer=graded_customer, group=group, exposure=Decimal("170000"), computed_on=START
    )
    GroupExposure.objects.create(
        group=group, exposure=Decimal("170000"), members=1, computed_on=START
    )
    client = client_for(alice)
    customer_page = client.get(reverse("customers:detail", args=[graded_customer.pk]))
    text = customer_page.content.decode()
    assert 'data-testid="exposure-panel"' in text
    assert "¥170,000.00" in text and "¥200,000.00" in text and "¥300,000.00" in text
    assert "85.00%" in text  # near the single-customer limit
    assert "华东集团" in text
    application_page = client.get(reverse("lending:application-detail", args=[submitted.pk]))
    text = application_page.content.decode()
    assert 'data-testid="exposure-panel"' in text
    assert "¥270,000.00" in text  # with this application's ¥100,000


def test_the_outsider_sees_neither_page(capital, client_for, charlie, graded_customer, submitted):
    client = client_for(charlie)
    assert client.get(reverse("customers:detail", args=[graded_customer.pk])).status_code == 404
    assert client.get(reverse("lending:application-detail", args=[submitted.pk])).status_code == 404
