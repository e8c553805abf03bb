"""The write-off pages' forms; the conditions and the amounts are the services' checks."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from core.date_ranges import PAYMENT_DATE, DateRanges
from customers.forms import DATE_INPUT


class WriteOffProposeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
    evidence = forms.CharField(
        label=_("Evidence of recovery efforts"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "The collection contacts, legal steps and their outcomes, and where the records "
            "are kept."
        ),
    )


class RecoveryForm(DateRanges, forms.Form):
    date_ranges = {"received_on": PAYMENT_DATE}
    amount = forms.DecimalField(
        label=_("Amount"), max_digits=18, decimal_places=2, min_value=Decimal("0.01")
    )
    received_on = forms.DateField(label=_("Received on"), widget=DATE_INPUT)
    reference = forms.CharField(label=_("Reference"), max_length=50)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
