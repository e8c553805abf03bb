"""Every URL of the product, requested by every role against data they may and may not see.

The expectations come from tests/platform/access_matrix.py: out of scope is 404 whatever the
role, out of role is 403, signed out is the login page (admin's own login for admin URLs),
and an allowed request answers what its entry says (never a 500). A refused request must
leave the database exactly as it was. A URL pattern missing from the matrix fails the first
test, so no URL ships without a declared access rule.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from customers import services as customer_services
from customers.models import Complaint
from tests.platform.access_matrix import (
    ADMIN,
    ADMIN_SITE,
    CUSTOMER_SCOPE,
    MANAGER,
    MATRIX,
    OFFICER,
    OWNER_ONLY,
    RISK_OFFICER,
    STAFF,
)

# The people who make the requests: (role, branch). alice owns the North portfolio and
# charlie the South one; bob is alice's colleague, mary and sonia the branches' managers.
USERS = {
    "alice": (OFFICER, "NORTH"),
    "bob": (OFFICER, "NORTH"),
    "charlie": (OFFICER, "SOUTH"),
    "mary": (MANAGER, "NORTH"),
    "sonia": (MANAGER, "SOUTH"),
    "rita": (RISK_OFFICER, "HO"),
    "admin": (ADMIN, "HO"),
}
ANONYMOUS = "anonymous"

# Who may see each portfolio's data (accounts/scope.py): its officer, their branch's manager
# and head office. A saved filter is its owner's alone.
SEES = {
    CUSTOMER_SCOPE: {
        "north": {"alice", "mary", "rita", "admin"},
        "south": {"charlie", "sonia", "rita", "admin"},
    },
    OWNER_ONLY: {"north": {"alice"}, "south": {"charlie"}},
}

# Bookkeeping a refused request may write: its session (messages, the CSRF token).
UNFINGERPRINTED_TABLES = {"django_session"}


# --- The URL configuration and the matrix -------------------------------------------------------


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            yield f"{namespace}{entry.name}" if entry.name else route


def url_pattern_keys() -> list[str]:
    """Every pattern of crm_site.urls, admin's included: its URL name, or its route."""
    return list(_walk(get_resolver("crm_site.urls").url_patterns))


def test_every_url_pattern_declares_its_access():
    keys = url_pattern_keys()
    undeclared = sorted(set(keys) - set(MATRIX))
    assert not undeclared, (
        "These URL patterns have no entry in tests/platform/access_matrix.py; declare who may "
        f"use them: {undeclared}"
    )
    stale = sorted(set(MATRIX) - set(keys))
    assert not stale, f"The access matrix declares URL patterns that no longer exist: {stale}"


def test_the_cast_has_the_roles_and_branches_the_matrix_assumes(access_book, db):
    for username, (role, branch) in USERS.items():
        user = access_book.users[username]
        assert (user.role, user.branch.code) == (role, branch), username
        assert user.is_staff == (role in STAFF), username


# --- Requests -----------------------------------------------------------------------------------


# Django admin turns away whoever is not staff before it looks at anything else, so on the
# pages of each model one officer stands for the roles that are not staff (every role is
# tried on admin's own pages, ADMIN_SITE); no staff role is bound to a branch.
ADMIN_REQUESTERS = ["alice", "rita", "admin"]
# Admin's wrapper turns a non-staff user away before any page of any model: the officer is
# tried on each model's list, the staff on every page.
STAFF_REQUESTERS = ["rita", "admin"]
# Without customer data, what a request may do depends on the role alone: one user a role
# (the branch-bound roles' colleagues and other branches matter only for customer data).
ONE_PER_ROLE = ["alice", "mary", "rita", "admin"]


def _requesters(key: str, access) -> list[str]:
    if access.admin and key not in ADMIN_SITE:
        return ADMIN_REQUESTERS if key.endswith("_changelist") else STAFF_REQUESTERS
    return list(USERS) if access.scope in SEES else ONE_PER_ROLE


