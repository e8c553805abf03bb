"""Who may do what in lending: one function per decision, pure over the user and the object,
no queries. The services refuse with them (PermissionDenied, or the four-eyes message) and the
pages show or hide their buttons with the same functions, so a button is on the page exactly
when the service would accept it (tests/platform/test_policies.py holds both sides together).

Whether the user sees the object at all is the selectors' scope rule (a 404 before any of
these is asked); the state an action needs (a draft, an approved application) is the
service's own check, and the page asks it beside the policy."""

from __future__ import annotations

from accounts.models import Role, User
from credit.policies import may_work_credit


def may_prepare_application(user: User) -> bool:
    """Create, edit, submit and secure applications: the people who prepare credit."""
    return may_work_credit(user)


def maker_part(user: User, application) -> str | None:
    """How `user` took part in preparing the application ("submitted", "edited",
    "created"), or None: any of them makes them one of its makers."""
    if application.submitted_by_id == user.pk:
        return "submitted"
    if user.pk in application.editor_ids:
        return "edited"
    if application.created_by_id == user.pk:
        return "created"
    return None


# The roles that may hold an approval authority level; an officer prepares credit, never
# decides it.
DECIDING_ROLES = frozenset({Role.MANAGER, Role.RISK_OFFICER, Role.ADMIN})


def decides_applications(user: User) -> bool:
    """Whether deciding applications is part of the user's work at all (the Today page's
    decision queue); each one is then may_decide_application's."""
    return user.role in {Role.MANAGER, Role.ADMIN}


def earlier_decider_ids(application) -> set[int]:
    """Who took a step on the application already (deciders, and the members present at a
    committee's vote): none of them takes another (lending/authority.py)."""
    ids = set()
    for step in application.approval_steps.all():
        ids.add(step.decider_id)
        ids.update(member.pk for member in step.members_present.all())
    return ids


def waiting_level(application):
    """The authority level the application waits at: its route's, or the first level for an
    application submitted before the matrix (its route is written at its first step)."""
    from lending.authority import first_level
    from lending.models import ApprovalRoute

    try:
        return application.approval_route.waiting_level
    except ApprovalRoute.DoesNotExist:
        return first_level()


def may_decide_application(user: User, application) -> bool:
    """Whoever holds the authority level the application waits at (lending/authority.py;
    a branch level in the customer's branch) takes its step there: starts the review, and
    decides it when the level covers it or recommends it to the next level when not. Never
    one of its makers (whoever created it, edited its terms or submitted it), nor anyone who
    took an earlier step. Unlike the others here this one reads the matrix (a few queries)."""
    from lending.authority import holds_level

    if maker_part(user, application) or user.role not in DECIDING_ROLES:
        return False
    level = waiting_level(application)
    if level is None or user.pk in earlier_decider_ids(application):
        return False
    return holds_level(user, level, branch_id=application.customer.branch_id)


def may_disburse_application(user: User, application) -> bool:
    """Managers of the customer's branch (and admins) pay out what was approved, never one
    of its makers (whoever created it, edited its terms or submitted it)."""
    if maker_part(user, application):
        return False
    if user.role == Role.MANAGER:
        return application.customer.branch_id == user.branch_id
    return user.role == Role.ADMIN


def may_withdraw_application(user: User) -> bool:
    """Whoever prepares applications, and admins, withdraw one before it is paid out."""
    return may_work_credit(user) or user.role == Role.ADMIN


def may_service_loans(user: User) -> bool:
    """Post repayments, revalue collateral, propose a restructuring or a reversal."""
    return user.role in {Role.OFFICER, Role.MANAGER, Role.ADMIN}


def may_decide_loan_change(user: User, loan, proposal) -> bool:
    """Who approves or rejects a restructuring or a reversal: a manager of the customer's
    branch or an admin, never its proposer."""
    if proposal.proposed_by_id == user.pk:
        return False
    if user.role == Role.MANAGER:
        return loan.customer.branch_id == user.branch_id
    return user.role == Role.ADMIN


def may_import_portfolio(user: User) -> bool:
    """Import loans and repayments from the core banking system: managers and admins."""
    return user.role in {Role.MANAGER, Role.ADMIN}


