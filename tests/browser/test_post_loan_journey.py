# ruff: noqa: F811 (open_as is a fixture imported for pytest: the walks take it as a parameter)
"""Issue 24 ("post-loan work") walked in Chromium, in English and in Simplified Chinese:
documents uploaded by the officer on a customer and on a loan, the product's checklist read on
the application (incomplete, then complete), a file downloaded back and refused to the
outsider; a payment reminder on the customer's timeline and the officer's opt-out; the
collections queue by priority, a case assigned by the manager and a promise to pay recorded
by its collector; an inspection due in the officer's list, recorded with its findings. Each
key page is kept as a screenshot per language under artifacts/screenshots/<language>/."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from core.numbers import format_money
from customers.models import Document, DocumentType
from lending import tasks
from lending.models import (
    ChecklistStage,
    CollectionCase,
    CollectionContact,
    LoanProduct,
    PaymentReminder,
    ProductDocumentRequirement,
    PromiseToPay,
)
from tests.browser.test_daily_use_journey import (  # noqa: F401 - open_as is a fixture
    LANGUAGES,
    assert_reads_as_words,
    keep_screenshot,
    open_as,
    speaking,
)
from tests.customers import factories
from tests.lending.conftest import make_application
from tests.risk.conftest import assessed, disbursed_loan

pytestmark = pytest.mark.django_db(transaction=True)

# Disbursed on the 15th of January 2026 over 12 months: instalments fall due on the 15th from
# 15 February 2026.
DISBURSED = dt.date(2026, 1, 15)
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def said(language: str, message: str, **values) -> str:
    """What the page says in `language`: the project's own translation of `message`."""
    with translation.override(language):
        text = gettext(message)
    return text % values if values else text


def label(language: str, choice) -> str:
    """A choice's label as the page shows it in `language`."""
    with translation.override(language):
        return str(choice.label)


def named(language: str, reference) -> str:
    """Seeded reference data (a document type) as the page names it in `language`."""
    with translation.override(language):
        return str(reference)


class Region:
    """A part of a page, for assert_reads_as_words: what it shows and where it is."""

    def __init__(self, locator):
        self.locator = locator
        self.url = locator.page.url

    def content(self) -> str:
        return self.locator.evaluate("element => element.outerHTML")


def consumer_product() -> LoanProduct:
    # Without penalty interest, as the lending tests' product: the amounts stay round.
    product = LoanProduct.objects.get(code="CONS-01")
    product.penalty_rate = Decimal("0")
    product.save(update_fields=["penalty_rate"])
    return product


def loan_of(officer, manager, name: str, *, amount: str = "100000", on: dt.date = DISBURSED):
    customer = assessed(officer, factories.individual(officer, name=name))
    return disbursed_loan(
        officer, manager, customer, consumer_product(), amount=amount, term=12, on=on
    )


def upload(
    page, language: str, document_type: DocumentType, file_name: str, *, expires_on: str = ""
) -> None:
    """Uploads a PDF through the documents panel of the page open in `page`."""
    form = page.get_by_test_id("document-upload")
    form.locator("[name=document_type]").select_option(str(document_type.pk))
    form.locator("[name=file]").set_input_files(
        {"name": file_name, "mimeType": "application/pdf", "buffer": PDF}
    )
    if expires_on:
        form.locator("[name=expires_on]").fill(expires_on)
    form.get_by_role("button", name=said(language, "Upload")).click()


def checklist_on_file(page) -> dict[str, str]:
    """{document type code: "yes"/"no"} as the application's checklist shows it."""
    items = page.get_by_test_id("document-checklist").locator("li")
    return {
        item.get_attribute("data-document-type"): item.get_attribute("data-on-file")
        for item in items.all()
    }


