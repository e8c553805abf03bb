from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from core.date_ranges import STATEMENT_PERIOD_END, DateRanges
from credit import assessment_wording, scoring
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
    chosen from their categories with a comment each. `dimensions()` lays them out as the
    scorecard groups them, each factor with its source and its comment on one row."""

    def __init__(self, *args, definition: dict, initial_inputs: dict, statement=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.factors = definition["factors"]
        self.prefill_notes = {}
        for factor in self.factors:
            key = factor["key"]
            label = assessment_wording.localized(factor.get("label") or key)
            if factor["type"] == "numeric":
                self.fields[key] = forms.DecimalField(
                    label=label,
                    required=False,
                    max_digits=20,
                    decimal_places=6,
                    initial=initial_inputs.get(key),
                )
            else:
                self.fields[key] = forms.ChoiceField(
                    label=label,
                    required=False,
                    choices=[("", _("Not scored")), *category_choices(factor)],
                    initial=initial_inputs.get(key),
                )
            if factor.get("expert"):
                self.fields[f"{key}__comment"] = forms.CharField(
                    label=_("Why this score"),
                    required=False,
                    max_length=500,
                    widget=forms.Textarea(attrs={"rows": 2}),
                )
            self.prefill_notes[key] = assessment_wording.prefill_note(
                factor, initial_inputs.get(key), statement
            )

    def dimensions(self) -> list[dict]:
        """Fieldsets in the order the scorecard first names each dimension."""
        groups: dict[str, dict] = {}
        for factor in self.factors:
            dimension = scoring.factor_dimension(factor)
            group = groups.setdefault(
                dimension,
                {
                    "key": dimension,
                    "label": assessment_wording.DIMENSION_LABELS[dimension],
                    "rows": [],
                },
            )
            key = factor["key"]
            group["rows"].append(
                {
                    "key": key,
                    "field": self[key],
                    "note": self.prefill_notes[key],
                    "comment": self[f"{key}__comment"] if factor.get("expert") else None,
                }
            )
        return list(groups.values())

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


def category_choices(factor: dict) -> list[tuple[str, str]]:
    """One option per category. A bin of several categories ("1–2 poor" for 1 and 2) names
    the category in each option, so no two options read the same."""
    choices = []
    for candidate in factor["bins"]:
        label = assessment_wording.localized(candidate["label"])
        categories = [str(category) for category in candidate["categories"]]
        for category in categories:
            if len(categories) > 1:
                choices.append(
                    (category, _("%(category)s (%(bin)s)") % {"category": category, "bin": label})
                )
            else:
                choices.append((category, label))
    return choices


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
