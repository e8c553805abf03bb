"""Credit bureau reports: no report is recorded or opened without the customer's consent in
force, bad input is refused next to its field with nothing written, account and ID numbers
are shown masked, every opening is audited, and outsiders get 404."""

import datetime as dt

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from credit.bureau import BureauAccount, BureauConsent, BureauReport
from tests.credit.bureau_book import ACCOUNT_NUMBER, TODAY, consent, report
from tests.customers import factories


@pytest.fixture(autouse=True)
def _today(settings):
    settings.BUSINESS_DATE = TODAY


@pytest.fixture
def customer(alice):
    return factories.individual(alice, name="王征信")


def _report_post(customer, **changes):
    data = {
        "source": "pboc",
        "reference": "PBOC-2026-0042",
        "report_date": "2026-11-10",
        "valid_until": "2026-12-10",
        "subject_identifier": customer.resident_id,
        "overdue_m1_24m": "2",
        "overdue_m2_24m": "0",
        "overdue_m3_plus_24m": "0",
        "enquiries_6m": "3",
        "worst_status": "m1",
        "court_enforcements": "0",
        "tax_arrears": "0",
        "accounts-TOTAL_FORMS": "2",
        "accounts-INITIAL_FORMS": "0",
        "accounts-MIN_NUM_FORMS": "0",
        "accounts-MAX_NUM_FORMS": "1000",
        "accounts-0-lender": "招商银行",
        "accounts-0-account_type": "credit_card",
        "accounts-0-account_number": ACCOUNT_NUMBER,
        "accounts-0-limit": "50000",
        "accounts-0-balance": "12000",
        "accounts-0-monthly_payment": "1200",
        "accounts-0-overdue_amount": "0",
        "accounts-1-overdue_amount": "0",
    }
    data.update(changes)
    return data


def test_no_report_can_be_entered_without_a_consent(client_for, alice, customer):
    client = client_for(alice)
    page = client.get(reverse("credit:bureau-report-add", args=[customer.pk]))
    assert page.status_code == 403
    assert "There is no credit bureau consent on file" in page.content.decode()
    sent = client.post(
        reverse("credit:bureau-report-add", args=[customer.pk]), _report_post(customer)
    )
    assert sent.status_code == 403
    imported = client.get(reverse("credit:bureau-report-import", args=[customer.pk]))
    assert imported.status_code == 403
    assert not BureauReport.objects.exists()


def test_officer_records_a_consent_then_a_report_by_form(client_for, alice, customer):
    client = client_for(alice)
    consent_url = reverse("credit:bureau-consent-add", args=[customer.pk])
    refused = client.post(
        consent_url,
        {
            "signed_on": "2026-11-01",
            "scope": "both",
            "document_reference": "AUTH-7",
            "valid_until": "2026-10-01",
        },
    )
    assert refused.status_code == 400
    assert "A consent cannot end before it was signed." in refused.content.decode()
    assert not BureauConsent.objects.exists()
    saved = client.post(
        consent_url,
        {
            "signed_on": "2026-11-01",
            "scope": "both",
            "document_reference": "AUTH-7",
            "valid_until": "2027-10-31",
        },
    )
    assert saved.status_code == 302
    assert AuditEvent.objects.filter(action="credit.bureau_consent.recorded").count() == 1

    response = client.post(
        reverse("credit:bureau-report-add", args=[customer.pk]), _report_post(customer)
    )
    assert response.status_code == 302
    stored = BureauReport.objects.get()
    assert (stored.customer, stored.consent.document_reference) == (customer, "AUTH-7")
    assert (stored.overdue_m1_24m, stored.worst_status, stored.channel) == (2, "m1", "form")
    # The one filled account row; the empty spare row is no account.
    assert list(stored.accounts.values_list("lender", "monthly_payment")) == [("招商银行", 1200)]
    recorded = AuditEvent.objects.get(action="credit.bureau_report.recorded")
    assert recorded.after["accounts"] == 1
    # Account and ID numbers stay out of the trail.
    assert ACCOUNT_NUMBER not in str(recorded.after)
    assert customer.resident_id not in str(recorded.after)


@pytest.mark.parametrize(
    ("changes", "field_message"),
    [
        ({"worst_status": "normal"}, "the worst status is not normal"),
        ({"subject_identifier": "11010519491231002X"}, "This ID number is not the customer"),
        ({"valid_until": "2026-11-01"}, "A report cannot expire before its date."),
        ({"report_date": "2026-12-01"}, "It cannot be in the future"),
        ({"accounts-0-balance": "-5"}, "Enter an amount of zero or more."),
        ({"enquiries_6m": "lots"}, "Enter a whole number."),
        # Dated before the consent was signed: queried without authorisation.
        ({"report_date": "2026-09-01", "valid_until": "2026-12-01"}, "before the consent"),
    ],
)
def test_bad_report_input_is_refused_next_to_its_field_and_writes_nothing(
    client_for, alice, customer, changes, field_message
):
    consent(customer, alice, signed_on=dt.date(2026, 10, 1))
    response = client_for(alice).post(
        reverse("credit:bureau-report-add", args=[customer.pk]), _report_post(customer, **changes)
    )
    assert response.status_code == 400
    assert field_message in response.content.decode()
    assert not BureauReport.objects.exists() and not BureauAccount.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="credit.bureau_report").exists()


