"""The navigation bar on a laptop, for every role in both languages: at 1280×800 every entry of
the bar, the language button and the user's button lie inside the window and take a click
(managers', risk officers' and admins' bars pushed the language button off the window). At
1024 px the bar folds into the toggler, and everything is reached from there."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)

LANDING = r".*/(today|dashboard)/$"
# The cast's roles: officer, manager, risk officer, admin, compliance officer.
EVERY_ROLE = ["alice", "mary", "rita", "admin", "cora"]


def window_width(page) -> int:
    # The width the page is laid out in (without a scrollbar, when there is one).
    return page.evaluate("document.documentElement.clientWidth")


def assert_inside_and_clickable(page, element, what: str) -> None:
    box = element.bounding_box()
    assert box is not None, f"{what} is not drawn"
    viewport = page.viewport_size
    assert box["x"] >= 0 and box["y"] >= 0, (what, box)
    assert box["x"] + box["width"] <= window_width(page), (what, box)
    assert box["y"] + box["height"] <= viewport["height"], (what, box)
    # Playwright's checks before a click, without clicking: visible, stable, enabled and the
    # element the click at its centre would reach (nothing drawn over it).
    element.click(trial=True)


def assert_the_bar_fits(page, language: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", language)
    # Nothing pushes the page wider than the window (the bar overflowing made it scroll).
    assert page.evaluate("document.documentElement.scrollWidth") <= window_width(page)
    entries = page.get_by_test_id("main-nav").locator(":scope > li > a, :scope > li > button")
    assert entries.count() >= 6
    # Every entry and caret, the last one included.
    for index in range(entries.count()):
        assert_inside_and_clickable(page, entries.nth(index), f"entry {index + 1}")
    assert_inside_and_clickable(page, language_button(page), "language button")
    assert_inside_and_clickable(page, page.get_by_test_id("user-menu"), "user button")


def language_button(page):
    return page.get_by_test_id("language-switcher").locator(":scope > button")


def switch_to_chinese(page) -> None:
    language_button(page).click()
    chinese = page.get_by_test_id("language-switcher").get_by_role("button", name="简体中文")
    expect(chinese).to_be_visible()
    chinese.click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")


@pytest.mark.parametrize("username", EVERY_ROLE)
def test_every_entry_and_the_language_button_fit_at_1280(browser_page, cast, username):
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in(page, username, landing=LANDING)
    assert_the_bar_fits(page, "en")
    # The language button works from where it is drawn; the Chinese bar fits too.
    switch_to_chinese(page)
    page.wait_for_url(re.compile(LANDING))
    assert_the_bar_fits(page, "zh-hans")


def test_at_1024_the_bar_folds_into_the_toggler(browser_page, cast):
    page = browser_page
    page.set_viewport_size({"width": 1024, "height": 768})
    log_in(page, "admin", landing=LANDING)
    navigation = page.get_by_test_id("main-nav")
    expect(navigation).to_be_hidden()
    toggler = page.locator(".navbar-toggler")
    assert_inside_and_clickable(page, toggler, "toggler")
    toggler.click()
    # Opened once the toggler's transition is over ("collapsing" while it runs).
    expect(page.locator("#main-nav")).to_have_class(re.compile(r"\bshow\b"))
    # A folded entry opens under its entry, inside the window.
    page.get_by_role("button", name="More under Risk").click()
    assert_inside_and_clickable(
        page, navigation.get_by_role("link", name="Scorecards"), "a folded entry"
    )
    page.keyboard.press("Escape")
    assert_inside_and_clickable(page, navigation.locator(":scope > li > a").last, "the last entry")
    switch_to_chinese(page)
    page.locator(".navbar-toggler").click()
    expect(page.locator("#main-nav")).to_have_class(re.compile(r"\bshow\b"))
    assert_inside_and_clickable(
        page, navigation.locator(":scope > li > a").last, "the last entry, in Chinese"
    )
    assert_inside_and_clickable(page, language_button(page), "language button, in Chinese")
