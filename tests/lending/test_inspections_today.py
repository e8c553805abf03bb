"""Post-loan inspections in the officer's daily work (issue 24): a navigation entry folded
under Loans (beside Collections) for officers and managers, and the "inspections due" panel
on the Today page (overdue first, scoped like the customers, one query).

The loan of the fixtures (CONS-01) is disbursed on 2026-01-15 to alice's customer (North);
its first inspection was due on 2026-02-14, overdue on the business date 2026-11-18."""

# ruff: noqa: F811 (fixtures imported for pytest are the parameters of the tests)
import pytest
from django.urls import reverse

from tests.lending.conftest import (  # noqa: F401
    approved,
    consumer_product,
    draft,
    graded_customer,
    loan,
    on_business_date,
    submitted,
    under_review,
)
from tests.lending.test_inspections import TODAY, due, plan, today  # noqa: F401


def loans_entry(response) -> dict:
    (loans,) = [entry for entry in response.context["navigation"] if entry["label"] == "Loans"]
    return loans


@pytest.mark.parametrize(
    ("username", "folded"),
    [
        ("alice", ["Collections", "Inspections"]),
        ("mary", ["Collections", "Inspections", "Write-offs"]),
        ("rita", ["Collections", "Write-offs"]),
        ("admin", ["Collections", "Write-offs"]),
    ],
)
def test_officers_and_managers_reach_the_inspections_from_the_navigation(
    client_for, cast, username, folded
):
    response = client_for(cast[username]).get(reverse("today"))
    assert [child["label"] for child in loans_entry(response)["children"]] == folded
    page = response.content.decode()
    assert (f'href="{reverse("lending:inspection-list")}"' in page) is ("Inspections" in folded)
    # Collections stays a link of the navbar for everyone, folded under Loans.
    assert f'href="{reverse("lending:collection-queue")}"' in page


def test_the_inspections_page_highlights_its_entry(client_for, alice):
    response = client_for(alice).get(reverse("lending:inspection-list"))
    loans = loans_entry(response)
    assert loans["active"] and not loans["current"]
    assert [child["label"] for child in loans["children"] if child["current"]] == ["Inspections"]


def test_the_today_page_lists_the_inspections_due(client_for, alice, due):
    page = client_for(alice).get(reverse("today")).content.decode()
    assert 'data-testid="inspections-due"' in page
    assert reverse("lending:inspection-detail", args=[due.pk]) in page
    assert "due 2026-02-14" in page and "Overdue" in page


def test_the_other_branch_does_not_see_them(client_for, charlie, due):
    page = client_for(charlie).get(reverse("today")).content.decode()
    assert 'data-testid="inspections-due"' in page
    assert reverse("lending:inspection-detail", args=[due.pk]) not in page
    assert "No inspection is due." in page


def test_the_risk_officer_has_no_panel(client_for, rita, due):
    page = client_for(rita).get(reverse("today")).content.decode()
    assert 'data-testid="inspections-due"' not in page
