"""Forms of the credit bureau pages: the consent, a report with its accounts at other lenders,
and the import of a report file. The import validates each record with the same forms as
the page (credit.bureau_import), so a file and a person are held to the same rules."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from core.date_ranges import DateRange, DateRanges
from credit.bureau import BureauAccount, BureauConsent, BureauReport, BureauSource, WorstStatus
from customers.forms import DATE_INPUT

# A consent is signed at the latest today and runs at most five years.
CONSENT_SIGNED = DateRange(years_back=10)
CONSENT_VALID_UNTIL = DateRange(years_back=10, years_ahead=5)
# A report is dated at the latest today; its validity runs at most a year ahead.
REPORT_DATE = DateRange(years_back=10)
REPORT_VALID_UNTIL = DateRange(years_back=10, years_ahead=1)
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
OPTIONAL_COUNTS = ("court_enforcements", "tax_arrears")


class ConsentForm(DateRanges, forms.ModelForm):
    date_ranges = {"signed_on": CONSENT_SIGNED, "valid_until": CONSENT_VALID_UNTIL}

    class Meta:
        model = BureauConsent
        fields = ["signed_on", "scope", "document_reference", "valid_until"]
        widgets = {"signed_on": DATE_INPUT, "valid_until": DATE_INPUT}
        help_texts = {
            "document_reference": _("The number or archive reference of the signed form."),
        }

    def clean(self):
        cleaned = super().clean()
        signed, until = cleaned.get("signed_on"), cleaned.get("valid_until")
        if signed and until and until < signed:
            self.add_error("valid_until", _("A consent cannot end before it was signed."))
        return cleaned


class BureauReportForm(DateRanges, forms.ModelForm):
    date_ranges = {"report_date": REPORT_DATE, "valid_until": REPORT_VALID_UNTIL}

    class Meta:
        model = BureauReport
        fields = [
            "source",
            "reference",
            "report_date",
            "valid_until",
            "subject_identifier",
            "overdue_m1_24m",
            "overdue_m2_24m",
            "overdue_m3_plus_24m",
            "enquiries_6m",
            "worst_status",
            "court_enforcements",
            "tax_arrears",
        ]
        widgets = {"report_date": DATE_INPUT, "valid_until": DATE_INPUT}
        help_texts = {
            "subject_identifier": _(
                "Optional: the resident ID or credit code printed on the report; it must be "
                "the customer's."
            ),
        }

    def __init__(self, *args, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer = customer
        self.instance.customer = customer
        self.fields["source"].queryset = BureauSource.objects.filter(active=True)
        self.fields["source"].to_field_name = "code"
        # Most reports show none: an empty count is zero.
        for name in OPTIONAL_COUNTS:
            self.fields[name].required = False

    def _zero_if_empty(self, name: str):
        value = self.cleaned_data.get(name)
        return 0 if value is None else value

    def clean_court_enforcements(self):
        return self._zero_if_empty("court_enforcements")

    def clean_tax_arrears(self):
        return self._zero_if_empty("tax_arrears")

    def clean_subject_identifier(self):
        number = (self.cleaned_data.get("subject_identifier") or "").strip().upper()
        customer = self.customer
        own = customer.resident_id if customer.is_individual else customer.credit_code
        if number and number != (own or "").upper():
            raise forms.ValidationError(
                _("This ID number is not the customer's: the report is about someone else.")
            )
        return number

    def clean(self):
        cleaned = super().clean()
        day, until = cleaned.get("report_date"), cleaned.get("valid_until")
        if day and until and until < day:
            self.add_error("valid_until", _("A report cannot expire before its date."))
        counts = [cleaned.get(name) for name in ("overdue_m1_24m", "overdue_m2_24m")]
        severe = cleaned.get("overdue_m3_plus_24m")
        status = cleaned.get("worst_status")
        if status == WorstStatus.NORMAL and (any(counts) or severe):
            self.add_error(
                "worst_status",
                _("The report counts overdue months: the worst status is not normal."),
            )
        return cleaned


class BureauAccountForm(forms.ModelForm):
    class Meta:
        model = BureauAccount
        fields = [
            "lender",
            "account_type",
            "account_number",
            "limit",
            "balance",
            "monthly_payment",
            "overdue_amount",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["overdue_amount"].required = False

    def clean_overdue_amount(self):
        # Nothing overdue unless the report says so.
        value = self.cleaned_data.get("overdue_amount")
        return Decimal(0) if value is None else value

    def clean(self):
        cleaned = super().clean()
        for name in ("limit", "balance", "monthly_payment", "overdue_amount"):
            value = cleaned.get(name)
            if value is not None and value < 0:
                self.add_error(name, _("Enter an amount of zero or more."))
        return cleaned


# A claimed form count above the maximum is refused without building a form for each one it
# claims (Django's default ceiling is a thousand more: seconds of validation and rendering).
MAX_BUREAU_ACCOUNTS = 50
BureauAccountFormSet = forms.modelformset_factory(
    BureauAccount,
    form=BureauAccountForm,
    extra=3,
    max_num=MAX_BUREAU_ACCOUNTS,
    absolute_max=MAX_BUREAU_ACCOUNTS,
    validate_max=True,
)


class BureauImportForm(forms.Form):
    file = forms.FileField(
        label=_("Report file"),
        help_text=_("One report as JSON or CSV, in the layout of docs/bureau.md (at most 2 MB)."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 2 MB."))
        if not upload.name.lower().endswith((".json", ".csv")):
            raise forms.ValidationError(_("Upload a .json or .csv file."))
        return upload
