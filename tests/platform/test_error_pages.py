"""A page the user may not see answers with the product's own 404 page, in their language,
inside the product's layout, whether DEBUG is on or off: never Django's technical page, which
would name the model looked up and list every URL."""

import re

import pytest
from django.test import override_settings
from django.urls import reverse

from customers.models import Customer
from tests.customers import factories

# What only Django's technical 404 page says.
TECHNICAL_404_MARKERS = ("Using the URLconf", "No Customer matches", "DEBUG = True")

LANGUAGES = [
    # language, the 404 page's heading, its explanation, the link home
    (
        "en",
        "Not found",
        "There is nothing here, or it is not yours to see.",
        "Back to the home page",
    ),
    ("zh-hans", "未找到", "此处没有内容，或您无权查看。", "返回首页"),
]


def without_tokens(page: str, pk: int) -> str:
    """The page with what differs between any two renderings taken out: the masked CSRF
    tokens and the id in the address."""
    page = re.sub(r'"X-CSRFToken": "[A-Za-z0-9]{64}"', "TOKEN", page)
    page = re.sub(r'value="[A-Za-z0-9]{64}"', "TOKEN", page)
    return page.replace(f"/{pk}/", "/#/")


def speaking(client, language: str):
    """Switches the signed-in user's language as they would, with the language form."""
    response = client.post(reverse("set-language"), {"language": language, "next": "/"})
    assert response.status_code == 302
    return client


def assert_product_page(response, *, status: int, texts: tuple[str, ...]) -> str:
    assert response.status_code == status
    page = response.content.decode()
    for text in texts:
        assert text in page
    # The product's layout: its navigation and its own stylesheet, with the link home.
    assert 'data-testid="main-nav"' in page
    assert f'href="{reverse("home")}"' in page
    for marker in TECHNICAL_404_MARKERS:
        assert marker not in page
    return page


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
@pytest.mark.parametrize(("language", "heading", "explanation", "home"), LANGUAGES)
def test_outsider_asking_for_a_customer_gets_the_products_404_page(
    client_for, alice, charlie, debug, language, heading, explanation, home
):
    customer = factories.individual(alice, name="王小明")
    client = speaking(client_for(charlie), language)
    with override_settings(DEBUG=debug):
        response = client.get(reverse("customers:detail", args=[customer.pk]))
    page = assert_product_page(response, status=404, texts=(heading, explanation, home))
    # No hint that the customer exists: neither the name nor the owner shows.
    assert "王小明" not in page
    assert "Alice" not in page


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
def test_a_customer_that_does_not_exist_answers_exactly_as_one_out_of_scope(
    client_for, alice, charlie, debug
):
    customer = factories.individual(alice)
    missing_pk = Customer.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1000
    client = client_for(charlie)
    with override_settings(DEBUG=debug):
        out_of_scope = client.get(reverse("customers:detail", args=[customer.pk]))
        missing = client.get(reverse("customers:detail", args=[missing_pk]))
    assert out_of_scope.status_code == missing.status_code == 404
    assert without_tokens(out_of_scope.content.decode(), customer.pk) == without_tokens(
        missing.content.decode(), missing_pk
    )


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_role_that_may_not_act_gets_the_products_403_page(
    client_for, alice, mary, debug, language
):
    customer = factories.individual(alice)
    client = speaking(client_for(alice), language)
    texts = {
        "en": ("Not allowed", "Your role does not allow this action.", "Back to the home page"),
        "zh-hans": ("无权操作", "您的角色无权执行此操作。", "返回首页"),
    }[language]
    with override_settings(DEBUG=debug):
        response = client.get(reverse("customers:transfer", args=[customer.pk]))
    assert_product_page(response, status=403, texts=texts)
    # Nothing changed: the customer is still alice's.
    customer.refresh_from_db()
    assert customer.officer == alice


def test_the_path_asked_for_is_never_echoed_unescaped(client_for, charlie):
    response = client_for(charlie).get("/customers/<script>alert(1)</script>/")
    page = assert_product_page(response, status=404, texts=("Not found",))
    assert "<script>alert(1)</script>" not in page
