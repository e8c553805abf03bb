# ruff: noqa: F811 (fixtures imported for pytest are the parameters of the tests below)
"""The dashboard's provision cards count the loans of the user's scope only: a branch's are
read from the provisions' own copy of their loan's branch and officer (risk.provision_scope),
which follows the customer and the loan's leaving the book; a loan never changes customer."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from customers.models import Customer
from lending.models import Loan
from risk import provision_selectors
from risk.models import FacilityProvision, LoanProvision, LoanRisk
from tests.customers import factories
from tests.lending.conftest import consumer_product  # noqa: F401 - fixture
from tests.risk.test_facility_provisions import customer, facility, today  # noqa: F401 - fixture
from tests.risk.test_facility_provisions import nightly as facility_nightly
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


def _copies(model, **key):
    return model.objects.filter(**key).values_list("customer_officer", "customer_branch").get()


def test_a_transfer_moves_the_loans_provisions_to_the_new_officer_at_once(
    client, mary, alice, bob, book
):
    nightly(NIGHT)
    moved = book[1]
    assert _copies(LoanProvision, loan=moved) == (alice.pk, alice.branch_id)
    client.force_login(mary)
    response = client.post(
        reverse("customers:transfer", args=[moved.customer_id]),
        {"to_officer": bob.pk, "reason": "Alice moves to the corporate desk"},
    )
    assert response.status_code == 302
    # In the same transaction, before any nightly: the provision is bob's now.
    assert _copies(LoanProvision, loan=moved) == (bob.pk, bob.branch_id)
    assert _copies(LoanProvision, loan=book[2]) == (alice.pk, alice.branch_id)
    assert set(
        LoanProvision.objects.filter(customer_officer=bob).values_list("loan", flat=True)
    ) == {moved.pk, book[3].pk}


def test_a_loan_leaving_the_book_leaves_the_cards_before_the_nightly_removes_it(client, mary, book):
    nightly(NIGHT)
    client.force_login(mary)
    dashboard = reverse("dashboards:dashboard")
    assert _reserve(book.values()) in client.get(dashboard, {"refresh": "1"}).content.decode()
    # Closed by a bulk statement (as an import or an admin correction would): its provision
    # stays stored until the nightly looks at its customer, but no longer counts.
    Loan.objects.filter(pk=book[2].pk).update(status="closed")
    assert LoanProvision.objects.filter(loan=book[2]).exists()
    page = client.get(dashboard, {"refresh": "1"}).content.decode()
    assert _reserve([book[1], book[3]]) in page
    # Back in the book (a reversed repayment): it counts again.
    Loan.objects.filter(pk=book[2].pk).update(status="active")
    assert _reserve(book.values()) in client.get(dashboard, {"refresh": "1"}).content.decode()


def test_a_loan_stays_with_its_customer_and_so_do_its_provision_and_risk_row(
    mary, alice, charlie, book
):
    """The nightly files a loan's provision and risk row under the loan's customer and reads
    them by it: a loan moved to another customer would leave them behind. The database
    refuses the move (lending 0019), whoever writes it."""
    nightly(NIGHT)
    loan = book[1]
    south_customer = factories.individual(charlie, name="钱七")
    with pytest.raises(IntegrityError, match="cannot move to customer"), transaction.atomic():
        Loan.objects.filter(pk=loan.pk).update(customer=south_customer)
    assert Loan.objects.get(pk=loan.pk).customer_id == loan.customer_id
    assert LoanProvision.objects.get(loan=loan).customer_id == loan.customer_id
    assert LoanRisk.objects.get(loan=loan).customer_id == loan.customer_id
    assert _copies(LoanProvision, loan=loan) == (alice.pk, alice.branch_id)
    assert loan.pk in provision_selectors.provisions_for(mary).values_list("loan", flat=True)


def test_an_undrawn_facilitys_provision_follows_its_customer_to_another_branch(
    client_for, mary, alice, charlie, facility, today
):
    facility_nightly(today)
    assert _copies(FacilityProvision, facility=facility) == (alice.pk, alice.branch_id)
    assert provision_selectors.facility_totals(mary)["facilities"] == 1
    Customer.objects.filter(pk=facility.customer_id).update(officer=charlie, branch=charlie.branch)
    assert _copies(FacilityProvision, facility=facility) == (charlie.pk, charlie.branch_id)
    page = client_for(mary).get(reverse("risk:provisions"))
    assert page.context["facilities"]["facilities"] == 0
    assert provision_selectors.facility_totals(charlie)["facilities"] == 1
    listed = client_for(mary).get(reverse("risk:provision-facilities"))
    assert list(listed.context["page"]) == []
