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


def decides_applications(user: User) -> bool:
    """Whether deciding applications is part of the user's work at all (the Today page's
    decision queue); each one is then may_decide_application's."""
    return user.role in {Role.MANAGER, Role.ADMIN}


def may_decide_application(user: User, application) -> bool:
    """Managers of the customer's branch (and admins) decide: start the review, approve,
    reject, and pay out what was approved. Never one of its makers (whoever created it,
    edited its terms or submitted it)."""
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
