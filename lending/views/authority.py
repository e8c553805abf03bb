"""The approval authority's steps on the application page: a recommendation to the next level
and a committee's recorded vote. Same flow as the other steps (views/applications.py): scope
(404), form, one service call, message; bad input or a refused step answers 400 with the
reason next to the field."""

from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lending import selectors, services
from lending.approval_page import committee_members
from lending.authority_forms import CommitteeVoteForm, RecommendationForm
from lending.policies import waiting_level
from lending.views.applications import _transition_view


@require_POST
def application_recommend(request, pk: int):
    return _transition_view(
        request,
        pk,
        lambda app, data: services.application_recommend(
            actor=request.user,
            application=app,
            approve=data["recommendation"] == "approve",
            reason=data["reason"],
        ),
        form_class=RecommendationForm,
        success=_("Recommendation recorded; the application moves to the next level."),
    )


class _CommitteeVoteFormFor:
    """The committee form bound to the members who may be named for this application."""

    __name__ = "CommitteeVoteForm"

    def __init__(self, application):
        self.application = application

    def __call__(self, data):
        level = waiting_level(self.application)
        members = (
            committee_members(level, branch_id=self.application.customer.branch_id)
            if level is not None
            else None
        )
        return CommitteeVoteForm(data, members=members)


@require_POST
def application_committee_vote(request, pk: int):
    application = selectors.application_get_for(request.user, pk)
    return _transition_view(
        request,
        pk,
        lambda app, data: services.application_committee_vote(
            actor=request.user,
            application=app,
            members_present=list(data["members_present"]),
            votes_for=data["votes_for"],
            votes_against=data["votes_against"],
            reason=data["reason"],
            amount=data["amount"],
            term_months=data["term_months"],
            rate=data["rate"],
        ),
        form_class=_CommitteeVoteFormFor(application),
        success=_("The committee's vote is recorded."),
    )
