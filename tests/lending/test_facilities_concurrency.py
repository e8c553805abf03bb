"""Two managers approving, at the same moment, two applications that each draw the last of a
facility's available amount: the facility row's lock lets one through, and the other is
refused with the figures it then sees. Real threads on real PostgreSQL
(tests/platform/test_concurrency.py's Overlap makes the two certain to overlap)."""

# ruff: noqa: F811 (fixtures imported for pytest are the parameters of the tests below)
import datetime as dt
from decimal import Decimal

import pytest

from lending import facilities, notifications
from lending import services as lending_services
from lending.facility_models import CreditFacility
from lending.models import Application, ApplicationStatus
from lending.services import facilities as facility_services
from tests.platform.test_concurrency import (  # noqa: F401 - fixtures
    approve,
    graded,
    held,
    messages_of,
    overlap,
    product,
    team,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def two_drawings(team, product, settings):
    """Two applications under review, 100,000 each, on one facility of 150,000."""
    settings.BUSINESS_DATE = dt.date(2026, 3, 15)
    alice, mary = team["alice"], team["mary"]
    customer = graded(alice)
    facility = facility_services.facility_propose(
        actor=alice,
        facility=CreditFacility(
            customer=customer,
            kind="revolving",
            limit=Decimal("150000"),
            start_date=dt.date(2026, 1, 1),
            expiry_date=dt.date(2027, 12, 31),
            review_date=dt.date(2026, 12, 31),
            reason="Working capital",
        ),
    )
    facility_services.facility_approve(actor=mary, facility=facility)
    facility_services.facility_activate(actor=alice, facility=facility)
    applications = []
    for _ in range(2):
        application = lending_services.application_create(
            actor=alice,
            application=Application(
                customer=customer,
                product=product,
                amount=Decimal("100000"),
                term_months=12,
                purpose="Stock",
                facility=facility,
            ),
        )
        lending_services.application_submit(actor=alice, application=application)
        applications.append(application)
    return facility, applications


def test_two_approvals_drawing_the_last_of_a_facility_leave_one_approved(
    team, two_drawings, overlap, monkeypatch
):
    facility, (first, second) = two_drawings
    # Each approval holds after its status change is written, before it commits.
    monkeypatch.setattr(
        notifications,
        "application_status_changed",
        held(overlap, notifications.application_status_changed),
    )
    outcomes = overlap.run(approve(team["mary"], first), approve(team["max"], second))

    winners = [o for o in outcomes if o.error is None]
    losers = [o for o in outcomes if o.error is not None]
    assert len(winners) == len(losers) == 1
    assert messages_of(losers[0].error) == (
        f"Facility {facility.reference}: requested ¥100,000.00, available ¥50,000.00 of "
        "¥150,000.00."
    )
    statuses = sorted(
        Application.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)
    )
    assert statuses.count(ApplicationStatus.APPROVED) == 1
    assert facilities.figures_of(facility).utilisation == Decimal("100000.00")
