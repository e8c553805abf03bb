"""Four eyes on the lending side, from the outsider's side: HTTP requests as the people
would make them, and what the database holds afterwards.

- Applications: whoever created, edited or submitted one never starts its review, decides it
  or pays it out; the page says why instead of offering the buttons; the database refuses it
  too.
- Restructurings and repayment reversals are proposals: nothing happens to the loan until a
  manager other than the proposer approves; a form sent twice adds nothing; the new terms
  stay within the product's bounds; the other branch gets 404.
"""

import datetime as dt
from decimal import Decimal
from html import escape

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.models import Role
from accounts.services import user_create
from audit.models import AuditEvent
from lending import services
from lending.models import (
    Application,
    ApplicationEvent,
    Loan,
    RepaymentReversalProposal,
    Restructuring,
    RestructuringProposal,
)
from lending.selectors import current_schedule
from tests.lending.conftest import make_application

D = Decimal


@pytest.fixture
def max_(mary):
    """A second manager of mary's branch: someone else who may decide."""
    return user_create(
        actor=None,
        username="max",
        password="x-Long-enough-1",
        role=Role.MANAGER,
        branch=mary.branch,
        first_name="Max",
        last_name="Zhou",
    )


def messages_of(response) -> str:
    return " ".join(str(message) for message in response.context["messages"])


def application_state(application) -> tuple:
    application.refresh_from_db()
    return (
        application.status,
        application.reviewer_id,
        application.decided_by_id,
        ApplicationEvent.objects.filter(application=application).count(),
        AuditEvent.objects.count(),
    )


# --- Applications --------------------------------------------------------------------------------


