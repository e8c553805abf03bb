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


def test_the_provision_cards_come_with_the_kept_dashboard_figures(client, mary, book):
    from django.db.models import F

    from dashboards.models import ActivityFigures

    nightly(NIGHT)
    client.force_login(mary)
    dashboard = reverse("dashboards:dashboard")
    before = _reserve(book.values())
    assert before in client.get(dashboard).content.decode()
    LoanProvision.objects.filter(loan=book[1]).update(general_reserve=F("general_reserve") + 100)
    after = _reserve(book.values())
    # Kept with the activity figures (the page says when they were computed): the same
    # reserves until they are refreshed, on request or when they grow old.
    assert before in client.get(dashboard).content.decode()
    assert after in client.get(dashboard, {"refresh": "1"}).content.decode()
    # Figures kept before the provision cards' were: the cards sum them on the spot.
    LoanProvision.objects.filter(loan=book[1]).update(general_reserve=F("general_reserve") + 100)
    kept = ActivityFigures.objects.get()
    kept.figures.pop("provisions")
    kept.save(update_fields=["figures"])
    assert _reserve(book.values()) in client.get(dashboard).content.decode()