# --- Documents --------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_alice_files_documents_completes_the_checklist_and_charlie_gets_404(
    browser_page, open_as, cast, language
):
    alice, mary = cast["alice"], cast["mary"]
    speaking(alice, language)
    loan = loan_of(alice, mary, "王资料")
    customer = loan.customer
    product = loan.product
    id_card = DocumentType.objects.get(code="id_card")
    contract = DocumentType.objects.get(code="loan_contract")
    statements = DocumentType.objects.get(code="financial_statements")
    # The product's checklist, as an admin configures it (after the first loan was made).
    ProductDocumentRequirement.objects.create(
        product=product, document_type=id_card, stage=ChecklistStage.SUBMISSION
    )
    ProductDocumentRequirement.objects.create(
        product=product, document_type=contract, stage=ChecklistStage.DISBURSEMENT
    )
    application = make_application(alice, customer, product, amount="50000")
    typed = {customer.name, "身份证.pdf", "合同.pdf", "报表.pdf", "Home renovation"}
    missing = said(language, "missing")

    # The new application's checklist: nothing on file yet.
    alice_page = open_as("alice")
    alice_page.visit(f"/credit/applications/{application.pk}/")
    assert checklist_on_file(alice_page) == {"id_card": "no", "loan_contract": "no"}
    expect(alice_page.get_by_test_id("document-checklist")).to_contain_text(
        named(language, id_card)
    )
    expect(alice_page.get_by_test_id("document-checklist").get_by_text(missing)).to_have_count(2)

    # alice uploads the ID card on the customer's page.
    alice_page.visit(f"/customers/{customer.pk}/")
    upload(alice_page, language, id_card, "身份证.pdf", expires_on="2036-01-01")
    alice_page.wait_for_url(re.compile(rf".*/customers/{customer.pk}/$"))
    expect(alice_page.get_by_text(said(language, "Document uploaded."))).to_be_visible()
    expect(alice_page.get_by_test_id("documents")).to_contain_text("身份证.pdf")
    expect(alice_page.get_by_test_id("documents")).to_contain_text("2036-01-01")
    keep_screenshot(alice_page, language, "documents-customer")

    # The application's checklist is incomplete: the contract is still missing.
    alice_page.visit(f"/credit/applications/{application.pk}/")
    assert checklist_on_file(alice_page) == {"id_card": "yes", "loan_contract": "no"}
    expect(alice_page.get_by_test_id("document-checklist").get_by_text(missing)).to_have_count(1)
    # The contract, uploaded on the application, completes it.
    upload(alice_page, language, contract, "合同.pdf")
    alice_page.wait_for_url(re.compile(rf".*/applications/{application.pk}/$"))
    assert checklist_on_file(alice_page) == {"id_card": "yes", "loan_contract": "yes"}
    expect(alice_page.get_by_test_id("document-checklist").get_by_text(missing)).to_have_count(0)
    keep_screenshot(alice_page, language, "documents-checklist-complete")
    assert_reads_as_words(alice_page, language, typed)

    # On the loan: the statements, downloaded back as they were sent.
    alice_page.visit(f"/credit/loans/{loan.pk}/")
    upload(alice_page, language, statements, "报表.pdf")
    alice_page.wait_for_url(re.compile(rf".*/loans/{loan.pk}/$"))
    documents = alice_page.get_by_test_id("documents")
    expect(documents).to_contain_text(named(language, statements))
    keep_screenshot(alice_page, language, "documents-loan")
    with alice_page.expect_download() as download:
        documents.get_by_role("link", name="报表.pdf").click()
    assert download.value.suggested_filename == "报表.pdf"
    with open(download.value.path(), "rb") as downloaded:
        assert downloaded.read() == PDF
    stored = Document.objects.get(owner_kind="loan", owner_id=loan.pk)
    assert (stored.document_type, stored.original_name) == (statements, "报表.pdf")

    # charlie, of the South branch, gets the 404 page for the same address.
    charlie_page = open_as("charlie")
    response = charlie_page.visit(f"/documents/{stored.pk}/")
    assert response.status == 404
    expect(charlie_page.locator("body")).not_to_contain_text("报表.pdf")


# --- Reminders --------------------------------------------------------------------------------


class RecordingSms:
    """An SMS gateway that keeps what it was asked to send."""

    sent: list[tuple[str, str]] = []

    def send(self, phone: str, message: str) -> None:
        RecordingSms.sent.append((phone, message))


