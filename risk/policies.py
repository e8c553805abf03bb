"""Who may do what in risk: one function per decision, pure over the user and the object, no
queries. The services refuse with them and the pages show or hide their buttons with the same
functions (tests/platform/test_policies.py holds both sides together). Scope (which loans,
customers and alerts a user sees at all) is the selectors' 404, asked before these."""

from __future__ import annotations

from accounts.models import Role, User

# Who reviews the conduct alerts (look-ups of customers outside one's scope).
CONDUCT_REVIEWER_ROLES = frozenset({Role.MANAGER, Role.RISK_OFFICER, Role.ADMIN})


def may_work_alerts(user: User) -> bool:
    """Acknowledge, respond to, resolve and dismiss early-warning alerts."""
    return user.role in {Role.OFFICER, Role.MANAGER, Role.RISK_OFFICER, Role.ADMIN}


def may_acknowledge_alert(user: User, alert) -> bool:
    """Acknowledge an alert, one or several at once from the list: whoever works alerts
    (scope, asked first, keeps each to the alerts they see)."""
    return may_work_alerts(user)


# Who may take an alert: people who work their customers' alerts. Admins run the system, not
# the book.
ALERT_ASSIGNEE_ROLES = frozenset({Role.OFFICER, Role.MANAGER, Role.RISK_OFFICER})


def may_assign_alert(user: User, alert) -> bool:
    """Assign or reassign an alert: its assignee handing it on, a manager of the customer's
    branch (the officer's manager), risk officers and admins."""
    if user.role in {Role.RISK_OFFICER, Role.ADMIN}:
        return True
    if user.role == Role.MANAGER:
        return user.branch_id is not None and user.branch_id == alert.customer_branch_id
    return user.role == Role.OFFICER and alert.assignee_id == user.pk


def may_override_class(user: User) -> bool:
    """Override a loan's five-tier class, or propose a better one: managers and risk
    officers."""
    return user.role in {Role.MANAGER, Role.RISK_OFFICER}


def may_decide_class_proposal(user: User, proposal) -> bool:
    """Approve or reject a proposed better class: an overrider who is not the proposer (the
    other pair of eyes; the scope rule keeps a manager to their branch's loans)."""
    return may_override_class(user) and proposal.proposed_by_id != user.pk


def may_withdraw_class_proposal(user: User, proposal) -> bool:
    """Only the proposer withdraws their proposal."""
    return proposal.proposed_by_id == user.pk


def may_raise_signal(user: User) -> bool:
    """Raise or withdraw a manual signal (lawsuit, negative news...): the people who learn
    facts about customers."""
    return user.role in {Role.OFFICER, Role.MANAGER, Role.RISK_OFFICER}


def may_see_risk_page(user: User) -> bool:
    """The risk overview is for managers and head office, not for loan officers."""
    return user.role != Role.OFFICER


def may_review_conduct(user: User) -> bool:
    """See conduct alerts: managers (their branch's) and head office."""
    return user.role in CONDUCT_REVIEWER_ROLES


def may_close_conduct_alert(user: User, alert) -> bool:
    """Close a conduct alert: a reviewer, never the person it is about."""
    return may_review_conduct(user) and alert.user_id != user.pk


# Provisions are figures of the book: managers (their branch's) and head office read them.
PROVISION_READER_ROLES = frozenset({Role.MANAGER, Role.RISK_OFFICER, Role.ADMIN})


def may_see_provisions(user: User) -> bool:
    """The provisions page and the dashboard's provision cards."""
    return user.role in PROVISION_READER_ROLES


def may_run_month_end_provisions(user: User) -> bool:
    """Freeze a month's provisions by hand (beat does it on the first of the month): the risk
    officer."""
    return user.role == Role.RISK_OFFICER