def test_a_report_claiming_a_million_accounts_is_refused_at_once(client_for, alice, customer):
    # The management form is the client's to write: a forged count must neither build a form
    # per claimed account nor write anything.
    consent(customer, alice, signed_on=dt.date(2026, 10, 1))
    response = client_for(alice).post(
        reverse("credit:bureau-report-add", args=[customer.pk]),
        _report_post(customer, **{"accounts-TOTAL_FORMS": "1000000"}),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Please submit at most 50 forms." in page
    # The page shows at most the fifty accounts a report may hold, not a thousand empty ones.
    assert page.count('name="accounts-') < 60 * 8
    assert not BureauReport.objects.exists() and not BureauAccount.objects.exists()


def test_the_same_report_twice_is_refused(client_for, alice, customer):
    consent(customer, alice)
    client = client_for(alice)
    url = reverse("credit:bureau-report-add", args=[customer.pk])
    assert client.post(url, _report_post(customer)).status_code == 302
    again = client.post(url, _report_post(customer))
    assert again.status_code == 400
    assert "Credit bureau report with this Bureau and Report number already exists." in (
        again.content.decode()
    )
    assert BureauReport.objects.count() == 1


def test_the_report_page_masks_numbers_and_audits_each_opening(client_for, alice, mary, customer):
    consent(customer, alice)
    stored = report(customer, alice)
    url = reverse("credit:bureau-report", args=[stored.pk])
    for user in (alice, mary):
        page = client_for(user).get(url)
        assert page.status_code == 200
        body = page.content.decode()
        assert ACCOUNT_NUMBER not in body and customer.resident_id not in body
        assert "***************4450" in body  # the first account's last four digits
        assert customer.resident_id[:4] + "**********" + customer.resident_id[-4:] in body
        assert "¥84,000.00" not in body  # a yearly figure is the scorecard's, not the page's
        assert "¥7,000.00" in body  # the monthly payments at other lenders, totalled
    viewed = AuditEvent.objects.filter(action="credit.bureau_report.viewed", object_id=stored.pk)
    assert sorted(viewed.values_list("actor__username", flat=True)) == ["alice", "mary"]


def test_an_expired_consent_closes_the_report(client_for, alice, customer, settings):
    consent(customer, alice, signed_on=dt.date(2026, 1, 1), days=330)
    stored = report(customer, alice, report_date=dt.date(2026, 11, 1))
    settings.BUSINESS_DATE = dt.date(2026, 11, 28)  # the consent ran to 2026-11-27
    client = client_for(alice)
    page = client.get(reverse("credit:bureau-report", args=[stored.pk]))
    assert page.status_code == 403
    assert "expired on 2026-11-27" in page.content.decode()
    assert not AuditEvent.objects.filter(action="credit.bureau_report.viewed").exists()
    refused = client.post(
        reverse("credit:bureau-report-add", args=[customer.pk]),
        _report_post(customer, reference="PBOC-2"),
    )
    assert refused.status_code == 403
    assert BureauReport.objects.count() == 1
    panel = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert "expired on 2026-11-27" in panel
    assert reverse("credit:bureau-report", args=[stored.pk]) not in panel


def test_outsiders_get_404_on_every_bureau_page(client_for, alice, charlie, customer):
    consent(customer, alice)
    stored = report(customer, alice)
    client = client_for(charlie)
    for url in (
        reverse("credit:bureau-report", args=[stored.pk]),
        reverse("credit:bureau-report-add", args=[customer.pk]),
        reverse("credit:bureau-report-import", args=[customer.pk]),
        reverse("credit:bureau-consent-add", args=[customer.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("credit:bureau-consent-add", args=[customer.pk])).status_code == 404
    assert not AuditEvent.objects.filter(action="credit.bureau_report.viewed").exists()


def test_the_360_shows_the_consent_and_the_reports(client_for, alice, customer):
    client = client_for(alice)
    before = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert "There is no credit bureau consent on file" in before
    consent(customer, alice)
    stored = report(customer, alice)
    after = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert "valid until 2027-10-19" in after
    assert reverse("credit:bureau-report", args=[stored.pk]) in after
    assert reverse("credit:bureau-report-import", args=[customer.pk]) in after


def test_the_demo_bureau_data_is_idempotent(alice):
    from credit import demo

    for index in range(8):
        factories.individual(
            alice,
            name=f"演示{index}",
            resident_id=factories.resident_id(dt.date(1980 + index, 3, 1)),
        )
    demo.seed_bureau(seed=7)
    reports = list(BureauReport.objects.values_list("customer_id", "reference"))
    assert reports and BureauConsent.objects.count() == len(reports)
    demo.seed_bureau(seed=7)
    assert list(BureauReport.objects.values_list("customer_id", "reference")) == reports
