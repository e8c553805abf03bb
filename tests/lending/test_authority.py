"""The approval authority: the first decider whose level covers an application decides it; a
decider beyond their authority recommends and it moves up; a committee decides by its recorded
vote (quorum, majority); a grade below the floor always goes up; nobody who made the
application or took an earlier step takes another; every step is recorded and audited, and the
pipeline says where each application waits and for how long.

The default matrix is lending migration 0004's (branch manager up to ¥1,000,000 and grade B);
tests that need an application beyond the branch manager lower that limit in the matrix, as an
admin would, rather than build a ¥2,000,000 loan."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Branch, Role, User
from audit.models import AuditEvent
from lending import authority
from lending.models import (
    Application,
    ApplicationStatus,
    ApprovalRoute,
    ApprovalStep,
    AuthorityGradeFloor,
    AuthorityHolder,
    AuthorityLevel,
    AuthorityRule,
    StepOutcome,
)
from tests.lending.test_four_eyes import messages_of

APPROVE = {"amount": "100000", "term_months": "12", "rate": "4.35", "note": "Stable income"}


def level(code: str) -> AuthorityLevel:
    return AuthorityLevel.objects.get(code=code)


@pytest.fixture
def branch_limit_50k(db):
    """The branch manager's authority lowered to ¥50,000: the tests' ¥100,000 application
    is beyond it and within the branch committee's."""
    AuthorityRule.objects.filter(level__code="branch_manager").update(max_amount=Decimal("50000"))


@pytest.fixture
def committee(mary, bob):
    """North's branch credit committee: two more managers, bob and mary (the quorum is 3)."""
    north = Branch.objects.get(code="NORTH")
    nina = User.objects.create_user(
        username="nina", password="x", role=Role.MANAGER, branch=north, first_name="Nina"
    )
    ned = User.objects.create_user(
        username="ned", password="x", role=Role.MANAGER, branch=north, first_name="Ned"
    )
    for member in (nina, ned, bob, mary):
        AuthorityHolder.objects.create(level=level("branch_committee"), user=member, branch=north)
    return {"nina": nina, "ned": ned, "bob": bob, "mary": mary}


def page(client, application) -> str:
    return client.get(reverse("lending:application-detail", args=[application.pk])).content.decode()


def recommend(client, application, *, recommendation="approve", reason="Beyond my limit"):
    return client.post(
        reverse("lending:application-recommend", args=[application.pk]),
        {"recommendation": recommendation, "reason": reason},
    )


def vote(client, application, members, *, votes_for, votes_against, reason="Minutes 12/2026"):
    return client.post(
        reverse("lending:application-committee-vote", args=[application.pk]),
        {
            "members_present": [member.pk for member in members],
            "votes_for": votes_for,
            "votes_against": votes_against,
            "amount": "100000",
            "term_months": "12",
            "rate": "4.35",
            "reason": reason,
        },
    )


def test_the_default_matrix_names_the_level_for_amount_and_grade(db, graded_customer):
    def required(amount, grade="A"):
        return authority.required_level(
            amount=Decimal(amount), product_type="consumer", grade=grade, customer=graded_customer
        ).code

    assert required("1000000") == "branch_manager"
    assert required("1000000.01") == "branch_committee"
    assert required("5000000") == "branch_committee"
    assert required("20000000") == "head_office_risk"
    assert required("20000000.01") == "head_office_committee"
    # Below the floor (B) the application goes to head office whatever its amount.
    assert required("10000", grade="CCC") == "head_office_risk"
    assert required("10000", grade=None) == "head_office_risk"
    requirement = authority.required_authority(
        amount=Decimal("10000"), product_type="consumer", grade="CCC", customer=graded_customer
    )
    assert "below the floor" in requirement.exceptions[0]


def test_within_authority_the_manager_decides_in_one_step(client_for, mary, submitted):
    route = ApprovalRoute.objects.get(application=submitted)
    assert route.waiting_level.code == "branch_manager"
    assert route.required_level.code == "branch_manager"

    response = client_for(mary).post(
        reverse("lending:application-approve", args=[submitted.pk]), APPROVE
    )

    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.APPROVED
    step = ApprovalStep.objects.get(application=submitted)
    assert (step.level.code, step.decider, step.outcome) == ("branch_manager", mary, "approved")
    route.refresh_from_db()
    assert route.waiting_level is None
    assert AuditEvent.objects.filter(
        action="credit.application.approved", object_id=str(submitted.pk), actor=mary
    ).exists()