def _cases():
    for key, access in MATRIX.items():
        # Data of a portfolio has a case per portfolio: each user may see one and not the
        # other (or neither, or both); URLs without customer data have one case.
        portfolios = ("north", "south") if access.scope in SEES else ("north",)
        for method in access.methods:
            for username in _requesters(key, access):
                for portfolio in portfolios:
                    yield pytest.param(
                        key,
                        method,
                        username,
                        portfolio,
                        id=f"{key}-{method}-{username}-{portfolio}",
                    )
            if not access.admin or key in ADMIN_SITE:
                # Signed out, every URL but the public ones leads to the site's login; the
                # per-model admin pages are covered by admin's own pages (ADMIN_SITE).
                yield pytest.param(
                    key, method, ANONYMOUS, "north", id=f"{key}-{method}-{ANONYMOUS}"
                )


def build_url(key: str, access, book, portfolio: str) -> str:
    kwargs = access.kwargs(book.portfolios[portfolio], book) if access.kwargs else {}
    if "/" not in key:
        return reverse(key, kwargs=kwargs)
    # Admin's unnamed patterns are keyed by their route: fill it in.
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(kwargs[m.group(1)]), key)
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m.group(1)]), path)
    return "/" + path.replace("^", "").replace("$", "")


def expected_outcome(key: str, access, method: str, username: str, portfolio: str):
    """(acceptable statuses, where a redirect must lead or None, whether it is a refusal)."""
    if access.public:
        return access.ok[method], None, False
    if username == ANONYMOUS:
        # Admin's own pages send to admin's login; its model pages to the site's login
        # (LoginRequiredMiddleware): either way a login page, nothing else.
        return {302}, ("/admin/login/" if key in ADMIN_SITE else reverse(settings.LOGIN_URL)), True
    role = USERS[username][0]
    if access.admin and role not in STAFF:
        return {302}, "/admin/login/", True
    if access.scope in SEES and username not in SEES[access.scope][portfolio]:
        return {404}, None, True
    roles = access.roles
    if method == "POST" and access.post_roles is not None:
        roles = access.post_roles
    if role not in roles:
        return {403}, None, True
    return access.ok[method], None, False


def client_for(book, username: str) -> Client:
    client = Client()
    if username != ANONYMOUS:
        client.cookies[settings.SESSION_COOKIE_NAME] = book.session_cookies[username]
    return client


