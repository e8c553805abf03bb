"""Pages with customer data are sent with `Cache-Control: no-store, private`: no browser cache,
shared proxy or back button keeps a copy after the user has gone.

Every URL of the access matrix (tests/platform/access_matrix.py), by every method it takes,
requested by a user allowed to use it on data they may see; and every list, search, report
and export (CSV, XLSX) of the leak tests. Static files are the exception: they are the same
for everyone and keep their long-lived caching.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from tests.platform.access_matrix import MATRIX, STAFF
from tests.platform.test_access_matrix import (
    LISTINGS,
    SEES,
    USERS,
    build_url,
    client_for,
    expected_outcome,
    response_text,
)

# Tried in this order; the first allowed to use a URL on the north portfolio makes the request.
REQUESTERS = ["alice", "mary", "rita", "admin"]


def cache_directives(response) -> set[str]:
    return {part.strip().lower() for part in response.get("Cache-Control", "").split(",")}


def requester_for(access) -> str:
    """The first of REQUESTERS allowed to use the URL on the north portfolio; for a URL no
    role may use (admin pages of rights nobody has), the first who reaches its refusal."""
    reaching = [
        username
        for username in REQUESTERS
        if not (access.admin and USERS[username][0] not in STAFF)
        and not (access.scope in SEES and username not in SEES[access.scope]["north"])
    ]
    allowed = [u for u in reaching if access.public or USERS[u][0] in access.roles]
    return (allowed or reaching)[0]


def _cases():
    for key, access in MATRIX.items():
        for method in access.methods:
            yield pytest.param(key, method, id=f"{key}-{method}")


@pytest.mark.parametrize(("key", "method"), list(_cases()))
def test_every_page_is_sent_no_store_and_private(access_book, db, key, method):
    access = MATRIX[key]
    username = requester_for(access)
    client = client_for(access_book, username)
    url = build_url(key, access, access_book, "north")
    if method == "GET":
        response = client.get(url, access.query)
    else:
        portfolio = access_book.portfolios["north"]
        response = client.post(url, access.data(portfolio, access_book) if access.data else {})

    # The request got what the access test says it gets: the page (or the step) it names, or
    # for a URL nobody may use, its refusal. A form posted with the matrix's smallest body may
    # be refused as invalid instead (400): that answer is a page with the customer's data too.
    statuses, _, refused = expected_outcome(key, access, method, username, "north")
    if method == "POST" and not refused:
        statuses = {*statuses, 400}
    assert response.status_code in statuses, (username, response.status_code)
    assert {"no-store", "private"} <= cache_directives(response), response.get("Cache-Control")
    assert "public" not in cache_directives(response)


@pytest.mark.parametrize("listing", list(LISTINGS))
def test_lists_reports_and_exports_are_sent_no_store_and_private(access_book, db, listing):
    spec = LISTINGS[listing]
    north = access_book.portfolios["north"]
    # The requests of the leak test (test_access_matrix.py), as mary, North's manager.
    response = client_for(access_book, "mary").get(
        reverse(spec.name, kwargs=spec.kwargs),
        spec.query(access_book.portfolios["south"]),
        headers=spec.headers,
    )
    assert response.status_code == 200
    if spec.lists_own:
        assert north.customer.name in response_text(response), "a positive control"
    assert {"no-store", "private"} <= cache_directives(response), response.get("Cache-Control")


def test_a_page_refused_to_the_signed_out_is_not_kept_either(db):
    response = Client().get(reverse("customers:list"))
    assert response.status_code == 302
    assert {"no-store", "private"} <= cache_directives(response)


# Static files served from the source folders, as in development (the production image
# serves the collected ones; tests/platform/test_image_build.py asks it for one).
@override_settings(WHITENOISE_USE_FINDERS=True, WHITENOISE_AUTOREFRESH=True)
def test_static_files_keep_their_caching_for_a_signed_in_user(access_book, db):
    response = client_for(access_book, "alice").get("/static/css/crm.css")
    assert response.status_code == 200
    assert "no-store" not in cache_directives(response)
    assert "private" not in cache_directives(response)
