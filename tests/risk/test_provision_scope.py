# ruff: noqa: F811 (fixtures imported for pytest are the parameters of the tests below)
"""The dashboard's provision cards count the loans of the user's scope only: a branch's are
found from the loans' own copy of their customer's branch, which follows the customer."""

from django.urls import reverse

from customers.models import Customer
from risk.models import LoanProvision
from tests.lending.conftest import consumer_product  # noqa: F401 - fixture
from tests.risk.test_provisions import NIGHT, book, nightly  # noqa: F401 - fixture


def _reserve(loans) -> str:
    total = sum(LoanProvision.objects.get(loan=loan).reserve for loan in loans)
    return f'data-testid="kpi-reserves">¥{total:,}<'


def test_the_provision_cards_count_the_scopes_loans_only(client, mary, rita, charlie, book):
    # The stage 3 loan's customer moves to the other branch (a bulk statement, as an admin
    # correction would): its loan leaves the North branch's figures with it.
    moved = book[3]
    Customer.objects.filter(pk=moved.customer_id).update(officer=charlie, branch=charlie.branch)
    nightly(NIGHT)

    client.force_login(mary)
    north = client.get(reverse("dashboards:dashboard")).content.decode()
    assert _reserve([book[1], book[2]]) in north
    drill = client.get("/risk/provisions/loans/", {"stage": 3, "branch": mary.branch_id})
    assert list(drill.context["page"]) == []

    client.force_login(rita)
    bank = client.get(reverse("dashboards:dashboard")).content.decode()
    assert _reserve(book.values()) in bank
    south = client.get(reverse("dashboards:dashboard"), {"branch": charlie.branch_id})
    assert _reserve([moved]) in south.content.decode()
