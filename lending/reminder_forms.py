from django import forms
from django.utils.translation import gettext_lazy as _

from lending.reminder_models import ReminderChannel


class ReminderOptOutForm(forms.Form):
    OUT, IN = "out", "in"

    channel = forms.ChoiceField(label=_("Channel"), choices=ReminderChannel.choices)
    choice = forms.ChoiceField(
        label=_("Reminders"),
        choices=[(OUT, _("Opt out")), (IN, _("Opt back in"))],
    )
