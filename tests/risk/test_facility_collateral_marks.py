"""Collateral linked to a facility, unlinked or revalued marks the facility's customer for the
next night (risk.pending, the "facility_collateral" source): the ECL of the loans drawn on the
facility, which share its collateral pro rata, is recomputed by the next incremental night,
and the night after writes nothing.

There is no screen that changes a live facility's collateral (it is chosen when the facility is
proposed, lending.services.facilities); the links change as an import, admin or SQL would
change them, through the ORM, and the trigger catches whoever wrote them."""

from decimal import Decimal

import pytest

from lending.models import Collateral
from lending.services.collateral import collateral_add, collateral_revalue
from risk.models import LoanProvision, PendingCustomer
from tests.lending.conftest import make_application
from tests.risk.test_facility_provisions import (  # noqa: F401 - fixtures
    TODAY,
    customer,
    draw,
    facility,
    nightly,
    today,
)


def quiet_night(on):
    """A night that finds nothing to do, and so writes nothing."""
    run = nightly(on)
    assert run.counts.get("customers_examined", 0) == 0
    assert run.counts.get("provisions_written", 0) == 0
    return run


@pytest.fixture
def drawn(alice, mary, customer, consumer_product, facility, today):  # noqa: F811
    """A loan of 100,000 drawn on the facility of 150,000, a collateral item of the customer's
    pledged to nothing yet (on a draft application), and the nights that settled both."""
    loan = draw(alice, mary, customer, consumer_product, facility)
    spare = make_application(alice, customer, consumer_product, amount="50000")
    item = collateral_add(
        actor=alice,
        collateral=Collateral(
            application=spare,
            collateral_type="real_estate",
            description="Warehouse, Pudong",
            owner_name="赵六",
            value=Decimal("80000.00"),
            valued_on=TODAY,
        ),
    )
    nightly(today)
    quiet_night(today)
    return loan, item, facility


def provision(loan):
    return LoanProvision.objects.get(loan=loan)


def test_linking_collateral_to_the_facility_reprovisions_its_loan_the_next_night(drawn):
    loan, item, secured_facility = drawn
    unsecured = provision(loan)
    # EAD 100,000 drawn + 0.5 × 50,000 undrawn = 125,000, nothing securing it: LGD 0.45.
    assert (unsecured.ead, unsecured.collateral_value) == (Decimal("125000.00"), Decimal(0))
    assert unsecured.lgd == Decimal("0.450000")

    secured_facility.collateral.add(item)
    assert PendingCustomer.objects.filter(customer_id=secured_facility.customer_id).exists()
    run = nightly(TODAY)

    assert run.counts["customers_examined"] == 1
    assert run.counts["provisions_written"] == 1
    secured = provision(loan)
    # The warehouse, 80,000 less the 30% haircut, recovers 56,000 of the 125,000: LGD =
    # 0.45 × 69,000 / 125,000 = 0.2484; the ECL falls in the same proportion.
    assert secured.collateral_value == Decimal("80000.00")
    assert secured.lgd == Decimal("0.248400")
    assert secured.ecl < unsecured.ecl
    assert secured.computed_on == TODAY
    quiet_night(TODAY)


def test_unlinking_and_revaluing_the_facility_collateral_reprovisions_its_loan(alice, drawn):
    loan, item, secured_facility = drawn
    secured_facility.collateral.add(item)
    nightly(TODAY)
    secured = provision(loan)

    # Revalued down to 40,000: 28,000 recovered, LGD = 0.45 × 97,000 / 125,000 = 0.3492.
    collateral_revalue(actor=alice, collateral=item, value=Decimal("40000"), valued_on=TODAY)
    run = nightly(TODAY)
    assert run.counts["provisions_written"] == 1
    revalued = provision(loan)
    assert (revalued.collateral_value, revalued.lgd) == (Decimal("40000.00"), Decimal("0.349200"))
    assert revalued.ecl > secured.ecl
    quiet_night(TODAY)

    # Released from the facility: unsecured again.
    secured_facility.collateral.remove(item)
    run = nightly(TODAY)
    assert run.counts["provisions_written"] == 1
    released = provision(loan)
    assert (released.collateral_value, released.lgd) == (Decimal(0), Decimal("0.450000"))
    assert released.ecl > revalued.ecl
    quiet_night(TODAY)
