# ruff: noqa: F811 (open_as is a fixture imported for pytest: the walks take it as a parameter)
"""Provisions and write-off walked in Chromium, in English and in Simplified Chinese: the risk
officer reads the provisions (stages, coverage and provision rate against their minimums),
drills down to the loans, reads a loan's provisions card and freezes a month-end run (once);
a loss-class loan is proposed for write-off by its officer, approved by her manager (never by
the proposer), leaves the book, and a recovery is recorded against it. Each key page is kept
as a screenshot per language under artifacts/screenshots/<language>/."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from core.numbers import format_money, format_percent
from lending.models import (
    LoanProduct,
    LoanStatus,
    WriteOffProposal,
    WriteOffRecovery,
    WrittenOffLoan,
)
from risk import jobs, provision_selectors
from risk.models import LoanProvision, ProvisionRun
from risk.provision_models import ProvisionSetting, Stage
from tests.browser.test_daily_use_journey import (  # noqa: F401 - open_as is a fixture
    LANGUAGES,
    assert_reads_as_words,
    keep_screenshot,
    open_as,
    speaking,
)
from tests.customers import factories
from tests.risk.conftest import assessed, disbursed_loan

pytestmark = pytest.mark.django_db(transaction=True)


def said(language: str, message: str, **values) -> str:
    """What the page says in `language`: the project's own translation of `message`."""
    with translation.override(language):
        text = gettext(message)
    return text % values if values else text


def label(language: str, choice) -> str:
    with translation.override(language):
        return str(choice.label)


def nightly(on: dt.date) -> None:
    result = jobs.run_synchronously(jobs.NIGHTLY, on)
    assert result.status == "done", result.failures


def consumer_product() -> LoanProduct:
    # Without penalty interest, as the lending tests' product: the figures stay round.
    product = LoanProduct.objects.get(code="CONS-01")
    product.penalty_rate = Decimal("0")
    product.save(update_fields=["penalty_rate"])
    return product


# --- Provisions -------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_rita_reads_the_provisions_drills_down_and_freezes_the_month(
    browser_page, open_as, cast, settings, language
):
    alice, bob, mary, rita = cast["alice"], cast["bob"], cast["mary"], cast["rita"]
    speaking(rita, language)
    product = consumer_product()
    # Never repaid: on 31 January 2025 one loan is not due yet, one is a month past due and
    # one four months (stage 3).
    loans = {}
    for number, (officer, disbursed) in enumerate(
        [(alice, dt.date(2025, 1, 10)), (alice, dt.date(2024, 12, 1)), (bob, dt.date(2024, 9, 1))],
        start=1,
    ):
        customer = assessed(officer, factories.individual(officer, name=f"客户{number}"))
        loans[number] = disbursed_loan(
            officer, mary, customer, product, amount="60000", term=12, on=disbursed
        )
    settings.BUSINESS_DATE = dt.date(2025, 2, 1)
    nightly(dt.date(2025, 1, 31))
    provisions = {row.loan_id: row for row in LoanProvision.objects.all()}
    assert provisions[loans[3].pk].stage == Stage.STAGE_3
    totals = provision_selectors.provision_totals(rita)["totals"]
    setting = ProvisionSetting.in_force(dt.date(2025, 2, 1))
    typed = {"客户1", "客户2", "客户3", "2025-01"}

    rita_page = open_as("rita", landing=r".*/dashboard/$")
    rita_page.visit("/risk/provisions/")
    expect(rita_page.get_by_test_id("reserve")).to_have_text(format_money(totals["total_reserve"]))
    expect(rita_page.get_by_test_id("ecl")).to_have_text(format_money(totals["total_ecl"]))
    expect(rita_page.get_by_test_id("coverage")).to_have_text(
        format_percent(totals["coverage"]) or "—"
    )
    expect(rita_page.get_by_test_id("provision-rate")).to_have_text(
        format_percent(totals["provision_rate"]) or "—"
    )
    minimum = said(language, "minimum")
    body = rita_page.locator("main")
    expect(body).to_contain_text(f"{minimum} {format_percent(setting.min_coverage)}")
    expect(body).to_contain_text(f"{minimum} {format_percent(setting.min_provision_rate)}")
    by_stage = rita_page.get_by_test_id("by-stage")
    stage_3 = label(language, Stage.STAGE_3)
    expect(by_stage).to_contain_text(stage_3)
    expect(by_stage).to_contain_text(format_money(provisions[loans[3].pk].ecl))
    keep_screenshot(rita_page, language, "provisions")
    assert_reads_as_words(rita_page, language, typed)

    # The stage 3 row lists the loan behind it; the loan's page has its provisions card.
    by_stage.get_by_role("link", name=stage_3).click()
    rita_page.wait_for_url(re.compile(r".*/risk/provisions/loans/\?stage=3$"))
    drilled = rita_page.get_by_test_id("provision-loans")
    expect(drilled).to_contain_text(loans[3].account_number)
    expect(drilled).not_to_contain_text(loans[1].account_number)
    keep_screenshot(rita_page, language, "provisions-drill-down")
    drilled.get_by_role("link", name=loans[3].account_number).click()
    rita_page.wait_for_url(re.compile(rf".*/credit/loans/{loans[3].pk}/$"))
    expect(rita_page.get_by_test_id("provision-stage")).to_contain_text(stage_3)
    expect(rita_page.get_by_test_id("provision-ecl")).to_have_text(
        format_money(provisions[loans[3].pk].ecl)
    )
    keep_screenshot(rita_page, language, "loan-provisions-card")

    # rita freezes January; a second freeze of the same month is refused next to the field.
    rita_page.visit("/risk/provisions/")
    rita_page.locator("[name=month]").fill("2025-01")
    rita_page.get_by_role("button", name=said(language, "Freeze the month")).click()
    expect(rita_page.get_by_test_id("runs")).to_contain_text(format_money(totals["total_ecl"]))
    january = ProvisionRun.objects.get(month=dt.date(2025, 1, 1))
    assert (january.loans, january.ecl) == (3, totals["total_ecl"])
    keep_screenshot(rita_page, language, "provisions-month-frozen")
    rita_page.locator("[name=month]").fill("2025-01")
    rita_page.get_by_role("button", name=said(language, "Freeze the month")).click()
    expect(
        rita_page.get_by_text(
            said(
                language,
                "The provisions of %(month)s are already frozen; a run is never replaced.",
                month="2025-01",
            )
        )
    ).to_be_visible()
    assert ProvisionRun.objects.count() == 1
    assert_reads_as_words(rita_page, language, typed)


