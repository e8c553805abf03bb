"""What the application page shows of the approval authority: the level it waits at and since
when, the level that decides it and why it went above the matrix, the steps taken, and the
form the user may fill in at this level (decide, recommend, or a committee's vote)."""

from __future__ import annotations

from django.db.models import Q

from accounts.models import User
from lending import authority
from lending.authority_forms import CommitteeVoteForm, RecommendationForm
from lending.authority_models import ApprovalRoute, LevelScope
from lending.policies import waiting_level


def committee_members(level, *, branch_id: int | None):
    """The users who may be named present at a committee level's vote (for a branch level,
    those holding it in the customer's branch)."""
    named = Q(authority_holdings__level=level)
    if level.scope == LevelScope.BRANCH:
        named &= Q(authority_holdings__branch_id=branch_id)
    by_role = Q(role__in=level.holder_roles)
    if level.scope == LevelScope.BRANCH:
        by_role &= Q(branch_id=branch_id)
    return User.objects.filter(named | by_role, is_active=True).distinct().order_by("username")


def approval_context(application, *, may_decide: bool, offer: dict, forms: dict) -> dict:
    # The route and the steps come with the application (lending.selectors).
    try:
        route = application.approval_route
    except ApprovalRoute.DoesNotExist:
        route = None
    level = route.waiting_level if route else waiting_level(application)
    steps = list(application.approval_steps.all())
    context = {
        "approval_route": route,
        "waiting_level": level,
        "approval_steps": steps,
        "level_covers": False,
        "is_committee": bool(level and level.is_committee),
    }
    if may_decide and level is not None:
        requirement = authority.required_authority(
            amount=application.amount,
            product_type=application.product.product_type,
            grade=application.customer.grade,
            customer=application.customer,
            facility_id=application.facility_id,
        )
        context["level_covers"] = requirement.level.rank <= level.rank
        context["required_level"] = requirement.level
        # Why it goes above the matrix (a grade floor, a concentration limit's figures).
        context["required_exceptions"] = requirement.exceptions
        if level.is_committee:
            context["committee_form"] = forms.get("committee_form") or CommitteeVoteForm(
                members=committee_members(level, branch_id=application.customer.branch_id),
                initial={
                    "amount": application.amount,
                    "term_months": application.term_months,
                    "rate": offer.get("rate"),
                },
            )
        else:
            context["recommendation_form"] = forms.get("recommendation_form") or (
                RecommendationForm()
            )
    return context