def test_a_manager_who_created_an_application_never_reviews_or_decides_it(
    client_for, mary, max_, alice, graded_customer, consumer_product
):
    # mary creates it, alice submits it: before the fix mary could review and approve it.
    application = make_application(mary, graded_customer, consumer_product)
    services.application_submit(actor=alice, application=application)
    client = client_for(mary)
    detail = reverse("lending:application-detail", args=[application.pk])

    page = client.get(detail).content.decode()
    assert "You created this application, so another manager must decide it" in page
    assert reverse("lending:application-review", args=[application.pk]) not in page
    assert reverse("lending:application-approve", args=[application.pk]) not in page
    assert reverse("lending:application-reject", args=[application.pk]) not in page

    before = application_state(application)
    response = client.post(reverse("lending:application-review", args=[application.pk]))
    assert response.status_code == 403
    assert "You created this application" in messages_of(response)
    response = client.post(
        reverse("lending:application-reject", args=[application.pk]), {"reason": "No"}
    )
    assert response.status_code == 403
    assert application_state(application) == before

    # Another manager of the branch decides (approve and reject are offered straight from
    # "submitted"; the review step stays available).
    client = client_for(max_)
    assert reverse("lending:application-approve", args=[application.pk]) in (
        client.get(detail).content.decode()
    )
    assert (
        client.post(reverse("lending:application-review", args=[application.pk])).status_code == 302
    )
    response = client.post(
        reverse("lending:application-approve", args=[application.pk]),
        {"amount": "100000", "term_months": "12", "rate": "4.35"},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert (application.status, application.decided_by) == ("approved", max_)


def test_whoever_edited_the_terms_never_decides(
    client_for, mary, max_, alice, graded_customer, consumer_product
):
    application = make_application(alice, graded_customer, consumer_product)
    response = client_for(mary).post(
        reverse("lending:application-edit", args=[application.pk]),
        {
            "product": consumer_product.pk,
            "amount": "80000",
            "term_months": "12",
            "purpose": "Home renovation",
        },
    )
    assert response.status_code == 302
    services.application_submit(actor=alice, application=application)
    application.refresh_from_db()
    assert application.editor_ids == [mary.pk]

    client = client_for(mary)
    page = client.get(reverse("lending:application-detail", args=[application.pk]))
    assert "You edited this application, so another manager must decide it" in (
        page.content.decode()
    )
    before = application_state(application)
    response = client.post(reverse("lending:application-review", args=[application.pk]))
    assert response.status_code == 403
    assert "You edited this application" in messages_of(response)
    assert application_state(application) == before

    services.application_start_review(actor=max_, application=application)
    response = client.post(
        reverse("lending:application-approve", args=[application.pk]),
        {"amount": "80000", "term_months": "12", "rate": "4.35"},
    )
    assert response.status_code == 403
    application.refresh_from_db()
    assert application.status == "under_review"


def test_the_database_refuses_a_maker_as_reviewer_or_decider(
    mary, max_, alice, graded_customer, consumer_product
):
    application = make_application(mary, graded_customer, consumer_product)
    Application.objects.filter(pk=application.pk).update(editor_ids=[max_.pk])
    services.application_submit(actor=alice, application=application)
    rows = Application.objects.filter(pk=application.pk)
    for field, maker in (
        ("reviewer", mary),  # created it
        ("reviewer", alice),  # submitted it
        ("reviewer", max_),  # edited it
        ("decided_by", mary),
        ("decided_by", alice),
        ("decided_by", max_),
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            rows.update(**{field: maker})
    rows.update(reviewer=None)  # nobody yet: allowed


def test_a_maker_never_pays_out_what_another_approved(
    client_for, mary, max_, alice, graded_customer, consumer_product, on_business_date
):
    application = make_application(mary, graded_customer, consumer_product)
    services.application_submit(actor=alice, application=application)
    services.application_start_review(actor=max_, application=application)
    services.application_approve(
        actor=max_,
        application=application,
        amount=D("100000"),
        term_months=12,
        rate=D("0.0435"),
    )
    client = client_for(mary)
    detail = reverse("lending:application-detail", args=[application.pk])
    disburse = reverse("lending:application-disburse", args=[application.pk])
    page = client.get(detail).content.decode()
    assert disburse not in page
    assert "You prepared this application, so another manager must pay it out" in page

    response = client.post(disburse)
    assert response.status_code == 403
    assert "another manager must pay it out" in messages_of(response)
    assert not Loan.objects.exists()

    # The approver pays it out.
    assert disburse in client_for(max_).get(detail).content.decode()
    assert client_for(max_).post(disburse).status_code == 302
    assert Loan.objects.get().disbursed_by == max_


# --- Restructurings ------------------------------------------------------------------------------


def loan_state(loan) -> tuple:
    """Everything a restructuring or a reversal could change, to show that nothing did."""
    loan.refresh_from_db()
    return (
        loan.annual_rate,
        loan.outstanding_principal,
        loan.maturity_date,
        loan.schedule_version,
        loan.restructure_count,
        loan.restructured_on,
        loan.instalments.count(),
        list(loan.repayments.values_list("pk", "reversed_at")),
        list(loan.restructuring_proposals.values_list("pk", "status", "decided_by")),
        list(loan.reversal_proposals.values_list("pk", "status", "decided_by")),
        Restructuring.objects.count(),
        AuditEvent.objects.count(),
    )


def propose_restructuring(client, loan, term="24", rate="4.00", reason="Income fell"):
    return client.post(
        reverse("lending:loan-restructure", args=[loan.pk]),
        {"new_term_months": term, "new_rate": rate, "reason": reason},
    )


def test_alice_proposes_mary_approves_and_the_loan_gets_its_new_schedule(
    client_for, alice, mary, loan
):
    old_schedule = [(row.pk, row.due_date) for row in current_schedule(loan)]
    response = propose_restructuring(client_for(alice), loan)
    assert response.status_code == 302
    proposal = RestructuringProposal.objects.get()
    assert (proposal.proposed_by, proposal.status) == (alice, "pending")
    # Nothing happens before the approval.
    loan.refresh_from_db()
    assert (loan.annual_rate, loan.restructure_count) == (D("0.043500"), 0)
    assert [(row.pk, row.due_date) for row in current_schedule(loan)] == old_schedule
    page = client_for(alice).get(reverse("lending:loan-detail", args=[loan.pk])).content.decode()
    assert "Awaiting approval" in page
    assert "You proposed this change, so someone else must approve or reject it" in page
    assert reverse("lending:restructuring-approve", args=[loan.pk, proposal.pk]) not in page
    assert reverse("lending:restructuring-withdraw", args=[loan.pk, proposal.pk]) in page

    client = client_for(mary)
    page = client.get(reverse("lending:loan-detail", args=[loan.pk])).content.decode()
    approve = reverse("lending:restructuring-approve", args=[loan.pk, proposal.pk])
    assert approve in page
    assert "proposed by Alice" in page
    response = client.post(approve)
    assert response.status_code == 302

    loan.refresh_from_db()
    proposal.refresh_from_db()
    record = Restructuring.objects.get()
    assert (proposal.status, proposal.decided_by, proposal.restructuring) == (
        "approved",
        mary,
        record,
    )
    assert (record.decided_by, record.new_rate, record.new_term_months) == (
        mary,
        D("0.040000"),
        24,
    )
    assert (loan.annual_rate, loan.restructure_count) == (D("0.040000"), 1)
    assert loan.restructured_on == dt.date(2026, 3, 15)
    new_rows = [row for row in current_schedule(loan) if row.due_date > dt.date(2026, 3, 15)]
    assert len(new_rows) == 24
    assert sum(row.principal_due for row in new_rows) == record.principal_restructured
    audit = list(
        AuditEvent.objects.filter(object_type="credit.loan", object_id=str(loan.pk))
        .filter(action__startswith="credit.loan.restructur")
        .order_by("id")
        .values_list("action", "actor")
    )
    assert audit == [
        ("credit.loan.restructuring_proposed", alice.pk),
        ("credit.loan.restructured", mary.pk),
        ("credit.loan.restructuring_approved", mary.pk),
    ]
    page = client.get(reverse("lending:loan-detail", args=[loan.pk])).content.decode()
    assert "proposed by Alice" in page and "approved by Mary" in page


def test_the_proposer_cannot_approve_their_own_restructuring(client_for, mary, admin_user, loan):
    response = propose_restructuring(client_for(mary), loan)
    assert response.status_code == 302
    proposal = RestructuringProposal.objects.get()
    before = loan_state(loan)
    client = client_for(mary)
    page = client.get(reverse("lending:loan-detail", args=[loan.pk])).content.decode()
    approve = reverse("lending:restructuring-approve", args=[loan.pk, proposal.pk])
    assert approve not in page
    response = client.post(approve)
    assert response.status_code == 403
    assert "You proposed this change" in messages_of(response)
    response = client.post(
        reverse("lending:restructuring-reject", args=[loan.pk, proposal.pk]),
        {"restructuring-reason": "Changed my mind"},
    )
    assert response.status_code == 403
    assert loan_state(loan) == before
    with pytest.raises(IntegrityError), transaction.atomic():
        RestructuringProposal.objects.filter(pk=proposal.pk).update(
            status="rejected", decided_by=mary
        )
    # Head office may approve it.
    assert client_for(admin_user).post(approve).status_code == 302
    loan.refresh_from_db()
    assert loan.restructure_count == 1


def test_a_restructuring_form_sent_twice_proposes_once(client_for, alice, mary, loan):
    client = client_for(alice)
    assert propose_restructuring(client, loan).status_code == 302
    state = loan_state(loan)
    again = propose_restructuring(client, loan)
    assert again.status_code == 302
    assert "already awaits approval" in messages_of(client.get(again["Location"]))
    assert loan_state(loan) == state
    # Different terms while one waits: refused, naming who proposed it.
    response = propose_restructuring(client_for(mary), loan, term="36")
    assert response.status_code == 400
    assert "Alice" in messages_of(response) and "awaits approval" in messages_of(response)
    assert loan_state(loan) == state
    assert RestructuringProposal.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "term", "rate", "message"),
    [
        ("new_rate", "24", "0", "The rate must be more than zero."),
        ("new_rate", "24", "30", "The rate cannot exceed 24.00%."),
        ("new_rate", "24", "1", "The product lends at rates from 3.85% to 24.00%."),
        ("new_term_months", "61", "4", "The product's term is 6 to 60 months."),
        ("new_term_months", "3", "4", "The product's term is 6 to 60 months."),
    ],
)
def test_new_terms_outside_the_product_are_refused_next_to_the_field(
    client_for, alice, loan, field, term, rate, message
):
    before = loan_state(loan)
    response = propose_restructuring(client_for(alice), loan, term=term, rate=rate)
    assert response.status_code == 400
    assert response.context["restructure_form"].errors[field] == [message]
    assert escape(message) in response.content.decode()
    assert loan_state(loan) == before


