# ruff: noqa: F811 (open_as is a fixture imported for pytest: the walks take it as a parameter)
"""Exposure walked in Chromium, in English and in Simplified Chinese: a credit facility proposed
by the officer with a product sublimit and approved by her manager (the proposer has no
button), a drawing beyond the available amount refused with the figures, the 360's limit,
utilisation and available, a freeze lifted by another manager; a related party recorded and
the group page with its members, totals and graph; an application beyond the branch manager's
authority recommended by her and waiting at the next level until the risk officer decides;
a bureau consent and a report whose account numbers are masked, refused without consent; a
screening hit cleared by two people, blocking applications while open. Each key page is kept
as a screenshot per language under artifacts/screenshots/<language>/."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from accounts.demo import DEMO_PASSWORD
from core.numbers import format_money
from lending import services as lending_services
from lending.facility_models import CreditFacility, FacilityStatus
from lending.models import Application, ApplicationStatus, LoanProduct
from tests.browser.test_daily_use_journey import (  # noqa: F401 - open_as is a fixture
    LANGUAGES,
    assert_reads_as_words,
    keep_screenshot,
    open_as,
    speaking,
)
from tests.credit.conftest import BUSINESS_DATE
from tests.lending.conftest import make_application

pytestmark = pytest.mark.django_db(transaction=True)


def said(language: str, message: str, **values) -> str:
    """What the page says in `language`: the project's own translation of `message`."""
    with translation.override(language):
        text = gettext(message)
    return text % values if values else text


def label(language: str, choice) -> str:
    """A choice's label as the page shows it in `language`."""
    with translation.override(language):
        return str(choice.label)


def graded(officer, name: str):
    """A customer of `officer` graded A (the credit tests' graded customer, another name)."""
    from credit import services as credit_services
    from tests.customers import factories

    customer = factories.individual(officer, name=name)
    credit_services.assessment_create(
        actor=officer,
        customer=customer,
        inputs={
            "net_worth": 500000,
            "monthly_income": 15000,
            "dti": 0.25,
            "late_payments_12m": 0,
            "late_payments_36m": 0,
            "worst_dpd_ever": 0,
            "years_employed": 5,
            "income_growth": 0.06,
            "character": "4",
            "reputation": "4",
        },
        expert_comments={"character": "Known for ten years", "reputation": "Clean record"},
    )
    customer.refresh_from_db()
    return customer