# --- Write-off --------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_loss_class_loan_is_written_off_under_four_eyes_and_a_recovery_recorded(
    browser_page, open_as, cast, settings, language
):
    from django.utils import timezone

    from customers.models import Interaction
    from customers.services import interaction_log

    alice, mary = cast["alice"], cast["mary"]
    for person in (alice, mary):
        speaking(person, language)
    customer = assessed(alice, factories.individual(alice, name="王核销"))
    loan = disbursed_loan(alice, mary, customer, consumer_product(), amount="120000")
    # 24 months from January 2025, never repaid: loss on 6 February 2026; by 1 September
    # past the 180 days in loss, with three collection calls logged.
    nightly(dt.date(2026, 2, 6))
    settings.BUSINESS_DATE = dt.date(2026, 9, 1)
    for day in range(3):
        interaction_log(
            actor=alice,
            interaction=Interaction(
                customer=customer,
                channel="phone",
                occurred_at=timezone.make_aware(dt.datetime(2026, 2, 10 + day, 10)),
                summary=f"Collection call {day + 1}: no payment promised",
            ),
        )
    reason = "Debtor absconded; nothing left to recover"
    evidence = "Three calls logged; no assets found"
    typed = {customer.name, reason, evidence, "R-1", "Auction", loan.account_number}

    # alice proposes from the loan page.
    alice_page = open_as("alice")
    alice_page.visit(f"/credit/loans/{loan.pk}/")
    alice_page.get_by_test_id("write-off-link").click()
    expect(alice_page.get_by_test_id("conditions-met")).to_be_visible()
    expect(alice_page.get_by_test_id("balance-principal")).to_have_text("¥120,000.00")
    form = alice_page.get_by_test_id("write-off-form")
    form.locator("[name=reason]").fill(reason)
    form.locator("[name=evidence]").fill(evidence)
    keep_screenshot(alice_page, language, "write-off-propose")
    form.locator("button[type=submit]").click()
    # She lands on the queue: her proposal waits for someone else, with no button for her.
    alice_page.wait_for_url(re.compile(r".*/credit/write-offs/queue/$"))
    proposal = WriteOffProposal.objects.get(loan=loan)
    assert proposal.proposed_by == alice
    mine = alice_page.get_by_test_id(f"write-off-proposal-{proposal.pk}")
    expect(mine.get_by_test_id("four-eyes")).to_be_visible()
    expect(mine.get_by_role("button", name=said(language, "Approve the write-off"))).to_have_count(
        0
    )
    assert_reads_as_words(alice_page, language, typed)

    # mary approves it from her queue; the loan leaves the book.
    mary_page = open_as("mary", landing=r".*/dashboard/$")
    mary_page.visit("/credit/write-offs/queue/")
    row = mary_page.get_by_test_id(f"write-off-proposal-{proposal.pk}")
    expect(row).to_contain_text(reason)
    keep_screenshot(mary_page, language, "write-off-queue")
    questions = []

    def accept(dialog):
        questions.append(dialog.message)
        dialog.accept()

    mary_page.once("dialog", accept)
    row.get_by_role("button", name=said(language, "Approve the write-off")).click()
    expect(mary_page.get_by_test_id(f"write-off-proposal-{proposal.pk}")).to_have_count(0)
    assert questions == [said(language, "Write this loan off the book?")]
    record = WrittenOffLoan.objects.get(loan=loan)
    assert record.approved_by == mary
    loan.refresh_from_db()
    assert (loan.status, loan.outstanding_principal) == (LoanStatus.WRITTEN_OFF, Decimal("0.00"))
    assert_reads_as_words(mary_page, language, typed)

    # alice records a recovery on the off-balance-sheet record.
    alice_page.visit(f"/credit/write-offs/{record.pk}/")
    expect(alice_page.get_by_test_id("record-principal")).to_have_text("¥120,000.00")
    recovery = alice_page.get_by_test_id("recovery-form")
    recovery.locator("[name=amount]").fill("5000")
    recovery.locator("[name=received_on]").fill("2026-09-01")
    recovery.locator("[name=reference]").fill("R-1")
    recovery.locator("[name=note]").fill("Auction")
    recovery.get_by_role("button", name=said(language, "Record the recovery")).click()
    expect(alice_page.get_by_test_id("record-recovered")).to_have_text("¥5,000.00")
    expect(alice_page.get_by_test_id("record-remaining")).to_have_text(
        format_money(record.total - Decimal("5000"))
    )
    expect(alice_page.get_by_test_id("recoveries")).to_contain_text("R-1")
    keep_screenshot(alice_page, language, "write-off-recovery")
    assert WriteOffRecovery.objects.get(record=record).recorded_by == alice
    assert_reads_as_words(alice_page, language, typed)
