"""Issue 21 ("Daily use") walked in Chromium, in English and in Simplified Chinese: the alerts
an officer acts on (grouped worst first, one ladder alert per indicator, assigned with a note,
queues, several acknowledged at once, values with their unit and date, Today's true count),
search as people type, the product's own 404 page, the assessment form laid out by the
credit policy's dimensions with reason codes on the result, numbers as bankers write them
(¥ with separators, right-aligned, percentages, a rate typed as 4.35, a report's totals row,
a typed XLSX export), the loan page's arrears and folded schedule, the manager's decision
queue and one-step approval, follow-ups done with an outcome and undone, and history lines
that read as words. Each key page is kept as a screenshot per language under
artifacts/screenshots/<language>/."""

import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils import timezone, translation
from django.utils.translation import gettext
from openpyxl import load_workbook
from playwright.sync_api import expect

from customers.models import FollowUp, Interaction
from lending import services as lending_services
from lending.models import Application, LoanProduct
from risk import jobs
from risk.models import Alert, HistoryKind, RiskHistory
from tests.browser.conftest import log_in
from tests.customers import factories
from tests.platform.test_chinese_everywhere import (
    DOTTED_CODE,
    SNAKE_CASE,
    problems_in,
    visible_texts,
)
from tests.risk.conftest import assessed, disbursed_loan

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
LANGUAGES = ["en", "zh-hans"]
SEVERITY_RANK = {"yellow": 1, "orange": 2, "red": 3}

# What a reader sees, in each language (the lead's translations, as the pages show them).
WORDS = {
    "en": {
        "alerts_heading": "Early-warning alerts",
        "alerts": "{count} alerts",
        "one_alert": "1 alert",
        "dpd_value": "{days} days past due (since {since})",
        "acknowledged": "Acknowledged",
        "open": "Open",
        "yellow_to_orange": "Yellow → Orange",
        "assigned_to": "To {person}",
        "not_found": "Not found",
        "not_yours": "There is nothing here, or it is not yours to see.",
        "risk_level_history": "Risk level: Medium → High",
        "class_history": "Classification: Normal → Loss",
    },
    "zh-hans": {
        "alerts_heading": "风险预警",
        "alerts": "{count} 条预警",
        "one_alert": "1 条预警",
        "dpd_value": "逾期 {days} 天（自 {since} 起）",
        "acknowledged": "已确认",
        "open": "待处理",
        "yellow_to_orange": "黄色 → 橙色",
        "assigned_to": "分配给 {person}",
        "not_found": "未找到",
        "not_yours": "此处没有内容，或您无权查看。",
        "risk_level_history": "风险等级: 中 → 高",
        "class_history": "五级分类: 正常 → 损失",
    },
}


def speaking(user, language):
    user.language = language
    user.save(update_fields=["language"])
    return user


def keep_screenshot(page, language: str, name: str) -> None:
    folder = SCREENSHOTS / language
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def assert_reads_as_words(page, language: str, typed: set[str]) -> None:
    """No code shown to a person (`risk.alert.assigned`, `due_today`), and in Chinese no
    English left either; `typed` is what people typed (names, notes), shown as typed."""
    texts = [text for text in visible_texts(page.content())]
    if language == "zh-hans":
        problems = problems_in(texts, typed)
    else:
        problems = [
            f"code {match.group(0)!r} in {text!r}"
            for text in texts
            for pattern in (DOTTED_CODE, SNAKE_CASE)
            for match in pattern.finditer(text)
        ]
    assert problems == [], (page.url, problems)


@pytest.fixture
def open_as(chromium, live_server, request, browser_page):
    """`open_as(username)`: another person's browser, signed in (one context per role)."""
    contexts = []

    def open_page(username: str, landing: str = r".*/today/$"):
        context = chromium.new_context(
            viewport={"width": 1280, "height": 900},
            locale="en-US",
            timezone_id=django_settings.TIME_ZONE,
        )
        context.clock.install(time=timezone.now())
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.visit = lambda path: page.goto(live_server.url + path)
        request.node._pages.append(page)
        return log_in(page, username, landing=landing)

    yield open_page
    for context in contexts:
        context.close()


