# ruff: noqa: F811 (fixtures imported for pytest are the parameters of the tests below)
"""The application and loan lists find customers as the customer list does: several words,
each of which must match, and the tail of a phone as the pages show it, within scope."""

import pytest
from django.urls import reverse

from customers.models import Customer
from lending import services
from tests.customers import factories
from tests.lending.conftest import (  # noqa: F401 - fixtures
    BUSINESS_DATE,
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


@pytest.fixture
def other_customers_application(alice, consumer_product):
    customer = factories.individual(alice, name="宏远物流有限公司", phone="14200000669")
    # Graded, as an application needs before it is submitted (the assessment is not at issue).
    Customer.objects.filter(pk=customer.pk).update(grade="A")
    customer.refresh_from_db()
    application = make_application(alice, customer, consumer_product)
    return services.application_submit(actor=alice, application=application)


def _names(response) -> set[str]:
    """The customers of the rows listed (the search box echoes the query, so not the HTML)."""
    if "applications" in response.context:
        return {application.customer.name for application in response.context["applications"]}
    return {loan.customer.name for loan, _days_past_due in response.context["loans"]}


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("宏远 物流", {"宏远物流有限公司"}),
        ("宏远　物流", {"宏远物流有限公司"}),
        ("宏远 食品", set()),
        ("0669", {"宏远物流有限公司"}),
        ("142****0669", {"宏远物流有限公司"}),
        ("王 小明", {"王小明"}),
    ],
)
def test_the_application_list_searches_as_the_customer_list_does(
    client_for, alice, submitted, other_customers_application, query, found
):
    response = client_for(alice).get(
        reverse("lending:application-list"), {"q": query, "status": "submitted"}
    )
    assert response.status_code == 200
    assert _names(response) == found


def test_the_loan_list_searches_by_words_and_phone_tail(client_for, mary, loan, alice):
    factories.individual(alice, name="宏远物流有限公司", phone="14200000669")
    url = reverse("lending:loan-list")
    assert _names(client_for(mary).get(url, {"q": "王 小明"})) == {"王小明"}
    # The phone tail of the loan's customer (13800138000, shown as 138****8000).
    assert _names(client_for(mary).get(url, {"q": "8000"})) == {"王小明"}
    assert _names(client_for(mary).get(url, {"q": "0669"})) == set()


def test_the_outsider_finds_no_application_by_name_or_tail(
    client_for, charlie, submitted, other_customers_application
):
    url = reverse("lending:application-list")
    for query in ("宏远 物流", "0669", "王小明"):
        response = client_for(charlie).get(url, {"q": query, "status": "submitted"})
        assert response.status_code == 200
        assert _names(response) == set()
