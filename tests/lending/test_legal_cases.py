"""Legal cases (法律诉讼, issue 24) from the outsider's side: from a collection case in the
legal stage the collector records the filing, then the judgment, the enforcement, the assets
preserved, the costs and the recoveries. A recovery is booked on the loan (a repayment while
it is on the book, a recovery on its write-off record once written off) and counts once in
the collections page's recoveries. Every step is audited; bad input answers 400 next to the
field and writes nothing; the other branch gets 404.

The loan (alice's customer, ¥120,000 over 24 months from 10 January 2025, never repaid) is
well past 90 days on the business date 1 September 2026: its case is in the legal stage."""

# ruff: noqa: F811 (fixtures imported for pytest are the parameters of the tests)
import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from lending.models import (
    CollectionCase,
    LegalAsset,
    LegalCase,
    LegalCost,
    LegalRecovery,
    Loan,
    Repayment,
    WriteOffRecovery,
)
from lending.services.collections import collection_cases_refresh
from tests.lending.test_write_off import (  # noqa: F401
    LATE_ENOUGH,
    lost_loan,
    ready_loan,
    written_off,
)

D = Decimal
FILING = {
    "court": "北京市朝阳区人民法院",
    "case_number": "(2026)京0105民初1234号",
    "filed_on": "2026-08-20",
    "claim_amount": "130000",
}


def night(on: dt.date) -> None:
    collection_cases_refresh(first_id=1, last_id=10**9, on=on)


@pytest.fixture
def case(ready_loan):
    night(LATE_ENOUGH)
    case = CollectionCase.objects.get(loan=ready_loan, status="open")
    assert case.stage.code == "legal"
    return case


def file_case(client, case, **changes):
    return client.post(reverse("lending:legal-case-open", args=[case.pk]), {**FILING, **changes})


def step(client, legal_case, name, data):
    return client.post(reverse("lending:legal-case-step", args=[legal_case.pk, name]), data)


def legal_events() -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type="lending.legalcase")
        .order_by("id")
        .values_list("action", flat=True)
    )


@pytest.fixture
def legal_case(client_for, alice, case):
    assert file_case(client_for(alice), case).status_code == 302
    return LegalCase.objects.get(collection_case=case)


def test_a_collector_files_the_legal_case_of_a_case_in_the_legal_stage(client_for, alice, case):
    client = client_for(alice)
    page = client.get(reverse("lending:collection-case", args=[case.pk])).content.decode()
    assert 'data-testid="legal-case-form"' in page

    response = file_case(client, case)

    legal_case = LegalCase.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("lending:legal-case", args=[legal_case.pk])
    assert (legal_case.collection_case, legal_case.loan_id, legal_case.customer_id) == (
        case,
        case.loan_id,
        case.customer_id,
    )
    assert (legal_case.filed_on, legal_case.claim_amount) == (dt.date(2026, 8, 20), D("130000"))
    assert legal_events() == ["lending.legal_case.filed"]
    event = AuditEvent.objects.get(action="lending.legal_case.filed")
    assert (event.actor, event.after["case_number"]) == (alice, FILING["case_number"])
    page = client.get(reverse("lending:collection-case", args=[case.pk])).content.decode()
    assert 'data-testid="legal-case-link"' in page
    # One legal case per collection case.
    assert file_case(client, case, case_number="(2026)京0105民初9999号").status_code == 400
    assert LegalCase.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"court": " "}, "This field is required."),
        ({"filed_on": "2026-09-02"}, "It cannot be in the future"),
        ({"filed_on": "2024-12-31"}, "A case cannot be filed before the loan was disbursed."),
        ({"claim_amount": "0"}, "Ensure this value is greater than or equal to 0.01."),
        ({"claim_amount": "many"}, "Enter a number."),
        ({"filed_on": "2026-02-30"}, "Enter a valid date."),
    ],
)
def test_a_bad_filing_is_refused_next_to_the_field(client_for, alice, case, changes, message):
    response = file_case(client_for(alice), case, **changes)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not LegalCase.objects.exists()
    assert legal_events() == []


