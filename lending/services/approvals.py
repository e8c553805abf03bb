"""The application's way through the approval authority matrix (lending/authority.py).

An application waits at the lowest level first. Whoever holds the level where it waits acts:
when the level covers the application they decide it (application_approve / application_reject,
which call `decision_step` here); when it does not, they recommend approval or decline with a
reason and it moves to the next level (`application_recommend`). A committee level acts by its
recorded vote: members present, votes for and against, quorum and majority from the level
(`application_committee_vote`). Every step is an ApprovalStep and an audit row; nobody who
made the application or took an earlier step takes another."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from audit.services import audit_log
from lending import authority
from lending.models import (
    Application,
    ApplicationStatus,
    ApprovalRoute,
    ApprovalStep,
    AuthorityLevel,
    StepOutcome,
)
from lending.policies import earlier_decider_ids, maker_part, may_decide_application
from lending.services.permissions import FourEyesRefused, require

EARLIER_STEP_REFUSAL = gettext_lazy(
    "You took an earlier step on this application, so someone else decides at this level "
    "(four eyes)."
)
OPEN_FOR_STEPS = (ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW)


def _requirement(application: Application, amount: Decimal | None = None):
    return authority.required_authority(
        amount=application.amount if amount is None else amount,
        product_type=application.product.product_type,
        grade=application.customer.grade,
        customer=application.customer,
        facility_id=application.facility_id,
    )


def approval_route_open(*, application: Application) -> ApprovalRoute:
    """At submission: the application waits at the first level; the level that will decide
    it is recorded as known now (the steps compute it again with the terms they decide)."""
    requirement = _requirement(application)
    route, _created = ApprovalRoute.objects.update_or_create(
        application=application,
        defaults={
            "required_level": requirement.level,
            "waiting_level": authority.first_level(),
            "waiting_since": timezone.now(),
            "exceptions": requirement.exceptions,
        },
    )
    return route


def _route(application: Application) -> ApprovalRoute:
    """The locked route; an application submitted before the matrix existed gets one now."""
    route = ApprovalRoute.objects.select_for_update().filter(application=application).first()
    return route or approval_route_open(application=application)


def _require_step_taker(user: User, application: Application) -> None:
    if maker_part(user, application):
        raise FourEyesRefused(
            _("You prepared this application, so someone else decides it (maker-checker).")
        )
    if user.pk in earlier_decider_ids(application):
        raise FourEyesRefused(EARLIER_STEP_REFUSAL)
    require(may_decide_application(user, application))


def _reason(reason: str, field: str = "reason") -> str:
    if not reason.strip():
        raise ValidationError({field: _("Give the reason for this step.")})
    return reason.strip()


def _start_review_if_submitted(actor: User, application: Application) -> Application:
    if application.status != ApplicationStatus.SUBMITTED:
        return application
    from lending.services.applications import application_start_review

    application_start_review(actor=actor, application=application)
    return Application.objects.select_related("customer", "product").get(pk=application.pk)


def _move_up(route: ApprovalRoute, requirement) -> AuthorityLevel:
    following = authority.next_level(route.waiting_level)
    route.waiting_level = following or route.waiting_level
    route.waiting_since = timezone.now()
    route.required_level = requirement.level
    route.exceptions = requirement.exceptions
    route.save(update_fields=["waiting_level", "waiting_since", "required_level", "exceptions"])
    return route.waiting_level


def decision_step(
    *,
    actor: User,
    application: Application,
    outcome: str,
    reason: str,
    amount: Decimal,
    members=(),
    votes: tuple[int, int] | None = None,
) -> ApprovalStep:
    """Called by application_approve and application_reject (and a committee's vote) on the
    locked application before their transition: refuses a decision beyond the level's
    authority, or at a committee level without its vote, and records the step."""
    route = _route(application)
    level = route.waiting_level
    if level is None:
        raise ValidationError(_("This application has been decided."))
    _require_step_taker(actor, application)
    if level.is_committee and votes is None:
        raise ValidationError(
            _("At %(level)s the committee decides by a recorded vote.") % {"level": level}
        )
    requirement = _requirement(application, amount)
    if requirement.level.rank > level.rank:
        raise ValidationError(
            {
                "amount" if outcome == StepOutcome.APPROVED else "reason": _(
                    "This is beyond the authority of %(level)s (it needs %(required)s): "
                    "recommend it to the next level instead."
                )
                % {"level": level, "required": requirement.level}
                # Why it goes up (a concentration limit's figures, a grade floor).
                + "".join(f" {reason}" for reason in requirement.exceptions)
            }
        )
    step = ApprovalStep.objects.create(
        application=application,
        level=level,
        decider=actor,
        outcome=outcome,
        reason=reason,
        votes_for=votes[0] if votes else None,
        votes_against=votes[1] if votes else None,
    )
    if members:
        step.members_present.set(members)
    route.waiting_level = None
    route.waiting_since = None
    route.required_level = requirement.level
    route.exceptions = requirement.exceptions
    route.save(update_fields=["waiting_level", "waiting_since", "required_level", "exceptions"])
    return step


@transaction.atomic
def application_recommend(
    *, actor: User, application: Application, approve: bool, reason: str
) -> ApprovalStep:
    """A decider whose level does not cover the application recommends approval or decline,
    with the reason; it moves to the next level."""
    locked = (
        Application.objects.select_for_update()
        .select_related("customer", "product")
        .get(pk=application.pk)
    )
    if locked.status not in OPEN_FOR_STEPS:
        raise ValidationError(
            _("This application is %(status)s; that step is not possible.")
            % {"status": locked.get_status_display()}
        )
    _require_step_taker(actor, locked)
    reason = _reason(reason)
    route = _route(locked)
    level = route.waiting_level
    if level.is_committee:
        raise ValidationError(
            _("At %(level)s the committee decides by a recorded vote.") % {"level": level}
        )
    requirement = _requirement(locked)
    if requirement.level.rank <= level.rank:
        raise ValidationError(
            {"reason": _("Your authority covers this application: approve or reject it.")}
        )
    locked = _start_review_if_submitted(actor, locked)
    return _record_recommendation(
        actor=actor,
        application=locked,
        route=route,
        requirement=requirement,
        outcome=StepOutcome.RECOMMEND_APPROVE if approve else StepOutcome.RECOMMEND_DECLINE,
        reason=reason,
    )


def _record_recommendation(
    *, actor, application, route, requirement, outcome, reason, members=(), votes=None
) -> ApprovalStep:
    level = route.waiting_level
    step = ApprovalStep.objects.create(
        application=application,
        level=level,
        decider=actor,
        outcome=outcome,
        reason=reason,
        votes_for=votes[0] if votes else None,
        votes_against=votes[1] if votes else None,
    )
    if members:
        step.members_present.set(members)
    next_at = _move_up(route, requirement)
    audit_log(
        actor=actor,
        action="credit.application.recommended",
        obj=application,
        before={"level": level.code},
        after={
            "level": next_at.code,
            "outcome": outcome,
            "note": reason,
            **({"votes_for": votes[0], "votes_against": votes[1]} if votes else {}),
        },
    )
    return step


@transaction.atomic
def application_committee_vote(
    *,
    actor: User,
    application: Application,
    members_present: list[User],
    votes_for: int,
    votes_against: int,
    reason: str,
    amount: Decimal | None = None,
    term_months: int | None = None,
    rate: Decimal | None = None,
) -> Application | ApprovalStep:
    """The committee's decision as its recorder (a member) enters it: who was present and
    how they voted. With a quorum, the motion to approve carries when more than the level's
    majority of those present vote for it. A committee whose level covers the application
    approves it (on the terms given) or rejects it; one that does not recommends it upward."""
    locked = (
        Application.objects.select_for_update()
        .select_related("customer", "product")
        .get(pk=application.pk)
    )
    if locked.status not in OPEN_FOR_STEPS:
        raise ValidationError(
            _("This application is %(status)s; that step is not possible.")
            % {"status": locked.get_status_display()}
        )
    _require_step_taker(actor, locked)
    reason = _reason(reason)
    route = _route(locked)
    level = route.waiting_level
    if not level.is_committee:
        raise ValidationError(_("%(level)s is not a committee.") % {"level": level})
    members = list(dict.fromkeys(members_present))
    errors = {}
    excluded = {*earlier_decider_ids(locked), locked.created_by_id, locked.submitted_by_id}
    excluded.update(locked.editor_ids)
    outsiders = [
        str(member)
        for member in members
        if not authority.may_decide(
            member, level=level, branch_id=locked.customer.branch_id, excluded_user_ids=excluded
        )
    ]
    if outsiders:
        errors["members_present"] = _(
            "Not members who may vote on this application: %(names)s."
        ) % {"names": ", ".join(outsiders)}
    elif actor not in members:
        errors["members_present"] = _("The recorder must be one of the members present.")
    elif len(members) < level.quorum:
        errors["members_present"] = _("%(present)s members present; the quorum is %(quorum)s.") % {
            "present": len(members),
            "quorum": level.quorum,
        }
    if votes_for + votes_against > len(members):
        errors["votes_for"] = _("More votes than members present.")
    if errors:
        raise ValidationError(errors)
    carried = Decimal(votes_for) > level.majority * len(members)
    decides_amount = amount if amount is not None else locked.amount
    requirement = _requirement(locked, decides_amount)
    locked = _start_review_if_submitted(actor, locked)
    if requirement.level.rank > level.rank:
        step = _record_recommendation(
            actor=actor,
            application=locked,
            route=route,
            requirement=requirement,
            outcome=StepOutcome.RECOMMEND_APPROVE if carried else StepOutcome.RECOMMEND_DECLINE,
            reason=reason,
            members=members,
            votes=(votes_for, votes_against),
        )
        return step
    from lending.services import applications

    votes = (votes_for, votes_against)
    if carried:
        return applications.approve_locked(
            actor=actor,
            application=locked,
            amount=decides_amount,
            term_months=term_months or locked.term_months,
            rate=rate,
            note=reason,
            step={"members": members, "votes": votes},
        )
    return applications.reject_locked(
        actor=actor, application=locked, reason=reason, step={"members": members, "votes": votes}
    )
