"""A guarantor is a customer of the bank or a person named on the form, not both: a name and
ID typed next to a chosen customer were stored out of sight (the page shows the customer).
Now the form refuses them next to the fields, and adds nothing."""

from django.urls import reverse

from lending.models import Guarantor
from tests.customers import factories


def test_a_customer_and_a_typed_name_at_once_are_refused(client_for, alice, draft):
    relative = factories.individual(alice, name="王大明")
    url = reverse("lending:guarantor-add", args=[draft.pk])
    response = client_for(alice).post(
        url,
        {
            "guarantor_customer": relative.pk,
            "name": "王二明",
            "identifier": "110101198001011234",
            "amount": "50000",
        },
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "choose no customer" in errors["name"][0]
    assert "choose no customer" in errors["identifier"][0]
    assert not Guarantor.objects.exists()
    response = client_for(alice).post(url, {"guarantor_customer": relative.pk, "amount": "50000"})
    assert response.status_code == 302
    assert Guarantor.objects.get().guarantor_customer == relative
