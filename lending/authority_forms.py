"""The forms of the approval authority's steps on the application page: a recommendation to
the next level, and a committee's recorded vote."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.forms import PercentField
from lending.services.pricing import MAX_ANNUAL_RATE


class RecommendationForm(forms.Form):
    recommendation = forms.ChoiceField(
        label=_("Recommendation"),
        choices=[("approve", _("Recommend approval")), ("decline", _("Recommend decline"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class CommitteeVoteForm(forms.Form):
    members_present = forms.ModelMultipleChoiceField(
        label=_("Members present"),
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    votes_for = forms.IntegerField(label=_("Votes for approval"), min_value=0, max_value=100)
    votes_against = forms.IntegerField(label=_("Votes against"), min_value=0, max_value=100)
    amount = forms.DecimalField(
        label=_("Approved amount"), max_digits=18, decimal_places=2, min_value=Decimal("0.01")
    )
    term_months = forms.IntegerField(label=_("Approved term (months)"), min_value=1)
    rate = PercentField(
        label=_("Approved annual rate (%)"),
        min_fraction=Decimal("0"),
        max_fraction=MAX_ANNUAL_RATE,
    )
    reason = forms.CharField(
        label=_("Minutes: the committee's reasons"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Every active user may be named; the service refuses those who may not vote on this
        # application, by name, next to the field.
        self.fields["members_present"].queryset = (
            members if members is not None else User.objects.filter(is_active=True)
        )
