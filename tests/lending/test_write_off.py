"""Write-off (核销) from the outsider's side: HTTP requests as the people would make them, and
what the database holds afterwards.

- Only a loss-class loan meeting the conditions (time in loss, recorded recovery efforts) is
  proposed; the page says why not, and a proposal sent anyway is refused with 400.
- Four eyes within authority: the proposer never approves (403), an officer never approves;
  someone holding the authority for the amount does. Approved, the loan leaves the book: the
  dashboard's totals drop it, and its balance lives in the off-balance-sheet record.
- Recoveries after the write-off are recorded (audited), bounded by what is still owed.
- A reversal brings the loan back onto the book, again under four eyes.
- Every step is audited; the other branch's officer gets 404 everywhere.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from customers.models import Interaction
from customers.services import interaction_log
from lending.models import (
    Instalment,
    Loan,
    LoanStatus,
    ProposalStatus,
    WriteOffConditions,
    WriteOffProposal,
    WriteOffRecovery,
    WriteOffReversalProposal,
    WrittenOffLoan,
)
from risk import jobs
from tests.risk.conftest import disbursed_loan

D = Decimal
# The loan (24 months from 10 January 2025, never repaid) is 361 days past due on 6 February
# 2026: the nightly classifies it as loss that day.
LOSS_ON = dt.date(2026, 2, 6)
# 207 days later: past the default minimum of 180 days in loss.
LATE_ENOUGH = dt.date(2026, 9, 1)


@pytest.fixture
def lost_loan(alice, mary, graded_customer, consumer_product, settings):
    loan = disbursed_loan(alice, mary, graded_customer, consumer_product, amount="120000")
    jobs.run_synchronously(jobs.NIGHTLY, LOSS_ON)
    settings.BUSINESS_DATE = LATE_ENOUGH
    return loan


def log_contacts(officer, customer, count: int, first_day=dt.date(2026, 2, 10)) -> None:
    """Collection calls on consecutive days from `first_day` (before the business dates of
    the tests: efforts count up to the business date)."""
    for n in range(count):
        interaction_log(
            actor=officer,
            interaction=Interaction(
                customer=customer,
                channel="phone",
                occurred_at=timezone.make_aware(
                    dt.datetime.combine(first_day + dt.timedelta(days=n), dt.time(10))
                ),
                summary=f"Collection call {n + 1}: no payment promised",
            ),
        )


@pytest.fixture
def ready_loan(lost_loan, alice):
    log_contacts(alice, lost_loan.customer, 3)
    return lost_loan


def propose(client, loan, reason="Debtor absconded; nothing left to recover", evidence=None):
    return client.post(
        reverse("lending:write-off-propose", args=[loan.pk]),
        {"reason": reason, "evidence": evidence or "Three calls logged; no assets found"},
    )


def approve(client, proposal):
    return client.post(reverse("lending:write-off-approve", args=[proposal.pk]))


def dashboard_portfolio(client):
    return client.get(reverse("dashboards:dashboard"), {"refresh": "1"}).context["portfolio"]


def overdue_interest(loan, on) -> Decimal:
    return Instalment.objects.filter(
        loan=loan, superseded=False, settled_on__isnull=True, due_date__lt=on
    ).aggregate(total=Sum("interest_due"))["total"]


def written_off(client_for, alice, rita, loan) -> WrittenOffLoan:
    assert propose(client_for(alice), loan).status_code == 302
    proposal = WriteOffProposal.objects.get(loan=loan)
    assert approve(client_for(rita), proposal).status_code == 302
    return WrittenOffLoan.objects.get(loan=loan)


# --- Conditions ----------------------------------------------------------------------------------


def test_a_loan_outside_the_loss_class_is_not_offered_and_refused(
    client_for, alice, mary, graded_customer, consumer_product, settings
):
    loan = disbursed_loan(alice, mary, graded_customer, consumer_product)
    jobs.run_synchronously(jobs.NIGHTLY, dt.date(2025, 6, 1))  # 111 days: substandard
    settings.BUSINESS_DATE = dt.date(2025, 6, 1)
    log_contacts(alice, graded_customer, 3, first_day=dt.date(2025, 5, 1))
    client = client_for(alice)

    loan_page = client.get(reverse("lending:loan-detail", args=[loan.pk])).content.decode()
    assert 'data-testid="write-off-link"' not in loan_page
    page = client.get(reverse("lending:write-off-propose", args=[loan.pk])).content.decode()
    assert "The loan is not in the loss class." in page
    assert 'data-testid="write-off-form"' not in page

    response = propose(client, loan)
    assert response.status_code == 400
    assert "The loan is not in the loss class." in response.content.decode()
    assert not WriteOffProposal.objects.exists()
    assert Loan.objects.get(pk=loan.pk).status == LoanStatus.ACTIVE


def test_too_short_in_loss_and_too_few_efforts_are_named_and_refused(
    client_for, alice, lost_loan, settings
):
    settings.BUSINESS_DATE = dt.date(2026, 3, 1)  # 23 days in loss
    log_contacts(alice, lost_loan.customer, 2)
    client = client_for(alice)

    page = client.get(reverse("lending:write-off-propose", args=[lost_loan.pk])).content.decode()
    assert "in the loss class for 23 days; a write-off needs at least 180" in page
    assert "2 collection contacts are recorded since the loan fell past due" in page
    assert 'data-testid="write-off-form"' not in page

    response = propose(client, lost_loan)
    assert response.status_code == 400
    assert "at least 180" in response.content.decode()
    assert not WriteOffProposal.objects.exists()
    assert AuditEvent.objects.filter(action="credit.loan.write_off_proposed").count() == 0


def test_the_conditions_are_the_admins(client_for, alice, lost_loan):
    log_contacts(alice, lost_loan.customer, 1)
    client = client_for(alice)
    assert propose(client, lost_loan).status_code == 400
    conditions = WriteOffConditions.current()
    conditions.min_collection_contacts = 1
    conditions.save()

    assert propose(client, lost_loan).status_code == 302
    assert WriteOffProposal.objects.get(loan=lost_loan).collection_contacts == 1


def test_a_legal_step_is_enough_evidence(client_for, alice, rita, lost_loan):
    from risk.models import Alert
    from risk.services import alert_record_action

    alert = Alert.objects.filter(customer=lost_loan.customer).first()
    assert alert is not None  # the nightly's scan raised the past-due ladder's alert
    alert_record_action(actor=alice, alert=alert, action="legal", note="Lawsuit filed")

    assert propose(client_for(alice), lost_loan).status_code == 302
    assert WriteOffProposal.objects.get(loan=lost_loan).legal_steps == 1


def test_the_loan_page_offers_the_write_off_of_a_loss_class_loan(client_for, alice, ready_loan):
    page = client_for(alice).get(reverse("lending:loan-detail", args=[ready_loan.pk]))
    assert 'data-testid="write-off-link"' in page.content.decode()


def test_bad_input_is_refused_next_to_the_field(client_for, alice, ready_loan):
    response = propose(client_for(alice), ready_loan, reason="  ", evidence=" ")
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["reason"] and form.errors["evidence"]
    assert not WriteOffProposal.objects.exists()


# --- Four eyes and the book ----------------------------------------------------------------------


def test_proposed_by_one_approved_by_another_the_loan_leaves_the_book(
    client_for, alice, mary, rita, ready_loan
):
    before = dashboard_portfolio(client_for(mary))
    assert before["loans"] == 1
    assert before["exposure"] == D("120000.00")
    interest = overdue_interest(ready_loan, LATE_ENOUGH)

    assert propose(client_for(alice), ready_loan).status_code == 302
    proposal = WriteOffProposal.objects.get(loan=ready_loan)
    assert (proposal.principal, proposal.interest, proposal.penalty) == (
        D("120000.00"),
        interest,
        D("0.00"),
    )
    # Nothing happens to the loan before the approval.
    assert Loan.objects.get(pk=ready_loan.pk).status == LoanStatus.ACTIVE
    assert dashboard_portfolio(client_for(mary))["exposure"] == D("120000.00")
    queue = client_for(mary).get(reverse("lending:write-off-queue")).content.decode()
    assert f"write-off-proposal-{proposal.pk}" in queue

    assert approve(client_for(mary), proposal).status_code == 302

    loan = Loan.objects.get(pk=ready_loan.pk)
    assert (loan.status, loan.outstanding_principal) == (LoanStatus.WRITTEN_OFF, D("0.00"))
    record = WrittenOffLoan.objects.get(loan=loan)
    assert (record.principal, record.interest, record.penalty) == (
        D("120000.00"),
        interest,
        D("0.00"),
    )
    assert (record.approved_by, record.written_off_on, record.loan_class) == (
        mary,
        LATE_ENOUGH,
        5,
    )
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by) == (ProposalStatus.APPROVED, mary)
    after = dashboard_portfolio(client_for(mary))
    assert (after["loans"], after["exposure"], after["npl"]) == (0, D("0.00"), D("0.00"))


def test_the_proposer_never_approves_their_own_write_off(client_for, mary, rita, ready_loan):
    assert propose(client_for(mary), ready_loan).status_code == 302
    proposal = WriteOffProposal.objects.get(loan=ready_loan)

    response = approve(client_for(mary), proposal)
    assert response.status_code == 403
    assert "someone else must approve or reject it" in response.content.decode()
    assert Loan.objects.get(pk=ready_loan.pk).status == LoanStatus.ACTIVE
    assert not WrittenOffLoan.objects.exists()
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PENDING

    assert approve(client_for(rita), proposal).status_code == 302
    assert Loan.objects.get(pk=ready_loan.pk).status == LoanStatus.WRITTEN_OFF


def test_an_officer_holds_no_authority_to_approve(client_for, alice, mary, ready_loan):
    assert propose(client_for(mary), ready_loan).status_code == 302
    proposal = WriteOffProposal.objects.get(loan=ready_loan)
    queue = client_for(alice).get(reverse("lending:write-off-queue")).content.decode()
    assert f"write-off-proposal-{proposal.pk}" in queue
    assert reverse("lending:write-off-approve", args=[proposal.pk]) not in queue

    assert approve(client_for(alice), proposal).status_code == 403
    assert Loan.objects.get(pk=ready_loan.pk).status == LoanStatus.ACTIVE


def test_beyond_the_branch_managers_authority_head_office_approves(
    client_for, alice, mary, rita, ready_loan
):
    from lending.authority_models import AuthorityRule

    # The branch manager's level now takes write-offs up to 100,000 only.
    AuthorityRule.objects.filter(level__code="branch_manager").update(max_amount=D("100000"))
    assert propose(client_for(alice), ready_loan).status_code == 302
    proposal = WriteOffProposal.objects.get(loan=ready_loan)

    assert approve(client_for(mary), proposal).status_code == 403
    assert Loan.objects.get(pk=ready_loan.pk).status == LoanStatus.ACTIVE
    assert approve(client_for(rita), proposal).status_code == 302
    assert Loan.objects.get(pk=ready_loan.pk).status == LoanStatus.WRITTEN_OFF


def test_a_rejection_needs_a_reason_and_keeps_the_loan(client_for, alice, mary, ready_loan):
    assert propose(client_for(alice), ready_loan).status_code == 302
    proposal = WriteOffProposal.objects.get(loan=ready_loan)
    url = reverse("lending:write-off-reject", args=[proposal.pk])

    assert client_for(mary).post(url, {"reason": ""}).status_code == 400
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PENDING

    assert client_for(mary).post(url, {"reason": "Collect another quarter"}).status_code == 302
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decision_note) == (
        ProposalStatus.REJECTED,
        "Collect another quarter",
    )
    assert Loan.objects.get(pk=ready_loan.pk).status == LoanStatus.ACTIVE


def test_a_proposal_sent_twice_adds_nothing(client_for, alice, ready_loan):
    client = client_for(alice)
    assert propose(client, ready_loan).status_code == 302
    assert propose(client, ready_loan).status_code == 302
    assert WriteOffProposal.objects.filter(loan=ready_loan).count() == 1


# --- Recoveries ----------------------------------------------------------------------------------


def test_recoveries_are_recorded_audited_and_bounded(client_for, alice, rita, ready_loan):
    record = written_off(client_for, alice, rita, ready_loan)
    client = client_for(alice)
    url = reverse("lending:write-off-recovery", args=[record.pk])

    response = client.post(
        url, {"amount": "5000", "received_on": "2026-08-31", "reference": "R-1", "note": "Auction"}
    )
    assert response.status_code == 400  # before the write-off
    assert "A recovery cannot predate the write-off." in response.content.decode()
    response = client.post(
        url, {"amount": str(record.total + 1), "received_on": "2026-09-01", "reference": "R-1"}
    )
    assert response.status_code == 400
    assert "is still owed on this written-off loan" in response.content.decode()
    assert not WriteOffRecovery.objects.exists()

    response = client.post(
        url, {"amount": "5000", "received_on": "2026-09-01", "reference": "R-1", "note": "Auction"}
    )
    assert response.status_code == 302
    again = client.post(url, {"amount": "5000", "received_on": "2026-09-01", "reference": "R-1"})
    assert again.status_code == 400
    record.refresh_from_db()
    assert record.recovered == D("5000.00")
    assert record.remaining == record.total - D("5000.00")
    recovery = WriteOffRecovery.objects.get(record=record)
    assert (recovery.amount, recovery.recorded_by) == (D("5000.00"), alice)
    event = AuditEvent.objects.get(action="credit.loan.write_off_recovery_recorded")
    assert (event.actor, event.object_id) == (alice, str(ready_loan.pk))
    # The loan stays off the book: a recovery is no repayment.
    assert Loan.objects.get(pk=ready_loan.pk).status == LoanStatus.WRITTEN_OFF
    listed = client.get(reverse("lending:written-off-list")).content.decode()
    assert ready_loan.account_number in listed


# --- Reversal ------------------------------------------------------------------------------------


def test_a_reversal_brings_the_loan_back_under_four_eyes(client_for, alice, mary, rita, ready_loan):
    record = written_off(client_for, alice, rita, ready_loan)
    assert dashboard_portfolio(client_for(mary))["exposure"] == D("0.00")
    response = client_for(mary).post(
        reverse("lending:write-off-reversal-propose", args=[record.pk]),
        {"reversal-reason": "Written off in error: the debtor's estate pays in full"},
    )
    assert response.status_code == 302
    proposal = WriteOffReversalProposal.objects.get(record=record)
    approve_url = reverse("lending:write-off-reversal-approve", args=[proposal.pk])

    assert client_for(mary).post(approve_url).status_code == 403
    assert Loan.objects.get(pk=ready_loan.pk).status == LoanStatus.WRITTEN_OFF

    assert client_for(rita).post(approve_url).status_code == 302
    loan = Loan.objects.get(pk=ready_loan.pk)
    assert (loan.status, loan.outstanding_principal) == (LoanStatus.ACTIVE, D("120000.00"))
    record.refresh_from_db()
    assert record.reversed_on == LATE_ENOUGH
    portfolio = dashboard_portfolio(client_for(mary))
    assert (portfolio["loans"], portfolio["exposure"]) == (1, D("120000.00"))


def test_no_reversal_once_money_was_recovered(client_for, alice, mary, rita, ready_loan):
    record = written_off(client_for, alice, rita, ready_loan)
    client_for(alice).post(
        reverse("lending:write-off-recovery", args=[record.pk]),
        {"amount": "100", "received_on": "2026-09-01", "reference": "R-9"},
    )
    response = client_for(mary).post(
        reverse("lending:write-off-reversal-propose", args=[record.pk]),
        {"reversal-reason": "Error"},
    )
    assert response.status_code == 400
    assert "Recoveries are recorded on this written-off loan" in response.content.decode()
    assert not WriteOffReversalProposal.objects.exists()


# --- Audit and scope -----------------------------------------------------------------------------


def test_every_step_is_audited(client_for, alice, mary, rita, ready_loan):
    record = written_off(client_for, alice, rita, ready_loan)
    client_for(mary).post(
        reverse("lending:write-off-reversal-propose", args=[record.pk]),
        {"reversal-reason": "Error"},
    )
    proposal = WriteOffReversalProposal.objects.get(record=record)
    client_for(rita).post(reverse("lending:write-off-reversal-approve", args=[proposal.pk]))

    trail = list(
        AuditEvent.objects.filter(
            object_id=str(ready_loan.pk), action__contains="write_off"
        ).order_by("id")
    )
    assert [(event.action, event.actor) for event in trail] == [
        ("credit.loan.write_off_proposed", alice),
        ("credit.loan.write_off_approved", rita),
        ("credit.loan.write_off_reversal_proposed", mary),
        ("credit.loan.write_off_reversal_approved", rita),
    ]
    assert trail[1].before["status"] == "active"
    assert trail[1].after["status"] == "written_off"


def test_the_other_branch_gets_404_everywhere(client_for, alice, rita, charlie, ready_loan):
    # client_for signs the one test client in: each request as charlie signs him in again.
    def outsider():
        return client_for(charlie)

    propose_url = reverse("lending:write-off-propose", args=[ready_loan.pk])
    assert outsider().get(propose_url).status_code == 404
    assert propose(outsider(), ready_loan).status_code == 404
    assert propose(client_for(alice), ready_loan).status_code == 302
    proposal = WriteOffProposal.objects.get(loan=ready_loan)
    assert approve(outsider(), proposal).status_code == 404
    reject_url = reverse("lending:write-off-reject", args=[proposal.pk])
    assert outsider().post(reject_url, {"reason": "No"}).status_code == 404
    queue = outsider().get(reverse("lending:write-off-queue")).content.decode()
    assert "write-off-proposal" not in queue

    assert approve(client_for(rita), proposal).status_code == 302
    record = WrittenOffLoan.objects.get(loan=ready_loan)
    detail_url = reverse("lending:written-off-detail", args=[record.pk])
    assert outsider().get(detail_url).status_code == 404
    response = outsider().post(
        reverse("lending:write-off-recovery", args=[record.pk]),
        {"amount": "100", "received_on": "2026-09-01", "reference": "X"},
    )
    assert response.status_code == 404
    response = outsider().post(
        reverse("lending:write-off-reversal-propose", args=[record.pk]),
        {"reversal-reason": "Mine now"},
    )
    assert response.status_code == 404
    assert not WriteOffRecovery.objects.exists()
    assert not WriteOffReversalProposal.objects.exists()
    listed = outsider().get(reverse("lending:written-off-list")).content.decode()
    assert ready_loan.account_number not in listed
    assert Loan.objects.get(pk=ready_loan.pk).status == LoanStatus.WRITTEN_OFF


# --- Pages ---------------------------------------------------------------------------------------


def test_the_record_and_list_pages_issue_a_bounded_number_of_queries(
    client_for, alice, rita, ready_loan, django_assert_num_queries
):
    record = written_off(client_for, alice, rita, ready_loan)
    client = client_for(alice)
    for n in range(3):
        client.post(
            reverse("lending:write-off-recovery", args=[record.pk]),
            {"amount": "10", "received_on": "2026-09-01", "reference": f"R-{n}"},
        )
    detail = reverse("lending:written-off-detail", args=[record.pk])
    client.get(detail)
    # session, user, the record (one join: its loan, customer, product, approver and
    # proposal), its recoveries, their recorders, its reversal proposals: six, whatever the
    # recoveries' number.
    with django_assert_num_queries(6):
        page = client.get(detail)
    assert page.context["record"].recovered == D("30.00")
    # session, user, the records in scope with their loans and customers.
    with django_assert_num_queries(3):
        client.get(reverse("lending:written-off-list"))
