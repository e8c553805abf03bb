"""Forms of the related-party links on the customer 360."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.business_date import business_date
from core.date_ranges import RELATION_DATE, DateRanges
from customers.forms import DATE_INPUT
from customers.relations import RelationKind
from customers.selectors import customer_list_for

# The link as read from the customer whose page it is added on: (from this side, stored kind,
# whether this customer is the link's first end).
SIDES = {
    "parent_of": (_("Parent company of"), RelationKind.PARENT_OF, True),
    "subsidiary_of": (_("Subsidiary of"), RelationKind.PARENT_OF, False),
    "same_controller": (_("Same actual controller as"), RelationKind.SAME_CONTROLLER, True),
    "guarantor_of": (_("Guarantor of"), RelationKind.GUARANTOR_OF, True),
    "guaranteed_by": (_("Guaranteed by"), RelationKind.GUARANTOR_OF, False),
    "spouse": (_("Spouse of"), RelationKind.SPOUSE, True),
    "household": (_("Household member with"), RelationKind.HOUSEHOLD, True),
    "supplier_of": (_("Major supplier of"), RelationKind.SUPPLIER_OF, True),
    "buyer_from": (_("Major buyer from"), RelationKind.SUPPLIER_OF, False),
}


class RelationForm(DateRanges, forms.Form):
    date_ranges = {"started_on": RELATION_DATE}

    side = forms.ChoiceField(
        label=_("This customer is"), choices=[(key, label) for key, (label, *_r) in SIDES.items()]
    )
    other = forms.ModelChoiceField(
        label=_("Related customer (customer number)"),
        queryset=None,
        widget=forms.NumberInput,
        error_messages={
            "invalid_choice": _("No customer with this number among the customers you see.")
        },
    )
    started_on = forms.DateField(label=_("Since"), widget=DATE_INPUT)
    evidence = forms.CharField(
        label=_("Evidence"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("What shows the link: a registry extract, a marriage record, a contract."),
    )

    def __init__(self, *args, customer, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer = customer
        # Only customers the user may see: another number reads as unknown, as a 404 would.
        self.fields["other"].queryset = customer_list_for(user)
        self.initial.setdefault("started_on", business_date())

    def link(self):
        """(from_customer, to_customer, kind) as stored."""
        _label, kind, this_first = SIDES[self.cleaned_data["side"]]
        other = self.cleaned_data["other"]
        if this_first:
            return self.customer, other, kind
        return other, self.customer, kind


class RelationEndForm(DateRanges, forms.Form):
    date_ranges = {"ended_on": RELATION_DATE}

    ended_on = forms.DateField(label=_("Ended on"), widget=DATE_INPUT)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("ended_on", business_date())
