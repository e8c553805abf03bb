"""Resident IDs and phones at rest: encrypted, found by keyed hash, rotatable, never in clear."""

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from customers import selectors, services
from customers.encryption import protect_identifiers
from customers.models import ContactPerson, Customer, resident_id_digest
from tests.customers import factories

NEW_KEY = Fernet.generate_key().decode()


def stored(customer: Customer) -> dict[str, str | None]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT resident_id, resident_id_hash, phone, phone_hash FROM customers_customer"
            " WHERE id = %s",
            [customer.pk],
        )
        resident_id, resident_id_hash, phone, phone_hash = cursor.fetchone()
    return {
        "resident_id": resident_id,
        "resident_id_hash": resident_id_hash,
        "phone": phone,
        "phone_hash": phone_hash,
    }


def test_identifiers_are_stored_encrypted_and_read_in_clear(alices_customer):
    row = stored(alices_customer)
    clear_id = alices_customer.resident_id
    assert clear_id not in row["resident_id"]
    assert "13800138000" not in row["phone"]
    assert clear_id not in row["resident_id_hash"]
    fresh = Customer.objects.get(pk=alices_customer.pk)
    assert (fresh.resident_id, fresh.phone) == (clear_id, "13800138000")
    # The same ID written twice gives two different tokens: equal values do not show.
    other = factories.individual(alices_customer.officer, name="李四", phone="13800138000")
    assert stored(other)["phone"] != row["phone"]
    assert stored(other)["phone_hash"] == row["phone_hash"]


def test_contact_phones_are_encrypted_too(alices_contact):
    alices_contact.phone = "13912345678"
    alices_contact.save()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT phone FROM customers_contactperson WHERE id = %s", [alices_contact.pk]
        )
        (raw,) = cursor.fetchone()
    assert "13912345678" not in raw
    assert ContactPerson.objects.get(pk=alices_contact.pk).phone == "13912345678"


def test_search_finds_whole_identifiers_by_their_hash(alice, alices_customer, alices_enterprise):
    customers = Customer.objects.all()
    assert list(selectors.customer_search(customers, alices_customer.resident_id)) == [
        alices_customer
    ]
    assert list(selectors.customer_search(customers, "010 1234 5678")) == [alices_enterprise]
    assert list(selectors.customer_search(customers, alices_customer.resident_id[-4:])) == [
        alices_customer
    ]


def test_a_duplicate_resident_id_is_refused_next_to_the_field(alice, alices_customer):
    duplicate = Customer(
        officer=alice, kind="individual", name="冒名者", resident_id=alices_customer.resident_id
    )
    with pytest.raises(ValidationError) as error:
        services.customer_create(actor=alice, customer=duplicate)
    assert "cannot be registered" in error.value.message_dict["resident_id"][0]
    assert Customer.objects.count() == 1


def test_the_database_refuses_a_duplicate_that_skips_validation(alice, alices_customer):
    twin = Customer(
        officer=alice,
        branch=alice.branch,
        kind="individual",
        name="冒名者",
        resident_id=alices_customer.resident_id,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()


def test_rotating_the_encryption_key_rewrites_every_row_once(settings, alices_customer):
    old_token = stored(alices_customer)["resident_id"]
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, *settings.FIELD_ENCRYPTION_KEYS]
    # Readable before the rotation: the old key still decrypts.
    assert Customer.objects.get(pk=alices_customer.pk).resident_id == alices_customer.resident_id

    call_command("rotate_field_keys", stdout=None)
    rotated = stored(alices_customer)
    assert rotated["resident_id"] != old_token
    assert Fernet(NEW_KEY.encode()).decrypt(rotated["resident_id"].encode()).decode() == (
        alices_customer.resident_id
    )
    assert protect_identifiers(connection) == {
        "customers_customer": 0,
        "customers_contactperson": 0,
    }
    # The old key can now be dropped.
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
    assert Customer.objects.get(pk=alices_customer.pk).phone == "13800138000"


def test_rotating_the_hash_key_keeps_customers_findable(settings, alices_customer):
    settings.FIELD_HASH_KEY = "another-lookup-key-" + "x" * 40
    assert not selectors.customer_search(Customer.objects.all(), alices_customer.resident_id)
    written = protect_identifiers(connection)
    assert written["customers_customer"] == 1
    assert stored(alices_customer)["resident_id_hash"] == resident_id_digest(
        alices_customer.resident_id
    )
    assert list(selectors.customer_search(Customer.objects.all(), alices_customer.resident_id)) == [
        alices_customer
    ]


def test_clear_values_left_by_an_older_version_are_encrypted(alices_customer):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE customers_customer SET phone = '13700000001', phone_hash = '' WHERE id = %s",
            [alices_customer.pk],
        )
    protect_identifiers(connection)
    row = stored(alices_customer)
    assert row["phone"].startswith("gAAAAA")
    assert Customer.objects.get(pk=alices_customer.pk).phone == "13700000001"
    assert list(selectors.customer_search(Customer.objects.all(), "13700000001")) == [
        alices_customer
    ]


def test_a_missing_key_is_a_clear_configuration_error(settings, alices_customer):
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
    with pytest.raises(ImproperlyConfigured, match="rotate_field_keys"):
        Customer.objects.get(pk=alices_customer.pk)
