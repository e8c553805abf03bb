"""`form_field` writes in Python what crispy's Bootstrap 5 templates write, so the filter bars
and the quick contact form look and behave the same (selected options, errors next to the
field, help text, required marks) while costing a fraction of the rendering time."""

import pytest
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field, as_crispy_form
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.html import parse_html

from accounts.templatetags.form_fields import form_field, form_fields
from credit.forms import ReasonForm
from customers.document_views import DocumentUploadForm
from customers.forms import CustomerFilterForm, InteractionForm
from dashboards.views import DashboardForm
from lending.forms import LoanFilterForm, RepaymentForm, RestructureForm, RevalueForm
from risk.forms import AlertFilterForm

pytestmark = pytest.mark.django_db


class EveryWidget(forms.Form):
    name = forms.CharField(label="Name", max_length=20, help_text="As on the ID card")
    note = forms.CharField(label="Note <b>", required=False, widget=forms.Textarea)
    amount = forms.DecimalField(label="Amount", required=False, min_value=0)
    grade = forms.ChoiceField(
        label="Grade",
        required=False,
        choices=[("", "Any"), ("Letters", [("A", "A & up"), ("B", "B")]), ("C", "C")],
    )
    tags = forms.MultipleChoiceField(label="Tags", required=False, choices=[("x", "X"), ("y", "Y")])
    agreed = forms.BooleanField(label="Agreed", required=False)
    consent = forms.BooleanField(label="Consent <b>", help_text="Tick & go", initial=True)
    page = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean(self):
        if self.data.get("note") == "refuse":
            raise forms.ValidationError("Not <this> note, and not twice.")
        return super().clean()


def assert_same_as_crispy(form):
    for field in form:
        ours, crispy = parse_html(str(form_field(field))), parse_html(str(as_crispy_field(field)))
        assert ours == crispy, f"{field.name}:\n{ours}\n---\n{crispy}"


@pytest.mark.parametrize(
    "data",
    [
        None,
        {
            "name": "王<芳>",
            "note": "line\n<two>",
            "amount": "12.50",
            "grade": "A",
            "tags": ["y"],
            "agreed": "on",
            "consent": "on",
        },
        {"name": "x" * 30, "amount": "-1", "grade": "Z", "tags": ["q"], "page": "two"},
        {"name": "n", "note": "refuse", "consent": "on"},
    ],
    ids=["unbound", "valid", "invalid", "refused as a whole"],
)
def test_every_widget_matches_crispy(data):
    form = EveryWidget(data)
    form.is_valid()
    assert_same_as_crispy(form)
    assert_whole_form_same_as_crispy(lambda: EveryWidget(data))


def assert_whole_form_same_as_crispy(make):
    # Two instances: crispy adds its classes to the widgets it draws, for good.
    ours, crispy = make(), make()
    ours.is_valid(), crispy.is_valid()
    ours, crispy = parse_html(str(form_fields(ours))), parse_html(str(as_crispy_form(crispy)))
    assert ours == crispy, f"{ours}\n---\n{crispy}"


def test_a_form_refused_as_a_whole_says_why_above_its_fields():
    form = EveryWidget({"name": "n", "note": "refuse", "consent": "on"})
    form.is_valid()
    html = str(form_fields(form))
    assert '<div class="alert alert-block alert-danger">' in html
    assert "Not &lt;this&gt; note, and not twice." in html
    assert html.index("alert-danger") < html.index('id="div_id_name"')


def test_an_unticked_required_checkbox_says_so_next_to_it():
    form = EveryWidget({"name": "n"})
    form.is_valid()
    html = str(form_field(form["consent"]))
    assert 'class="checkboxinput form-check-input is-invalid"' in html
    assert 'id="error_1_id_consent"' in html
    assert "This field is required." in html
    assert " checked" not in html
    ticked = EveryWidget({"name": "n", "consent": "on"})
    assert " checked" in str(form_field(ticked["consent"]))


@pytest.mark.parametrize(
    "make",
    [
        lambda: RepaymentForm(initial={"paid_on": "2026-11-18"}),
        lambda: RepaymentForm({"amount": "-3", "paid_on": "1900-01-01", "allow_prepayment": "on"}),
        lambda: RestructureForm(initial={"new_rate": "0.0435"}),
        lambda: RestructureForm({"new_term_months": "0", "new_rate": "abc", "reason": ""}),
        lambda: ReasonForm(prefix="reversal"),
        lambda: ReasonForm({"reason": ""}),
        lambda: RevalueForm({"value": "0", "valued_on": ""}),
        lambda: DocumentUploadForm(initial={"next": "/credit/loans/1/"}),
        lambda: DocumentUploadForm(
            {"document_type": "999999", "expires_on": "soon", "next": "/x/"},
            {"file": SimpleUploadedFile("id.pdf", b"%PDF-1.4")},
        ),
    ],
    ids=[
        "repayment",
        "repayment refused",
        "restructuring",
        "restructuring refused",
        "reason",
        "reason refused",
        "revaluation refused",
        "document upload",
        "document upload refused",
    ],
)
def test_loan_page_forms_match_crispy(make):
    """The loan page's and the documents panel's forms, field by field and as a whole."""
    form = make()
    form.is_valid()
    assert_same_as_crispy(form)
    assert_whole_form_same_as_crispy(make)


def test_invalid_field_shows_its_message_next_to_it():
    form = EveryWidget({"name": "", "amount": "abc"})
    form.is_valid()
    html = str(form_field(form["amount"]))
    assert 'class="numberinput form-control is-invalid"' in html
    assert 'aria-invalid="true"' in html
    assert "Enter a number." in html
    assert 'value="abc"' in html


def test_selected_option_follows_the_submitted_value():
    form = EveryWidget({"name": "n", "grade": "B"})
    html = str(form_field(form["grade"]))
    assert '<option value="B" selected>B</option>' in html
    assert '<option value="" selected>' not in html


@pytest.mark.parametrize("data", [None, {"kind": "nope", "officer": "999999", "q": "张"}])
def test_product_filter_bars_match_crispy(data, alice, mary):
    for form in (
        CustomerFilterForm(data, user=alice),
        AlertFilterForm(data, officers=alice.__class__.objects.filter(pk=alice.pk)),
        LoanFilterForm(data),
        DashboardForm(data, user=mary),
    ):
        form.is_valid()
        assert_same_as_crispy(form)


def test_quick_contact_form_matches_crispy(alice):
    from customers.models import Customer

    customer = Customer.objects.filter(officer=alice).first()
    form = InteractionForm({"summary": "", "channel": "fax"}, customer=customer, user=alice)
    form.is_valid()
    assert_same_as_crispy(form)


class StoredFile:
    """What a model's FileField gives a form for a file already stored."""

    name = "contract <signed>.pdf"
    url = "/media/contract.pdf"

    def __str__(self):
        return self.name


class FilePickers(forms.Form):
    upload = forms.FileField(label="Upload", help_text="PDF only")
    scan = forms.FileField(label="Scan", required=False, widget=forms.ClearableFileInput)
    locked = forms.FileField(label="Locked", required=False, disabled=True)


@pytest.mark.parametrize(
    "make",
    [
        lambda: FilePickers(),
        lambda: FilePickers(initial={"scan": StoredFile()}),
        lambda: FilePickers({}, {}),
    ],
    ids=["empty", "showing a stored file", "refused"],
)
def test_file_pickers_match_crispy(make):
    """Empty pickers are written here, one showing a stored file or disabled by crispy: the
    same markup either way."""
    form = make()
    form.is_valid()
    assert_same_as_crispy(form)
    assert_whole_form_same_as_crispy(make)