# --- Alerts an officer can act on, search, the product's 404 ---------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_alice_works_her_alerts_and_mary_sees_them_in_her_queues(
    browser_page, open_as, cast, settings, language
):
    words = WORDS[language]
    alice, mary, charlie = cast["alice"], cast["mary"], cast["charlie"]
    for person in (alice, mary, charlie):
        speaking(person, language)
    product = LoanProduct.objects.get(code="CONS-01")
    # A loan disbursed on 2025-01-10 and never repaid: the nightly of 20 February raises its
    # days-past-due alert (yellow), the one of 15 March climbs the same alert to orange and
    # adds the instalments missed.
    late_customer = assessed(alice, factories.individual(alice, name="陈静"))
    loan = disbursed_loan(alice, mary, late_customer, product)
    other = factories.enterprise(alice, name="宏远物流有限公司", phone="14200000669")
    for day in (dt.date(2025, 2, 20), dt.date(2025, 3, 15)):
        settings.BUSINESS_DATE = day
        jobs.run_synchronously(jobs.NIGHTLY, day)
    from tests.risk.test_alert_work import raise_alert

    quiet = raise_alert(other, "no_contact", days_ago=2)
    dpd_alert = Alert.objects.get(loan=loan, indicator="dpd")
    # Days past due, instalments missed, and what the re-scoring of the loan's record found.
    late_alerts = list(Alert.objects.filter(customer=late_customer, status="open"))
    assert len(late_alerts) >= 2 and dpd_alert.severity == "orange"
    worst = max(late_alerts, key=lambda alert: SEVERITY_RANK[alert.severity])
    first_due = loan.instalments.order_by("number").first().due_date
    dpd_value = words["dpd_value"].format(
        days=(dt.date(2025, 3, 15) - first_due).days, since=first_due.isoformat()
    )
    # The nightly wrote the risk history in codes ("medium", "5"): it reads as words.
    RiskHistory.objects.create(
        kind=HistoryKind.RISK_LEVEL,
        customer=late_customer,
        changed_on=dt.date(2025, 3, 15),
        old_value="medium",
        new_value="high",
    )
    RiskHistory.objects.create(
        kind=HistoryKind.CLASSIFICATION,
        customer=late_customer,
        loan=loan,
        changed_on=dt.date(2025, 3, 15),
        old_value="1",
        new_value="5",
    )
    typed = {late_customer.name, other.name, str(alice), str(mary), loan.account_number}

    page = log_in(browser_page, "alice")
    expect(page.locator("html")).to_have_attribute("lang", language)
    # Today's count is the true total, and its link lists exactly as many.
    expect(page.get_by_test_id("today-alert-count")).to_have_text(str(len(late_alerts) + 1))
    keep_screenshot(page, language, "today")
    page.get_by_test_id("today-all-alerts").click()
    page.wait_for_url(re.compile(r".*/risk/alerts/\?queue=mine$"))
    expect(page.get_by_role("heading", name=words["alerts_heading"])).to_be_visible()
    groups = page.get_by_test_id("alert-group")
    expect(groups).to_have_count(2)
    expect(groups.locator("tr:not(.table-light)")).to_have_count(len(late_alerts) + 1)

    # Grouped by customer, the worst group first and worst alert first within it; one
    # days-past-due alert (the ladder), its value with unit and date.
    late_group = groups.nth(0)
    expect(late_group.locator("tr").first).to_contain_text(late_customer.name)
    expect(late_group.get_by_test_id("group-count")).to_have_text(
        words["alerts"].format(count=len(late_alerts))
    )
    expect(groups.nth(1).get_by_test_id("group-count")).to_have_text(words["one_alert"])
    expect(groups.nth(1)).to_contain_text(other.name)
    late_rows = late_group.locator("tr:not(.table-light)")
    with translation.override(language):
        worst_severity = worst.get_severity_display()
    expect(late_rows.first).to_contain_text(worst_severity)
    expect(late_rows.filter(has_text=dpd_value)).to_have_count(1)
    assert_reads_as_words(page, language, typed)
    keep_screenshot(page, language, "alert-list")

    # Several acknowledged at once: all but the days past due.
    others = [alert for alert in late_alerts if alert.pk != dpd_alert.pk] + [quiet]
    for alert in others:
        page.locator(f'input[name="alerts"][value="{alert.pk}"]').check()
    page.get_by_test_id("bulk-acknowledge").locator('button[type="submit"]').click()
    page.wait_for_url(re.compile(r".*/risk/alerts/\?queue=mine$"))
    for alert in others:
        alert.refresh_from_db()
        assert alert.status == "acknowledged"
    quiet_row = groups.filter(has_text=other.name).locator("tr:not(.table-light)")
    expect(quiet_row).to_contain_text(words["acknowledged"])

    # The 360 lists the same customer's open alerts, worst first, with the history in words.
    page.visit(f"/customers/{late_customer.pk}/")
    expect(page.get_by_test_id("open-alert-count")).to_have_text(str(len(late_alerts)))
    expect(page.get_by_test_id("customer-alerts").locator("li").first).to_contain_text(
        worst_severity
    )
    history = page.get_by_test_id("risk-history")
    expect(history).to_contain_text(words["risk_level_history"])
    expect(history).to_contain_text(words["class_history"])
    assert_reads_as_words(page, language, typed)
    keep_screenshot(page, language, "customer-360")

    # The ladder's step is in the alert's history; alice hands the alert to mary with a note.
    page.get_by_test_id("customer-alerts").locator("li").filter(has_text=dpd_value).get_by_role(
        "link"
    ).click()
    expect(page.get_by_test_id("value")).to_contain_text(dpd_value)
    expect(page.get_by_test_id("responses")).to_contain_text(words["yellow_to_orange"])
    form = page.get_by_test_id("assign-form")
    form.locator("select[name=assign-assignee]").select_option(str(mary.pk))
    form.locator("textarea[name=assign-note], input[name=assign-note]").fill(
        "客户申请展期，请经理定夺"
    )
    form.locator('button[type="submit"]').click()
    expect(page.get_by_test_id("responses")).to_contain_text(
        words["assigned_to"].format(person=str(mary))
    )
    expect(page.get_by_test_id("responses")).to_contain_text("客户申请展期，请经理定夺")
    assert_reads_as_words(page, language, typed | {"客户申请展期，请经理定夺"})
    keep_screenshot(page, language, "alert-detail")
    dpd_alert.refresh_from_db()
    assert dpd_alert.assignee == mary

    # Search as people type: two words, and the tail of the phone the page shows masked.
    for query in ("宏远 物流", "0669"):
        page.visit("/customers/?q=" + query)
        expect(page.locator("table tbody tr")).to_have_count(1)
        expect(page.locator("table tbody")).to_contain_text(other.name)
    keep_screenshot(page, language, "customer-search")

    # mary: the alert in "assigned to me", alice's alerts in "my team's".
    manager = open_as("mary", landing=r".*/dashboard/$")
    manager.visit("/risk/alerts/?queue=mine")
    expect(manager.get_by_test_id("alert-group")).to_have_count(1)
    expect(manager.get_by_test_id("alerts")).to_contain_text(dpd_value)
    manager.visit("/risk/alerts/?queue=team")
    expect(manager.get_by_test_id("alerts")).to_contain_text(late_customer.name)
    expect(manager.get_by_test_id("alerts")).to_contain_text(other.name)
    assert_reads_as_words(manager, language, typed)
    keep_screenshot(manager, language, "alert-team-queue")

    # charlie (South) finds nothing of North's, and alice's customer is the product's 404.
    outsider = open_as("charlie")
    for query in ("宏远 物流", "0669"):
        outsider.visit("/customers/?q=" + query)
        expect(outsider.locator("main")).not_to_contain_text(other.name)
        expect(outsider.get_by_test_id("empty-state")).to_be_visible()
    response = outsider.visit(f"/customers/{late_customer.pk}/")
    assert response.status == 404
    expect(outsider.locator("h1")).to_have_text(words["not_found"])
    expect(outsider.get_by_text(words["not_yours"])).to_be_visible()
    expect(outsider.locator("nav").first).to_be_visible()  # the product's frame, not Django's
    expect(outsider.locator("body")).not_to_contain_text("Page not found")
    expect(outsider.locator("html")).to_have_attribute("lang", language)
    assert_reads_as_words(outsider, language, typed)
    keep_screenshot(outsider, language, "not-found")


