"""Classification overrides through the pages, as managers and risk officers make them: never
below the 2023 rule's floor, always with an end within a quarter, a worse class at once and a
better one only when a second person approves it; outsiders see nothing of it, and the
nightly job keeps the floor when the days past due grow under an override."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from accounts.services import user_create
from audit.models import AuditEvent
from risk import jobs
from risk.models import ClassificationProposal, LoanRisk, RiskHistory

NORMAL, SPECIAL_MENTION, SUBSTANDARD, DOUBTFUL = 1, 2, 3, 4
# risky_loan's first instalment fell due on 10 February 2025 and was never paid: on this
# business date it is 6 days past due, special mention by the rule (Art. 11).
DAY = dt.date(2025, 2, 16)
# The latest end an override made on DAY may have: three months on.
LATEST_END = "2025-05-16"


@pytest.fixture
def loan(risky_loan, settings):
    """risky_loan on DAY, as the nightly job classified it."""
    settings.BUSINESS_DATE = DAY
    jobs.run_synchronously(jobs.NIGHTLY, DAY)
    return risky_loan


@pytest.fixture
def sam(charlie):
    """The manager of the other branch (South)."""
    return user_create(
        actor=None,
        username="sam",
        password="x-Long-enough-1",
        role=Role.MANAGER,
        branch=charlie.branch,
    )


def override_url(loan) -> str:
    return reverse("risk:classification-override", args=[loan.pk])


def proposal_url(step: str, proposal) -> str:
    return reverse(
        f"risk:classification-proposal-{step}", args=[proposal.loan_risk_id, proposal.pk]
    )


def override(client, loan, loan_class: int, until: str = LATEST_END, reason: str = "Review"):
    return client.post(
        override_url(loan), {"loan_class": str(loan_class), "reason": reason, "until": until}
    )


def state(loan) -> tuple:
    risk = LoanRisk.objects.get(loan=loan)
    return risk.final_class, risk.override_class, risk.override_until


def trail() -> list[tuple[str, str]]:
    """The override steps on the audit trail, oldest first: (action, who)."""
    return list(
        AuditEvent.objects.filter(action__startswith="risk.classification.")
        .order_by("id")
        .values_list("action", "actor__username")
    )


def messages_in(response) -> str:
    return " ".join(str(message) for message in response.context["messages"])


# --- The floor ---------------------------------------------------------------------------------


def test_six_days_past_due_cannot_be_overridden_to_normal(client_for, rita, loan):
    response = override(client_for(rita), loan, NORMAL, reason="Customer says it is paid")
    assert response.status_code == 400
    assert response.context["form"].errors["loan_class"] == [
        "Special mention is the regulatory floor of this loan (6 days past due): an override "
        "cannot put it in a better class."
    ]
    assert state(loan) == (SPECIAL_MENTION, None, None)
    assert not ClassificationProposal.objects.exists()
    assert trail() == []


def test_the_floor_counts_todays_days_past_due_before_the_nightly_job_saw_the_loan(
    client_for, rita, risky_loan, settings
):
    settings.BUSINESS_DATE = DAY  # no nightly run: no risk row, nothing recorded yet
    response = override(client_for(rita), risky_loan, NORMAL)
    assert response.status_code == 400
    assert (
        "Special mention is the regulatory floor"
        in response.context["form"].errors["loan_class"][0]
    )
    assert not LoanRisk.objects.filter(loan=risky_loan).exists()
    assert trail() == []


def test_the_override_page_names_the_floor(client_for, mary, loan):
    page = client_for(mary).get(override_url(loan))
    assert page.status_code == 200
    assert page.context["floor"].loan_class == SPECIAL_MENTION
    assert "Regulatory floor on 2025-02-16: <strong>Special mention</strong> (6 days past due)" in (
        page.content.decode()
    )


# --- The end -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("until", "message"),
    [
        ("", "Give the date the override ends."),
        (
            "9999-12-31",
            "An override lasts at most 3 months: it must end by 2025-05-16. Loans are "
            "classified again every quarter; renew it then if it still holds.",
        ),
        ("2025-05-17", "An override lasts at most 3 months: it must end by 2025-05-16."),
        ("2025-02-16", "The override must end after the business date (2025-02-16)."),
        ("2024-12-31", "The override must end after the business date (2025-02-16)."),
        ("2025-02-30", "Enter a valid date."),
    ],
)
def test_an_override_without_a_near_end_is_refused_next_to_the_field(
    client_for, rita, loan, until, message
):
    response = override(client_for(rita), loan, DOUBTFUL, until=until)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == ["until"]
    assert errors["until"][0].startswith(message)
    assert state(loan) == (SPECIAL_MENTION, None, None)
    assert trail() == []


def test_an_override_may_run_to_the_last_day_of_the_quarter(client_for, rita, loan):
    assert override(client_for(rita), loan, DOUBTFUL, until=LATEST_END).status_code == 302
    assert state(loan) == (DOUBTFUL, DOUBTFUL, dt.date(2025, 5, 16))


# --- A worse class: at once ----------------------------------------------------------------


def test_a_worse_class_takes_effect_at_once_and_once(client_for, rita, loan):
    client = client_for(rita)
    response = override(client, loan, SUBSTANDARD, reason="Employer closed")
    assert response.status_code == 302
    assert state(loan) == (SUBSTANDARD, SUBSTANDARD, dt.date(2025, 5, 16))
    assert LoanRisk.objects.get(loan=loan).override_by == rita
    assert not ClassificationProposal.objects.exists()
    # The same form sent twice: no second effect.
    assert override(client, loan, SUBSTANDARD, reason="Employer closed").status_code == 302
    assert trail() == [("risk.classification.overridden", "rita")]
    history = RiskHistory.objects.filter(kind="classification", loan=loan).order_by("id")
    assert [(row.old_value, row.new_value, row.changed_on) for row in history] == [
        ("1", "2", DAY),  # the nightly job's
        ("2", "3", DAY),
    ]


# --- A better class: four eyes -----------------------------------------------------------------


@pytest.fixture
def doubtful(client_for, rita, loan):
    """rita has put the 6-days-past-due loan in doubtful (fraud suspected)."""
    assert override(client_for(rita), loan, DOUBTFUL, reason="Fraud suspected").status_code == 302
    return loan


def test_a_better_class_waits_for_a_second_person(client_for, rita, mary, doubtful):
    loan = doubtful
    client = client_for(rita)
    response = override(client, loan, SPECIAL_MENTION, reason="Fraud ruled out")
    assert response.status_code == 302
    # Proposed, not in force.
    assert state(loan) == (DOUBTFUL, DOUBTFUL, dt.date(2025, 5, 16))
    proposal = ClassificationProposal.objects.get()
    assert (proposal.status, proposal.proposed_by, proposal.loan_class, proposal.class_before) == (
        "pending",
        rita,
        SPECIAL_MENTION,
        DOUBTFUL,
    )
    # The same proposal sent twice: still one, and no error for the double click.
    assert override(client, loan, SPECIAL_MENTION, reason="Fraud ruled out").status_code == 302
    assert ClassificationProposal.objects.count() == 1

    # The proposer cannot approve it: refused, nothing changed.
    assert client.post(proposal_url("approve", proposal)).status_code == 403
    assert client.post(proposal_url("reject", proposal)).status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == "pending"
    assert state(loan) == (DOUBTFUL, DOUBTFUL, dt.date(2025, 5, 16))

    # The loan page shows it: approve and reject to mary, withdraw to rita.
    loan_page = reverse("lending:loan-detail", args=[loan.pk])
    for_mary = client_for(mary).get(loan_page).content.decode()
    assert "Proposed by Rita Liu on" in for_mary and "Fraud ruled out" in for_mary
    assert proposal_url("approve", proposal) in for_mary
    assert proposal_url("reject", proposal) in for_mary
    assert proposal_url("withdraw", proposal) not in for_mary
    for_rita = client_for(rita).get(loan_page).content.decode()
    assert proposal_url("withdraw", proposal) in for_rita
    assert proposal_url("approve", proposal) not in for_rita

    # mary, the branch's manager, approves: now it takes effect.
    response = client_for(mary).post(proposal_url("approve", proposal))
    assert response.status_code == 302
    assert state(loan) == (SPECIAL_MENTION, SPECIAL_MENTION, dt.date(2025, 5, 16))
    risk = LoanRisk.objects.get(loan=loan)
    assert (risk.override_by, risk.override_reason) == (rita, "Fraud ruled out")
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by) == ("approved", mary)
    assert trail() == [
        ("risk.classification.overridden", "rita"),
        ("risk.classification.override_proposed", "rita"),
        ("risk.classification.overridden", "mary"),
        ("risk.classification.override_approved", "mary"),
    ]
    # A second approval has no second effect.
    again = client_for(mary).post(proposal_url("approve", proposal))
    assert again.status_code == 400
    assert "This proposal is no longer waiting: Approved by Mary Chen on" in messages_in(again)
    assert len(trail()) == 4


def test_a_second_proposal_waits_for_the_first_to_be_decided(client_for, rita, mary, doubtful):
    override(client_for(rita), doubtful, SPECIAL_MENTION, reason="Fraud ruled out")
    response = override(client_for(mary), doubtful, SUBSTANDARD, reason="Partly ruled out")
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [
        f"Rita Liu proposed a change of this loan's class on {timezone.localdate()} and it "
        "waits for approval: withdraw it or have it decided first."
    ]
    assert ClassificationProposal.objects.count() == 1


def test_a_risk_officer_approves_a_managers_proposal(client_for, rita, mary, doubtful):
    override(client_for(mary), doubtful, SUBSTANDARD, reason="Collateral found")
    proposal = ClassificationProposal.objects.get()
    assert client_for(mary).post(proposal_url("approve", proposal)).status_code == 403
    assert client_for(rita).post(proposal_url("approve", proposal)).status_code == 302
    assert state(doubtful)[0] == SUBSTANDARD


def test_a_rejected_or_withdrawn_proposal_changes_no_class(client_for, rita, mary, doubtful):
    override(client_for(rita), doubtful, SPECIAL_MENTION, reason="Fraud ruled out")
    first = ClassificationProposal.objects.get()
    assert client_for(mary).post(proposal_url("reject", first)).status_code == 302
    first.refresh_from_db()
    assert (first.status, first.decided_by) == ("rejected", mary)

    override(client_for(rita), doubtful, SUBSTANDARD, reason="Partly ruled out")
    second = ClassificationProposal.objects.get(status="pending")
    # Only the proposer withdraws.
    assert client_for(mary).post(proposal_url("withdraw", second)).status_code == 403
    assert client_for(rita).post(proposal_url("withdraw", second)).status_code == 302
    second.refresh_from_db()
    assert (second.status, second.decided_by) == ("withdrawn", rita)
    assert client_for(mary).post(proposal_url("approve", second)).status_code == 400

    assert state(doubtful) == (DOUBTFUL, DOUBTFUL, dt.date(2025, 5, 16))
    assert [action for action, _who in trail()] == [
        "risk.classification.overridden",
        "risk.classification.override_proposed",
        "risk.classification.override_rejected",
        "risk.classification.override_proposed",
        "risk.classification.override_withdrawn",
    ]


def test_approval_checks_the_floor_again(client_for, rita, mary, doubtful, settings):
    override(client_for(rita), doubtful, SPECIAL_MENTION, reason="Fraud ruled out")
    proposal = ClassificationProposal.objects.get()
    # Left waiting until 14 May 2025: 93 days past due, over 90 (substandard, Art. 12).
    settings.BUSINESS_DATE = dt.date(2025, 5, 14)
    response = client_for(mary).post(proposal_url("approve", proposal))
    assert response.status_code == 400
    assert "Substandard is the regulatory floor of this loan (93 days past due)" in (
        messages_in(response)
    )
    proposal.refresh_from_db()
    assert proposal.status == "pending"
    assert state(doubtful)[0] == DOUBTFUL


def test_ending_an_override_that_holds_a_worse_class_needs_approval(
    client_for, rita, mary, doubtful
):
    client = client_for(rita)
    response = client.post(override_url(doubtful), {"clear": "1", "end-reason": "Ruled out"})
    assert response.status_code == 302
    assert state(doubtful) == (DOUBTFUL, DOUBTFUL, dt.date(2025, 5, 16))
    proposal = ClassificationProposal.objects.get()
    assert (proposal.loan_class, proposal.until) == (None, None)
    assert client_for(mary).post(proposal_url("approve", proposal)).status_code == 302
    assert state(doubtful) == (SPECIAL_MENTION, None, None)
    assert trail()[-2:] == [
        ("risk.classification.override_cleared", "mary"),
        ("risk.classification.override_approved", "mary"),
    ]


def test_ending_an_override_that_adds_no_risk_takes_effect_at_once(client_for, mary, loan):
    client = client_for(mary)
    # Special mention is the floor already: this override keeps the class where it is.
    assert override(client, loan, SPECIAL_MENTION, reason="Watch the sector").status_code == 302
    response = client.post(override_url(loan), {"clear": "1", "end-reason": "Sector recovered"})
    assert response.status_code == 302
    assert state(loan) == (SPECIAL_MENTION, None, None)
    assert not ClassificationProposal.objects.exists()
    ended = AuditEvent.objects.get(action="risk.classification.override_cleared")
    assert (ended.actor, ended.after["end_reason"]) == (mary, "Sector recovered")


def test_ending_an_override_needs_a_reason(client_for, rita, doubtful):
    response = client_for(rita).post(override_url(doubtful), {"clear": "1", "end-reason": " "})
    assert response.status_code == 400
    assert response.context["end_form"].errors["reason"] == [
        "Give the reason for ending the override."
    ]
    assert not ClassificationProposal.objects.exists()


# --- Who sees what -------------------------------------------------------------------------


def test_outsiders_get_404_on_the_override_and_its_proposal(
    client_for, rita, alice, bob, charlie, sam, doubtful
):
    override(client_for(rita), doubtful, SPECIAL_MENTION, reason="Fraud ruled out")
    proposal = ClassificationProposal.objects.get()
    before = trail()
    for outsider in (bob, charlie, sam):
        client = client_for(outsider)
        assert client.get(override_url(doubtful)).status_code == 404
        assert override(client, doubtful, DOUBTFUL).status_code == 404
        for step in ("approve", "reject", "withdraw"):
            assert client.post(proposal_url(step, proposal)).status_code == 404
        overview = client.get(reverse("risk:overview"))
        if overview.status_code == 200:
            assert overview.context["proposals"] == []
    # The loan's own officer sees the loan, not the override steps.
    for step in ("approve", "reject", "withdraw"):
        assert client_for(alice).post(proposal_url(step, proposal)).status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == "pending"
    assert trail() == before
    assert state(doubtful)[0] == DOUBTFUL


def test_the_risk_page_lists_the_proposals_waiting_in_scope(client_for, rita, mary, doubtful):
    override(client_for(rita), doubtful, SPECIAL_MENTION, reason="Fraud ruled out")
    page = client_for(mary).get(reverse("risk:overview"))
    assert [p.loan_risk_id for p in page.context["proposals"]] == [doubtful.pk]
    assert "Fraud ruled out" in page.content.decode()


def test_a_waiting_proposal_costs_the_loan_page_no_query(client_for, rita, mary, doubtful):
    client = client_for(mary)
    url = reverse("lending:loan-detail", args=[doubtful.pk])
    client.get(url)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    without = queries()
    override(client_for(rita), doubtful, SPECIAL_MENTION, reason="Fraud ruled out")
    client = client_for(mary)
    client.get(url)  # the new session's first request writes it
    assert "Fraud ruled out" in client.get(url).content.decode()
    assert queries() == without


def test_override_page_query_count(client_for, mary, doubtful, django_assert_num_queries):
    client = client_for(mary)
    url = override_url(doubtful)
    client.get(url)
    # session, user, the loan in scope, its risk row, the waiting proposal, the loan's days
    # past due for the floor.
    with django_assert_num_queries(6):
        client.get(url)


# --- The nightly job keeps the floor -----------------------------------------------------------


def test_the_nightly_job_puts_the_floor_above_an_override_when_days_past_due_grow(
    client_for, rita, mary, doubtful
):
    """An approved override to special mention, made 6 days past due; three months later the
    loan is 92 days past due, and the rule's substandard wins over the override."""
    override(client_for(rita), doubtful, SPECIAL_MENTION, reason="Fraud ruled out")
    client_for(mary).post(proposal_url("approve", ClassificationProposal.objects.get()))
    jobs.run_synchronously(jobs.NIGHTLY, dt.date(2025, 5, 10))  # 89 days: still special
    assert state(doubtful)[:2] == (SPECIAL_MENTION, SPECIAL_MENTION)
    jobs.run_synchronously(jobs.NIGHTLY, dt.date(2025, 5, 13))  # 92 days: over 90
    risk = LoanRisk.objects.get(loan=doubtful)
    assert (risk.dpd, risk.automatic_class, risk.override_class, risk.final_class) == (
        92,
        SUBSTANDARD,
        SPECIAL_MENTION,
        SUBSTANDARD,
    )
    history = RiskHistory.objects.filter(kind="classification", loan=doubtful).order_by("id")
    assert (history.last().old_value, history.last().new_value) == ("2", "3")
    # A second run the same night changes nothing.
    jobs.run_synchronously(jobs.NIGHTLY, dt.date(2025, 5, 13))
    assert RiskHistory.objects.filter(kind="classification", loan=doubtful).count() == (
        history.count()
    )
