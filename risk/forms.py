import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.forms import MomentField
from customers.forms import DATE_INPUT
from customers.models import Channel, Interaction
from risk.classification import OVERRIDE_MAX_MONTHS, override_latest_end
from risk.models import AlertStatus, EarlyWarningRule, LoanClass, ManualSignal, ResponseAction
from risk.models import Severity as AlertSeverity
from risk.selectors import PAST_SLA

AGE_CHOICES = [
    ("", _("Any age")),
    ("1", _("Last 24 hours")),
    ("7", _("Last 7 days")),
    ("30", _("Last 30 days")),
    # The dashboard's age bars: each age once, so the bars add up to the alerts open.
    ("1-7", _("1–7 days")),
    ("7-30", _("7–30 days")),
    ("older", _("Older than 30 days")),
]


class AlertFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        # Not yet resolved or dismissed; a loan's "Active" reads differently in Chinese.
        choices=[
            ("", pgettext_lazy("alert filter", "Active")),
            ("all", _("All")),
            *AlertStatus.choices,
        ],
    )
    severity = forms.ChoiceField(
        label=_("Severity"),
        required=False,
        choices=[("", _("Any severity")), *AlertSeverity.choices],
    )
    rule = forms.ModelChoiceField(
        label=_("Rule"),
        required=False,
        # An option shows the rule's name only (EarlyWarningRule.__str__).
        queryset=EarlyWarningRule.objects.only("name"),
        empty_label=_("Any rule"),
    )
    age = forms.ChoiceField(label=_("Age"), required=False, choices=AGE_CHOICES)
    sla = forms.ChoiceField(
        label=_("Acknowledgement"),
        required=False,
        choices=[("", _("Any")), (PAST_SLA, _("Past its SLA, not acknowledged"))],
    )
    officer = forms.ModelChoiceField(
        label=_("Officer"), required=False, queryset=None, empty_label=_("Any officer")
    )
    queue = forms.ChoiceField(
        label=_("Queue"),
        required=False,
        choices=[
            ("", _("Every alert I may see")),
            ("mine", _("Assigned to me")),
            ("team", _("My team's")),
        ],
    )
    # The alerts as they stood at a moment (raised by then, not yet closed; ages and the SLA
    # counted at that moment): the dashboard's alert figures link here with the moment they
    # were computed, so the list holds exactly the alerts they counted.
    at = MomentField(label=_("As of"), required=False)

    # Narrows within the user's scope (applied first), so it never widens it.
    branch = forms.ModelChoiceField(
        label=_("Branch"),
        required=False,
        queryset=None,
        empty_label=_("All branches"),
        widget=forms.HiddenInput,
    )

    def __init__(self, *args, officers, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        from accounts.models import Branch

        self.user = user
        self.fields["officer"].queryset = officers
        self.fields["branch"].queryset = Branch.objects.all()

    def clean_queue(self):
        queue = self.cleaned_data["queue"]
        if queue == "team" and (self.user is None or self.user.branch_id is None):
            raise forms.ValidationError(
                _("You belong to no branch, so there is no team's queue: choose another.")
            )
        return queue


class AlertAssignForm(forms.Form):
    # The alert page has the response form too, with its own note: distinct names and ids.
    prefix = "assign"

    assignee = forms.ModelChoiceField(
        label=_("Assign to"),
        queryset=None,
        error_messages={
            "required": _("Choose who takes the alert."),
            "invalid_choice": _(
                "Choose the customer's officer, a manager of the branch or a risk officer: "
                "nobody else may see this alert."
            ),
        },
    )
    # Not required here: the service says what an empty note lacks.
    note = forms.CharField(
        label=_("Note for them"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, assignees, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignees


class BulkAcknowledgeForm(forms.Form):
    """The alerts ticked on the list; the view looks them up within the user's scope."""

    alerts = forms.TypedMultipleChoiceField(
        label=_("Selected alerts"),
        coerce=int,
        error_messages={
            "required": _("Tick the alerts to acknowledge."),
            "invalid_choice": _("The selection could not be read; tick the alerts again."),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any id is a choice here, whether the user may see it is the scope's 404; what is
        # not an id (nor fits one) is refused next to the selection.
        ids = self.data.getlist("alerts") if hasattr(self.data, "getlist") else []
        self.fields["alerts"].choices = [
            (value, value)
            for value in ids
            if value.isascii() and value.isdigit() and len(value) <= 18
        ]


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

    def clean(self):
        cleaned = super().clean()
        # A contact channel logs a new interaction and links that one: a logged interaction
        # chosen as well would be dropped unseen, so the officer picks one of the two.
        if cleaned.get("channel") and cleaned.get("interaction"):
            self.add_error(
                "interaction",
                _(
                    "Either contact the customer (a new interaction is logged) or link a "
                    "logged interaction, not both."
                ),
            )
        return cleaned


class CloseForm(forms.Form):
    # Not required here: the services say what an empty resolution or reason lacks.
    text = forms.CharField(
        label=_("Resolution or reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class OverrideForm(forms.Form):
    loan_class = forms.TypedChoiceField(label=_("Class"), coerce=int, choices=LoanClass.choices)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))
    # Required; the service checks the date against the business date and the longest an
    # override may last (risk.classification.OVERRIDE_MAX_MONTHS).
    until = forms.DateField(
        label=_("Expires"),
        widget=DATE_INPUT,
        error_messages={"required": _("Give the date the override ends.")},
    )

    def __init__(self, *args, on: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["until"].help_text = _(
            "After %(day)s and by %(latest)s at the latest: an override lasts at most "
            "%(months)s months."
        ) % {
            "day": on.isoformat(),
            "latest": override_latest_end(on).isoformat(),
            "months": OVERRIDE_MAX_MONTHS,
        }


class OverrideEndForm(forms.Form):
    """Ends an override before its date. Not required here: the service says what an
    empty reason lacks."""

    reason = forms.CharField(
        label=_("Why end it"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class SignalForm(forms.ModelForm):
    class Meta:
        model = ManualSignal
        fields = ["kind", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}


class ConductCloseForm(forms.Form):
    note = forms.CharField(
        label=_("What did you find?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: who the customers were and why they were registered again."),
    )