# --- Credit facilities ------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_facility_is_proposed_approved_drawn_within_its_limit_frozen_and_lifted(
    browser_page, open_as, cast, settings, language
):
    settings.BUSINESS_DATE = BUSINESS_DATE
    alice, mary, admin = cast["alice"], cast["mary"], cast["admin"]
    for person in (alice, mary, admin):
        speaking(person, language)
    customer = graded(alice, "王小明")
    product = LoanProduct.objects.get(code="CONS-01")
    typed = {customer.name, "Working capital for the year", "Lawsuit reported", "Settled"}

    # alice proposes the facility with a sublimit for the consumer product.
    alice_page = open_as("alice")
    alice_page.visit(f"/customers/{customer.pk}/")
    alice_page.get_by_role("link", name=said(language, "Propose a facility")).click()
    alice_page.locator("[name=kind]").select_option("revolving")
    alice_page.locator("[name=limit]").fill("150000")
    alice_page.locator("[name=start_date]").fill("2026-01-01")
    alice_page.locator("[name=expiry_date]").fill("2027-12-31")
    alice_page.locator("[name=review_date]").fill("2026-12-31")
    alice_page.locator("[name=reason]").fill("Working capital for the year")
    alice_page.locator(f"[name=sublimit_{product.pk}]").fill("140000")
    keep_screenshot(alice_page, language, "facility-propose")
    alice_page.get_by_role("button", name=said(language, "Propose"), exact=True).click()
    alice_page.wait_for_url(re.compile(r".*/facilities/\d+/$"))
    facility = CreditFacility.objects.get(customer=customer)
    assert facility.status == FacilityStatus.PROPOSED
    expect(alice_page.get_by_test_id("limit")).to_have_text("¥150,000.00")
    expect(alice_page.get_by_test_id("sublimits")).to_contain_text("¥140,000.00")
    # The proposer has no button to approve her own facility.
    expect(
        alice_page.get_by_role("button", name=said(language, "Approve"), exact=True)
    ).to_have_count(0)
    assert_reads_as_words(alice_page, language, typed)

    # mary approves it; alice activates it once the agreement is signed.
    mary_page = open_as("mary", landing=r".*/dashboard/$")
    mary_page.visit(f"/credit/facilities/{facility.pk}/")
    mary_page.get_by_role("button", name=said(language, "Approve"), exact=True).click()
    expect(mary_page.get_by_test_id("status")).to_have_text(
        label(language, FacilityStatus.APPROVED)
    )
    alice_page.visit(f"/credit/facilities/{facility.pk}/")
    alice_page.get_by_role("button", name=said(language, "Activate (agreement signed)")).click()
    facility.refresh_from_db()
    assert (facility.status, facility.approved_by) == (FacilityStatus.ACTIVE, mary)

    # A first drawing of 100,000 is approved; a second of 100,000 is beyond what is left.
    first = make_application(alice, customer, product, amount="100000")
    first = lending_services.application_update(
        actor=alice, application=first, changes={"facility": facility}
    )
    lending_services.application_submit(actor=alice, application=first)
    lending_services.application_approve(
        actor=mary,
        application=Application.objects.get(pk=first.pk),
        amount=Decimal("100000"),
        term_months=12,
        rate=Decimal("0.0435"),
    )
    second = make_application(alice, customer, product, amount="100000")
    second = lending_services.application_update(
        actor=alice, application=second, changes={"facility": facility}
    )
    alice_page.visit(f"/credit/applications/{second.pk}/")
    expect(alice_page.get_by_test_id("facility")).to_contain_text("¥50,000.00")
    alice_page.get_by_role("button", name=said(language, "Submit for review")).click()
    refusal = said(
        language,
        "Facility %(ref)s: requested %(amount)s, available %(available)s of %(limit)s.",
        ref=facility.reference,
        amount=format_money(Decimal("100000")),
        available=format_money(Decimal("50000")),
        limit=format_money(Decimal("150000")),
    )
    expect(alice_page.get_by_text(refusal)).to_be_visible()
    keep_screenshot(alice_page, language, "facility-drawing-refused")
    assert Application.objects.get(pk=second.pk).status == ApplicationStatus.DRAFT

    # The 360 shows the limit, what is used and what is left.
    alice_page.visit(f"/customers/{customer.pk}/")
    panel = alice_page.get_by_test_id("customer-facilities")
    for figure in ("¥150,000.00", "¥100,000.00", "¥50,000.00"):
        expect(panel).to_contain_text(figure)
    keep_screenshot(alice_page, language, "facility-360-panel")

    # mary freezes it; she cannot lift her own freeze; the admin (another manager) does.
    mary_page.visit(f"/credit/facilities/{facility.pk}/")
    mary_page.locator("form[action$='/freeze/'] [name=reason]").fill("Lawsuit reported")
    mary_page.get_by_role("button", name=said(language, "Freeze"), exact=True).click()
    expect(mary_page.get_by_test_id("status")).to_have_text(label(language, FacilityStatus.FROZEN))
    expect(mary_page.get_by_role("button", name=said(language, "Lift the freeze"))).to_have_count(0)
    keep_screenshot(mary_page, language, "facility-frozen")
    assert_reads_as_words(mary_page, language, typed)
    admin_page = open_as("admin", landing=r".*/dashboard/$")
    admin_page.visit(f"/credit/facilities/{facility.pk}/")
    admin_page.locator("form[action$='/unfreeze/'] [name=reason]").fill("Settled")
    admin_page.get_by_role("button", name=said(language, "Lift the freeze")).click()
    expect(admin_page.get_by_test_id("status")).to_have_text(label(language, FacilityStatus.ACTIVE))
    facility.refresh_from_db()
    assert (facility.status, facility.frozen_by) == (FacilityStatus.ACTIVE, None)


