from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Branch
from core.date_ranges import PAYMENT_DATE, VALUATION_DATE, DateRanges
from core.forms import MomentField, PercentField
from customers.forms import DATE_INPUT
from customers.grades import GRADES
from customers.models import Industry
from lending.models import (
    Application,
    ApplicationStatus,
    Collateral,
    CreditFacility,
    DpdBucket,
    FacilityStatus,
    Guarantor,
    LoanClass,
    LoanProduct,
    RepaymentChannel,
)
from lending.selectors import ANY_OVERDUE, NON_PERFORMING
from lending.services.pricing import MAX_ANNUAL_RATE
from lending.stages import IN_PIPELINE


class ApplicationForm(forms.ModelForm):
    class Meta:
        model = Application
        fields = ["product", "amount", "term_months", "purpose", "facility"]

    def __init__(self, *args, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.customer = customer
        self.fields["product"].queryset = LoanProduct.objects.filter(
            is_active=True, customer_kind=customer.kind
        )
        # Only the customer's own active facilities may be drawn on (another customer's is
        # "not one of the available choices", a 400 by the field).
        self.fields["facility"].queryset = CreditFacility.objects.filter(
            customer=customer, status=FacilityStatus.ACTIVE
        )
        self.fields["facility"].help_text = _(
            "Draw on one of the customer's active credit facilities, or on none."
        )


class DecisionForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Approved amount"), max_digits=18, decimal_places=2, min_value=Decimal("0.01")
    )
    term_months = forms.IntegerField(label=_("Approved term (months)"), min_value=1)
    rate = PercentField(
        label=_("Approved annual rate (%)"),
        min_fraction=Decimal("0"),
        max_fraction=MAX_ANNUAL_RATE,
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class CollateralForm(DateRanges, forms.ModelForm):
    date_ranges = {"valued_on": VALUATION_DATE}

    class Meta:
        model = Collateral
        fields = ["collateral_type", "description", "owner_name", "value", "valued_on"]
        widgets = {"valued_on": DATE_INPUT}

    def __init__(self, *args, application, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.application = application


class GuarantorForm(forms.ModelForm):
    class Meta:
        model = Guarantor
        fields = ["guarantor_customer", "name", "identifier", "amount"]

    def __init__(self, *args, application, customers, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.application = application
        self.fields["guarantor_customer"].queryset = customers.exclude(pk=application.customer_id)
        self.fields["guarantor_customer"].required = False

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("guarantor_customer") and not cleaned.get("name"):
            raise forms.ValidationError(_("Choose a customer or name the guarantor."))
        # A customer of the bank is the guarantor as the bank knows them: a name and ID typed
        # as well would be kept out of sight (the page shows the customer), so one or other.
        if cleaned.get("guarantor_customer"):
            for name in ("name", "identifier"):
                if cleaned.get(name):
                    self.add_error(
                        name,
                        _(
                            "Leave this empty for a guarantor chosen among the customers, or "
                            "choose no customer."
                        ),
                    )
        return cleaned


class RepaymentForm(DateRanges, forms.Form):
    date_ranges = {"paid_on": PAYMENT_DATE}
    amount = forms.DecimalField(
        label=_("Amount"), max_digits=18, decimal_places=2, min_value=Decimal("0.01")
    )
    paid_on = forms.DateField(label=_("Paid on"), widget=DATE_INPUT)
    channel = forms.ChoiceField(label=_("Channel"), choices=RepaymentChannel.choices)
    reference = forms.CharField(label=_("Reference"), max_length=100)
    allow_prepayment = forms.BooleanField(
        label=_("Apply any amount beyond what is due as a prepayment of principal"), required=False
    )


class RestructureForm(forms.Form):
    """New terms proposed for a loan; the service holds them to the product's bounds."""

    new_term_months = forms.IntegerField(
        label=_("New remaining term (months)"), min_value=1, max_value=480
    )
    new_rate = PercentField(
        label=_("New annual rate (%)"),
        min_fraction=Decimal("0"),
        max_fraction=MAX_ANNUAL_RATE,
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class RevalueForm(DateRanges, forms.Form):
    date_ranges = {"valued_on": VALUATION_DATE}
    value = forms.DecimalField(
        label=_("New value"), max_digits=18, decimal_places=2, min_value=Decimal("0.01")
    )
    valued_on = forms.DateField(label=_("Valuation date"), widget=DATE_INPUT)


class PipelineFilterForm(forms.Form):
    # Narrows within the user's scope (applied first), so it never widens it.
    branch = forms.ModelChoiceField(
        label=_("Branch"), required=False, queryset=Branch.objects.all(), widget=forms.HiddenInput
    )
    status = forms.ChoiceField(
        label=_("Stage"),
        required=False,
        choices=[
            ("", _("Open stages")),
            *ApplicationStatus.choices,
            (IN_PIPELINE, _("In the pipeline (submitted, under review, approved)")),
        ],
    )
    q = forms.CharField(label=_("Customer"), required=False, max_length=100)
    # The stages as they stood at a moment, from each application's stage history: the
    # dashboard's pipeline figure links here with the moment it was computed.
    at = MomentField(label=_("As of"), required=False)


class LoanFilterForm(forms.Form):
    q = forms.CharField(label=_("Customer"), required=False, max_length=100)
    # Narrows within the user's scope (the scope is applied first), so it never widens it.
    branch = forms.ModelChoiceField(
        label=_("Branch"),
        required=False,
        queryset=Branch.objects.all(),
        empty_label=_("All branches"),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), ("active", _("Active")), ("closed", _("Repaid"))],
    )
    product = forms.ModelChoiceField(
        label=_("Product"),
        required=False,
        queryset=LoanProduct.objects.all(),
        empty_label=_("Any product"),
    )
    industry = forms.ModelChoiceField(
        label=_("Industry"),
        required=False,
        queryset=Industry.objects.all(),
        empty_label=_("Any industry"),
    )
    # The relationship manager of the loan's customer, among the officers the user may see.
    officer = forms.ModelChoiceField(
        label=_("Relationship manager"),
        required=False,
        queryset=None,
        empty_label=_("Any officer"),
    )
    loan_class = forms.ChoiceField(
        label=_("Class"),
        required=False,
        choices=[
            ("", _("Any class")),
            *[(str(value), label) for value, label in LoanClass.choices],
            (NON_PERFORMING, _("Non-performing (substandard, doubtful, loss)")),
        ],
    )
    dpd = forms.ChoiceField(
        label=_("Days past due"),
        required=False,
        choices=[
            ("", _("Any")),
            *DpdBucket.choices,
            (ANY_OVERDUE, _("Any overdue (1 day or more)")),
        ],
    )
    grade = forms.ChoiceField(
        label=_("Grade"),
        required=False,
        choices=[
            ("", _("Any grade")),
            *[(grade, grade) for grade in GRADES],
        ],
    )
    page = forms.IntegerField(
        required=False, min_value=1, max_value=10_000, widget=forms.HiddenInput
    )

    def __init__(self, *args, officers=None, **kwargs):
        super().__init__(*args, **kwargs)
        from accounts.models import User

        self.fields["officer"].queryset = User.objects.none() if officers is None else officers


class PortfolioImportForm(forms.Form):
    loans = forms.FileField(label=_("Loans file (CSV or XLSX)"), required=False)
    repayments = forms.FileField(label=_("Repayments file (CSV or XLSX)"), required=False)
    strict = forms.BooleanField(
        label=_("Import nothing from a file unless every row is valid"), required=False
    )

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("loans") and not cleaned.get("repayments"):
            raise forms.ValidationError(_("Choose a loans file, a repayments file, or both."))
        return cleaned
