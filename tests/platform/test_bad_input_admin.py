"""Django admin's own forms take the same hostile values as the product's: never a server
error, and a refused form writes nothing."""

import pytest
from django.contrib import admin
from django.urls import NoReverseMatch, reverse

from tests.platform.bad_input import CORPUS, fingerprint


def _add_url(model) -> str | None:
    try:
        return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
    except NoReverseMatch:
        return None


ADMIN_MODELS = sorted(admin.site._registry, key=lambda model: model._meta.label_lower)


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda model: model._meta.label_lower)
def test_admin_add_forms_refuse_hostile_values(client_for, admin_user, model):
    url = _add_url(model)
    client = client_for(admin_user)
    page = client.get(url)
    if page.status_code == 403:
        # Business records are read-only in admin (they change through the product's
        # services): the add form is refused, and so is a POST to it.
        before = fingerprint()
        assert client.post(url, {"name": "x"}).status_code == 403
        assert fingerprint() == before
        return
    assert page.status_code == 200, url
    fields = list(page.context["adminform"].form.fields)
    assert fields, url
    for value in CORPUS:
        before = fingerprint()
        response = client.post(url, {name: value for name in fields})
        assert response.status_code < 500, (url, repr(value)[:40])
        if response.status_code != 302:
            assert fingerprint() == before, (url, repr(value)[:40])
