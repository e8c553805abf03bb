"""An admin types a product's rates as percentages, as the officers' forms take them: 4.35
is stored as the fraction 0.0435 and shown back as 4.35%; a rate above the ceiling is
refused next to its field with the bound as a percentage, and nothing changes."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from lending.models import LoanProduct


def change_form_data(page) -> dict:
    """What the browser would send back for the change page as shown: every field of the
    form and of its inlines with the value on the page, and the inlines' management forms."""
    data = {}
    for field in page.context["adminform"].form:
        value = field.value()
        if isinstance(value, bool):
            if value:
                data[field.html_name] = "on"
        elif isinstance(value, list | tuple):
            data[field.html_name] = [str(item) for item in value]
        elif value is not None:
            data[field.html_name] = field.field.prepare_value(value)
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        for field in formset.management_form:
            data[field.html_name] = field.value()
        for form in formset.forms:
            for field in form:
                value = field.value()
                if isinstance(value, bool):
                    if value:
                        data[field.html_name] = "on"
                elif value is not None:
                    data[field.html_name] = field.field.prepare_value(value)
    return data


@pytest.fixture
def product(db):
    return LoanProduct.objects.get(code="CONS-01")


def test_an_admin_types_the_base_rate_as_a_percentage(client_for, admin_user, product):
    client = client_for(admin_user)
    url = reverse("admin:lending_loanproduct_change", args=[product.pk])
    data = change_form_data(client.get(url))
    data["base_rate"] = "4.35"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    product.refresh_from_db()
    assert product.base_rate == Decimal("0.043500")
    # Shown back as a percentage: in the form the admin edits and on the list of products.
    page = client.get(url).content.decode()
    assert re.search(r'name="base_rate" value="4.35"', page)
    assert "As a percentage: 4.35 means 4.35% a year." in page
    listing = client.get(reverse("admin:lending_loanproduct_changelist")).content.decode()
    row = re.search(r"<tr>(?:(?!</tr>).)*>CONS-01<(?:(?!</tr>).)*</tr>", listing, re.S).group(0)
    assert '<td class="field-base_rate_shown">4.35%</td>' in row


def test_a_rate_above_the_ceiling_is_refused_next_to_its_field(client_for, admin_user, product):
    client = client_for(admin_user)
    url = reverse("admin:lending_loanproduct_change", args=[product.pk])
    before = product.base_rate
    data = change_form_data(client.get(url))
    data["base_rate"] = "435"
    response = client.post(url, data)
    # Django admin sends a refused form back (200) instead of redirecting to the list.
    assert response.status_code in (200, 400)
    assert response.context["adminform"].form.errors["base_rate"] == [
        "The rate cannot exceed 24.00%."
    ]
    assert "The rate cannot exceed 24.00%." in response.content.decode()
    product.refresh_from_db()
    assert product.base_rate == before