# --- Related parties and the group page --------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_alice_records_a_related_party_and_reads_the_group_with_its_graph(
    browser_page, open_as, cast, language
):
    from customers.relation_services import group_member_add, group_save
    from customers.relations import CustomerGroup, CustomerRelation, RelationKind
    from tests.customers import factories

    alice, bob, mary = cast["alice"], cast["bob"], cast["mary"]
    for person in (alice, mary):
        speaking(person, language)
    holding = factories.enterprise(alice, name="集团母公司")
    factory = factories.enterprise(alice, name="集团子公司")
    bobs = factories.enterprise(bob, name="鲍勃子公司")
    # Credit management confirmed the group and its limit (the admin's work, not walked here).
    group = group_save(
        actor=mary, group=CustomerGroup(name="华北集团", group_limit=Decimal("5000000.00"))
    )
    for member in (holding, factory, bobs):
        group_member_add(actor=mary, group=group, customer=member)
    typed = {holding.name, factory.name, bobs.name, group.name, "Registry extract of 2026-01-05"}

    alice_page = open_as("alice")
    alice_page.visit(f"/customers/{holding.pk}/")
    alice_page.get_by_role("link", name=said(language, "Record a related party")).click()
    alice_page.locator("[name=side]").select_option("parent_of")
    alice_page.locator("[name=other]").fill(str(factory.pk))
    alice_page.locator("[name=started_on]").fill("2026-01-05")
    alice_page.locator("[name=evidence]").fill("Registry extract of 2026-01-05")
    alice_page.locator("form:has([name=evidence]) button[type=submit]").click()
    alice_page.wait_for_url(re.compile(rf".*/customers/{holding.pk}/(#[\w-]*)?$"))
    relation = CustomerRelation.objects.get()
    assert (relation.from_customer, relation.to_customer, relation.kind) == (
        holding,
        factory,
        RelationKind.PARENT_OF,
    )
    expect(alice_page.get_by_text(said(language, "Parent company of"))).to_be_visible()
    keep_screenshot(alice_page, language, "related-party-recorded")

    # The group page: alice sees her two members, bob's is counted, not named.
    alice_page.get_by_role("link", name=group.name).first.click()
    alice_page.wait_for_url(re.compile(rf".*/groups/{group.pk}/$"))
    members = alice_page.get_by_test_id("group-members")
    expect(members).to_contain_text(holding.name)
    expect(members).to_contain_text(factory.name)
    expect(members).not_to_contain_text(bobs.name)
    with translation.override(language):
        hidden = translation.ngettext(
            "%(count)s member is outside your view and not listed.",
            "%(count)s members are outside your view and not listed.",
            1,
        ) % {"count": 1}
    expect(alice_page.get_by_test_id("hidden-members")).to_have_text(hidden)
    expect(alice_page.get_by_test_id("group-totals")).to_contain_text("¥5,000,000.00")
    # The graph is drawn (ECharts paints a canvas into the chart's box).
    expect(alice_page.locator("[data-group-graph] canvas")).to_have_count(1)
    keep_screenshot(alice_page, language, "group-page-officer")
    assert_reads_as_words(alice_page, language, typed)

    # mary sees every member, nothing hidden.
    mary_page = open_as("mary", landing=r".*/dashboard/$")
    mary_page.visit(f"/risk/groups/{group.pk}/")
    expect(mary_page.get_by_test_id("group-members")).to_contain_text(bobs.name)
    expect(mary_page.get_by_test_id("hidden-members")).to_have_count(0)
    keep_screenshot(mary_page, language, "group-page-manager")


