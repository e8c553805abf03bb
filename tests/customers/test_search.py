"""Search as people type: several words narrow (each must match), the tail of a phone or ID as
the pages show it finds its customer, and nobody finds what lies outside their scope."""

import importlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from customers import services
from customers.models import Customer
from tests.customers import factories

backfill = importlib.import_module("customers.migrations.0009_customer_phone_tail")


@pytest.fixture
def book(alice, charlie):
    """Two firms sharing a word of their names, a person sharing a phone tail with one of
    them, and a customer of South (charlie's) with that same tail."""
    return {
        "logistics": factories.enterprise(alice, name="宏远物流有限公司", phone="14200000669"),
        "food": factories.enterprise(alice, name="宏远食品有限公司", phone="13512348888"),
        "person": factories.individual(alice, name="王小明", phone="13900000669"),
        "south": factories.individual(charlie, name="赵南方", phone="13700000669"),
    }


def found(client, query: str) -> set[str]:
    response = client.get(reverse("customers:list"), {"q": query})
    assert response.status_code == 200
    return {customer.name for customer in response.context["customers"]}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("宏远物流", {"宏远物流有限公司"}),
        ("宏远 物流", {"宏远物流有限公司"}),
        # The ideographic space a Chinese input method types.
        ("宏远\u3000物流", {"宏远物流有限公司"}),
        ("  物流   宏远 ", {"宏远物流有限公司"}),
        ("宏远", {"宏远物流有限公司", "宏远食品有限公司"}),
        # Each word must match: a name holding one of them is not enough.
        ("宏远 食品", {"宏远食品有限公司"}),
        ("物流 食品", set()),
        ("宏远 钢铁", set()),
    ],
)
def test_several_words_each_narrow_the_name_search(client_for, alice, book, query, expected):
    assert found(client_for(alice), query) == expected


def test_the_shown_tail_of_a_phone_finds_its_customers(client_for, alice, book):
    client = client_for(alice)
    page = client.get(reverse("customers:detail", args=[book["logistics"].pk])).content.decode()
    assert "142****0669" in page
    assert found(client, "0669") == {"宏远物流有限公司", "王小明"}
    # Copied from the page as shown, asterisks and all.
    assert found(client, "142****0669") == {"宏远物流有限公司", "王小明"}
    assert found(client, "8888") == {"宏远食品有限公司"}
    assert found(client, "1234") == set()
    # A whole number, typed in groups, is still one phone.
    assert found(client, "142 0000 0669") == {"宏远物流有限公司"}


def test_a_name_word_and_a_tail_narrow_each_other(client_for, alice, book):
    client = client_for(alice)
    assert found(client, "宏远 0669") == {"宏远物流有限公司"}
    assert found(client, "0669 宏远") == {"宏远物流有限公司"}
    assert found(client, "宏远 142****0669") == {"宏远物流有限公司"}
    assert found(client, "食品 0669") == set()
    id_tail = book["person"].resident_id[-4:]
    assert found(client, f"小明 {id_tail}") == {"王小明"}
    assert found(client, f"宏远 {id_tail}") == set()
    # A whole phone and a name word.
    assert found(client, "宏远 13512348888") == {"宏远食品有限公司"}
    assert found(client, "物流 13512348888") == set()


def test_a_changed_phone_is_found_by_its_new_tail_only(client_for, alice, book):
    services.customer_update(
        actor=alice, customer=book["logistics"], changes={"phone": "14200007777"}
    )
    client = client_for(alice)
    assert found(client, "7777") == {"宏远物流有限公司"}
    assert found(client, "0669") == {"王小明"}


def test_the_outsider_finds_nothing_of_another_branch(client_for, charlie, book):
    client = client_for(charlie)
    person = book["person"]
    for query in [
        "宏远",
        "宏远 物流",
        "王小明",
        person.resident_id[-4:],
        person.resident_id,
        "13900000669",
        book["logistics"].credit_code,
    ]:
        assert found(client, query) == set(), query
    # The same tail finds charlie's own customer, and only that one.
    assert found(client, "0669") == {"赵南方"}
    assert found(client, "赵 0669") == {"赵南方"}


def test_north_does_not_find_souths_customer_by_its_tail(client_for, alice, mary, book):
    assert "赵南方" not in found(client_for(alice), "0669")
    assert found(client_for(mary), "0669") == {"宏远物流有限公司", "王小明"}


def test_the_htmx_results_export_and_admin_search_the_same_way(client_for, alice, admin_user, book):
    client = client_for(alice)
    fragment = client.get(
        reverse("customers:list"), {"q": "宏远 0669"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "宏远物流有限公司" in fragment and "宏远食品有限公司" not in fragment
    assert "<html" not in fragment
    response = client.get(reverse("customers:export", args=["csv"]), {"q": "宏远\u3000物流"})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "宏远物流有限公司" in body
    assert "宏远食品有限公司" not in body and "王小明" not in body
    admin = client_for(admin_user)
    changelist = admin.get(reverse("admin:customers_customer_changelist"), {"q": "宏远 0669"})
    assert {customer.name for customer in changelist.context["cl"].result_list} == {
        "宏远物流有限公司"
    }


def test_a_search_costs_no_more_queries_than_the_plain_list(
    client_for, alice, book, django_assert_num_queries
):
    client = client_for(alice)
    client.get(reverse("customers:list"))  # warm the session
    # As the plain list (test_list_pages_without_counting_the_table): session, user with
    # branch, the page of rows, saved filters, the officer, industry and tag choices. The
    # words become conditions of the one page query, never queries of their own.
    with django_assert_num_queries(7):
        response = client.get(reverse("customers:list"), {"q": "宏远 物流 0669"})
    assert [customer.name for customer in response.context["customers"]] == ["宏远物流有限公司"]


def test_the_migration_fills_the_phone_tail_of_customers_already_on_file(
    client_for, alice, book, monkeypatch
):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE customers_customer SET phone_tail = ''")
        cursor.execute("DELETE FROM risk_pendingcustomer")
    assert found(client_for(alice), "0669") == set()
    # Chunks of two rows: the four customers take more than one chunk.
    monkeypatch.setattr(backfill, "CHUNK_ROWS", 2)
    backfill.backfill_phone_tails(None, None)
    tails = dict(Customer.objects.values_list("name", "phone_tail"))
    assert tails == {
        "宏远物流有限公司": "0669",
        "宏远食品有限公司": "8888",
        "王小明": "0669",
        "赵南方": "0669",
    }
    assert found(client_for(alice), "0669") == {"宏远物流有限公司", "王小明"}
    # A lookup column: the nightly risk job has nothing new to look at.
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM risk_pendingcustomer")
        assert cursor.fetchone()[0] == 0
    # Run again, it writes nothing.
    with CaptureQueriesContext(connection) as again:
        backfill.backfill_phone_tails(None, None)
    assert not any(query["sql"].startswith("UPDATE") for query in again.captured_queries)