def test_rejecting_needs_a_reason_and_leaves_the_loan_as_it_is(client_for, alice, mary, loan):
    propose_restructuring(client_for(alice), loan)
    proposal = RestructuringProposal.objects.get()
    client = client_for(mary)
    url = reverse("lending:restructuring-reject", args=[loan.pk, proposal.pk])
    before = loan_state(loan)
    response = client.post(url, {"restructuring-reason": " "})
    assert response.status_code == 400
    assert response.context["restructuring_reject_form"].errors["reason"]
    assert loan_state(loan) == before
    response = client.post(url, {"restructuring-reason": "Income not proven"})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by, proposal.decision_note) == (
        "rejected",
        mary,
        "Income not proven",
    )
    loan.refresh_from_db()
    assert loan.restructure_count == 0
    assert AuditEvent.objects.filter(
        action="credit.loan.restructuring_rejected", actor=mary, object_id=str(loan.pk)
    ).exists()
    # Decided once: an approval after the rejection changes nothing and says who decided.
    before = loan_state(loan)
    response = client.post(reverse("lending:restructuring-approve", args=[loan.pk, proposal.pk]))
    assert response.status_code == 400
    assert "Mary" in messages_of(response) and "already decided" in messages_of(response)
    assert loan_state(loan) == before


def test_only_the_proposer_withdraws(client_for, alice, mary, loan):
    propose_restructuring(client_for(alice), loan)
    proposal = RestructuringProposal.objects.get()
    url = reverse("lending:restructuring-withdraw", args=[loan.pk, proposal.pk])
    before = loan_state(loan)
    assert client_for(mary).post(url).status_code == 403
    assert loan_state(loan) == before
    assert client_for(alice).post(url).status_code == 302
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by) == ("withdrawn", None)
    assert AuditEvent.objects.filter(
        action="credit.loan.restructuring_withdrawn", actor=alice
    ).exists()
    # A new proposal may follow.
    assert propose_restructuring(client_for(alice), loan, term="36").status_code == 302
    assert RestructuringProposal.objects.filter(status="pending").count() == 1