def reminders_night(settings, monkeypatch, on: dt.date) -> None:
    """The night's reminder step on business date `on`, its chunks run as a worker would, then
    the sender, as the outbox starts it."""
    settings.BUSINESS_DATE = on
    monkeypatch.setattr(
        tasks.payment_reminders_chunk,
        "delay",
        lambda *arguments: tasks.payment_reminders_chunk(*arguments),
    )
    tasks.payment_reminders()
    tasks.send_payment_reminders()


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_reminder_is_on_the_timeline_and_alice_records_the_opt_out(
    browser_page, open_as, cast, settings, monkeypatch, language
):
    from lending.reminder_models import ReminderKind, ReminderStatus

    settings.SMS_BACKEND = f"{__name__}.RecordingSms"
    RecordingSms.sent = []
    alice, mary = cast["alice"], cast["mary"]
    speaking(alice, language)
    loan = loan_of(alice, mary, "王提醒")
    customer = loan.customer
    # Three days before the instalment of 15 April: the reminder goes by SMS (no e-mail).
    reminders_night(settings, monkeypatch, dt.date(2026, 4, 12))
    reminder = PaymentReminder.objects.get()
    assert RecordingSms.sent == [(customer.phone, reminder.message)]
    typed = {customer.name, reminder.message, "Alice Wang", loan.account_number}

    # The message is on the customer's timeline; its link opens the reminders page.
    alice_page = open_as("alice")
    alice_page.visit(f"/customers/{customer.pk}/")
    entry = alice_page.get_by_test_id("timeline-reminder")
    expect(entry).to_contain_text(reminder.message)
    expect(entry).to_contain_text(label(language, ReminderStatus.SENT))
    keep_screenshot(alice_page, language, "reminder-on-timeline")
    entry.get_by_role("link", name=said(language, "Payment reminders")).click()
    alice_page.wait_for_url(re.compile(rf".*/customers/{customer.pk}/reminders/$"))
    rows = alice_page.get_by_test_id("reminders").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(label(language, ReminderKind.DUE))
    expect(rows.first).to_contain_text("2026-04-15")
    expect(rows.first).to_contain_text(loan.account_number)

    # The customer asked on the phone for no more text messages: alice records the opt-out.
    form = alice_page.get_by_test_id("opt-out-form")
    form.locator("[name=channel]").select_option("sms")
    form.locator("[name=choice]").select_option("out")
    form.get_by_role("button", name=said(language, "Record")).click()
    expect(
        alice_page.get_by_text(said(language, "Opt-out recorded: no reminders on this channel."))
    ).to_be_visible()
    sms_channel = alice_page.locator("[data-testid=reminder-channels] [data-channel=sms]")
    expect(sms_channel).to_contain_text(str(alice))
    expect(
        alice_page.locator("[data-testid=reminder-channels] [data-channel=email]")
    ).to_contain_text(said(language, "receives reminders"))
    keep_screenshot(alice_page, language, "reminder-opted-out")
    assert_reads_as_words(alice_page, language, typed)

    # The next instalment's night sends nothing: no SMS, and no e-mail address on file.
    reminders_night(settings, monkeypatch, dt.date(2026, 5, 12))
    assert len(RecordingSms.sent) == 1
    assert PaymentReminder.objects.count() == 1


# --- Collections ------------------------------------------------------------------------------


def collections_night(settings, monkeypatch, on: dt.date) -> None:
    settings.BUSINESS_DATE = on
    monkeypatch.setattr(
        tasks.collection_cases_chunk,
        "delay",
        lambda *arguments: tasks.collection_cases_chunk(*arguments),
    )
    tasks.collection_cases()


