"""The main pages at a tablet's width: each has its own title and one h1, every field a
label, every button and link a name, every image an alt text, and nothing runs off the
side of the screen. A check in the spirit of axe's basic rules, run in the real browser."""

import datetime as dt

import pytest

from accounts.demo import DEMO_PASSWORD
from lending.models import LoanProduct
from risk import jobs
from risk.models import Alert
from tests.browser.conftest import log_in
from tests.customers import factories
from tests.risk.conftest import assessed, disbursed_loan

pytestmark = pytest.mark.django_db(transaction=True)

TABLET = {"width": 768, "height": 1024}

PROBLEMS_JS = """() => {
  const problems = [];
  const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length)
    && getComputedStyle(el).visibility !== "hidden";
  const named = (el) => (el.getAttribute("aria-label") || el.getAttribute("title")
    || el.getAttribute("aria-labelledby") || el.textContent.trim()
    || Array.from(el.querySelectorAll("img[alt]")).some((img) => img.alt.trim()));
  if (!document.documentElement.lang) problems.push("html without lang");
  const h1 = Array.from(document.querySelectorAll("h1")).filter(visible);
  if (h1.length !== 1) problems.push(`${h1.length} visible h1`);
  for (const field of document.querySelectorAll("input, select, textarea")) {
    if (["hidden", "submit", "button"].includes(field.type) || !visible(field)) continue;
    if (!(field.labels && field.labels.length) && !field.getAttribute("aria-label")
        && !field.getAttribute("aria-labelledby") && !field.getAttribute("title")) {
      problems.push(`field without a label: ${field.name || field.id}`);
    }
  }
  for (const control of document.querySelectorAll("button, a[href]")) {
    if (visible(control) && !named(control)) {
      problems.push(`unnamed ${control.outerHTML.slice(0, 80)}`);
    }
  }
  for (const img of document.querySelectorAll("img")) {
    if (!img.hasAttribute("alt")) problems.push(`image without alt: ${img.src}`);
  }
  const overflow = document.documentElement.scrollWidth - window.innerWidth;
  if (overflow > 1) problems.push(`page is ${overflow}px wider than the screen`);
  return problems;
}"""


def check(page, path: str, titles: dict) -> list[str]:
    page.visit(path)
    problems = [f"{path}: {problem}" for problem in page.evaluate(PROBLEMS_JS)]
    title = page.title()
    if not title or title in titles.values():
        problems.append(f"{path}: title {title!r} is empty or not its own")
    titles[path] = title
    return problems


def test_main_pages_are_accessible_and_fit_a_tablet(browser_page, cast, settings):
    settings.BUSINESS_DATE = dt.date(2025, 6, 1)
    alice, mary = cast["alice"], cast["mary"]
    customer = assessed(alice, factories.individual(alice, name="王小明"))
    loan = disbursed_loan(alice, mary, customer, LoanProduct.objects.get(code="CONS-01"))
    jobs.run_synchronously(jobs.NIGHTLY, dt.date(2025, 6, 1))
    alert = Alert.objects.filter(customer=customer).first()
    browser_page.set_viewport_size(TABLET)

    problems: list[str] = []
    titles: dict = {}
    page = log_in(browser_page, "alice")
    for path in (
        "/today/",
        "/customers/",
        f"/customers/{customer.pk}/",
        "/customers/new/?kind=individual",
        f"/credit/customers/{customer.pk}/assess/",
        f"/credit/applications/{loan.application_id}/",
        "/credit/applications/",
        "/credit/loans/",
        f"/credit/loans/{loan.pk}/",
        "/risk/alerts/",
        f"/risk/alerts/{alert.pk}/",
        "/dashboard/",
    ):
        problems += check(page, path, titles)
    page.context.clear_cookies()
    page = log_in(browser_page, "rita", landing=r".*/dashboard/$")
    for path in ("/risk/", "/credit/scorecards/"):
        problems += check(page, path, titles)
    assert problems == []


def test_forms_work_from_the_keyboard(browser_page, cast):
    """Log in and record a call without touching the mouse: Tab between fields, Enter or
    Space to send."""
    customer = factories.individual(cast["alice"], name="键盘客户")
    page = browser_page
    page.visit("/accounts/login/")
    page.keyboard.press("Tab")  # skip link, then the fields in order
    while page.evaluate("document.activeElement.name") != "username":
        page.keyboard.press("Tab")
    page.keyboard.type("alice")
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/today/")
    page.visit(f"/customers/{customer.pk}/interactions/new/")
    page.get_by_label("Channel").focus()
    page.keyboard.press("ArrowDown")  # the first channel, as a keyboard user picks it
    page.get_by_label("Summary").focus()
    page.keyboard.type("客户确认下月按时还款")
    while page.evaluate("document.activeElement.type") != "submit":
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/customers/{customer.pk}/#timeline")
    assert customer.interactions.filter(summary="客户确认下月按时还款").exists()
