"""Onboarding waits for compliance: a customer with an open, confirmed or only proposed-for-
clearing watch-list hit cannot have an application submitted or a loan disbursed; once the
clearing is approved by a second person, both go through (lending calls
customers.screening.screening_blocks)."""

# ruff: noqa: F811 (fixtures imported for pytest are the parameters of the tests below)
import pytest
from django.urls import reverse

from customers import screening
from customers.models import ScreeningHit
from lending.models import ApplicationStatus, Loan
from tests.customers.test_screening import import_list
from tests.lending.conftest import (  # noqa: F401 - the lending tests' fixtures
    BUSINESS_DATE,
    approved,
    consumer_product,
    draft,
    graded_customer,
    on_business_date,
    submitted,
    under_review,
)

REFUSAL = "matches a watch-list entry that compliance has not cleared"


@pytest.fixture
def cora(cast):
    return cast["cora"]


def hit_on(customer, cora) -> ScreeningHit:
    import_list(cora, f"UN-1,{customer.name},,,,UN,2026-10-01")
    screening.customer_screen(customer=customer)
    return ScreeningHit.objects.get(customer=customer)


def test_an_open_hit_blocks_submission_until_a_second_person_clears_it(
    client_for, alice, mary, cora, draft
):
    hit = hit_on(draft.customer, cora)
    client = client_for(alice)
    url = reverse("lending:application-submit", args=[draft.pk])
    response = client.post(url, follow=True)
    assert REFUSAL in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.DRAFT

    # Proposed is not cleared: still refused.
    screening.hit_clearing_propose(actor=cora, hit=hit, reason="Different person")
    client.post(url)
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.DRAFT

    screening.hit_clearing_decide(actor=mary, hit=hit, approve=True)
    client.post(url)
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.SUBMITTED


def test_a_confirmed_hit_blocks_submission(client_for, alice, cora, draft):
    hit = hit_on(draft.customer, cora)
    screening.hit_confirm(actor=cora, hit=hit, note="Same person")
    client_for(alice).post(reverse("lending:application-submit", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.DRAFT


def test_a_hit_raised_after_approval_stops_the_disbursement(
    client_for, mary, cora, approved, on_business_date
):
    hit_on(approved.customer, cora)
    response = client_for(mary).post(
        reverse("lending:application-disburse", args=[approved.pk]), follow=True
    )
    assert REFUSAL in response.content.decode()
    approved.refresh_from_db()
    assert approved.status == ApplicationStatus.APPROVED
    assert not Loan.objects.exists()
