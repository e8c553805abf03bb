"""The forms of watch-list screening's pages (customers/screening_views.py)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from customers.screening_models import HitStatus


class WatchListImportForm(forms.Form):
    file = forms.FileField(
        label=_("Watch list (CSV or XLSX)"),
        help_text=_("One list version per file; the layout is in docs/screening.md."),
    )


class HitFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            ("", _("Still blocking (open, confirmed, clearing proposed)")),
            *HitStatus.choices,
        ],
        required=False,
    )


class HitConfirmForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )


class HitClearingForm(forms.Form):
    reason = forms.CharField(
        label=_("Why this is not the listed party"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


class HitDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve the clearing")), ("reject", _("Reject the clearing"))],
    )
