"""The demo's approval authority: who holds which level (idempotent), and the walk that takes
a demo application through the levels as the people holding them would.

The default matrix (lending migration 0004) gives the branch manager level to every manager
and the head-office risk officer level to every risk officer; the committees are named here. A
committee needs three members present who neither made the application nor took an earlier
step, so each committee has members of its own beside the demo's cast."""

from __future__ import annotations

from django.db import transaction

from accounts.demo import DEMO_PASSWORD
from accounts.models import Branch, Role, User
from lending import authority, services
from lending.approval_page import committee_members
from lending.authority_models import AuthorityHolder, AuthorityLevel
from lending.models import Application, ApplicationStatus
from lending.policies import earlier_decider_ids, may_decide_application, waiting_level

# username, first name, last name, role, branch code
COMMITTEE_MEMBERS = [
    ("nora", "Nora", "Qian", Role.MANAGER, "NORTH"),
    ("neil", "Neil", "Guo", Role.MANAGER, "NORTH"),
    ("sue", "Sue", "Lin", Role.MANAGER, "SOUTH"),
    ("sid", "Sid", "Hu", Role.MANAGER, "SOUTH"),
    ("hugo", "Hugo", "Ma", Role.RISK_OFFICER, "HO"),
    ("hana", "Hana", "Xu", Role.RISK_OFFICER, "HO"),
]
# level code, branch code (None for head office), members
SEATS = [
    ("branch_committee", "NORTH", ["mary", "nora", "neil", "bob", "alice"]),
    ("branch_committee", "SOUTH", ["sue", "sid", "admin", "hana"]),
    ("head_office_committee", None, ["rita", "hugo", "hana", "admin"]),
]


@transaction.atomic
def place_demo_holders() -> int:
    """Creates the committees' members and seats them; what exists is left alone."""
    branches = {branch.code: branch for branch in Branch.objects.all()}
    for username, first, last, role, branch in COMMITTEE_MEMBERS:
        if not User.objects.filter(username=username).exists():
            User.objects.create_user(
                username=username,
                password=DEMO_PASSWORD,
                first_name=first,
                last_name=last,
                role=role,
                branch=branches.get(branch),
            )
    seated = 0
    for code, branch, usernames in SEATS:
        level = AuthorityLevel.objects.filter(code=code).first()
        if level is None:
            continue
        for user in User.objects.filter(username__in=usernames):
            _seat, created = AuthorityHolder.objects.get_or_create(
                level=level, user=user, branch=branches.get(branch) if branch else None
            )
            seated += created
    return seated


def _deciders(application: Application, level) -> list[User]:
    candidates = committee_members(level, branch_id=application.customer.branch_id)
    return [user for user in candidates if may_decide_application(user, application)]


def walk(application: Application, *, approve: bool, offer: dict, reason: str) -> Application:
    """Takes the application through the levels: each level's holder decides when the level
    covers it, or recommends it upward; a committee votes (all present for approval, or the
    majority against). Stops where nobody may take the next step, leaving it waiting there."""
    application.refresh_from_db()
    while application.status in (ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW):
        application = Application.objects.select_related("customer", "product").get(
            pk=application.pk
        )
        level = waiting_level(application)
        if level is None:
            break
        requirement = authority.required_authority(
            amount=application.amount,
            product_type=application.product.product_type,
            grade=application.customer.grade,
            customer=application.customer,
            facility_id=application.facility_id,
        )
        deciders = _deciders(application, level)
        if not deciders:
            break
        actor = deciders[0]
        if level.is_committee:
            excluded = {
                *earlier_decider_ids(application),
                application.created_by_id,
                application.submitted_by_id,
                *application.editor_ids,
            }
            members = [
                user
                for user in committee_members(level, branch_id=application.customer.branch_id)
                if user.pk not in excluded
            ]
            if len(members) < level.quorum:
                break
            members = [actor, *[m for m in members if m != actor]][: max(level.quorum, 1)]
            in_favour = len(members) if approve else 0
            result = services.application_committee_vote(
                actor=actor,
                application=application,
                members_present=members,
                votes_for=in_favour,
                votes_against=len(members) - in_favour,
                reason=reason,
                rate=offer.get("rate"),
            )
        elif requirement.level.rank > level.rank:
            result = services.application_recommend(
                actor=actor, application=application, approve=approve, reason=reason
            )
        elif approve:
            result = services.application_approve(
                actor=actor,
                application=application,
                amount=application.amount,
                term_months=application.term_months,
                rate=offer["rate"],
                note=reason,
            )
        else:
            result = services.application_reject(
                actor=actor, application=application, reason=reason
            )
        if isinstance(result, Application):
            application = result
        application.refresh_from_db()
    return application
