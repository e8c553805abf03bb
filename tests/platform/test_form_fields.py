"""`form_field` writes in Python what crispy's Bootstrap 5 templates write, so the filter bars
and the quick contact form look and behave the same (selected options, errors next to the
field, help text, required marks) while costing a fraction of the rendering time."""

import pytest
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import forms
from django.test.html import parse_html

from accounts.templatetags.form_fields import form_field
from customers.forms import CustomerFilterForm, InteractionForm
from dashboards.views import DashboardForm
from lending.forms import LoanFilterForm
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
    page = forms.IntegerField(required=False, widget=forms.HiddenInput)


def assert_same_as_crispy(form):
    for field in form:
        ours, crispy = parse_html(str(form_field(field))), parse_html(str(as_crispy_field(field)))
        assert ours == crispy, f"{field.name}:\n{ours}\n---\n{crispy}"


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"name": "王<芳>", "note": "line\n<two>", "amount": "12.50", "grade": "A", "tags": ["y"]},
        {"name": "x" * 30, "amount": "-1", "grade": "Z", "tags": ["q"], "page": "two"},
    ],
    ids=["unbound", "valid", "invalid"],
)
def test_every_widget_matches_crispy(data):
    form = EveryWidget(data)
    form.is_valid()
    assert_same_as_crispy(form)


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