def test_an_approval_sent_twice_restructures_once(client_for, alice, mary, loan):
    propose_restructuring(client_for(alice), loan)
    proposal = RestructuringProposal.objects.get()
    approve = reverse("lending:restructuring-approve", args=[loan.pk, proposal.pk])
    client = client_for(mary)
    assert client.post(approve).status_code == 302
    state = loan_state(loan)
    response = client.post(approve)
    assert response.status_code == 400
    assert "already decided this proposal" in messages_of(response)
    assert loan_state(loan) == state
    assert Restructuring.objects.count() == 1


def test_the_other_branch_gets_404_on_every_proposal_step(client_for, alice, bob, charlie, loan):
    propose_restructuring(client_for(alice), loan)
    payment = services.repayment_post(
        actor=alice,
        loan=loan,
        amount=D("100"),
        paid_on=dt.date(2026, 2, 20),
        channel="transfer",
        reference="R-1",
    )
    services.repayment_reversal_propose(actor=alice, repayment=payment, reason="Bounced")
    restructuring = RestructuringProposal.objects.get()
    reversal = RepaymentReversalProposal.objects.get()
    before = loan_state(loan)
    urls = [
        reverse("lending:loan-restructure", args=[loan.pk]),
        reverse("lending:repayment-reverse", args=[loan.pk, payment.pk]),
        *(
            reverse(f"lending:restructuring-{step}", args=[loan.pk, restructuring.pk])
            for step in ("approve", "reject", "withdraw")
        ),
        *(
            reverse(f"lending:reversal-{step}", args=[loan.pk, reversal.pk])
            for step in ("approve", "reject", "withdraw")
        ),
    ]
    for outsider in (charlie, bob):
        client = client_for(outsider)
        assert client.get(reverse("lending:loan-detail", args=[loan.pk])).status_code == 404
        for url in urls:
            response = client.post(
                url,
                {
                    "new_term_months": "24",
                    "new_rate": "4",
                    "reason": "x",
                    "restructuring-reason": "x",
                    "reversal-reason": "x",
                },
            )
            assert response.status_code == 404, (outsider, url)
    assert loan_state(loan) == before


def test_a_proposal_of_another_loan_is_not_found(
    client_for, alice, mary, loan, graded_customer, consumer_product
):
    from tests.risk.conftest import disbursed_loan

    other = disbursed_loan(alice, mary, graded_customer, consumer_product, amount="20000")
    propose_restructuring(client_for(alice), other)
    proposal = RestructuringProposal.objects.get()
    response = client_for(mary).post(
        reverse("lending:restructuring-approve", args=[loan.pk, proposal.pk])
    )
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.restructure_count == 0


