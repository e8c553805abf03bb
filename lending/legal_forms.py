"""The forms of a legal case (法律诉讼): its filing from the collection case, then each step.
Each date is held to its range (core/date_ranges.py); the services check the dates against
the business date and each other."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.date_ranges import LEGAL_EVENT, DateRanges
from lending.legal_models import EnforcementStatus

DATE = {"widget": forms.DateInput(attrs={"type": "date"})}
MONEY = {"max_digits": 18, "decimal_places": 2}


class LegalCaseFilingForm(DateRanges, forms.Form):
    date_ranges = {"filed_on": LEGAL_EVENT}

    court = forms.CharField(label=_("Court"), max_length=200)
    case_number = forms.CharField(label=_("Court case number"), max_length=60)
    filed_on = forms.DateField(label=_("Filed on"), **DATE)
    claim_amount = forms.DecimalField(
        label=_("Amount claimed (yuan)"), min_value=Decimal("0.01"), **MONEY
    )


class JudgmentForm(DateRanges, forms.Form):
    date_ranges = {"judgment_on": LEGAL_EVENT}

    judgment_on = forms.DateField(label=_("Judgment on"), **DATE)
    amount_awarded = forms.DecimalField(
        label=_("Amount awarded (yuan)"), min_value=Decimal("0"), **MONEY
    )


class EnforcementForm(DateRanges, forms.Form):
    date_ranges = {"enforcement_on": LEGAL_EVENT}

    status = forms.ChoiceField(label=_("Enforcement"), choices=EnforcementStatus.choices)
    enforcement_on = forms.DateField(label=_("Since"), **DATE)


class PreservedAssetForm(DateRanges, forms.Form):
    date_ranges = {"preserved_on": LEGAL_EVENT}

    description = forms.CharField(label=_("Asset"), max_length=300)
    value = forms.DecimalField(label=_("Value (yuan)"), min_value=Decimal("0.01"), **MONEY)
    preserved_on = forms.DateField(label=_("Preserved on"), **DATE)


class LegalCostForm(DateRanges, forms.Form):
    date_ranges = {"paid_on": LEGAL_EVENT}

    description = forms.CharField(label=_("What for"), max_length=200)
    amount = forms.DecimalField(label=_("Amount (yuan)"), min_value=Decimal("0.01"), **MONEY)
    # Not a repayment's date: the Chinese names the two differently.
    paid_on = forms.DateField(label=pgettext_lazy("legal cost", "Paid on"), **DATE)


class LegalRecoveryForm(DateRanges, forms.Form):
    date_ranges = {"received_on": LEGAL_EVENT}

    amount = forms.DecimalField(label=_("Amount (yuan)"), min_value=Decimal("0.01"), **MONEY)
    received_on = forms.DateField(label=_("Received on"), **DATE)
    reference = forms.CharField(
        label=_("Reference"),
        max_length=50,
        help_text=_("Posted as a repayment of the loan, or as a recovery once written off."),
    )
