"""The collections pages' forms: a contact attempt (with the promise it may bring) and a
case's assignment to a collector."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.date_ranges import PROMISE_TO_PAY, DateRanges
from customers.models import Channel
from lending.collection_models import ContactResult

# A collector calls, texts or visits; the rest of the interaction channels are not attempts.
CONTACT_CHANNELS = [
    (value, label)
    for value, label in Channel.choices
    if value in {Channel.PHONE, Channel.SMS, Channel.VISIT}
]


class ContactAttemptForm(DateRanges, forms.Form):
    date_ranges = {"promise_date": PROMISE_TO_PAY}

    channel = forms.ChoiceField(label=_("Channel"), choices=CONTACT_CHANNELS)
    result = forms.ChoiceField(label=_("Result"), choices=ContactResult.choices)
    summary = forms.CharField(
        label=_("What was said"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    promise_amount = forms.DecimalField(
        label=_("Amount promised (yuan)"),
        required=False,
        max_digits=18,
        decimal_places=2,
        min_value=Decimal("0.01"),
        help_text=_("For a promise to pay."),
    )
    promise_date = forms.DateField(
        label=_("To be paid by"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("For a promise to pay."),
    )


class AssignCollectorForm(forms.Form):
    collector = forms.ModelChoiceField(
        label=_("Collector"),
        queryset=User.objects.filter(is_active=True).order_by("username"),
        required=False,
        empty_label=_("Nobody"),
    )