# --- The manager's decision, the loan page, numbers as bankers write them --------------------

MONEY = re.compile(r"^¥-?\d{1,3}(,\d{3})*\.\d{2}$")
PERCENT = re.compile(r"^\d+\.\d{2}%$")
MANAGER_WORDS = {
    "en": {
        "waiting": "waiting 3 days",
        "approved": "Approved",
        "since": "past due since 2025-11-15",
        "scheduled": "scheduled",
        "later": "later instalments",
        "total_rows": "Total: 1 row",
    },
    "zh-hans": {
        "waiting": "已等待 3 天",
        "approved": "已批准",
        "since": "自 2025-11-15 起逾期",
        "scheduled": "未到期",
        "later": "期",
        "total_rows": "1",
    },
}


def right_aligned(locator) -> bool:
    return locator.evaluate("(el) => getComputedStyle(el).textAlign") in ("right", "end")


@pytest.mark.parametrize("language", LANGUAGES)
def test_mary_decides_from_her_queue_and_reads_the_loan_and_the_report(
    browser_page, cast, settings, language
):
    words = MANAGER_WORDS[language]
    alice, mary = cast["alice"], speaking(cast["mary"], language)
    settings.BUSINESS_DATE = dt.date(2026, 3, 15)
    product = LoanProduct.objects.get(code="CONS-01")
    customer = assessed(alice, factories.individual(alice, name="陈静"))
    # A 24-month loan paid out on 2025-10-15 and never repaid: four instalments behind.
    loan = disbursed_loan(alice, mary, customer, product, amount="100000", on=dt.date(2025, 10, 15))
    application = lending_services.application_create(
        actor=alice,
        application=Application(
            customer=customer,
            product=product,
            amount=Decimal("50000"),
            term_months=12,
            purpose="店面装修",
        ),
    )
    lending_services.application_submit(actor=alice, application=application)
    Application.objects.filter(pk=application.pk).update(
        status_changed_at=timezone.now() - dt.timedelta(days=3)
    )
    typed = {customer.name, str(alice), str(mary), loan.account_number, application.reference}

    page = log_in(browser_page, "mary", landing=r".*/dashboard/$")
    page.visit("/today/")
    queue = page.get_by_test_id("decisions-waiting")
    expect(queue).to_contain_text(application.reference)
    expect(queue).to_contain_text(words["waiting"])
    expect(queue).to_contain_text("¥50,000.00")
    assert_reads_as_words(page, language, typed)
    keep_screenshot(page, language, "today-manager")

    # The application page: who the customer is, and approval in one step, the rate typed as
    # the percentage it is.
    queue.get_by_role("link", name=application.reference).click()
    loan.refresh_from_db()
    expect(page.get_by_test_id("summary-exposure")).to_contain_text(
        f"¥{loan.outstanding_principal:,.2f}"
    )
    expect(page.get_by_test_id("summary-grade")).to_have_text(customer.grade)
    with translation.override(language):
        risk_label = customer.get_risk_level_display()
    expect(page.get_by_test_id("summary-risk")).to_have_text(risk_label)
    expect(page.get_by_test_id("summary-alerts")).to_have_text("0")
    expect(page.get_by_test_id("review-in-decision")).to_be_visible()
    decision = page.locator("form[action$='/approve/']")
    decision.locator("input[name=amount]").fill("50000")
    decision.locator("input[name=term_months]").fill("12")
    decision.locator("input[name=rate]").fill("4.35")
    keep_screenshot(page, language, "application")
    decision.locator('button[type="submit"]').click()
    expect(page.get_by_test_id("status")).to_have_text(words["approved"])
    expect(page.locator("main")).to_contain_text("4.35%")
    application.refresh_from_db()
    assert (application.status, application.approved_rate) == ("approved", Decimal("0.0435"))
    assert application.decided_by == mary
    assert_reads_as_words(page, language, typed)

    # The loan page: what is behind and since when, future instalments "scheduled", the
    # far future folded away until asked for.
    page.visit(f"/credit/loans/{loan.pk}/")
    total = page.get_by_test_id("arrears-total")
    assert MONEY.match(total.inner_text().strip()), total.inner_text()
    assert right_aligned(total)
    expect(page.get_by_test_id("arrears-since")).to_contain_text(words["since"])
    expect(page.get_by_test_id("outstanding")).to_have_text(f"¥{loan.outstanding_principal:,.2f}")
    expect(page.get_by_test_id("schedule")).to_contain_text(words["scheduled"])
    later = page.get_by_test_id("schedule-later")
    expect(later.locator("summary")).to_contain_text(words["later"])
    expect(later.locator("tbody tr").first).to_be_hidden()
    later.locator("summary").click()
    expect(later.locator("tbody tr").first).to_be_visible()
    assert_reads_as_words(page, language, typed)
    keep_screenshot(page, language, "loan")

    # A report with its totals row, money right-aligned, and its XLSX typed.
    page.visit("/dashboard/reports/portfolio/")
    totals = page.get_by_test_id("totals")
    expect(totals).to_contain_text(words["total_rows"])
    expect(totals).to_contain_text(f"¥{loan.outstanding_principal:,.2f}")
    money_total = totals.locator("td").filter(has_text="¥").first
    assert right_aligned(money_total)
    assert_reads_as_words(page, language, typed)
    keep_screenshot(page, language, "report-portfolio")
    with page.expect_download() as download:
        page.get_by_role("link", name="XLSX").click()
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    header = [cell.value for cell in sheet[1]]
    with translation.override(language):
        maturity, outstanding = gettext("Maturity"), gettext("Outstanding principal")
    row = dict(zip(header, sheet[2], strict=True))
    assert row[maturity].is_date and row[maturity].value.date() == loan.maturity_date
    assert row[outstanding].value == loan.outstanding_principal
    assert row[outstanding].number_format == "#,##0.00"
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(header)).column_letter}2"