# --- Repayment reversals -------------------------------------------------------------------------


def pay(user, loan, amount="100", on=dt.date(2026, 2, 20), reference="R-1"):
    return services.repayment_post(
        actor=user,
        loan=loan,
        amount=D(amount),
        paid_on=on,
        channel="transfer",
        reference=reference,
    )


def test_alice_proposes_a_reversal_and_it_takes_effect_when_mary_approves(
    client_for, alice, mary, loan
):
    payment = pay(alice, loan)
    loan.refresh_from_db()
    paid_state = loan_state(loan)
    client = client_for(alice)
    url = reverse("lending:repayment-reverse", args=[loan.pk, payment.pk])
    response = client.post(url, {"reason": "Posted to the wrong loan"})
    assert response.status_code == 302
    proposal = RepaymentReversalProposal.objects.get()
    assert (proposal.proposed_by, proposal.repayment, proposal.status) == (
        alice,
        payment,
        "pending",
    )
    payment.refresh_from_db()
    assert payment.reversed_at is None
    # The form sent again adds nothing.
    state = loan_state(loan)
    assert client.post(url, {"reason": "Posted to the wrong loan"}).status_code == 302
    assert loan_state(loan) == state
    assert state[:8] == paid_state[:8]  # the loan itself has not moved

    client = client_for(mary)
    page = client.get(reverse("lending:loan-detail", args=[loan.pk])).content.decode()
    approve = reverse("lending:reversal-approve", args=[loan.pk, proposal.pk])
    assert approve in page and "Posted to the wrong loan" in page
    assert client.post(approve).status_code == 302
    payment.refresh_from_db()
    loan.refresh_from_db()
    assert (payment.reversed_by, payment.reversal_reason) == (mary, "Posted to the wrong loan")
    assert loan.outstanding_principal == D("100000.00")
    assert all(row.interest_paid == 0 for row in current_schedule(loan))
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by) == ("approved", mary)
    audit = list(
        AuditEvent.objects.filter(action__startswith="credit.repayment.rever")
        .order_by("id")
        .values_list("action", "actor")
    )
    assert audit == [
        ("credit.repayment.reversal_proposed", alice.pk),
        ("credit.repayment.reversed", mary.pk),
    ]
    # Approved once: a second click reverses nothing more.
    state = loan_state(loan)
    response = client.post(approve)
    assert response.status_code == 400
    assert loan_state(loan) == state


def test_the_proposer_cannot_approve_their_own_reversal(client_for, alice, mary, loan):
    payment = pay(alice, loan)
    client = client_for(mary)
    client.post(
        reverse("lending:repayment-reverse", args=[loan.pk, payment.pk]), {"reason": "Bounced"}
    )
    proposal = RepaymentReversalProposal.objects.get()
    before = loan_state(loan)
    response = client.post(reverse("lending:reversal-approve", args=[loan.pk, proposal.pk]))
    assert response.status_code == 403
    assert "You proposed this change" in messages_of(response)
    assert loan_state(loan) == before
    payment.refresh_from_db()
    assert payment.reversed_at is None


def test_a_second_reversal_proposal_waits_for_the_first(client_for, alice, mary, loan):
    payment = pay(alice, loan)
    url = reverse("lending:repayment-reverse", args=[loan.pk, payment.pk])
    assert client_for(alice).post(url, {"reason": "Bounced"}).status_code == 302
    before = loan_state(loan)
    response = client_for(mary).post(url, {"reason": "Duplicate"})
    assert response.status_code == 400
    assert "Alice" in messages_of(response)
    assert loan_state(loan) == before


def test_a_reversal_rejected_leaves_the_payment(client_for, alice, mary, loan):
    payment = pay(alice, loan)
    client_for(alice).post(
        reverse("lending:repayment-reverse", args=[loan.pk, payment.pk]), {"reason": "Bounced"}
    )
    proposal = RepaymentReversalProposal.objects.get()
    response = client_for(mary).post(
        reverse("lending:reversal-reject", args=[loan.pk, proposal.pk]),
        {"reversal-reason": "The bank confirmed it"},
    )
    assert response.status_code == 302
    payment.refresh_from_db()
    proposal.refresh_from_db()
    assert payment.reversed_at is None
    assert (proposal.status, proposal.decided_by) == ("rejected", mary)
    assert AuditEvent.objects.filter(action="credit.repayment.reversal_rejected").exists()
