"""Collateral and its valuations are filed under the customer of the application they secure
(lending.collateral_customer), whichever code writes them, so that the nightly reads a chunk's
collateral by its customers; and the nightly's collateral rules and provisions read it so,
over a whole range of customers and over a list of changed ones alike."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from lending import services
from lending.models import Application, Collateral, CollateralValuation
from risk import jobs
from risk.models import Alert, LoanProvision
from tests.customers import factories
from tests.lending.conftest import add_collateral


def filed_under(collateral: Collateral) -> set:
    """The customers the item and each of its valuations are filed under, as stored."""
    return {Collateral.objects.get(pk=collateral.pk).customer_id} | set(
        CollateralValuation.objects.filter(collateral=collateral).values_list(
            "customer_id", flat=True
        )
    )


def night(on: dt.date, *, full: bool) -> None:
    run = jobs.run_synchronously(jobs.NIGHTLY, on, full=full)
    assert run.status == "done", run.failures


def open_codes(loan) -> set[str]:
    return set(
        Alert.objects.filter(
            loan=loan, status__in=["open", "acknowledged", "in_progress"]
        ).values_list("rule__code", flat=True)
    )


def test_collateral_added_on_the_page_is_filed_under_the_borrower(client, alice, draft):
    client.force_login(alice)
    response = client.post(
        reverse("lending:collateral-add", args=[draft.pk]),
        {
            "collateral_type": "vehicle",
            "description": "Car",
            "owner_name": "王小明",
            "value": "80000",
            "valued_on": "2026-01-01",
        },
    )
    assert response.status_code == 302
    collateral = Collateral.objects.get(application=draft)
    assert filed_under(collateral) == {draft.customer_id}


@pytest.fixture
def collateral(alice, draft):
    """200,000 of real estate pledged while the application is a draft; a test asking for
    it before `loan` has it on the loan's application."""
    return add_collateral(alice, draft)


def test_a_revaluation_on_the_loan_page_is_filed_under_the_borrower(client, mary, collateral, loan):
    client.force_login(mary)
    response = client.post(
        reverse("lending:collateral-revalue", args=[loan.pk, collateral.pk]),
        {"value": "150000", "valued_on": "2026-03-01"},
    )
    assert response.status_code == 302
    assert CollateralValuation.objects.filter(collateral=collateral).count() == 2
    assert filed_under(collateral) == {loan.customer_id}


def test_the_customer_follows_the_application_and_cannot_be_written_wrong(alice, draft):
    collateral = add_collateral(alice, draft)
    other = factories.individual(alice)
    # A writer naming another customer is overruled by the application's.
    Collateral.objects.filter(pk=collateral.pk).update(customer_id=other.pk)
    CollateralValuation.objects.filter(collateral=collateral).update(customer_id=other.pk)
    assert filed_under(collateral) == {draft.customer_id}
    # The application moved to another customer takes its collateral along, in the same
    # statement's transaction.
    Application.objects.filter(pk=draft.pk).update(customer=other)
    assert filed_under(collateral) == {other.pk}


@pytest.mark.parametrize("full", [True, False], ids=["whole range", "changed customers"])
def test_the_nightly_reads_the_collateral_of_its_customers(
    mary, collateral, loan, on_business_date, full
):
    on = on_business_date
    # 100,000 lent against 200,000: no alert, and the provision counts the item.
    night(on, full=True)
    assert not {"ltv_limit", "collateral_down"} & open_codes(loan)
    assert LoanProvision.objects.get(loan=loan).collateral_value == Decimal("200000.00")
    # Revalued down to less than the balance: both collateral rules fire and the provision
    # takes the new value, on a full night and on a night of the changed customers alone.
    services.collateral_revalue(
        actor=mary, collateral=collateral, value=Decimal("60000"), valued_on=on
    )
    night(on, full=full)
    assert {"ltv_limit", "collateral_down"} <= open_codes(loan)
    assert LoanProvision.objects.get(loan=loan).collateral_value == Decimal("60000.00")
