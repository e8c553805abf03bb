# ruff: noqa: F811 (fixtures imported for pytest are the parameters of the tests below)
"""The loan list and the pipeline report find an officer's or a branch's rows through the
loan's and the application's own copy of their customer's officer and branch (an index in
the page's order): the copy follows the customer, so who sees a loan or an application is
always who sees its customer."""

import re

from django.urls import reverse

from customers.models import Customer
from customers.services import customer_transfer
from lending.models import Application, Loan
from tests.customers import factories
from tests.lending.conftest import (  # noqa: F401 - fixtures
    approved,
    consumer_product,
    draft,
    graded_customer,
    loan,
    make_application,
    on_business_date,
    submitted,
    under_review,
)


def _listed_loans(client) -> set[int]:
    response = client.get(reverse("lending:loan-list"))
    assert response.status_code == 200
    return {row.pk for row, _days_past_due in response.context["loans"]}


def _reported_applications(client) -> set[str]:
    response = client.get(reverse("dashboards:report", args=["pipeline"]))
    assert response.status_code == 200
    # Each row's first cell links to the application it reports.
    return set(re.findall(r'<a href="([^"]+)" data-testid="row-link">', response.content.decode()))


def test_a_loan_and_its_application_follow_their_customer_to_another_officer_and_branch(
    client_for, alice, bob, charlie, mary, loan
):
    application_url = reverse("lending:application-detail", args=[loan.application_id])
    assert _listed_loans(client_for(alice)) == {loan.pk}
    assert _reported_applications(client_for(alice)) == {application_url}
    assert _listed_loans(client_for(bob)) == set()
    assert _reported_applications(client_for(bob)) == set()

    customer_transfer(actor=mary, customer=loan.customer, to_officer=bob, reason="Workload")
    assert _listed_loans(client_for(bob)) == {loan.pk}
    assert _reported_applications(client_for(bob)) == {application_url}
    assert _listed_loans(client_for(alice)) == set()
    assert _reported_applications(client_for(alice)) == set()
    assert _listed_loans(client_for(mary)) == {loan.pk}

    # Moved by a bulk statement to another branch: the copies follow in the same statement.
    Customer.objects.filter(pk=loan.customer_id).update(officer=charlie, branch=charlie.branch)
    assert _listed_loans(client_for(charlie)) == {loan.pk}
    assert _reported_applications(client_for(charlie)) == {application_url}
    for north in (bob, mary):
        assert _listed_loans(client_for(north)) == set()
        assert _reported_applications(client_for(north)) == set()


def test_a_loan_and_an_application_written_get_their_customers_scope(alice, loan):
    stored = Loan.objects.values("customer_officer", "customer_branch").get(pk=loan.pk)
    assert stored == {"customer_officer": alice.pk, "customer_branch": alice.branch_id}
    application = Application.objects.get(pk=loan.application_id)
    assert (application.customer_officer_id, application.customer_branch_id) == (
        alice.pk,
        alice.branch_id,
    )


def test_an_application_moved_to_another_customer_takes_that_customers_scope(charlie, draft):
    """Whatever code moves an application to another customer (an admin correction, a merge),
    the copy is the new customer's. A loan never moves: the database refuses it (lending
    0019)."""
    south_customer = factories.individual(charlie, name="南方客户")
    Application.objects.filter(pk=draft.pk).update(customer=south_customer)
    assert Application.objects.values_list("customer_officer", "customer_branch").get(
        pk=draft.pk
    ) == (charlie.pk, charlie.branch_id)
