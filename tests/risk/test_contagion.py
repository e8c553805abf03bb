"""Contagion between related parties and the customer group page.

A customer whose related party turns non-performing gets the contagion alert at the nightly
run; ending the link clears it at the next run (the link's triggers mark both customers).
The group page shows the members a user sees, totals over every member and how many are
outside their view; the outsider gets a 404."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from customers import relation_services
from customers.relations import CustomerGroup, CustomerRelation, RelationKind
from risk import jobs
from risk.models import ACTIVE_ALERT_STATUSES, Alert, PendingCustomer
from tests.customers import factories

pytestmark = pytest.mark.django_db

# risky_loan is never repaid: its first instalment fell due on 10 February 2025, so on this
# day it is more than 90 days past due (substandard, non-performing).
NON_PERFORMING_ON = dt.date(2025, 6, 1)


def _night(on: dt.date) -> None:
    run = jobs.run_synchronously(jobs.NIGHTLY, on)
    assert run.status == "done", run.failures


def _contagion_alerts(customer):
    return Alert.objects.filter(
        customer=customer, indicator="related_party_distress", status__in=ACTIVE_ALERT_STATUSES
    )


@pytest.fixture
def spouse(alice, risky_loan, business_day):
    """The borrower's spouse, linked before the loan went bad."""
    business_day(dt.date(2025, 1, 20))
    partner = factories.individual(alice, name="配偶")
    relation_services.relation_record(
        actor=alice,
        from_customer=risky_loan.customer,
        to_customer=partner,
        kind=RelationKind.SPOUSE,
        started_on=dt.date(2025, 1, 15),
        evidence="Marriage certificate",
    )
    return partner


def test_a_non_performing_party_raises_the_contagion_alert_on_the_other(
    alice, risky_loan, spouse, business_day
):
    business_day(dt.date(2025, 2, 1))
    _night(dt.date(2025, 2, 1))
    assert not _contagion_alerts(spouse).exists()
    business_day(NON_PERFORMING_ON)
    _night(NON_PERFORMING_ON)
    # The borrower's loan turned substandard in their chunk; the spouse is looked at again
    # (tonight if their range comes later, else the next run).
    if not _contagion_alerts(spouse).exists():
        assert PendingCustomer.objects.filter(customer_id=spouse.pk).exists()
        _night(NON_PERFORMING_ON)
    alert = _contagion_alerts(spouse).get()
    assert alert.severity == "orange" and alert.value == "1"
    assert alert.shown_value() == "1 related party in distress"
    # The borrower gets none: the spouse is not in distress.
    assert not _contagion_alerts(risky_loan.customer).exists()
    relation = CustomerRelation.objects.get()
    relation_services.relation_end(actor=alice, relation=relation, ended_on=NON_PERFORMING_ON)
    # Ending the link marked both ends: the next run resolves the alert.
    assert PendingCustomer.objects.filter(customer_id=spouse.pk).exists()
    _night(NON_PERFORMING_ON)
    alert.refresh_from_db()
    assert alert.status == "resolved"


def test_a_second_run_with_nothing_changed_writes_no_contagion_marks(
    alice, risky_loan, spouse, business_day
):
    business_day(NON_PERFORMING_ON)
    for _ in range(3):
        _night(NON_PERFORMING_ON)
    assert _contagion_alerts(spouse).count() == 1
    assert not PendingCustomer.objects.exists()


@pytest.fixture
def earlier_guarantor(alice, business_day):
    """The borrower's guarantor, created before them (a lower id: an earlier range of a night)."""
    business_day(dt.date(2025, 1, 5))
    return factories.individual(alice, name="担保人")


def test_a_full_night_marks_the_party_in_a_range_already_done(
    alice, earlier_guarantor, risky_loan, business_day
):
    assert earlier_guarantor.pk < risky_loan.customer_id
    business_day(dt.date(2025, 1, 20))
    relation_services.relation_record(
        actor=alice,
        from_customer=earlier_guarantor,
        to_customer=risky_loan.customer,
        kind=RelationKind.GUARANTOR_OF,
        started_on=dt.date(2025, 1, 15),
        evidence="Guarantee contract",
    )
    business_day(dt.date(2025, 2, 1))
    _night(dt.date(2025, 2, 1))
    business_day(NON_PERFORMING_ON)
    # A full night, one customer a chunk: the guarantor's chunk runs before the borrower's loan
    # turns substandard in theirs (a chunk selecting its customers by range).
    run = jobs.run_synchronously(jobs.NIGHTLY, NON_PERFORMING_ON, chunk_size=1, full=True)
    assert run.status == "done", run.failures
    assert not _contagion_alerts(earlier_guarantor).exists()
    # The borrower's chunk saw their distress move and marked the guarantor for the next run.
    assert PendingCustomer.objects.filter(customer_id=earlier_guarantor.pk).exists()
    _night(NON_PERFORMING_ON)
    assert _contagion_alerts(earlier_guarantor).get().value == "1"
    assert not PendingCustomer.objects.filter(customer_id=earlier_guarantor.pk).exists()


@pytest.fixture
def group(alice, bob, mary):
    """A North group: two of alice's enterprises and one of bob's."""
    members = [
        factories.enterprise(alice, name="集团母公司"),
        factories.enterprise(alice, name="集团子公司"),
        factories.enterprise(bob, name="鲍勃子公司"),
    ]
    created = relation_services.group_save(
        actor=mary, group=CustomerGroup(name="华北集团", group_limit=Decimal("5000000.00"))
    )
    for member in members:
        relation_services.group_member_add(actor=mary, group=created, customer=member)
    relation_services.relation_record(
        actor=mary,
        from_customer=members[0],
        to_customer=members[1],
        kind=RelationKind.PARENT_OF,
        started_on=dt.date(2026, 1, 1),
        evidence="Registry",
    )
    return created


def test_the_group_page_lists_what_the_user_sees_and_counts_the_rest(
    client_for, alice, mary, charlie, group
):
    url = reverse("risk:group-detail", args=[group.pk])
    page = client_for(mary).get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "集团母公司" in body and "鲍勃子公司" in body and "outside your view" not in body
    body = client_for(alice).get(url).content.decode()
    assert "集团母公司" in body and "集团子公司" in body
    assert "鲍勃子公司" not in body
    assert "1 member is outside your view and not listed." in body
    # The graph's data: alice's two members and the link between them.
    parent = group.members.get(customer__name="集团母公司").customer_id
    assert f'"source": "{parent}"' in body
    assert client_for(charlie).get(url).status_code == 404


def test_a_member_belongs_to_one_group(mary, group):
    other = relation_services.group_save(
        actor=mary, group=CustomerGroup(name="另一集团", group_limit=Decimal("100.00"))
    )
    member = group.members.first().customer
    with pytest.raises(ValidationError, match="already a member"):
        relation_services.group_member_add(actor=mary, group=other, customer=member)
    assert not other.members.exists()


def test_an_officer_may_not_set_a_group_limit(alice):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        relation_services.group_save(
            actor=alice, group=CustomerGroup(name="自封集团", group_limit=Decimal("1.00"))
        )
    assert not CustomerGroup.objects.exists()
