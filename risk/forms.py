from django import forms
from django.utils.translation import gettext_lazy as _

from customers.forms import DATE_INPUT
from customers.models import Channel, Interaction
from risk.models import AlertStatus, EarlyWarningRule, LoanClass, ManualSignal, ResponseAction
from risk.models import Severity as AlertSeverity

AGE_CHOICES = [
    ("", _("Any age")),
    ("1", _("Last 24 hours")),
    ("7", _("Last 7 days")),
    ("30", _("Last 30 days")),
    ("older", _("Older than 30 days")),
]


class AlertFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Active")), ("all", _("All")), *AlertStatus.choices],
    )
    severity = forms.ChoiceField(
        label=_("Severity"),
        required=False,
        choices=[("", _("Any severity")), *AlertSeverity.choices],
    )
    rule = forms.ModelChoiceField(
        label=_("Rule"),
        required=False,
        queryset=EarlyWarningRule.objects.all(),
        empty_label=_("Any rule"),
    )
    age = forms.ChoiceField(label=_("Age"), required=False, choices=AGE_CHOICES)
    officer = forms.ModelChoiceField(
        label=_("Officer"), required=False, queryset=None, empty_label=_("Any officer")
    )

    # Narrows within the user's scope (applied first), so it never widens it.
    branch = forms.ModelChoiceField(
        label=_("Branch"),
        required=False,
        queryset=None,
        empty_label=_("All branches"),
        widget=forms.HiddenInput,
    )

    def __init__(self, *args, officers, **kwargs):
        super().__init__(*args, **kwargs)
        from accounts.models import Branch

        self.fields["officer"].queryset = officers
        self.fields["branch"].queryset = Branch.objects.all()


class ResponseForm(forms.Form):
    """A response to an alert; with a summary it is logged as an interaction too."""

    action = forms.ChoiceField(label=_("Response"), choices=ResponseAction.choices)
    note = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 2}))
    channel = forms.ChoiceField(
        label=_("Contact by"),
        required=False,
        choices=[("", _("No contact with the customer")), *Channel.choices],
    )
    interaction = forms.ModelChoiceField(
        label=_("Or link a logged interaction"),
        required=False,
        queryset=Interaction.objects.none(),
        empty_label=_("None"),
    )

    def __init__(self, *args, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["interaction"].queryset = Interaction.objects.filter(
            customer=customer
        ).order_by("-occurred_at")


class CloseForm(forms.Form):
    # Not required here: the services say what an empty resolution or reason lacks.
    text = forms.CharField(
        label=_("Resolution or reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class OverrideForm(forms.Form):
    loan_class = forms.TypedChoiceField(label=_("Class"), coerce=int, choices=LoanClass.choices)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))
    until = forms.DateField(
        label=_("Expires"),
        required=False,
        widget=DATE_INPUT,
        help_text=_("Empty: until cleared by hand."),
    )


class SignalForm(forms.ModelForm):
    class Meta:
        model = ManualSignal
        fields = ["kind", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}