def _manages_customer(user: User, customer) -> bool:
    """A manager of the customer's branch, or an admin."""
    if user.role == Role.MANAGER:
        return customer.branch_id == user.branch_id
    return user.role == Role.ADMIN


def may_propose_facility(user: User) -> bool:
    """Propose a credit facility or a raise of its limit, and activate an approved one once
    its agreement is signed: the people who prepare credit."""
    return may_work_credit(user)


def may_approve_facility(user: User, facility, proposed_by_id: int | None = None) -> bool:
    """Approve a facility, or a raise of its limit (`proposed_by_id`, the raise's proposer):
    a manager of the customer's branch or an admin, never its proposer (four eyes). The one
    place the approval authority plugs in."""
    proposer = proposed_by_id if proposed_by_id is not None else facility.proposed_by_id
    if proposer == user.pk:
        return False
    return _manages_customer(user, facility.customer)


def may_freeze_facility(user: User) -> bool:
    """Freeze a facility: it only stops new drawings (risk goes down), so whoever works the
    customer's credit may, and admins."""
    return may_work_credit(user) or user.role == Role.ADMIN


def may_unfreeze_facility(user: User, facility) -> bool:
    """Lift a freeze (drawing again raises the exposure): a manager of the customer's branch
    or an admin, never the person who froze it (four eyes; a freeze by an early-warning
    response was made by whoever recorded the response)."""
    if facility.frozen_by_id == user.pk:
        return False
    return _manages_customer(user, facility.customer)


def may_record_facility_review(user: User, facility) -> bool:
    """Record that a facility's annual review was done: the customer's officer (who prepares
    credit) or a manager of the customer's branch, or an admin. It only moves the next review
    date (never past the expiry), so one person's word suffices."""
    return may_work_credit(user) or _manages_customer(user, facility.customer)


def may_close_facility(user: User, facility) -> bool:
    """Close a facility (no drawing any more) or decline a proposed one: a manager of the
    customer's branch or an admin."""
    return _manages_customer(user, facility.customer)


def may_propose_write_off(user: User) -> bool:
    """Propose writing off a loss-class loan, or bringing a written-off loan back onto the
    book: the loan's officers and managers, and risk officers."""
    return user.role in {Role.OFFICER, Role.MANAGER, Role.RISK_OFFICER}


def may_decide_write_off(user: User, loan, proposal, amount) -> bool:
    """Approve or reject a write-off, or its reversal, of `amount`: whoever holds the approval
    authority the amount needs (lending/write_offs.py reads the matrix, a few queries), never
    the proposer (four eyes)."""
    from lending.write_offs import holds_write_off_authority

    if proposal.proposed_by_id == user.pk:
        return False
    return holds_write_off_authority(user, loan, amount)


def may_record_recovery(user: User) -> bool:
    """Record money received on a written-off loan (a receipt, audited; no second person):
    whoever services loans, and risk officers."""
    return user.role in {Role.OFFICER, Role.MANAGER, Role.RISK_OFFICER, Role.ADMIN}


def may_record_reminder_opt_out(user: User) -> bool:
    """Record that a customer wants no more payment reminders on a channel, or take it back:
    the people who talk with the customer (what they asked for on a call or a visit)."""
    from customers.policies import may_edit_customers

    return may_edit_customers(user)


def may_record_inspection(user: User) -> bool:
    """Record a post-loan inspection's findings: the officers who visit the customer and
    their managers."""
    return user.role in {Role.OFFICER, Role.MANAGER}


# Collections (lending/services/collections.py).
def may_assign_collections(user: User) -> bool:
    """Hand collection cases to collectors: the managers."""
    return user.role in {Role.MANAGER, Role.ADMIN}


def may_work_collection_case(user: User, case) -> bool:
    """Record contact attempts and promises on a case: its collector, and the people who
    work the portfolio (the officer's reminder stage is the officer's own work)."""
    return case.collector_id == user.pk or user.role in {Role.OFFICER, Role.MANAGER, Role.ADMIN}


def may_record_legal_case(user: User, case) -> bool:
    """Record a legal case from a collection case in the legal stage, and its steps (judgment,
    enforcement, preserved assets, costs, recoveries): whoever works the collection case."""
    return may_work_collection_case(user, case)