def test_a_case_before_the_legal_stage_files_no_legal_case(client_for, alice, ready_loan):
    night(dt.date(2025, 3, 20))  # 38 days past due: calls and visits
    case = CollectionCase.objects.get(loan=ready_loan)
    assert case.stage.code == "calls_visits"
    client = client_for(alice)
    page = client.get(reverse("lending:collection-case", args=[case.pk])).content.decode()
    assert 'data-testid="legal-case-form"' not in page

    response = file_case(client, case)

    assert response.status_code == 400
    assert "A legal case is filed from an open case in the legal stage." in (
        response.content.decode()
    )
    assert not LegalCase.objects.exists()


def test_judgment_enforcement_assets_and_costs_are_recorded_and_audited(
    client_for, alice, legal_case
):
    client = client_for(alice)
    # Enforcement waits for the judgment.
    response = step(
        client, legal_case, "enforcement", {"status": "applied", "enforcement_on": "2026-08-30"}
    )
    assert response.status_code == 400
    assert "Record the judgment before its enforcement." in response.content.decode()

    assert (
        step(
            client,
            legal_case,
            "judgment",
            {"judgment_on": "2026-08-25", "amount_awarded": "125000"},
        ).status_code
        == 302
    )
    assert (
        step(
            client,
            legal_case,
            "enforcement",
            {"status": "under_way", "enforcement_on": "2026-08-30"},
        ).status_code
        == 302
    )
    assert (
        step(
            client,
            legal_case,
            "asset",
            {"description": "房产一套（朝阳区）", "value": "800000", "preserved_on": "2026-08-10"},
        ).status_code
        == 302
    )
    assert (
        step(
            client,
            legal_case,
            "cost",
            {"description": "诉讼费", "amount": "2900.50", "paid_on": "2026-08-20"},
        ).status_code
        == 302
    )

    legal_case.refresh_from_db()
    assert (legal_case.judgment_on, legal_case.amount_awarded) == (
        dt.date(2026, 8, 25),
        D("125000"),
    )
    assert (legal_case.enforcement_status, legal_case.enforcement_on) == (
        "under_way",
        dt.date(2026, 8, 30),
    )
    assert list(LegalAsset.objects.values_list("description", "value")) == [
        ("房产一套（朝阳区）", D("800000"))
    ]
    assert list(LegalCost.objects.values_list("description", "amount")) == [
        ("诉讼费", D("2900.50"))
    ]
    assert legal_events() == [
        "lending.legal_case.filed",
        "lending.legal_case.judgment_recorded",
        "lending.legal_case.enforcement_recorded",
        "lending.legal_case.asset_preserved",
        "lending.legal_case.cost_recorded",
    ]
    page = client.get(reverse("lending:legal-case", args=[legal_case.pk])).content.decode()
    assert "Enforcement under way" in page
    assert "房产一套（朝阳区）" in page and "诉讼费" in page


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "judgment",
            {"judgment_on": "2026-08-19", "amount_awarded": "1"},
            "A judgment cannot come before the filing.",
        ),
        (
            "judgment",
            {"judgment_on": "2026-09-05", "amount_awarded": "1"},
            "It cannot be in the future",
        ),
        (
            "judgment",
            {"judgment_on": "2026-08-25", "amount_awarded": "-1"},
            "Ensure this value is greater than or equal to 0.",
        ),
        (
            "asset",
            {"description": " ", "value": "1", "preserved_on": "2026-08-10"},
            "This field is required.",
        ),
        (
            "asset",
            {"description": "车", "value": "0", "preserved_on": "2026-08-10"},
            "Ensure this value is greater than or equal to 0.01.",
        ),
        (
            "cost",
            {"description": "律师费", "amount": "10", "paid_on": ""},
            "This field is required.",
        ),
        (
            "recovery",
            {"amount": "100", "received_on": "2026-09-01", "reference": " "},
            "This field is required.",
        ),
        (
            "recovery",
            {"amount": "100", "received_on": "2026-09-09", "reference": "R"},
            "It cannot be in the future",
        ),
    ],
)
def test_a_bad_step_is_refused_next_to_the_field_and_changes_nothing(
    client_for, alice, legal_case, name, data, message
):
    before = LegalCase.objects.values().get()

    response = step(client_for(alice), legal_case, name, data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert LegalCase.objects.values().get() == before
    assert not LegalAsset.objects.exists() and not LegalCost.objects.exists()
    assert not LegalRecovery.objects.exists() and not Repayment.objects.exists()
    assert legal_events() == ["lending.legal_case.filed"]


def test_a_recovery_on_the_book_is_a_repayment_counted_once(client_for, alice, mary, legal_case):
    client = client_for(alice)
    response = step(
        client,
        legal_case,
        "recovery",
        {"amount": "5000", "received_on": "2026-09-01", "reference": "COURT-1"},
    )
    assert response.status_code == 302

    repayment = Repayment.objects.get()
    assert (repayment.loan_id, repayment.amount, repayment.reference) == (
        legal_case.loan_id,
        D("5000"),
        "COURT-1",
    )
    assert repayment.allocations.exists()
    recovery = LegalRecovery.objects.get()
    assert (recovery.repayment, recovery.write_off_recovery, recovery.amount) == (
        repayment,
        None,
        D("5000"),
    )
    assert "lending.legal_case.recovery_recorded" in legal_events()
    assert AuditEvent.objects.filter(action="credit.repayment.posted").count() == 1
    # The same receipt again is refused by the repayment's own check.
    again = step(
        client,
        legal_case,
        "recovery",
        {"amount": "5000", "received_on": "2026-09-01", "reference": "COURT-1"},
    )
    assert again.status_code == 400
    assert LegalRecovery.objects.count() == 1

    kpis = client_for(mary).get(reverse("lending:collection-queue")).context["kpis"]
    assert (kpis["recovered"], kpis["legal_recovered"]) == (D("5000"), D("5000"))


def test_a_recovery_after_the_write_off_is_recorded_on_its_record(
    client_for, alice, mary, rita, legal_case
):
    record = written_off(client_for, alice, rita, legal_case.loan)
    night(LATE_ENOUGH)  # the collection case closes; the legal case goes on
    assert CollectionCase.objects.get().close_reason == "written_off"

    response = step(
        client_for(alice),
        legal_case,
        "recovery",
        {"amount": "7000", "received_on": "2026-09-01", "reference": "COURT-2"},
    )

    assert response.status_code == 302
    record.refresh_from_db()
    assert record.recovered == D("7000")
    recovery = LegalRecovery.objects.get()
    assert recovery.write_off_recovery == WriteOffRecovery.objects.get(record=record)
    assert recovery.repayment is None and not Repayment.objects.exists()
    assert Loan.objects.get(pk=legal_case.loan_id).status == "written_off"
    kpis = client_for(mary).get(reverse("lending:collection-queue")).context["kpis"]
    assert (kpis["recovered"], kpis["legal_recovered"]) == (D("7000"), D("7000"))


def test_the_other_branch_gets_404_and_changes_nothing(client_for, charlie, case, legal_case):
    client = client_for(charlie)
    assert client.get(reverse("lending:legal-case", args=[legal_case.pk])).status_code == 404
    assert file_case(client, case, case_number="X-1").status_code == 404
    for name, data in (
        ("judgment", {"judgment_on": "2026-08-25", "amount_awarded": "1"}),
        ("recovery", {"amount": "100", "received_on": "2026-09-01", "reference": "X"}),
    ):
        assert step(client, legal_case, name, data).status_code == 404
    assert client.get(reverse("lending:legal-case", args=[10**6])).status_code == 404
    legal_case.refresh_from_db()
    assert legal_case.judgment_on is None
    assert not LegalRecovery.objects.exists() and not Repayment.objects.exists()
    assert legal_events() == ["lending.legal_case.filed"]


def test_a_filed_legal_case_is_evidence_enough_for_the_write_off(client_for, alice, lost_loan):
    from lending.models import WriteOffProposal
    from tests.lending.test_write_off import propose

    # No collection contact recorded: the write-off is refused, with the ways to qualify.
    client = client_for(alice)
    refused = propose(client, lost_loan)
    assert refused.status_code == 400
    assert "a legal case filed over the loan" in refused.content.decode()

    night(LATE_ENOUGH)
    case = CollectionCase.objects.get(loan=lost_loan, status="open")
    assert file_case(client, case).status_code == 302

    assert propose(client, lost_loan).status_code == 302
    assert WriteOffProposal.objects.get(loan=lost_loan).legal_steps == 1
