"""The demo book's credit facilities (lending/facility_demo.py): several customers of both
branches and every member of the demo group have one, approved by someone other than its
proposer; one carries a product sublimit, one is frozen, one's annual review is overdue (and
the demo's nightly raises its alert); applications and loans draw on them; seeding again adds
nothing."""

import pytest
from django.core.management import call_command

from audit.models import AuditEvent
from core.business_date import business_date
from customers.relation_demo import DEMO_GROUP
from customers.relations import CustomerGroup
from lending.facility_models import CreditFacility, FacilitySublimit
from lending.models import Application, Loan
from risk.models import Alert


def facility_state() -> tuple:
    return (
        list(CreditFacility.objects.order_by("id").values_list("id", "status", "limit")),
        FacilitySublimit.objects.count(),
        Application.objects.filter(facility__isnull=False).count(),
        AuditEvent.objects.filter(action__startswith="lending.facility.").count(),
    )


@pytest.mark.django_db
def test_the_demo_has_facilities_in_every_state_once(settings):
    settings.DEBUG = True
    call_command("seed_demo", "--customers", "24", "--seed", "3")
    facilities = list(CreditFacility.objects.select_related("customer"))
    assert len(facilities) >= 5
    assert {facility.customer.branch.code for facility in facilities} == {"NORTH", "SOUTH"}
    assert all(
        facility.approved_by_id and facility.approved_by_id != facility.proposed_by_id
        for facility in facilities
    )
    group = CustomerGroup.objects.get(name=DEMO_GROUP)
    members = set(group.members.values_list("customer_id", flat=True))
    assert len(members) == 3
    assert members <= {facility.customer_id for facility in facilities}
    assert FacilitySublimit.objects.exists()
    (frozen,) = [facility for facility in facilities if facility.status == "frozen"]
    assert frozen.frozen_by == frozen.customer.officer
    assert frozen.loans.exists()
    today = business_date()
    overdue = [facility for facility in facilities if facility.review_date < today]
    assert len(overdue) == 1 and overdue[0].status_on(today) in ("active", "frozen")
    assert Alert.objects.filter(
        rule__code="facility_review_overdue", subject=f"facility:{overdue[0].pk}"
    ).exists()
    assert Loan.objects.filter(facility__isnull=False).exists()
    assert Application.objects.filter(facility__isnull=False).exclude(status="disbursed").exists()

    before = facility_state()
    call_command("seed_demo", "--customers", "24", "--seed", "3")
    assert facility_state() == before
