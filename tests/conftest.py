"""The shared cast, the same people as `seed_demo`: officers alice and bob (North), officer
charlie (South, the outsider for alice's data), manager mary (North), risk officer rita and
admin (head office)."""

import functools

import pytest

from accounts.demo import DEMO_PASSWORD, seed_cast


def pytest_collection_modifyitems(config, items):
    """Browser tests run last (they keep a browser and its event loop open), and are skipped
    with the reason when Chromium or Playwright is missing."""
    from tests.browser.conftest import browser_skip_reason

    browser = [item for item in items if "/tests/browser/" in str(item.path)]
    if not browser:
        return
    reason = browser_skip_reason()
    for item in browser:
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))
        items.remove(item)
    items.extend(browser)


PROJECT_APPS = {"accounts", "audit", "customers", "credit", "risk", "dashboards"}


@functools.cache
def _data_migrations():
    """The project's data migrations in order, with the models as they run them (read from
    the migration files once a session: loading them is the slow part of a replay)."""
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.operations import RunPython

    loader = MigrationLoader(connection)
    state_apps = loader.project_state().apps
    plan = []
    for leaf in loader.graph.leaf_nodes():
        plan.extend(node for node in loader.graph.forwards_plan(leaf) if node not in plan)
    operations = [
        operation
        for app_label, name in plan
        if app_label in PROJECT_APPS
        for operation in loader.graph.nodes[(app_label, name)].operations
        if isinstance(operation, RunPython)
    ]
    return state_apps, operations


def replay_data_migrations() -> None:
    """Writes again the rows the project's data migrations write (groups, industries,
    scorecards, products, schedules…). Transactional tests empty every table when they end;
    browser tests, which must be transactional, call this to start from a migrated book.
    Every data migration is idempotent, so replaying one that already ran changes nothing."""
    state_apps, operations = _data_migrations()
    for operation in operations:
        operation.code(state_apps, None)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The real hasher is deliberately slow; tests create users constantly.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def cast(db):
    return seed_cast()


@pytest.fixture
def alice(cast):
    return cast["alice"]


@pytest.fixture
def bob(cast):
    return cast["bob"]


@pytest.fixture
def charlie(cast):
    return cast["charlie"]


@pytest.fixture
def mary(cast):
    return cast["mary"]


@pytest.fixture
def rita(cast):
    return cast["rita"]


@pytest.fixture
def admin_user(cast):
    return cast["admin"]


@pytest.fixture
def password():
    return DEMO_PASSWORD


@pytest.fixture
def client_for(client):
    """`client_for(user)`: the test client, signed in as that user."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in
