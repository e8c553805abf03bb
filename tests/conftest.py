"""The shared cast, the same people as `seed_demo`: officers alice and bob (North), officer
charlie (South, the outsider for alice's data), manager mary (North), risk officer rita and
admin (head office)."""

import datetime as dt
import functools
import os
import zoneinfo

import pytest
import time_machine

from accounts.demo import DEMO_PASSWORD, seed_cast

# The modules whose single tests take longest (tens of seconds to minutes: migration replays,
# images, whole books), longest first. They start first so that, with `make test`'s two
# workers taking one test at a time, no long test starts near the end while the other worker
# has nothing left to do (longest processing time first). A module stays in one piece: its
# module-scoped fixtures are built once per worker.
SLOW_MODULES_FIRST = [
    "platform/test_upgrade.py",
    "lending/test_four_eyes_migration.py",
    "lending/test_moved_tables.py",
    "platform/test_image_build.py",
    "platform/test_bench_smoke.py",
    "platform/test_replica.py",
    "platform/test_seed_demo.py",
    "platform/test_awkward_dates.py",
    "platform/test_backup.py",
    "platform/test_fault_tolerance.py",
    "risk/test_worker.py",
    "lending/test_demo.py",
    "platform/test_admin_pages.py",
    "risk/test_recompute.py",
    "platform/test_chinese_everywhere.py",
    "platform/test_partitions.py",
    "platform/test_concurrency.py",
]


def _slow_rank(item) -> int:
    path = item.path.as_posix()
    for rank, module in enumerate(SLOW_MODULES_FIRST):
        if path.endswith("/tests/" + module):
            return rank
    return len(SLOW_MODULES_FIRST)


def _database_kind(item) -> int:
    """pytest-django's order, which must stay: tests in a rolled-back transaction (0) before
    transactional ones (1), whose flush empties the tables the data migrations filled, then
    tests without the database (2)."""
    from pytest_django.plugin import validate_django_db

    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    transactional = bool(marker) and any(validate_django_db(marker)[:2])
    if transactional or "transactional_db" in fixtures or "live_server" in fixtures:
        return 1
    return 0 if marker or "db" in fixtures else 2


def pytest_collection_modifyitems(config, items):
    """The slowest modules run first (SLOW_MODULES_FIRST); browser tests run last (they keep
    a browser and its event loop open), and are skipped with the reason when Chromium or
    Playwright is missing."""
    from tests.browser.conftest import browser_skip_reason

    # A stable sort: within a module, and among the other modules, collection order stays.
    items.sort(key=lambda item: (_database_kind(item), _slow_rank(item)))
    browser = [item for item in items if "/tests/browser/" in str(item.path)]
    if not browser:
        return
    reason = browser_skip_reason()
    for item in browser:
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))
        items.remove(item)
    items.extend(browser)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(request, django_db_modify_db_settings_parallel_suffix):
    """Each test process's database is a copy of one migrated template (tests/
    migrated_template.py) instead of being migrated from nothing in every process."""
    from django.conf import settings

    if request.config.getvalue("reuse_db") or request.config.getvalue("nomigrations"):
        return
    from tests.migrated_template import ensure_template

    primary = settings.DATABASES["default"]
    template = ensure_template(settings.DATABASE_URL, primary["NAME"])
    primary.setdefault("TEST", {})["TEMPLATE"] = template


PROJECT_APPS = {"accounts", "audit", "customers", "credit", "lending", "risk", "dashboards"}


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
    return _MovedModelsFound(state_apps), operations


class _MovedModelsFound:
    """The final state, as the replayed data migrations ask it for their models. A migration
    written before a model moved to another app names it by its old app (credit 0002 seeds
    "credit.LoanProduct", lending's since lending 0001): it is found by its table, which the
    move kept (credit_loanproduct)."""

    def __init__(self, state_apps):
        self._apps = state_apps
        self._by_table = {model._meta.db_table: model for model in state_apps.get_models()}

    def get_model(self, app_label, model_name=None):
        if model_name is None:
            app_label, model_name = app_label.split(".")
        try:
            return self._apps.get_model(app_label, model_name)
        except LookupError:
            moved = self._by_table.get(f"{app_label}_{model_name.lower()}")
            if moved is None:
                raise
            return moved

    def __getattr__(self, name):
        return getattr(self._apps, name)


def replay_data_migrations() -> None:
    """Writes again the rows the project's data migrations write (groups, industries,
    scorecards, products, schedules…). Transactional tests empty every table when they end;
    browser tests, which must be transactional, call this to start from a migrated book.
    Every data migration is idempotent, so replaying one that already ran changes nothing."""
    state_apps, operations = _data_migrations()
    for operation in operations:
        operation.code(state_apps, None)


# The suite's clock: every test runs at this moment in the bank's time zone (ticking from
# there), never on the day it happens to run. CRM_TEST_NOW moves the whole suite to another
# moment, e.g. CRM_TEST_NOW=2028-02-29T00:30 to try it on a leap day just after midnight;
# tests/platform/test_awkward_dates.py runs the date-sensitive parts on such days every time.
BANK_TIME_ZONE = zoneinfo.ZoneInfo("Asia/Shanghai")
SUITE_NOW = dt.datetime.fromisoformat(os.environ.get("CRM_TEST_NOW") or "2026-11-18T10:00")
if SUITE_NOW.tzinfo is None:
    SUITE_NOW = SUITE_NOW.replace(tzinfo=BANK_TIME_ZONE)


@pytest.fixture(scope="session", autouse=True)
def _suite_clock_for_shared_books():
    """Books that a module's tests share (tests/platform/conftest.py) are built under the
    suite's clock too, a little before the tests' moment, as real set-up data would be: a
    session signed in then is still alive when the tests run."""
    with time_machine.travel(SUITE_NOW - dt.timedelta(minutes=10), tick=True):
        yield


@pytest.fixture(autouse=True)
def _suite_clock(request):
    """Starts every test at SUITE_NOW; a test that needs another moment travels itself
    (`time_machine.travel` inside the test wins over this one). A test whose work happens in
    another process (a Celery worker) cannot share a frozen clock: it runs on the wall clock
    and injects the business date into that process instead."""
    if request.node.get_closest_marker("wall_clock") or request.node.get_closest_marker("worker"):
        moment = time_machine.escape_hatch.datetime.datetime.now(tz=dt.UTC)
    else:
        moment = SUITE_NOW
    with time_machine.travel(moment, tick=True):
        yield


@pytest.fixture(scope="session", autouse=True)
def _documents_in_a_temporary_folder(tmp_path_factory):
    """Documents' files written by the tests (and the demo they seed) go to a folder of the
    test session's, never to the data folder of `make run`."""
    from django.conf import settings
    from django.test import override_settings

    folder = tmp_path_factory.mktemp("documents")
    documents = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(folder), "base_url": None},
    }
    with override_settings(STORAGES={**settings.STORAGES, "documents": documents}):
        yield


@pytest.fixture(autouse=True)
def _each_test_starts_in_the_default_language():
    """Django's LocaleMiddleware leaves the language of the last request active on its thread,
    as a server thread's next request sets its own. A test is not a request: it starts in
    the site's default language, whatever the test before it asked for."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


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
