"""Two managers approving one classification proposal at the same moment, with real threads on
real PostgreSQL (the pattern of tests/platform/test_concurrency.py): one approval takes effect,
the other is told who approved it, and the trail has one approval."""

import datetime as dt

import pytest

from accounts import services as account_services
from accounts.models import Branch, Role
from audit.models import AuditEvent
from risk import jobs, services
from risk.models import ClassificationProposal, LoanRisk, RiskHistory
from tests.platform.test_concurrency import Overlap, held, messages_of

pytestmark = pytest.mark.django_db(transaction=True)

DAY = dt.date(2025, 2, 16)  # risky_loan is 6 days past due: special mention


@pytest.fixture
def proposal(risky_loan_committed, settings):
    """rita put the loan in doubtful, then proposed special mention again; committed."""
    from accounts.models import User

    settings.BUSINESS_DATE = DAY
    jobs.run_synchronously(jobs.NIGHTLY, DAY)
    rita = User.objects.get(username="rita")
    risk = LoanRisk.objects.get(loan=risky_loan_committed)
    until = dt.date(2025, 5, 16)
    services.classification_override(
        actor=rita, loan_risk=risk, loan_class=4, reason="Fraud suspected", until=until
    )
    return services.classification_override(
        actor=rita, loan_risk=risk, loan_class=2, reason="Fraud ruled out", until=until
    )


@pytest.fixture
def approvers(proposal):
    from accounts.models import User

    max_ = account_services.user_create(
        actor=None,
        username="max",
        password="x-Concurrency-1",
        role=Role.MANAGER,
        branch=Branch.objects.get(code="NORTH"),
        first_name="Max",
        last_name="Zhou",
    )
    return User.objects.get(username="mary"), max_


def test_two_approvals_at_once_take_effect_once(proposal, approvers, monkeypatch):
    overlap = Overlap()
    # Each approval holds once its decision is written, before it commits.
    monkeypatch.setattr(services, "_decide", held(overlap, services._decide))

    def approve(user):
        return lambda: services.classification_proposal_approve(
            actor=user, proposal=ClassificationProposal.objects.get(pk=proposal.pk)
        )

    outcomes = overlap.run(*(approve(user) for user in approvers))

    winners = [outcome for outcome in outcomes if outcome.error is None]
    losers = [outcome for outcome in outcomes if outcome.error is not None]
    assert len(winners) == len(losers) == 1
    decided = ClassificationProposal.objects.select_related("decided_by").get(pk=proposal.pk)
    assert decided.status == "approved"
    assert messages_of(losers[0].error).startswith(
        f"This proposal is no longer waiting: Approved by {decided.decided_by.get_full_name()} on"
    )
    risk = LoanRisk.objects.get(pk=proposal.loan_risk_id)
    assert (risk.final_class, risk.override_class) == (2, 2)
    approvals = AuditEvent.objects.filter(action="risk.classification.override_approved")
    assert [event.actor_id for event in approvals] == [decided.decided_by_id]
    changes = RiskHistory.objects.filter(kind="classification", loan_id=proposal.loan_risk_id)
    assert [(row.old_value, row.new_value) for row in changes.order_by("id")] == [
        ("1", "2"),  # the nightly job
        ("2", "4"),  # rita's override
        ("4", "2"),  # the approval, once
    ]