def rows_written() -> dict[str, int]:
    """Rows inserted, updated or deleted so far in this transaction, per product table (a
    write undone by a rolled-back savepoint still counts: a refused request must not even
    try). PostgreSQL keeps these counters per transaction, so reading them is cheap."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables "
            "WHERE relname <> ALL(%s)",
            [list(UNFINGERPRINTED_TABLES)],
        )
        return dict(cursor.fetchall())


@pytest.mark.parametrize(("key", "method", "username", "portfolio"), list(_cases()))
def test_access(access_book, db, key, method, username, portfolio):
    access = MATRIX[key]
    url = build_url(key, access, access_book, portfolio)
    statuses, redirect_to, refused = expected_outcome(key, access, method, username, portfolio)
    client = client_for(access_book, username)
    # A refused request must write nothing: no change, and no audit row ("viewed",
    # "exported") that would show a view ran past its guard.
    before = rows_written() if refused else None

    if method == "GET":
        response = client.get(url, access.query)
    else:
        body = access.data(access_book.portfolios[portfolio], access_book) if access.data else {}
        response = client.post(url, body)

    assert response.status_code in statuses, (
        f"{method} {url} as {username}: {response.status_code}, expected {sorted(statuses)}"
    )
    if redirect_to is not None:
        assert response["Location"].startswith(redirect_to), response["Location"]
    if refused:
        after = rows_written()
        changed = sorted(table for table in after if after[table] != before.get(table, 0))
        assert not changed, f"{method} {url} as {username} was refused but wrote to {changed}"


POST_ONLY = [
    key
    for key, access in MATRIX.items()
    if access.methods == ("POST",) and not access.admin and not access.public
]


@pytest.mark.parametrize("key", POST_ONLY)
def test_state_changing_urls_refuse_get(access_book, db, key):
    """A link, a prefetch or an image tag must never change anything."""
    access = MATRIX[key]
    owner = "alice" if access.scope in SEES else "admin"
    url = build_url(key, access, access_book, "north")
    before = rows_written()
    assert client_for(access_book, owner).get(url).status_code == 405
    assert rows_written() == before


# --- No out-of-scope row in lists, searches, exports and drill-downs ----------------------------

# Each viewer's own portfolio (whose marker must show where names are listed, so a broken
# page cannot pass) and the portfolios they must never see a trace of. bob, alice's colleague
# in the same branch, sees neither.
VIEWERS = {
    "alice": ("north", ["south"]),
    "bob": (None, ["north", "south"]),
    "charlie": ("south", ["north"]),
    "mary": ("north", ["south"]),
    "sonia": ("south", ["north"]),
}


@dataclass(frozen=True)
class Listing:
    name: str
    kwargs: dict = field(default_factory=dict)
    # hidden portfolio -> query string: searches aim straight at what must stay hidden.
    query: Callable = lambda hidden: {}
    headers: dict = field(default_factory=dict)
    # Whether the viewer's own names are listed here (the positive control).
    lists_own: bool = True


def _everything(hidden) -> dict:
    return {"status": "all"}


LISTINGS = {
    "customer-list": Listing("customers:list"),
    "customer-search-by-name": Listing(
        "customers:list", query=lambda h: {"q": h.marker}, lists_own=False
    ),
    "customer-search-fragment": Listing(
        "customers:list",
        query=lambda h: {"q": h.marker},
        headers={"HX-Request": "true"},
        lists_own=False,
    ),
    "customer-search-by-phone": Listing(
        "customers:list", query=lambda h: {"q": h.customer.phone}, lists_own=False
    ),
    "customer-search-by-id-tail": Listing(
        "customers:list", query=lambda h: {"q": h.customer.resident_id[-4:]}, lists_own=False
    ),
    "customer-export-csv": Listing("customers:export", {"fmt": "csv"}),
    "customer-export-xlsx": Listing("customers:export", {"fmt": "xlsx"}),
    "loan-list": Listing("lending:loan-list"),
    "loan-search": Listing("lending:loan-list", query=lambda h: {"q": h.marker}, lists_own=False),
    "loan-export-csv": Listing("lending:loan-export", {"fmt": "csv"}),
    "loan-export-xlsx": Listing("lending:loan-export", {"fmt": "xlsx"}),
    "application-list": Listing("lending:application-list"),
    "application-search": Listing(
        "lending:application-list", query=lambda h: {"q": h.marker}, lists_own=False
    ),
    "alert-list": Listing("risk:alert-list", query=_everything),
    "today": Listing("today", lists_own=False),
    "dashboard": Listing("dashboards:dashboard", lists_own=False),
    # The dashboard's drill-downs, with the hidden portfolio's branch slipped into the query.
    "drill-down-overdue-loans": Listing(
        "lending:loan-list",
        query=lambda h: {"dpd": "1-30", "branch": h.owner.branch_id},
        lists_own=False,
    ),
    "drill-down-grade": Listing(
        "lending:loan-list",
        query=lambda h: {"grade": "A", "branch": h.owner.branch_id},
        lists_own=False,
    ),
    "drill-down-alert-age": Listing(
        "risk:alert-list",
        query=lambda h: {"age": "older", "branch": h.owner.branch_id},
        lists_own=False,
    ),
    "drill-down-pipeline-stage": Listing(
        "lending:application-list",
        query=lambda h: {"status": "submitted", "branch": h.owner.branch_id},
        lists_own=False,
    ),
    "drill-down-non-performing": Listing(
        "lending:loan-list",
        query=lambda h: {"status": "active", "loan_class": "npl", "branch": h.owner.branch_id},
        lists_own=False,
    ),
    "drill-down-any-overdue": Listing(
        "lending:loan-list",
        query=lambda h: {"status": "active", "dpd": "overdue", "branch": h.owner.branch_id},
        lists_own=False,
    ),
    "drill-down-alerts-past-sla-then": Listing(
        "risk:alert-list",
        query=lambda h: {
            "sla": "breached",
            "at": timezone.localtime().isoformat(),
            "branch": h.owner.branch_id,
        },
        lists_own=False,
    ),
    "drill-down-in-pipeline-then": Listing(
        "lending:application-list",
        query=lambda h: {
            "status": "pipeline",
            "at": timezone.localtime().isoformat(),
            "branch": h.owner.branch_id,
        },
        lists_own=False,
    ),
    **{
        f"report-{slug}{'-' + fmt if fmt else ''}": Listing(
            "dashboards:report",
            {"slug": slug},
            query=lambda h, fmt=fmt: {"export": fmt} if fmt else {},
        )
        for slug in (
            "portfolio",
            "overdue",
            "alerts",
            "pipeline",
            "relationship",
            "satisfaction",
            "follow-ups",
        )
        for fmt in ("", "csv", "xlsx")
    },
    **{
        f"report-migration-{kind}{'-' + fmt if fmt else ''}": Listing(
            "dashboards:report",
            {"slug": "migration"},
            query=lambda h, kind=kind, fmt=fmt: {
                "kind": kind,
                "start": "2000-01-01",
                **({"export": fmt} if fmt else {}),
            },
            lists_own=False,
        )
        for kind in ("classification", "grade")
        for fmt in ("", "csv", "xlsx")
    },
}


def response_text(response) -> str:
    """The page, CSV or spreadsheet as text (an XLSX is a zip of XML parts)."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if body[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(body)) as workbook:
            return "".join(
                workbook.read(name).decode()
                for name in workbook.namelist()
                if name.endswith(".xml")
            )
    return body.decode("utf-8-sig")