@pytest.mark.parametrize("language", LANGUAGES)
def test_mary_assigns_the_first_case_of_the_queue_and_bob_records_a_promise(
    browser_page, open_as, cast, settings, monkeypatch, language
):
    from lending.collection_models import ContactResult, PromiseStatus

    alice, bob, mary = cast["alice"], cast["bob"], cast["mary"]
    for person in (bob, mary):
        speaking(person, language)
    # bob's smaller loan first (the lower id), one month later: five days past due on
    # 20 March; alice's customer has missed two instalments of the larger loan by then.
    small = loan_of(bob, mary, "李小额", amount="20000", on=dt.date(2026, 2, 15))
    large = loan_of(alice, mary, "王大额")
    collections_night(settings, monkeypatch, dt.date(2026, 3, 20))
    first, second = (CollectionCase.objects.get(loan=loan) for loan in (large, small))
    typed = {large.customer.name, small.customer.name, "Bob Li", "Promised to pay on Wednesday"}
    typed |= {large.account_number, small.account_number}

    # The queue puts the larger amount overdue × days past due first.
    mary_page = open_as("mary", landing=r".*/dashboard/$")
    mary_page.visit("/credit/collections/")
    rows = mary_page.get_by_test_id("collection-queue").locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_have_attribute("data-testid", f"case-{first.pk}")
    expect(rows.nth(0)).to_contain_text(large.customer.name)
    expect(rows.nth(0)).to_contain_text(format_money(first.amount_overdue))
    expect(rows.nth(1)).to_have_attribute("data-testid", f"case-{second.pk}")
    expect(rows.nth(1)).to_contain_text(small.customer.name)
    assert [cells[3] for cells in (row.locator("td").all_inner_texts() for row in rows.all())] == [
        "33",
        "5",
    ]
    keep_screenshot(mary_page, language, "collections-queue")
    # The queue itself; the figures above it are still being written (roll rates, legal
    # recoveries: engineer C24), their Chinese comes with the lead's translation.
    assert_reads_as_words(Region(mary_page.get_by_test_id("collection-queue")), language, typed)

    # mary assigns the first case to bob.
    rows.nth(0).get_by_role("link", name=large.account_number).click()
    mary_page.wait_for_url(re.compile(rf".*/collections/{first.pk}/$"))
    mary_page.locator("[name=collector]").select_option(str(bob.pk))
    mary_page.get_by_role("button", name=said(language, "Assign"), exact=True).click()
    expect(mary_page.get_by_text(said(language, "Case assigned."))).to_be_visible()
    expect(mary_page.get_by_test_id("case-summary")).to_contain_text(str(bob))
    first.refresh_from_db()
    assert first.collector == bob

    # bob finds it under "Assigned to me" (his own customer's case is not assigned to him).
    bob_page = open_as("bob")
    bob_page.visit("/credit/collections/")
    bob_page.get_by_role("link", name=said(language, "Assigned to me")).click()
    mine = bob_page.get_by_test_id("collection-queue").locator("tbody tr")
    expect(mine).to_have_count(1)
    mine.first.get_by_role("link", name=large.account_number).click()
    bob_page.wait_for_url(re.compile(rf".*/collections/{first.pk}/$"))

    # He calls: the customer promises ¥5,000 by 25 March.
    bob_page.locator("[name=channel]").select_option("phone")
    bob_page.locator("[name=result]").select_option(ContactResult.PROMISED.value)
    bob_page.locator("[name=summary]").fill("Promised to pay on Wednesday")
    bob_page.locator("[name=promise_amount]").fill("5000")
    bob_page.locator("[name=promise_date]").fill("2026-03-25")
    bob_page.get_by_role("button", name=said(language, "Record"), exact=True).click()
    expect(bob_page.get_by_text(said(language, "Contact attempt recorded."))).to_be_visible()
    promised = said(
        language,
        "%(amount)s by %(day)s (promised %(made)s)",
        amount="¥5,000.00",
        day="2026-03-25",
        made="2026-03-20",
    )
    expect(bob_page.get_by_test_id("promises")).to_contain_text(promised)
    expect(bob_page.get_by_test_id("promises")).to_contain_text(label(language, PromiseStatus.OPEN))
    contacts = bob_page.get_by_test_id("contacts")
    expect(contacts).to_contain_text(label(language, ContactResult.PROMISED))
    expect(contacts).to_contain_text("Promised to pay on Wednesday")
    keep_screenshot(bob_page, language, "collections-case")
    assert_reads_as_words(bob_page, language, typed)
    promise = PromiseToPay.objects.get()
    assert (promise.case_id, promise.amount, promise.promised_on) == (
        first.pk,
        Decimal("5000.00"),
        dt.date(2026, 3, 25),
    )
    assert CollectionContact.objects.get().interaction.officer == bob


