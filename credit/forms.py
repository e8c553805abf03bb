from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from core.date_ranges import STATEMENT_PERIOD_END, DateRanges
from credit.models import FinancialStatement
from customers.forms import DATE_INPUT
from customers.models import CustomerKind

INDIVIDUAL_FIGURES = [
    "annual_income",
    "annual_expenses",
    "personal_assets",
    "personal_debts",
    "debt_service",
]
ENTERPRISE_FIGURES = [
    "total_assets",
    "current_assets",
    "current_liabilities",
    "total_liabilities",
    "equity",
    "revenue",
    "net_profit",
    "operating_cash_flow",
    "interest_expense",
    "debt_service",
]


class StatementForm(DateRanges, forms.ModelForm):
    date_ranges = {"period_end": STATEMENT_PERIOD_END}

    class Meta:
        model = FinancialStatement
        fields = ["period_end", *dict.fromkeys(INDIVIDUAL_FIGURES + ENTERPRISE_FIGURES)]
        widgets = {"period_end": DATE_INPUT}
        help_texts = {"debt_service": _("Principal and interest due in the year on all debts.")}

    def __init__(self, *args, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.customer = customer
        keep = (
            INDIVIDUAL_FIGURES if customer.kind == CustomerKind.INDIVIDUAL else (ENTERPRISE_FIGURES)
        )
        for name in list(self.fields):
            if name != "period_end" and name not in keep:
                del self.fields[name]


class AssessmentForm(forms.Form):
    """One field per scorecard factor: numbers prefilled from the records, expert scores
    chosen from their categories with a comment each."""

    def __init__(self, *args, definition: dict, initial_inputs: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.factors = definition["factors"]
        for factor in self.factors:
            key = factor["key"]
            if factor["type"] == "numeric":
                self.fields[key] = forms.DecimalField(
                    label=factor["label"],
                    required=False,
                    max_digits=20,
                    decimal_places=6,
                    initial=initial_inputs.get(key),
                    help_text=_("Prefilled from the records; leave empty if unknown."),
                )
            else:
                choices = [(c, b["label"]) for b in factor["bins"] for c in b["categories"]]
                self.fields[key] = forms.ChoiceField(
                    label=factor["label"],
                    required=False,
                    choices=[("", _("Not scored")), *choices],
                    initial=initial_inputs.get(key),
                )
            if factor.get("expert"):
                self.fields[f"{key}__comment"] = forms.CharField(
                    label=_("Why this score"),
                    required=False,
                    max_length=500,
                    widget=forms.Textarea(attrs={"rows": 2}),
                )

    def inputs(self) -> dict:
        values = {}
        for factor in self.factors:
            value = self.cleaned_data.get(factor["key"])
            if isinstance(value, Decimal):
                value = float(value)
            values[factor["key"]] = None if value in ("", None) else value
        return values

    def comments(self) -> dict:
        return {
            f["key"]: self.cleaned_data.get(f"{f['key']}__comment", "")
            for f in self.factors
            if f.get("expert")
        }


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
