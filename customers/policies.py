"""Who may do what with customers: one function per decision, pure over the user (and the
object), no queries. The services call them to refuse (PermissionDenied or a message next to
the field); the views and templates call the same functions to show or hide the button, so a
button is on the page exactly when the service would accept the click
(tests/platform/test_policies.py holds both sides together).

The scope rule (which customers a user sees at all) is not here: it is the selectors' job,
and what is out of scope is a 404 before any of these is asked."""

from __future__ import annotations

from django.utils import timezone

from accounts.models import Role, User

# Who calls, visits and signs with the customer: they may see the full identifiers.
REVEAL_ROLES = frozenset({Role.OFFICER, Role.MANAGER})


def may_edit_customers(user: User) -> bool:
    """Create and edit customers, their contacts, needs, interactions, follow-ups, complaints
    and surveys, and import customers: the people who work the portfolio."""
    return user.role in {Role.OFFICER, Role.MANAGER, Role.ADMIN}


def may_transfer_customer(user: User) -> bool:
    """Hand a customer to another officer."""
    return user.role in {Role.MANAGER, Role.ADMIN}


def may_reveal_identifiers(user: User) -> bool:
    """See a customer's full resident ID and phone (each reveal audited with its reason)."""
    return user.role in REVEAL_ROLES


def owns_what_they_create(user: User) -> bool:
    """An officer's new customers (and follow-ups) are their own: they choose no officer."""
    return user.role == Role.OFFICER


def may_own_customers(user: User) -> bool:
    """Who can be a customer's relationship manager: an active loan officer."""
    return user.role == Role.OFFICER and user.is_active


def may_assign_to(user: User, officer: User) -> bool:
    """A manager assigns their branch's customers only to their branch's officers; an officer
    only to themselves; head office to anyone."""
    if user.role == Role.OFFICER:
        return officer.pk == user.pk
    if user.role == Role.MANAGER:
        return officer.branch_id == user.branch_id
    return True


def may_undo_follow_up(user: User, follow_up, completing_interaction, today) -> bool:
    """Reopen a follow-up marked done (voiding the interaction that closed it): only the
    person who logged that interaction, and only on the day it was done in the bank's time
    zone. A slip is noticed the same day; by the next, the night's jobs (the no-contact rule,
    the revisit cadence) and the day's follow-up figures have already read the contact."""
    return (
        may_edit_customers(user)
        and follow_up.status == "done"
        and follow_up.closed_at is not None
        and completing_interaction is not None
        and completing_interaction.officer_id == user.pk
        and timezone.localdate(follow_up.closed_at) == today
    )


def may_manage_documents(user: User) -> bool:
    """Upload and delete documents on what the user sees (customers, applications, loans,
    collateral, bureau consents): the people who work the portfolio. Whoever sees the owner
    may download its documents."""
    return may_edit_customers(user)


def may_record_relations(user: User) -> bool:
    """Record or end a related-party link between two customers the user may see: the people
    who know the customers (an officer links only customers of their own portfolio)."""
    return may_edit_customers(user)


def may_manage_groups(user: User) -> bool:
    """Create a customer group, set its group limit and its members: credit management (a
    manager or head office), not the officer who sells to the members."""
    return user.role in {Role.MANAGER, Role.RISK_OFFICER, Role.ADMIN}


# --- Watch-list screening (customers/screening.py) ---------------------------------------------

# Compliance works the hits bank-wide; a manager approves the clearing of a hit on a customer
# of their branch (the four eyes a second compliance officer can also give).
CLEARING_APPROVER_ROLES = frozenset({Role.COMPLIANCE, Role.MANAGER})


def may_import_watch_lists(user: User) -> bool:
    """Load a sanctions or watch list from a file."""
    return user.role in {Role.COMPLIANCE, Role.ADMIN}


def may_see_screening(user: User) -> bool:
    """Open the queue of screening hits and a hit's page (each within their data scope)."""
    return user.role in {Role.COMPLIANCE, Role.MANAGER, Role.ADMIN}


def may_confirm_hit(user: User, hit) -> bool:
    """Confirm that an open hit is the listed party: it raises recorded risk, so one
    compliance officer's word suffices."""
    return user.role == Role.COMPLIANCE and hit.status == "open"


def may_propose_hit_clearing(user: User, hit) -> bool:
    """Propose that an open hit is a false positive, with the reason."""
    return user.role == Role.COMPLIANCE and hit.status == "open"


def may_decide_hit_clearing(user: User, hit) -> bool:
    """Approve or reject a proposed clearing: it lowers recorded risk, so never the person who
    proposed it."""
    return (
        user.role in CLEARING_APPROVER_ROLES
        and hit.status == "clearing_proposed"
        and hit.clear_proposed_by_id != user.pk
        and (user.role != Role.MANAGER or hit.customer.branch_id == user.branch_id)
    )
