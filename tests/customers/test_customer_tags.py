"""Tags are part of the customer's record: set with it on the new customer form and the edit
form, in the same transaction and the same audit row, and left as they were when the save is
refused."""

from django.urls import reverse

from audit.models import AuditEvent
from customers.models import Customer, Tag, resident_id_digest
from tests.customers import factories


def _edit(client, customer, **fields):
    return client.post(
        reverse("customers:edit", args=[customer.pk]),
        {
            "name": customer.name,
            "resident_id": customer.resident_id,
            "phone": customer.phone,
            "monthly_income": "12000",
            "occupation": customer.occupation,
            **fields,
        },
    )


def test_a_new_customers_tags_are_saved_and_audited_with_it(client_for, alice):
    vip, salary = Tag.objects.create(name="VIP"), Tag.objects.create(name="Payroll")
    number = factories.resident_id()
    response = client_for(alice).post(
        reverse("customers:create") + "?kind=individual",
        {
            "kind": "individual",
            "name": "陈静",
            "resident_id": number,
            "phone": "13900001111",
            "monthly_income": "8500",
            "occupation": "会计",
            "tags": [vip.pk, salary.pk],
        },
    )
    assert response.status_code == 302
    customer = Customer.objects.get(resident_id_hash=resident_id_digest(number))
    assert set(customer.tags.all()) == {vip, salary}
    created = AuditEvent.objects.get(action="customers.customer.created", actor=alice)
    assert created.after["tags"] == ["Payroll", "VIP"]


def test_a_tag_change_is_audited_with_the_edit(client_for, alice, alices_customer):
    vip, salary = Tag.objects.create(name="VIP"), Tag.objects.create(name="Payroll")
    alices_customer.tags.set([vip])
    response = _edit(client_for(alice), alices_customer, tags=[salary.pk])
    assert response.status_code == 302
    assert list(alices_customer.tags.all()) == [salary]
    updated = AuditEvent.objects.get(action="customers.customer.updated")
    assert updated.before == {"tags": ["VIP"]}
    assert updated.after == {"tags": ["Payroll"]}


def test_an_edit_that_keeps_the_tags_records_no_tag_change(client_for, alice, alices_customer):
    vip = Tag.objects.create(name="VIP")
    alices_customer.tags.set([vip])
    response = _edit(client_for(alice), alices_customer, occupation="校长", tags=[vip.pk])
    assert response.status_code == 302
    updated = AuditEvent.objects.get(action="customers.customer.updated")
    assert "tags" not in updated.after
    assert list(alices_customer.tags.all()) == [vip]


def test_a_refused_edit_leaves_the_tags_as_they_were(client_for, alice, alices_customer):
    vip, salary = Tag.objects.create(name="VIP"), Tag.objects.create(name="Payroll")
    alices_customer.tags.set([vip])
    # Another customer's resident ID: the service refuses the whole edit, tags included.
    other = factories.individual(alice, name="李雷")
    response = _edit(
        client_for(alice), alices_customer, resident_id=other.resident_id, tags=[salary.pk]
    )
    assert response.status_code == 400
    assert list(alices_customer.tags.all()) == [vip]
    assert not AuditEvent.objects.filter(action="customers.customer.updated").exists()