def test_beyond_authority_the_manager_cannot_approve_but_recommends_upward(
    client_for, mary, submitted, branch_limit_50k
):
    client = client_for(mary)
    shown = page(client, submitted)
    assert reverse("lending:application-approve", args=[submitted.pk]) not in shown
    assert reverse("lending:application-recommend", args=[submitted.pk]) in shown

    refused = client.post(reverse("lending:application-approve", args=[submitted.pk]), APPROVE)
    assert refused.status_code == 400
    assert "beyond the authority of Branch manager" in refused.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.SUBMITTED
    assert not ApprovalStep.objects.exists()

    assert recommend(client, submitted, reason="").status_code == 400
    assert not ApprovalStep.objects.exists()

    assert recommend(client, submitted).status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.UNDER_REVIEW
    step = ApprovalStep.objects.get(application=submitted)
    assert (step.level.code, step.decider, step.outcome, step.reason) == (
        "branch_manager",
        mary,
        StepOutcome.RECOMMEND_APPROVE,
        "Beyond my limit",
    )
    route = ApprovalRoute.objects.get(application=submitted)
    assert route.waiting_level.code == "branch_committee"
    event = AuditEvent.objects.get(action="credit.application.recommended", actor=mary)
    assert event.before == {"level": "branch_manager"}
    assert event.after["level"] == "branch_committee"
    # Mary took the branch manager's step: nothing is left for her to decide at this level.
    assert 'data-testid="recommendation"' not in page(client, submitted)


def test_a_manager_within_authority_cannot_merely_recommend(client_for, mary, submitted):
    response = recommend(client_for(mary), submitted)
    assert response.status_code == 400
    assert "Your authority covers this application" in response.content.decode()
    assert not ApprovalStep.objects.exists()


def test_committee_decides_by_its_vote_with_quorum_and_majority(
    client_for, mary, submitted, branch_limit_50k, committee
):
    recommend(client_for(mary), submitted)
    nina, ned, bob = committee["nina"], committee["ned"], committee["bob"]
    client = client_for(nina)
    assert 'data-testid="committee-vote"' in page(client, submitted)

    # Two present: below the quorum of three; nothing is recorded.
    response = vote(client, submitted, [nina, ned], votes_for=2, votes_against=0)
    assert response.status_code == 400
    assert "the quorum is 3" in response.content.decode()
    # More votes than members present.
    response = vote(client, submitted, [nina, ned, bob], votes_for=3, votes_against=1)
    assert response.status_code == 400
    assert "More votes than members present" in response.content.decode()
    assert ApprovalStep.objects.count() == 1
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.UNDER_REVIEW

    # 2 of 3 for: more than half, the motion carries and the committee's level covers it.
    response = vote(client, submitted, [nina, ned, bob], votes_for=2, votes_against=1)
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.APPROVED
    assert submitted.decided_by == nina
    step = ApprovalStep.objects.get(application=submitted, level__code="branch_committee")
    assert step.outcome == StepOutcome.APPROVED
    assert (step.votes_for, step.votes_against) == (2, 1)
    assert set(step.members_present.all()) == {nina, ned, bob}
    shown = page(client, submitted)
    assert "3 present, 2 for, 1 against" in shown