@pytest.mark.parametrize("listing", list(LISTINGS))
@pytest.mark.parametrize("viewer", list(VIEWERS))
def test_no_out_of_scope_row_is_listed(access_book, db, viewer, listing):
    own, hidden_portfolios = VIEWERS[viewer]
    spec = LISTINGS[listing]
    client = client_for(access_book, viewer)
    for hidden_key in hidden_portfolios:
        hidden = access_book.portfolios[hidden_key]
        response = client.get(
            reverse(spec.name, kwargs=spec.kwargs), spec.query(hidden), headers=spec.headers
        )
        assert response.status_code == 200, response.status_code
        text = response_text(response)
        # Names, not the bare marker: a search page rightly echoes the words searched for.
        for name in (hidden.customer.name, hidden.enterprise.name):
            assert name not in text, f"{viewer} sees {name} in {listing}"
        if own and spec.lists_own:
            assert access_book.portfolios[own].customer.name in text, f"{listing} lists nothing"


def test_a_transferred_customer_leaves_the_former_officers_today_page(access_book, db):
    """alice's open alert and overdue complaint stay assigned to her when mary hands the
    customer to bob; from then on alice may not see the customer, on Today as anywhere."""
    north = access_book.portfolios["north"]
    users = access_book.users
    Complaint.objects.filter(pk=north.complaint.pk).update(
        sla_due_at=timezone.now() - dt.timedelta(days=1)
    )
    before = response_text(client_for(access_book, "alice").get(reverse("today")))
    assert before.count(north.customer.name) >= 2, "the alert and the complaint are listed"

    customer_services.customer_transfer(
        actor=users["mary"], customer=north.customer, to_officer=users["bob"], reason="Leave"
    )
    after = response_text(client_for(access_book, "alice").get(reverse("today")))
    assert north.customer.name not in after