# --- Inspections ------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_alice_records_the_inspection_due_with_its_findings(
    browser_page, open_as, cast, settings, monkeypatch, language
):
    from lending.inspection_models import (
        ChecklistTopic,
        FindingResult,
        Inspection,
        InspectionConclusion,
        InspectionKind,
        InspectionPlan,
        InspectionStatus,
    )

    alice, mary = cast["alice"], cast["mary"]
    speaking(alice, language)
    loan = loan_of(alice, mary, "王检查")
    # The product's plan, as an admin configures it: the first visit within 30 days.
    InspectionPlan.objects.create(
        product=loan.product,
        first_within_days=30,
        every_days_low=180,
        every_days_medium=180,
        every_days_high=90,
    )
    settings.BUSINESS_DATE = dt.date(2026, 11, 18)
    monkeypatch.setattr(
        tasks.inspections_schedule_chunk,
        "delay",
        lambda *arguments: tasks.inspections_schedule_chunk(*arguments),
    )
    tasks.inspections_schedule()
    due = Inspection.objects.get(loan=loan)
    concern = "Stock half what was declared"
    typed = {loan.customer.name, loan.account_number, concern, "Visited the shop", "Alice Wang"}

    # Due since 14 February: in alice's list of inspections, overdue, which she opens from
    # the navigation bar (folded under Loans).
    alice_page = open_as("alice")
    more_under = said(language, "More under %(label)s", label=said(language, "Loans"))
    alice_page.get_by_role("button", name=more_under).click()
    alice_page.get_by_role("link", name=said(language, "Inspections"), exact=True).click()
    alice_page.wait_for_url(re.compile(r".*/credit/inspections/$"))
    rows = alice_page.get_by_test_id("inspections-due").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("2026-02-14")
    expect(rows.first).to_contain_text(said(language, "Overdue"))
    expect(rows.first).to_contain_text(loan.customer.name)
    keep_screenshot(alice_page, language, "inspections-due")
    assert_reads_as_words(alice_page, language, typed)
    rows.first.get_by_role("link", name=label(language, InspectionKind.FIRST)).click()
    alice_page.wait_for_url(re.compile(rf".*/inspections/{due.pk}/$"))

    # She records the visit: all satisfactory but the collateral, a concern with its note.
    form = alice_page.get_by_test_id("inspection-form")
    form.locator("[name=inspected_on]").fill("2026-11-10")
    topics = list(ChecklistTopic)
    for index, topic in enumerate(topics):
        result = "concern" if topic == ChecklistTopic.COLLATERAL else "satisfactory"
        form.locator(f"[name=result_{index}][value={result}]").check()
    form.locator(f"[name=note_{topics.index(ChecklistTopic.COLLATERAL)}]").fill(concern)
    form.locator("[name=conclusion]").select_option(InspectionConclusion.WATCH.value)
    form.locator("[name=summary]").fill("Visited the shop")
    keep_screenshot(alice_page, language, "inspection-form")
    form.get_by_role("button", name=said(language, "Record the inspection")).click()
    expect(alice_page.get_by_text(said(language, "Inspection recorded."))).to_be_visible()
    expect(alice_page.get_by_test_id("conclusion")).to_have_text(
        label(language, InspectionConclusion.WATCH)
    )
    findings = alice_page.get_by_test_id("findings").locator("tbody tr")
    expect(findings).to_have_count(len(topics))
    collateral_row = findings.nth(topics.index(ChecklistTopic.COLLATERAL))
    expect(collateral_row).to_contain_text(label(language, ChecklistTopic.COLLATERAL))
    expect(collateral_row).to_contain_text(concern)
    expect(collateral_row).to_contain_text(label(language, FindingResult.CONCERN))
    keep_screenshot(alice_page, language, "inspection-recorded")
    assert_reads_as_words(alice_page, language, typed)
    due.refresh_from_db()
    assert (due.status, due.inspected_on, due.completed_by) == (
        InspectionStatus.COMPLETED,
        dt.date(2026, 11, 10),
        alice,
    )

    # The next one is periodic, 180 days on: nothing is due in alice's list any more.
    alice_page.visit("/credit/inspections/")
    expect(alice_page.get_by_test_id("inspections-due")).to_have_count(0)
    expect(alice_page.get_by_text(said(language, "No inspection is due."))).to_be_visible()