# --- Approval authority -----------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_beyond_the_branch_managers_authority_mary_recommends_and_the_committee_decides(
    browser_page, open_as, cast, settings, language
):
    from accounts.models import Branch, Role, User
    from lending.models import ApprovalRoute, AuthorityHolder, AuthorityLevel, AuthorityRule

    settings.BUSINESS_DATE = BUSINESS_DATE
    alice, bob, mary = cast["alice"], cast["bob"], cast["mary"]
    # The branch manager's authority lowered to ¥50,000, as an admin would set the matrix.
    AuthorityRule.objects.filter(level__code="branch_manager").update(max_amount=Decimal("50000"))
    north = Branch.objects.get(code="NORTH")
    nina = User.objects.create_user(
        username="nina", password=DEMO_PASSWORD, role=Role.MANAGER, branch=north, first_name="Nina"
    )
    ned = User.objects.create_user(
        username="ned", password=DEMO_PASSWORD, role=Role.MANAGER, branch=north, first_name="Ned"
    )
    committee_level = AuthorityLevel.objects.get(code="branch_committee")
    for member in (nina, ned, bob):
        AuthorityHolder.objects.create(level=committee_level, user=member, branch=north)
    for person in (alice, mary, nina):
        speaking(person, language)
    customer = graded(alice, "王小明")
    product = LoanProduct.objects.get(code="CONS-01")
    application = make_application(alice, customer, product, amount="100000")
    lending_services.application_submit(actor=alice, application=application)
    typed = {customer.name, "Beyond my limit", "Minutes 12/2026", "Home renovation", "Ned", "Nina"}
    typed |= {"Bob Li", "Mary Chen", "Alice Wang"}
    with translation.override(language):
        manager_level = str(AuthorityLevel.objects.get(code="branch_manager"))
        committee_name = str(committee_level)

    # mary cannot approve: the page offers a recommendation, which she makes.
    mary_page = open_as("mary", landing=r".*/dashboard/$")
    mary_page.visit(f"/credit/applications/{application.pk}/")
    recommendation = mary_page.get_by_test_id("recommendation")
    expect(recommendation).to_contain_text(manager_level)
    expect(mary_page.locator("form[action$='/approve/']")).to_have_count(0)
    recommendation.get_by_label(said(language, "Recommend approval")).check()
    recommendation.locator("[name=reason]").fill("Beyond my limit")
    keep_screenshot(mary_page, language, "authority-recommend")
    recommendation.get_by_role("button", name=said(language, "Recommend"), exact=True).click()
    expect(mary_page.get_by_test_id("waiting-level")).to_contain_text(committee_name)

    # The pipeline says where it waits and for how long.
    from django.utils import timezone

    ApprovalRoute.objects.filter(application=application).update(
        waiting_since=timezone.now() - dt.timedelta(days=3, hours=1)
    )
    mary_page.visit("/credit/applications/")
    waits = mary_page.get_by_test_id("waits-at").first
    expect(waits).to_contain_text(committee_name)
    with translation.override(language):
        from django.utils.timesince import timesince

        waited = timesince(timezone.now() - dt.timedelta(days=3, hours=1))
    expect(waits).to_contain_text(waited)
    keep_screenshot(mary_page, language, "authority-pipeline")
    assert_reads_as_words(mary_page, language, typed)

    # nina records the committee's vote: approved.
    nina_page = open_as("nina", landing=r".*/dashboard/$")
    nina_page.visit(f"/credit/applications/{application.pk}/")
    vote = nina_page.get_by_test_id("committee-vote")
    for member in (nina, ned, bob):
        vote.locator(f"[name=members_present][value='{member.pk}']").check()
    vote.locator("[name=votes_for]").fill("3")
    vote.locator("[name=votes_against]").fill("0")
    vote.locator("[name=amount]").fill("100000")
    vote.locator("[name=term_months]").fill("12")
    vote.locator("[name=rate]").fill("4.35")
    vote.locator("[name=reason]").fill("Minutes 12/2026")
    keep_screenshot(nina_page, language, "authority-committee-vote")
    vote.get_by_role("button", name=said(language, "Record the vote")).click()
    expect(nina_page.get_by_test_id("status")).to_have_text(
        label(language, ApplicationStatus.APPROVED)
    )
    expect(nina_page.get_by_test_id("approval-steps")).to_contain_text(committee_name)
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.APPROVED
    assert_reads_as_words(nina_page, language, typed)


