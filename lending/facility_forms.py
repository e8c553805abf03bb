"""The credit facility's forms: the proposal with its sublimits and securities, and the raise
of a limit. The services hold the same rules; the forms put each message by its field."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from core.date_ranges import FACILITY_EXPIRY, FACILITY_REVIEW, FACILITY_START, DateRanges
from customers.forms import DATE_INPUT
from lending.facility_models import CreditFacility
from lending.models import Collateral, Guarantor, LoanProduct
from lending.services.facilities import MAX_FACILITY_LIMIT

SUBLIMIT_PREFIX = "sublimit_"


def _limit_field(label) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        max_digits=18,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=MAX_FACILITY_LIMIT,
    )


class FacilityForm(DateRanges, forms.ModelForm):
    """A facility proposed for `customer`: one optional sublimit field per product offered to
    the customer's kind, and the customer's own collateral and guarantees to secure it."""

    date_ranges = {
        "start_date": FACILITY_START,
        "expiry_date": FACILITY_EXPIRY,
        "review_date": FACILITY_REVIEW,
    }
    limit = _limit_field(_("Limit (CNY)"))

    class Meta:
        model = CreditFacility
        fields = ["kind", "limit", "start_date", "expiry_date", "review_date", "reason"]
        widgets = {
            "start_date": DATE_INPUT,
            "expiry_date": DATE_INPUT,
            "review_date": DATE_INPUT,
            "reason": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.customer = customer
        self.products = list(
            LoanProduct.objects.filter(is_active=True, customer_kind=customer.kind)
        )
        for product in self.products:
            field = _limit_field(_("Sublimit for %(product)s (CNY)") % {"product": product})
            field.required = False
            field.help_text = _("Leave empty for no sublimit: the product draws on the limit.")
            self.fields[f"{SUBLIMIT_PREFIX}{product.pk}"] = field
        self.fields["collateral"] = forms.ModelMultipleChoiceField(
            label=_("Securing collateral"),
            queryset=Collateral.objects.filter(application__customer=customer),
            required=False,
        )
        self.fields["guarantees"] = forms.ModelMultipleChoiceField(
            label=_("Securing guarantees"),
            queryset=Guarantor.objects.filter(application__customer=customer).select_related(
                "guarantor_customer"
            ),
            required=False,
        )

    def clean(self):
        cleaned = super().clean()
        start, expiry, review = (
            cleaned.get("start_date"),
            cleaned.get("expiry_date"),
            cleaned.get("review_date"),
        )
        if start and expiry and expiry <= start:
            self.add_error("expiry_date", _("The expiry must be after the start."))
        elif start and expiry and review and not start < review <= expiry:
            self.add_error(
                "review_date",
                _("The annual review falls after the start and no later than the expiry."),
            )
        limit = cleaned.get("limit")
        for product, sublimit in self.sublimits():
            if limit is not None and sublimit > limit:
                self.add_error(
                    f"{SUBLIMIT_PREFIX}{product.pk}",
                    _("A sublimit cannot be above the facility's limit."),
                )
        return cleaned

    def sublimits(self) -> list[tuple[LoanProduct, Decimal]]:
        return [
            (product, self.cleaned_data[f"{SUBLIMIT_PREFIX}{product.pk}"])
            for product in self.products
            if self.cleaned_data.get(f"{SUBLIMIT_PREFIX}{product.pk}") is not None
        ]


class LimitChangeForm(forms.Form):
    new_limit = _limit_field(_("New limit (CNY)"))
    reason = forms.CharField(
        label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )
