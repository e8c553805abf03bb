import datetime as dt
from functools import partial

from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from accounts.models import Branch
from core.date_ranges import (
    BIRTH_DATE,
    FOLLOW_UP_DUE,
    FOUNDING_DATE,
    RECORDED_EVENT,
    DateRanges,
)
from customers import segments
from customers.grades import GRADES
from customers.models import (
    Channel,
    Complaint,
    ComplaintStatus,
    ContactPerson,
    Customer,
    CustomerKind,
    EnterpriseSize,
    FollowUp,
    FollowUpKind,
    FollowUpStatus,
    Industry,
    Interaction,
    NeedsProfile,
    RevealReason,
    RiskLevel,
    Survey,
    Tag,
)
from customers.policies import owns_what_they_create
from customers.selectors import officers_visible_to

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

COMMON_FIELDS = ["name", "phone", "email", "address", "language", "tags"]
INDIVIDUAL_FIELDS = [
    "resident_id",
    "birth_date",
    "gender",
    "occupation",
    "employer",
    "monthly_income",
]
ENTERPRISE_FIELDS = [
    "credit_code",
    "industry",
    "size",
    "founded_on",
    "annual_revenue",
    "registered_capital",
    "legal_representative",
]


class EditVersion:
    """For an edit form with a hidden `version` field: the version of the record it was
    opened on (`updated_at`), so that saving over someone else's change made meanwhile is
    refused instead of silently undoing it."""

    def clean_version(self) -> dt.datetime | None:
        """The version the form was opened on; a form without one (or a mangled one) is
        saved without the check rather than refused."""
        try:
            return parse_datetime(self.cleaned_data["version"] or "")
        except ValueError:
            return None

    def renew_version(self, version: dt.datetime) -> None:
        """After a refused save: keeps what the user typed and takes the record's current
        version, so that saving again (having reviewed the other change) goes through."""
        self.data = self.data.copy()
        self.data[self.add_prefix("version")] = version.isoformat()

    def _carry_version(self, editing: bool) -> None:
        """An edit opens on the record's version; a new record has none to carry."""
        if editing:
            self.fields["version"].initial = self.instance.updated_at.isoformat()
        else:
            del self.fields["version"]


class CustomerForm(DateRanges, EditVersion, forms.ModelForm):
    """One form for both kinds; only the kind's own fields are shown and saved. An edit
    carries the version it was opened on (EditVersion)."""

    version = forms.CharField(required=False, widget=forms.HiddenInput)
    date_ranges = {
        "birth_date": BIRTH_DATE,
        "founded_on": FOUNDING_DATE,
    }

    class Meta:
        model = Customer
        fields = ["officer", *COMMON_FIELDS, *INDIVIDUAL_FIELDS, *ENTERPRISE_FIELDS]
        widgets = {
            "birth_date": DATE_INPUT,
            "founded_on": DATE_INPUT,
            "tags": forms.CheckboxSelectMultiple,
        }
        help_texts = {
            "birth_date": _("Leave empty to take it from the identity number."),
            "monthly_income": _("Yuan per month."),
            "annual_revenue": _("Yuan per year."),
        }

    def __init__(self, *args, kind: str, user, creating: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.kind = kind
        own = INDIVIDUAL_FIELDS if kind == CustomerKind.INDIVIDUAL else ENTERPRISE_FIELDS
        for name in list(self.fields):
            if name not in ["officer", "version", *COMMON_FIELDS, *own]:
                del self.fields[name]
        if creating and not owns_what_they_create(user):
            self.fields["officer"].queryset = officers_visible_to(user)
            self.fields["officer"].label = _("Relationship manager")
        else:
            # An officer's customers are their own; later changes go through a transfer.
            del self.fields["officer"]
        if "industry" in self.fields:
            self.fields["industry"].queryset = Industry.objects.filter(is_active=True)
            self.fields["industry"].required = True
        if kind == CustomerKind.INDIVIDUAL:
            self.fields["resident_id"].required = True
        else:
            self.fields["credit_code"].required = True
        self.fields["tags"].queryset = Tag.objects.all()
        self.fields["tags"].required = False
        # Posts that leave it out (imports' forms, older pages) keep the customer's language.
        self.fields["language"].required = False
        self._carry_version(editing=not creating)

    def clean_language(self):
        return self.cleaned_data.get("language") or self.instance.language


class CustomerFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={
                "placeholder": _("Name words, phone or its last 4 digits, ID tail, credit code"),
                "type": "search",
            }
        ),
    )
    kind = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("Any type")), *CustomerKind.choices]
    )
    officer = forms.ModelChoiceField(
        label=_("Officer"), required=False, queryset=None, empty_label=_("Any officer")
    )
    # Narrows within the user's scope (the scope is applied first), so it never widens it.
    branch = forms.ModelChoiceField(
        label=_("Branch"),
        required=False,
        queryset=None,
        empty_label=_("All branches"),
        widget=forms.HiddenInput,
    )
    risk_level = forms.ChoiceField(
        label=_("Risk level"),
        required=False,
        choices=[("", _("Any risk level")), *RiskLevel.choices],
    )
    grade = forms.ChoiceField(
        label=_("Grade"), required=False, choices=[("", _("Any grade")), *[(g, g) for g in GRADES]]
    )
    industry = forms.ModelChoiceField(
        label=_("Industry"),
        required=False,
        queryset=Industry.objects.all(),
        empty_label=_("Any industry"),
    )
    size = forms.ChoiceField(
        label=_("Size"), required=False, choices=[("", _("Any size")), *EnterpriseSize.choices]
    )
    age_band = forms.ChoiceField(
        label=_("Age"),
        required=False,
        choices=[("", _("Any age")), *segments.choices(segments.AGE_BANDS)],
    )
    income_band = forms.ChoiceField(
        label=_("Monthly income"),
        required=False,
        choices=[("", _("Any income")), *segments.choices(segments.INCOME_BANDS)],
    )
    revenue_band = forms.ChoiceField(
        label=_("Annual revenue"),
        required=False,
        choices=[("", _("Any revenue")), *segments.choices(segments.REVENUE_BANDS)],
    )
    tag = forms.ModelChoiceField(
        label=_("Tag"), required=False, queryset=Tag.objects.all(), empty_label=_("Any tag")
    )
    sort = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        choices=[
            ("recent", _("Recently updated")),
            ("oldest", _("Least recently updated")),
            ("name", _("Name A–Z")),
            ("-name", _("Name Z–A")),
            ("-income", _("Highest income")),
            ("income", _("Lowest income")),
        ],
    )
    page = forms.IntegerField(
        required=False, min_value=1, max_value=10_000, widget=forms.HiddenInput
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = officers_visible_to(user)
        self.fields["branch"].queryset = Branch.objects.all()


class RevealForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why do you need the full identifiers?"),
        choices=[("", "—"), *RevealReason.choices],
    )

    def __init__(self, *args, **kwargs):
        # The 360 page holds other forms with a "reason": keep the element ids apart.
        kwargs.setdefault("auto_id", "reveal_%s")
        super().__init__(*args, **kwargs)


class TransferForm(forms.Form):
    to_officer = forms.ModelChoiceField(label=_("New relationship manager"), queryset=None)
    reason = forms.CharField(
        label=_("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, user, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_officer"].queryset = officers_visible_to(user).exclude(
            pk=customer.officer_id
        )


class CustomerChildForm(DateRanges, forms.ModelForm):
    """A form for something that hangs off a customer; knows the customer and the user;
    its date fields are held to `date_ranges`."""

    def __init__(self, *args, customer, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer = customer
        self.user = user
        self.instance.customer = customer


class ContactForm(EditVersion, CustomerChildForm):
    """An edit carries the version it was opened on (EditVersion)."""

    version = forms.CharField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = ContactPerson
        fields = ["name", "role", "phone", "email", "is_primary"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._carry_version(editing=self.instance.pk is not None)


class NeedsForm(CustomerChildForm):
    date_ranges = {"recorded_on": RECORDED_EVENT}

    class Meta:
        model = NeedsProfile
        fields = [
            "products_of_interest",
            "amount",
            "term_months",
            "purpose",
            "risk_appetite",
            "preferred_channel",
            "recorded_on",
        ]
        widgets = {"recorded_on": DATE_INPUT}
        help_texts = {"products_of_interest": _("For example: working-capital loan, mortgage.")}


class ListedChoices(ModelChoiceIterator):
    """A model choice field's choices from rows already read, in their order."""

    def __init__(self, field, *, rows: list):
        super().__init__(field)
        self.rows = rows

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for row in self.rows:
            yield self.choice(row)

    def __len__(self):
        return len(self.rows) + (self.field.empty_label is not None)

    def __bool__(self):
        return self.field.empty_label is not None or bool(self.rows)


class InteractionForm(CustomerChildForm):
    date_ranges = {"occurred_at": RECORDED_EVENT, "next_step_due": FOLLOW_UP_DUE}
    # Not a field of the interaction: with a date, the next step becomes a follow-up.
    next_step_due = forms.DateField(
        label=_("Next step due"),
        required=False,
        widget=DATE_INPUT,
        help_text=_("Give a date to plan the next step as a follow-up."),
    )

    class Meta:
        model = Interaction
        fields = [
            "channel",
            "direction",
            "occurred_at",
            "summary",
            "outcome",
            "next_step",
            "completes_follow_up",
        ]
        widgets = {"occurred_at": DATETIME_INPUT, "summary": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, open_follow_ups: list | None = None, **kwargs):
        """`open_follow_ups`: the customer's open follow-ups, when the page has read them
        already (the 360): the choices offered are those rows, with no query of their own;
        what is posted is still checked against the database."""
        super().__init__(*args, **kwargs)
        follow_up = self.fields["completes_follow_up"]
        follow_up.queryset = FollowUp.objects.filter(
            customer=self.customer, status=FollowUpStatus.OPEN
        ).order_by("due_on", "id")
        follow_up.required = False
        follow_up.empty_label = _("No follow-up")
        if open_follow_ups is not None:
            follow_up.iterator = partial(ListedChoices, rows=open_follow_ups)
            follow_up.widget.choices = follow_up.choices
        if not self.is_bound:
            self.initial.setdefault(
                "occurred_at", timezone.localtime().replace(second=0, microsecond=0)
            )


class FollowUpDoneForm(forms.Form):
    """What came of a follow-up: marking it done logs this as an interaction."""

    outcome = forms.CharField(
        label=_("Outcome"),
        max_length=300,
        error_messages={"required": _("Say what came of it.")},
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)

    def __init__(self, *args, follow_up, **kwargs):
        super().__init__(*args, **kwargs)
        self.follow_up = follow_up
        # A planned visit was most likely a visit; anything else a call.
        self.fields["channel"].initial = (
            Channel.VISIT if follow_up.kind in ("visit", "revisit") else Channel.PHONE
        )


class FollowUpForm(CustomerChildForm):
    date_ranges = {"due_on": FOLLOW_UP_DUE}

    class Meta:
        model = FollowUp
        fields = ["kind", "purpose", "due_on", "owner"]
        widgets = {"due_on": DATE_INPUT}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [
            (value, label) for value, label in FollowUpKind.choices if value != "revisit"
        ]
        if owns_what_they_create(self.user):
            del self.fields["owner"]
        else:
            self.fields["owner"].queryset = officers_visible_to(self.user)
            self.fields["owner"].required = False
            self.fields["owner"].empty_label = _("The customer's officer")


class ComplaintForm(CustomerChildForm):
    date_ranges = {"received_at": RECORDED_EVENT}

    class Meta:
        model = Complaint
        fields = ["kind", "category", "severity", "description", "received_at"]
        widgets = {"received_at": DATETIME_INPUT, "description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault(
                "received_at", timezone.localtime().replace(second=0, microsecond=0)
            )

    def clean_received_at(self):
        received = self.cleaned_data["received_at"]
        if received > timezone.now() + timezone.timedelta(minutes=5):
            raise forms.ValidationError(_("A complaint cannot be received in the future."))
        return received


class ComplaintUpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ComplaintStatus.choices)
    resolution = forms.CharField(
        label=_("Resolution"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("How the complaint was resolved; only with the status Resolved."),
    )


class SurveyForm(CustomerChildForm):
    csat = forms.TypedChoiceField(
        label=_("CSAT (1–5)"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—"), *[(n, str(n)) for n in range(1, 6)]],
    )
    nps = forms.TypedChoiceField(
        label=_("NPS (0–10)"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—"), *[(n, str(n)) for n in range(0, 11)]],
    )
    date_ranges = {"responded_on": RECORDED_EVENT}

    class Meta:
        model = Survey
        fields = ["event", "source", "csat", "nps", "comment", "responded_on"]
        widgets = {"responded_on": DATE_INPUT, "comment": forms.Textarea(attrs={"rows": 2})}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("csat") is None and cleaned.get("nps") is None:
            raise forms.ValidationError(_("Enter a CSAT score, an NPS score, or both."))
        return cleaned


class SavedFilterForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    query = forms.CharField(max_length=1000, required=False, widget=forms.HiddenInput)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or XLSX file"), help_text=_("At most 20 MB and 50,000 rows.")
    )
    strict = forms.BooleanField(label=_("Import nothing unless every row is valid"), required=False)