# --- Credit bureau ----------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_alice_records_a_bureau_consent_enters_a_report_and_reads_it_masked(
    browser_page, open_as, cast, settings, language
):
    from credit.bureau import BureauReport
    from tests.credit.bureau_book import ACCOUNT_NUMBER, TODAY
    from tests.customers import factories

    settings.BUSINESS_DATE = TODAY
    alice = speaking(cast["alice"], language)
    customer = factories.individual(alice, name="王征信")
    typed = {customer.name, "AUTH-7", "PBOC-2026-0042", "招商银行"}

    # Without a consent the report form refuses, and says what to do.
    alice_page = open_as("alice")
    alice_page.visit(f"/credit/customers/{customer.pk}/bureau/reports/new/")
    expect(alice_page.get_by_test_id("bureau-refused")).to_have_text(
        said(
            language,
            "There is no credit bureau consent on file for this customer: record one first.",
        )
    )
    expect(alice_page.locator("[name=reference]")).to_have_count(0)
    keep_screenshot(alice_page, language, "bureau-refused-without-consent")
    assert_reads_as_words(alice_page, language, typed)

    # alice records the consent from the 360, then enters the report.
    alice_page.visit(f"/customers/{customer.pk}/")
    alice_page.get_by_role("link", name=said(language, "Record a consent")).click()
    alice_page.locator("[name=signed_on]").fill("2026-11-01")
    alice_page.locator("[name=scope]").select_option("both")
    alice_page.locator("[name=document_reference]").fill("AUTH-7")
    alice_page.locator("[name=valid_until]").fill("2027-10-31")
    alice_page.get_by_role("button", name=said(language, "Save"), exact=True).click()
    expect(alice_page.get_by_test_id("bureau-consent")).to_contain_text("AUTH-7")
    alice_page.get_by_role("link", name=said(language, "Enter a report")).click()
    alice_page.locator("[name=source]").select_option("pboc")
    alice_page.locator("[name=reference]").fill("PBOC-2026-0042")
    alice_page.locator("[name=report_date]").fill("2026-11-10")
    alice_page.locator("[name=valid_until]").fill("2026-12-10")
    alice_page.locator("[name=subject_identifier]").fill(customer.resident_id)
    for field, value in (
        ("overdue_m1_24m", "2"),
        ("overdue_m2_24m", "0"),
        ("overdue_m3_plus_24m", "0"),
        ("enquiries_6m", "3"),
        ("court_enforcements", "0"),
        ("tax_arrears", "0"),
    ):
        alice_page.locator(f"[name={field}]").fill(value)
    alice_page.locator("[name=worst_status]").select_option("m1")
    alice_page.locator("[name=accounts-0-lender]").fill("招商银行")
    alice_page.locator("[name=accounts-0-account_type]").select_option("credit_card")
    alice_page.locator("[name=accounts-0-account_number]").fill(ACCOUNT_NUMBER)
    alice_page.locator("[name=accounts-0-limit]").fill("50000")
    alice_page.locator("[name=accounts-0-balance]").fill("12000")
    alice_page.locator("[name=accounts-0-monthly_payment]").fill("1200")
    keep_screenshot(alice_page, language, "bureau-report-form")
    alice_page.get_by_role("button", name=said(language, "Save"), exact=True).click()
    alice_page.wait_for_url(re.compile(r".*/bureau-reports/\d+/$"))
    report = BureauReport.objects.get(customer=customer)
    assert (report.reference, report.overdue_m1_24m, report.worst_status) == (
        "PBOC-2026-0042",
        2,
        "m1",
    )

    # The report page masks the account and ID numbers.
    shown = alice_page.content()
    assert ACCOUNT_NUMBER not in shown and customer.resident_id not in shown
    expect(alice_page.get_by_text("*" * 15 + ACCOUNT_NUMBER[-4:])).to_be_visible()
    expect(alice_page.locator("body")).to_contain_text("¥1,200.00")
    keep_screenshot(alice_page, language, "bureau-report-masked")
    assert_reads_as_words(alice_page, language, typed)