# --- The assessment by the credit policy's dimensions; follow-ups done and undone ------------

DIMENSIONS = {
    "en": [
        "Financial condition",
        "Debt-service capacity",
        "Operational stability",
        "Development prospects",
        "Qualitative (expert)",
    ],
    "zh-hans": ["财务状况", "偿债能力", "经营稳定性", "发展前景", "定性评价（专家）"],
}
FOLLOW_UP_WORDS = {
    "en": {
        "why": "Why this score",
        "on_time_caption": "done by their due date, of those done or past due in the last 90 days",
    },
    "zh-hans": {
        "why": "评分理由",
        "on_time_caption": "近 90 天内已完成或已到期的跟进中，按期完成的比例",
    },
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_alice_assesses_by_dimension_and_follows_up(
    browser_page, open_as, cast, settings, language
):
    words = FOLLOW_UP_WORDS[language]
    alice = speaking(cast["alice"], language)
    speaking(cast["mary"], language)
    customer = factories.individual(alice, name="王小明", monthly_income=18000)
    follow_up = FollowUp.objects.create(
        customer=customer,
        owner=alice,
        purpose="核对还款计划",
        due_on=timezone.localdate() + dt.timedelta(days=1),
    )
    typed = {customer.name, str(alice), follow_up.purpose, "性格稳重，熟识多年", "口碑一般"}

    page = log_in(browser_page, "alice")
    page.visit(f"/credit/customers/{customer.pk}/assess/")
    legends = page.locator("fieldset[data-dimension] > legend")
    expect(legends).to_have_text(DIMENSIONS[language])
    # Each expert factor's comment sits in the factor's own row, labelled in the language.
    for factor in ("character", "reputation"):
        row = page.locator(f'[data-factor="{factor}"]')
        expect(row.locator(f"select[name={factor}]")).to_be_visible()
        expect(row.locator(f"textarea[name={factor}__comment]")).to_be_visible()
        expect(row.get_by_label(words["why"])).to_be_visible()
    for name, value in (
        ("net_worth", "600000"),
        ("dti", "0.25"),
        ("late_payments_12m", "0"),
        ("late_payments_36m", "0"),
        ("worst_dpd_ever", "0"),
        ("years_employed", "6"),
    ):
        page.locator(f"input[name={name}]").fill(value)
    page.locator("select[name=character]").select_option("4")
    page.locator("textarea[name=character__comment]").fill("性格稳重，熟识多年")
    page.locator("select[name=reputation]").select_option("3")
    page.locator("textarea[name=reputation__comment]").fill("口碑一般")
    assert_reads_as_words(page, language, typed)
    keep_screenshot(page, language, "assessment-form")
    page.locator("form:has(fieldset[data-dimension]) button[type=submit]").click()

    # The result: points by dimension, the reasons for the score, PD as a percentage.
    expect(page.get_by_test_id("reproduced")).to_be_visible()
    dimensions = page.get_by_test_id("points-by-dimension")
    for label in DIMENSIONS[language]:
        expect(dimensions).to_contain_text(label)
    reasons = page.get_by_test_id("reasons").locator("li")
    expect(reasons.first).to_be_visible()
    assert PERCENT.match(page.get_by_test_id("pd").inner_text().strip())
    assert_reads_as_words(page, language, typed)
    keep_screenshot(page, language, "assessment-result")

    # The follow-up done with its outcome (an interaction logged), undone, done again.
    for attempt in ("undo", "keep"):
        page.visit("/today/")
        done = page.get_by_test_id("follow-up-done").first
        done.locator("summary").click()
        done.locator("input[name=outcome]").fill("客户周五带工资流水来")
        done.locator("button[type=submit]").click()
        expect(page.get_by_test_id("done-today")).to_contain_text("客户周五带工资流水来")
        follow_up.refresh_from_db()
        assert follow_up.status == "done"
        assert Interaction.objects.get(customer=customer).outcome == "客户周五带工资流水来"
        if attempt == "undo":
            keep_screenshot(page, language, "today-done")
            page.get_by_test_id("done-today").locator("button[type=submit]").click()
            expect(page.get_by_test_id("done-today")).to_have_count(0)
            follow_up.refresh_from_db()
            assert follow_up.status == "open" and not Interaction.objects.exists()

    # An interaction's next step with a date becomes the next follow-up.
    page.visit(f"/customers/{customer.pk}/interactions/new/")
    page.locator("select[name=channel]").select_option("phone")
    page.locator("textarea[name=summary], input[name=summary]").fill("电话沟通续贷事宜")
    page.locator("input[name=next_step]").fill("寄送续贷方案")
    due = timezone.localdate() + dt.timedelta(days=1)
    page.locator("input[name=next_step_due]").fill(due.isoformat())
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(rf".*/customers/{customer.pk}/#timeline$"))
    planned = FollowUp.objects.get(customer=customer, purpose="寄送续贷方案")
    assert (planned.due_on, planned.owner) == (due, alice)
    page.visit("/today/")
    expect(page.locator("main")).to_contain_text("寄送续贷方案")

    # The manager's on-time figure counts the follow-up done before its date, and says so.
    manager = open_as("mary", landing=r".*/dashboard/$")
    manager.visit("/dashboard/")
    expect(manager.get_by_test_id("kpi-compliance")).to_have_text("100.00%")
    expect(manager.get_by_test_id("kpi-compliance-caption")).to_have_text(words["on_time_caption"])