def test_a_committee_vote_short_of_the_majority_rejects(
    client_for, mary, submitted, branch_limit_50k, committee
):
    recommend(client_for(mary), submitted)
    nina, ned, bob = committee["nina"], committee["ned"], committee["bob"]
    # Half of four for is not more than half: the motion fails.
    AuthorityHolder.objects.create(
        level=level("branch_committee"),
        user=User.objects.create_user(
            username="nora", password="x", role=Role.MANAGER, branch=nina.branch
        ),
        branch=nina.branch,
    )
    nora = User.objects.get(username="nora")
    response = vote(
        client_for(nina), submitted, [nina, ned, bob, nora], votes_for=2, votes_against=2
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.REJECTED
    assert ApprovalStep.objects.get(level__code="branch_committee").outcome == "rejected"


def test_makers_and_earlier_deciders_never_take_a_step(
    client_for, alice, mary, submitted, branch_limit_50k, committee
):
    # The maker cannot recommend at the first level.
    response = recommend(client_for(alice), submitted)
    assert response.status_code in (403, 404)
    assert not ApprovalStep.objects.exists()

    recommend(client_for(mary), submitted)
    nina, ned = committee["nina"], committee["ned"]

    # Mary, who took the branch manager's step, holds the committee level too: she can
    # neither record its vote nor be counted present.
    response = vote(client_for(mary), submitted, [mary, nina, ned], votes_for=3, votes_against=0)
    assert response.status_code == 403
    assert "You took an earlier step on this application" in messages_of(response)
    response = vote(client_for(nina), submitted, [mary, nina, ned], votes_for=3, votes_against=0)
    assert response.status_code == 400
    assert "Not members who may vote on this application: Mary" in response.content.decode()

    # Nor is the maker counted present (alice is named to the committee for this test).
    AuthorityHolder.objects.create(level=level("branch_committee"), user=alice, branch=alice.branch)
    response = vote(client_for(nina), submitted, [alice, nina, ned], votes_for=3, votes_against=0)
    assert response.status_code == 400
    assert ApprovalStep.objects.count() == 1
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.UNDER_REVIEW


def test_grade_below_the_floor_goes_up_whatever_the_matrix(
    client_for, mary, rita, submitted, committee
):
    # The floor raised above the customer's A: the branch manager's rule (grade B, ¥1,000,000)
    # would cover the application, the exception sends it to head office.
    AuthorityGradeFloor.objects.update(grade="AAA")
    client = client_for(mary)
    refused = client.post(reverse("lending:application-approve", args=[submitted.pk]), APPROVE)
    assert refused.status_code == 400
    assert "it needs Head-office risk officer" in refused.content.decode()

    assert recommend(client, submitted).status_code == 302
    route = ApprovalRoute.objects.get(application=submitted)
    assert route.required_level.code == "head_office_risk"
    assert "below the floor AAA" in route.exceptions[0]
    nina, ned, bob = committee["nina"], committee["ned"], committee["bob"]
    # The branch committee's vote is only a recommendation: its level does not cover it.
    assert (
        vote(
            client_for(nina), submitted, [nina, ned, bob], votes_for=3, votes_against=0
        ).status_code
        == 302
    )
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.UNDER_REVIEW
    route.refresh_from_db()
    assert route.waiting_level.code == "head_office_risk"

    # The head-office risk officer decides.
    response = client_for(rita).post(
        reverse("lending:application-approve", args=[submitted.pk]), APPROVE
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.APPROVED
    assert [step.level.code for step in ApprovalStep.objects.filter(application=submitted)] == [
        "branch_manager",
        "branch_committee",
        "head_office_risk",
    ]


def test_pipeline_shows_where_each_application_waits_and_for_how_long(
    client_for, mary, submitted, branch_limit_50k
):
    client = client_for(mary)
    rows = client.get(reverse("lending:application-list")).content.decode()
    assert "Branch manager · 0\xa0minutes" in rows
    recommend(client, submitted)
    # Recommended three days and an hour ago: it has waited at the committee since.
    ApprovalRoute.objects.filter(application=submitted).update(
        waiting_since=timezone.now() - dt.timedelta(days=3, hours=1)
    )
    rows = client.get(reverse("lending:application-list")).content.decode()
    assert "Branch credit committee · 3\xa0days, 1\xa0hour" in rows


def test_outsider_gets_404_on_every_authority_step(client_for, charlie, submitted, committee):
    client = client_for(charlie)
    assert recommend(client, submitted).status_code == 404
    response = vote(client, submitted, [committee["nina"]], votes_for=1, votes_against=0)
    assert response.status_code == 404
    assert not ApprovalStep.objects.exists()
    assert Application.objects.get(pk=submitted.pk).status == ApplicationStatus.SUBMITTED