# --- Watch-list screening ---------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_screening_hit_blocks_the_application_until_two_people_clear_it(
    browser_page, open_as, cast, settings, language
):
    from customers.models import HitStatus, ScreeningHit
    from customers.screening import BLOCK_MESSAGE
    from tests.customers.test_screening import import_list

    settings.BUSINESS_DATE = BUSINESS_DATE
    alice, cora, mary = cast["alice"], cast["cora"], cast["mary"]
    for person in (alice, cora, mary):
        speaking(person, language)
    import_list(cora, "UN-1,張偉,Zhang Wei,,,UN,2026-10-01")
    customer = graded(alice, "张伟")
    hit = ScreeningHit.objects.get(customer=customer)
    application = make_application(alice, customer, LoanProduct.objects.get(code="CONS-01"))
    reason = "Different birth date on the passport"
    typed = {customer.name, "張偉", "Zhang Wei", "UN-1", "UN", reason, "Cora"}

    # While the hit is open alice's application cannot be submitted.
    alice_page = open_as("alice")
    alice_page.visit(f"/credit/applications/{application.pk}/")
    submit = said(language, "Submit for review")
    alice_page.get_by_role("button", name=submit).click()
    with translation.override(language):
        blocked = str(BLOCK_MESSAGE)
    expect(alice_page.get_by_text(blocked)).to_be_visible()
    keep_screenshot(alice_page, language, "screening-blocks-application")
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.DRAFT

    # cora finds the hit in her queue and proposes clearing it: she cannot decide it herself.
    cora_page = open_as("cora", landing=r".*/dashboard/$")
    cora_page.visit("/customers/screening/")
    cora_page.get_by_test_id("screening-hits").get_by_role("link", name=customer.name).click()
    keep_screenshot(cora_page, language, "screening-hit")
    cora_page.get_by_test_id("clearing-form").locator("[name=reason]").fill(reason)
    cora_page.get_by_role("button", name=said(language, "Propose clearing")).click()
    expect(cora_page.get_by_test_id("clear-reason")).to_have_text(reason)
    expect(cora_page.get_by_test_id("decision-form")).to_have_count(0)
    assert_reads_as_words(cora_page, language, typed)

    # mary, the branch manager, approves the clearing.
    mary_page = open_as("mary", landing=r".*/dashboard/$")
    mary_page.visit(f"/customers/screening/hits/{hit.pk}/")
    decision = mary_page.get_by_test_id("decision-form")
    decision.locator("[name=decision]").select_option("approve")
    decision.get_by_role("button", name=said(language, "Record the decision")).click()
    expect(mary_page.get_by_test_id("hit-status")).to_have_text(label(language, HitStatus.CLEARED))
    keep_screenshot(mary_page, language, "screening-hit-cleared")
    hit.refresh_from_db()
    assert (hit.status, hit.clear_proposed_by, hit.cleared_by) == (HitStatus.CLEARED, cora, mary)

    # Now alice's application goes through.
    alice_page.visit(f"/credit/applications/{application.pk}/")
    alice_page.get_by_role("button", name=submit).click()
    expect(alice_page.get_by_test_id("status")).to_have_text(
        label(language, ApplicationStatus.SUBMITTED)
    )
