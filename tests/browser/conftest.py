"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

`make test` installs Chromium when it is missing and the run is root; anywhere else these
tests are skipped with a message saying so. Set BROWSER_SCREENSHOTS=1 to keep a screenshot
of every page visited; on failure one is always written to artifacts/browser/.
"""

import contextlib
import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.demo import DEMO_PASSWORD

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "browser"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def browser_skip_reason() -> str | None:
    if not CHROMIUM.exists():
        return (
            f"browser tests skipped: no Chromium at {CHROMIUM} "
            "(make test installs it when run as root: apt-get install chromium)"
        )
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "browser tests skipped: the playwright package is not installed"
    return None


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # to set up data stay synchronous and safe. The browser tests run last (tests/conftest.py).
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and report.failed:
        for page in getattr(item, "_pages", []):
            _screenshot(page, f"{item.name}-failure")
    return report


def _screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^\w.-]+", "_", name)[:150]
    with contextlib.suppress(Exception):
        page.screenshot(path=str(ARTIFACTS / f"{safe}.png"), full_page=True)


@pytest.fixture
def browser_page(chromium, live_server, request, _fast_password_hashing):
    """A fresh browser context per test; `browser_page.visit(path)` prefixes the live URL."""
    from tests.conftest import replay_data_migrations

    replay_data_migrations()
    context = chromium.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-US", timezone_id=settings.TIME_ZONE
    )
    # The browser keeps the suite's clock too (tests/conftest.py): a date picker's "today"
    # is the server's business day, whatever the day the suite runs.
    context.clock.install(time=timezone.now())
    page = context.new_page()
    page.set_default_timeout(10_000)
    request.node._pages = [page]
    keep = os.environ.get("BROWSER_SCREENSHOTS") == "1"
    counter = {"n": 0}

    def visit(path: str):
        response = page.goto(live_server.url + path)
        if keep:
            counter["n"] += 1
            _screenshot(page, f"{request.node.name}-{counter['n']:02d}")
        return response

    page.visit = visit
    page.base_url = live_server.url
    yield page
    context.close()


def log_in(page, username: str, password: str = DEMO_PASSWORD, landing: str = r".*/today/$"):
    page.visit("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(landing))
    return page
