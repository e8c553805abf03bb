"""Bad input never breaks the product: every form, filter and import answers hostile values
(empty, missing, oversized, wrong types, Unicode edges, injection) with a 4xx or errors next
to the fields, never a 500, and a refused request writes nothing, audit trail included.

One book is built for the whole module (inside a transaction rolled back at the end), and
each request runs in a savepoint rolled back after it, so a request that succeeds cannot
change what the next one meets."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.contrib.messages import constants as message_levels
from django.contrib.messages import get_messages
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.platform import exposure_world
from tests.platform.bad_input import CORPUS, LONG, VALUES, fingerprint, post_url_names, sharp_values

BUSINESS_DATE = dt.date(2025, 2, 20)
HYPOTHESIS = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)


# --- The book ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Every object a form needs, in every state a step needs: customers of both kinds with
    a contact, follow-up and complaint, applications from draft to approved, a disbursed
    loan with collateral and a payment, a risk alert, a scorecard alert, a signal, a saved
    filter, and users with and without a second factor."""
    with (
        django_db_blocker.unblock(),
        override_settings(
            BUSINESS_DATE=BUSINESS_DATE,
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        ),
        transaction.atomic(),
    ):
        objects = _build_world()
        yield objects
        transaction.set_rollback(True)


def _tomorrow() -> dt.date:
    # Follow-ups are planned against the calendar, not the business date.
    from django.utils import timezone

    return timezone.localdate() + dt.timedelta(days=1)


def _build_world() -> dict:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts import services as account_services
    from accounts.demo import seed_cast
    from credit.models import ScorecardAlert, ScorecardVersion
    from customers import services as customer_services
    from customers.models import FollowUp, SavedFilter
    from lending import services as lending_services
    from lending.models import Collateral, LoanProduct
    from risk import jobs
    from risk import services as risk_services
    from risk.models import Alert, ConductAlert, ConductAlertKind, LoanRisk, ManualSignal
    from tests.customers import factories
    from tests.lending.conftest import make_application
    from tests.risk.conftest import GOOD_INPUTS, assessed

    cast = seed_cast()
    alice, mary = cast["alice"], cast["mary"]
    product = LoanProduct.objects.get(code="CONS-01")
    person = assessed(alice, factories.individual(alice, name="王小明"))
    company = factories.enterprise(alice, name="华盛制造有限公司")
    contact = customer_services.contact_save(
        actor=alice,
        contact=company.contacts.model(customer=company, name="李会计", role="CFO"),
    )
    follow_up = customer_services.follow_up_plan(
        actor=alice,
        follow_up=FollowUp(customer=person, owner=alice, purpose="Call back", due_on=_tomorrow()),
    )
    complaint = customer_services.complaint_record(
        actor=alice,
        complaint=person.complaints.model(
            customer=person, category="process", severity="high", description="Slow answer."
        ),
    )

    def application(stage: str):
        app = make_application(alice, person, product)
        if stage == "draft":
            return app
        lending_services.application_submit(actor=alice, application=app)
        if stage == "submitted":
            return app
        lending_services.application_start_review(actor=mary, application=app)
        if stage == "under_review":
            return app
        lending_services.application_approve(
            actor=mary,
            application=app,
            amount=Decimal("100000"),
            term_months=12,
            rate=Decimal("0.0435"),
        )
        return app

    draft, submitted, under_review = (
        application(stage) for stage in ("draft", "submitted", "under_review")
    )
    approved = application("approved")
    # The grade the nightly scan gives the customer asks for collateral before approval.
    lending_services.collateral_add(
        actor=alice,
        collateral=Collateral(
            application=under_review,
            collateral_type="deposit",
            description="Term deposit",
            owner_name="王小明",
            value=Decimal("300000"),
            valued_on=dt.date(2025, 1, 1),
        ),
    )
    secured = make_application(alice, person, product, amount="120000", term=24)
    collateral = lending_services.collateral_add(
        actor=alice,
        collateral=Collateral(
            application=secured,
            collateral_type="real_estate",
            description="Flat",
            owner_name="王小明",
            value=Decimal("300000"),
            valued_on=dt.date(2025, 1, 1),
        ),
    )
    lending_services.application_submit(actor=alice, application=secured)
    lending_services.application_start_review(actor=mary, application=secured)
    lending_services.application_approve(
        actor=mary,
        application=secured,
        amount=Decimal("120000"),
        term_months=24,
        rate=Decimal("0.0435"),
    )
    loan = lending_services.application_disburse(
        actor=mary, application=secured, on=dt.date(2025, 1, 10)
    )
    signal = risk_services.signal_raise(
        actor=alice, signal=ManualSignal(customer=person, kind="lawsuit", note="Court notice")
    )
    # Unpaid since its first instalment of 10 February: the nightly scan raises an alert for
    # the loan, and one for the signal.
    jobs.run_synchronously(jobs.NIGHTLY, BUSINESS_DATE)
    alert = Alert.objects.get(loan=loan, rule__code="dpd_1")
    open_alert = Alert.objects.exclude(pk=alert.pk).filter(customer=person).first()
    repayment = lending_services.repayment_post(
        actor=alice,
        loan=loan,
        amount=Decimal("100"),
        paid_on=BUSINESS_DATE,
        channel="transfer",
        reference="WORLD-1",
        allow_prepayment=False,
    )
    # A second loan with a restructuring and a reversal alice proposed, waiting for mary
    # (four eyes); the first stays free for new proposals.
    proposals_loan = lending_services.loan_import(
        actor=mary,
        customer=person,
        product=product,
        amount=Decimal("50000"),
        annual_rate=Decimal("0.0435"),
        term_months=12,
        disbursed_on=dt.date(2025, 1, 10),
        external_ref="WORLD-PROPOSALS",
    )
    proposed_payment = lending_services.repayment_post(
        actor=alice,
        loan=proposals_loan,
        amount=Decimal("100"),
        paid_on=BUSINESS_DATE,
        channel="transfer",
        reference="WORLD-2",
    )
    restructuring_proposal, _created = lending_services.restructuring_propose(
        actor=alice,
        loan=proposals_loan,
        new_term_months=24,
        new_rate=Decimal("0.0435"),
        reason="Income fell",
    )
    reversal_proposal, _created = lending_services.repayment_reversal_propose(
        actor=alice, repayment=proposed_payment, reason="Posted to the wrong loan"
    )
    version = ScorecardVersion.objects.get(customer_kind="individual", status="published")
    scorecard_alert = ScorecardAlert.objects.create(version=version, month=BUSINESS_DATE, psi=0.3)
    # An alert is resolved once a response is on record.
    risk_services.alert_record_action(
        actor=alice, alert=alert, action="closer_contact", note="Called", interaction=None
    )
    saved_filter = SavedFilter.objects.create(owner=alice, name="Mine", query="q=王")
    # bob tried six identifiers of customers he may not see: mary reviews it (risk.conduct).
    conduct_alert = ConductAlert.objects.create(
        kind=ConductAlertKind.DUPLICATE_PROBING,
        user=cast["bob"],
        branch=cast["bob"].branch,
        day=BUSINESS_DATE,
        identifiers=6,
    )
    # rita put the loan in doubtful, then proposed substandard: it waits for mary.
    loan_risk = LoanRisk.objects.get(loan=loan)
    for loan_class, reason in ((4, "Fraud suspected"), (3, "Partly ruled out")):
        classification_proposal = risk_services.classification_override(
            actor=cast["rita"],
            loan_risk=loan_risk,
            loan_class=loan_class,
            reason=reason,
            until=dt.date(2025, 5, 20),
        )
    # bob has a second factor (he owes the code at log-in); charlie has started setting one up.
    bob_device = account_services.two_factor_enrolment_start(user=cast["bob"])
    bob_device.confirmed = True
    bob_device.save()
    cast["bob"].two_factor_enabled = True
    cast["bob"].save(update_fields=["two_factor_enabled"])
    account_services.two_factor_enrolment_start(user=cast["charlie"])
    assert open_alert is not None and TOTPDevice.objects.filter(user=cast["charlie"]).exists()
    # The person's credit bureau consent, in force on the business date: a report may be
    # entered for them.
    from credit import bureau_services
    from credit.bureau import BureauConsent

    bureau_services.bureau_consent_record(
        actor=cast["alice"],
        consent=BureauConsent(
            customer=person,
            signed_on=dt.date(2025, 1, 1),
            scope="both",
            document_reference="BAD-INPUT-1",
            valid_until=dt.date(2026, 12, 31),
        ),
    )
    return {
        **cast,
        # The forms of the exposure, provisions and post-loan features.
        **exposure_world.build(
            cast, person=person, company=company, loan=loan, product=product, on=BUSINESS_DATE
        ),
        "bob_device": bob_device,
        "product": product,
        "person": person,
        "company": company,
        "contact": contact,
        "follow_up": follow_up,
        "complaint": complaint,
        "draft": draft,
        "submitted": submitted,
        "under_review": under_review,
        "approved": approved,
        "loan": loan,
        "collateral": collateral,
        "repayment": repayment,
        "restructuring_proposal": restructuring_proposal,
        "reversal_proposal": reversal_proposal,
        "alert": alert,
        "open_alert": open_alert,
        "version": version,
        "scorecard_alert": scorecard_alert,
        "signal": signal,
        "saved_filter": saved_filter,
        "conduct_alert": conduct_alert,
        "classification_proposal": classification_proposal,
        "good_inputs": GOOD_INPUTS,
    }


# --- The forms -------------------------------------------------------------------------------


def NO_FIELDS(world) -> dict:
    return {}


@dataclass
class Endpoint:
    """A URL taking a POST: who uses it, on which objects, and a submission it accepts."""

    name: str
    user: str | None
    kwargs: callable = lambda w: {}
    valid: callable = NO_FIELDS
    # Names of fields the form may read beyond the valid submission's.
    extra_fields: tuple = ()
    # What an accepted submission answers.
    success_status: int = 302
    # False where no submission can be built ahead (a code from an authenticator app).
    valid_is_accepted: bool = True
    session: callable = None
    # Tables and audit actions a refusal writes on purpose.
    allowed: frozenset = frozenset()

    def __str__(self) -> str:
        return self.name


def _individual(w):
    from tests.customers import factories

    return {
        "kind": "individual",
        "name": "张三",
        "resident_id": factories.resident_id(),
        "phone": "13800138001",
        "email": "zhang@example.com",
        "address": "北京市东城区",
        "gender": "M",
        "birth_date": "1985-06-15",
        "occupation": "教师",
        "employer": "Example School",
        "monthly_income": "12000.00",
    }


def _assessment(w):
    return {
        **{key: str(value) for key, value in w["good_inputs"].items()},
        "character": "4",
        "reputation": "4",
        "character__comment": "Known for years",
        "reputation__comment": "Clean record",
    }


def _verified_session(w):
    # bob's session after his code: django_otp keeps the device that verified it.
    from django_otp import DEVICE_ID_SESSION_KEY

    return {DEVICE_ID_SESSION_KEY: w["bob_device"].persistent_id}


def _id(w, key):
    return {"pk": w[key].pk}


def _classification_proposal(w):
    return {"loan_pk": w["loan"].pk, "pk": w["classification_proposal"].pk}


def _proposal(kind: str):
    return lambda w: {"pk": w[f"{kind}_proposal"].loan_id, "proposal_pk": w[f"{kind}_proposal"].pk}


# A failed log-in is counted towards the lockout (django-axes), a wrong authenticator code
# is on the audit trail: refusals that write on purpose.
LOCKOUT_RECORDS = frozenset({"axes_accessattempt", "axes_accessfailurelog"})
WRONG_CODE_RECORDS = frozenset(
    {"accounts.user.two_factor_code_rejected", "accounts.user.two_factor_throttled"}
)


class _Upload(io.BytesIO):
    """A file posted again and again: each post reads it whole (the test client reads what
    is left of a file)."""

    def __init__(self, content: bytes, name: str):
        super().__init__(content)
        self.name = name

    def read(self, *args) -> bytes:
        return self.getvalue()


def _inspection(w) -> dict:
    from lending.inspection_forms import checklist_of

    findings = {}
    for index, _item in enumerate(checklist_of(w["inspection"].loan.product)):
        findings[f"result_{index}"] = "satisfactory"
        findings[f"note_{index}"] = "Seen on site"
    return {
        "inspected_on": "2025-02-18",
        "conclusion": "normal",
        "summary": "Stock as declared",
        **findings,
    }


def _committee_vote(w) -> dict:
    return {
        "members_present": [str(w[name].pk) for name in ("nora", "neil", "bob")],
        "votes_for": "3",
        "votes_against": "0",
        "amount": "2000000",
        "term_months": "240",
        "rate": "5",
        "reason": "Minutes 1/2025",
    }


def _facility(w) -> dict:
    return {
        "kind": "revolving",
        "limit": "100000",
        "start_date": "2025-02-20",
        "expiry_date": "2027-02-20",
        "review_date": "2026-02-20",
        "reason": "Working capital",
        f"sublimit_{w['product'].pk}": "50000",
    }


def _facility_id(key: str):
    return lambda w: {"pk": w[key].pk}


# The forms of the exposure, provisions and post-loan features (exposure_world.py builds
# what they post to).
EXPOSURE_ENDPOINTS = [
    Endpoint(
        "customers:relation-add",
        "alice",
        lambda w: _id(w, "company"),
        lambda w: {
            "side": "guarantor_of",
            "other": str(w["person"].pk),
            "started_on": "2024-06-01",
            "evidence": "Guarantee contract",
        },
    ),
    Endpoint(
        "customers:relation-end",
        "alice",
        lambda w: {"pk": w["company"].pk, "relation_pk": w["relation"].pk},
        lambda w: {"ended_on": "2025-02-01"},
    ),
    Endpoint(
        "customers:screening-hit-confirm",
        "cora",
        lambda w: _id(w, "open_hit"),
        lambda w: {"note": "Same passport"},
    ),
    Endpoint(
        "customers:screening-hit-clearing",
        "cora",
        lambda w: _id(w, "open_hit"),
        lambda w: {"reason": "Different birth date on the passport"},
    ),
    Endpoint(
        "customers:screening-hit-decide",
        "colin",
        lambda w: _id(w, "cleared_hit"),
        lambda w: {"decision": "approve"},
    ),
    Endpoint(
        "customers:screening-import",
        "cora",
        valid=lambda w: {
            "file": _Upload(
                b"reference,name,aliases,id_numbers,birth_date,source,list_date\n"
                b"BAD-3,\xe8\xb5\xb5\xe5\x85\xad,,,,UN,2025-01-01\n",
                "list.csv",
            )
        },
        success_status=200,
    ),
    Endpoint(
        "documents:upload",
        "alice",
        lambda w: {"kind": "customer", "owner_pk": w["person"].pk},
        lambda w: {
            "document_type": str(w["document_type"].pk),
            "file": _Upload(exposure_world.PDF, "licence.pdf"),
            "expires_on": "2026-01-31",
            "next": "/today/",
        },
    ),
    Endpoint("documents:delete", "alice", lambda w: _id(w, "document"), lambda w: {"next": "/"}),
    Endpoint(
        "lending:application-recommend",
        "mary",
        lambda w: _id(w, "to_recommend"),
        lambda w: {"recommendation": "approve", "reason": "Beyond my limit"},
    ),
    Endpoint(
        "lending:application-committee-vote",
        "nora",
        lambda w: _id(w, "before_committee"),
        _committee_vote,
    ),
    Endpoint(
        "lending:collection-assign",
        "mary",
        lambda w: _id(w, "collection_case"),
        lambda w: {"collector": str(w["alice"].pk)},
    ),
    Endpoint(
        "lending:collection-contact",
        "alice",
        lambda w: _id(w, "collection_case"),
        lambda w: {
            "channel": "phone",
            "result": "promised",
            "summary": "Will pay on Friday",
            "promise_amount": "500",
            "promise_date": "2025-03-01",
        },
    ),
    Endpoint(
        "lending:legal-case-open",
        "alice",
        lambda w: _id(w, "legal_stage_case"),
        lambda w: {
            "court": "北京市朝阳区人民法院",
            "case_number": "(2025)京0105民初1号",
            "filed_on": "2025-02-20",
            "claim_amount": "12000",
        },
    ),
    Endpoint(
        "lending:legal-case-step",
        "alice",
        lambda w: {"pk": w["legal_case"].pk, "step": "judgment"},
        lambda w: {"judgment_on": "2025-02-20", "amount_awarded": "9000"},
    ),
    Endpoint(
        "lending:customer-reminder-opt-out",
        "alice",
        lambda w: {"customer_pk": w["person"].pk},
        lambda w: {"channel": "sms", "choice": "out"},
    ),
    Endpoint(
        "lending:facility-create",
        "alice",
        lambda w: {"customer_pk": w["person"].pk},
        _facility,
        extra_fields=("collateral", "guarantees"),
    ),
    Endpoint("lending:facility-approve", "mary", _facility_id("proposed_facility")),
    Endpoint("lending:facility-activate", "alice", _facility_id("approved_facility")),
    Endpoint(
        "lending:facility-freeze",
        "alice",
        _facility_id("active_facility"),
        lambda w: {"reason": "Lawsuit reported"},
    ),
    Endpoint(
        "lending:facility-unfreeze",
        "mary",
        _facility_id("frozen_facility"),
        lambda w: {"reason": "The lawsuit was settled"},
    ),
    Endpoint(
        "lending:facility-review",
        "alice",
        _facility_id("active_facility"),
        lambda w: {"reason": "Business as planned"},
    ),
    Endpoint(
        "lending:facility-close",
        "mary",
        _facility_id("active_facility"),
        lambda w: {"reason": "The customer asked"},
    ),
    Endpoint(
        "lending:facility-raise",
        "alice",
        _facility_id("active_facility"),
        lambda w: {"new_limit": "200000", "reason": "Sales doubled"},
    ),
    *(
        Endpoint(
            f"lending:limit-change-{step}",
            "mary",
            lambda w: {"pk": w["raised_facility"].pk, "change_pk": w["limit_change"].pk},
        )
        for step in ("approve", "reject")
    ),
    Endpoint("lending:inspection-detail", "alice", lambda w: _id(w, "inspection"), _inspection),
    Endpoint(
        "lending:write-off-propose",
        "alice",
        lambda w: _id(w, "lost_loan"),
        lambda w: {"reason": "Debtor absconded", "evidence": "Calls logged, no assets found"},
    ),
    Endpoint(
        "lending:write-off-approve",
        "mary",
        lambda w: {"proposal_pk": w["write_off_proposal"].pk},
    ),
    Endpoint(
        "lending:write-off-reject",
        "mary",
        lambda w: {"proposal_pk": w["write_off_proposal"].pk},
        lambda w: {"reason": "Not enough evidence"},
    ),
    Endpoint(
        "lending:write-off-withdraw",
        "alice",
        lambda w: {"proposal_pk": w["write_off_proposal"].pk},
    ),
    Endpoint(
        "lending:write-off-recovery",
        "alice",
        lambda w: _id(w, "written_off"),
        lambda w: {
            "amount": "100",
            "received_on": "2025-02-20",
            "reference": "REC-1",
            "note": "Paid at the counter",
        },
    ),
    Endpoint(
        "lending:write-off-reversal-propose",
        "alice",
        lambda w: _id(w, "written_off"),
        lambda w: {"reversal-reason": "The debtor came back and pays"},
    ),
    Endpoint(
        "lending:write-off-reversal-approve",
        "mary",
        lambda w: {"proposal_pk": w["write_off_reversal"].pk},
    ),
    Endpoint(
        "lending:write-off-reversal-reject",
        "mary",
        lambda w: {"proposal_pk": w["write_off_reversal"].pk},
        lambda w: {"reason": "Not enough evidence"},
    ),
    Endpoint(
        "lending:write-off-reversal-withdraw",
        "alice",
        lambda w: {"proposal_pk": w["write_off_reversal"].pk},
    ),
    Endpoint(
        "risk:group-create",
        "mary",
        valid=lambda w: {"name": "新世纪集团", "group_limit": "1000000", "notes": "Family"},
    ),
    Endpoint(
        "risk:group-edit",
        "mary",
        lambda w: _id(w, "group"),
        lambda w: {"name": "华盛集团", "group_limit": "6000000", "notes": "Limit raised"},
    ),
    Endpoint(
        "risk:group-member-add",
        "mary",
        lambda w: _id(w, "group"),
        lambda w: {"customer": str(w["subsidiary"].pk)},
    ),
    Endpoint(
        "risk:group-member-remove",
        "mary",
        lambda w: {"pk": w["group"].pk, "customer_pk": w["company"].pk},
    ),
    Endpoint("risk:provision-run", "rita", valid=lambda w: {"month": "2025-01"}),
]

ENDPOINTS = [
    # Customers
    Endpoint("customers:create", "alice", valid=_individual, extra_fields=("officer", "tags")),
    Endpoint(
        "customers:edit",
        "alice",
        lambda w: _id(w, "person"),
        lambda w: {**_individual(w), "name": "王小明二"},
        extra_fields=("tags",),
    ),
    Endpoint(
        "customers:transfer",
        "mary",
        lambda w: _id(w, "person"),
        lambda w: {"to_officer": w["bob"].pk, "reason": "Alice moves to another branch"},
    ),
    Endpoint(
        "customers:reveal",
        "alice",
        lambda w: _id(w, "person"),
        lambda w: {"reason": "call"},
        success_status=200,
    ),
    Endpoint(
        "customers:contact-add",
        "alice",
        lambda w: _id(w, "company"),
        lambda w: {"name": "王经理", "role": "CEO", "phone": "13900139000", "email": "w@e.cn"},
        extra_fields=("is_primary",),
    ),
    Endpoint(
        "customers:contact-edit",
        "alice",
        lambda w: {"pk": w["company"].pk, "contact_pk": w["contact"].pk},
        lambda w: {"name": "李会计", "role": "CFO", "phone": "13900139001", "is_primary": "on"},
        extra_fields=("email",),
    ),
    Endpoint(
        "customers:needs-add",
        "alice",
        lambda w: _id(w, "person"),
        lambda w: {
            "products_of_interest": "Mortgage",
            "amount": "500000",
            "term_months": "240",
            "purpose": "A flat",
            "risk_appetite": "balanced",
            "preferred_channel": "phone",
            "recorded_on": "2025-02-01",
        },
    ),
    Endpoint(
        "customers:interaction-add",
        "alice",
        lambda w: _id(w, "person"),
        lambda w: {
            "channel": "phone",
            "direction": "outbound",
            "occurred_at": "2025-02-01T10:00",
            "summary": "Talked about the renewal",
            "outcome": "Interested",
            "next_step": "Send the offer",
        },
        extra_fields=("completes_follow_up",),
    ),
    Endpoint(
        "customers:follow-up-add",
        "alice",
        lambda w: _id(w, "person"),
        lambda w: {"kind": "call", "purpose": "Renewal", "due_on": _tomorrow().isoformat()},
        extra_fields=("owner",),
    ),
    Endpoint(
        "customers:follow-up-complete",
        "alice",
        lambda w: {"pk": w["person"].pk, "follow_up_pk": w["follow_up"].pk},
        lambda w: {"outcome": "Reached her", "channel": "phone", "next": "today"},
    ),
    Endpoint(
        "customers:follow-up-undo",
        "alice",
        lambda w: {"pk": w["person"].pk, "follow_up_pk": w["follow_up"].pk},
        lambda w: {"next": "today"},
        # Undo reads no field: it takes back what the same person marked done today, which
        # the walk's world has not (the refusal is tested in
        # tests/customers/test_follow_up_outcome.py).
        valid_is_accepted=False,
    ),
    Endpoint(
        "customers:follow-up-cancel",
        "alice",
        lambda w: {"pk": w["person"].pk, "follow_up_pk": w["follow_up"].pk},
        lambda w: {"next": "today"},
    ),
    Endpoint(
        "customers:complaint-add",
        "alice",
        lambda w: _id(w, "person"),
        lambda w: {
            "kind": "complaint",
            "category": "fees",
            "severity": "low",
            "description": "Fee not explained",
            "received_at": "2025-02-01T09:30",
        },
    ),
    Endpoint(
        "customers:complaint-update",
        "alice",
        lambda w: {"pk": w["person"].pk, "complaint_pk": w["complaint"].pk},
        lambda w: {"status": "resolved", "resolution": "Called back and refunded the fee"},
    ),
    Endpoint(
        "customers:survey-add",
        "alice",
        lambda w: _id(w, "person"),
        lambda w: {
            "event": "periodic",
            "source": "call",
            "csat": "4",
            "nps": "9",
            "comment": "Fine",
            "responded_on": "2025-02-01",
        },
    ),
    Endpoint(
        "customers:filter-save", "alice", valid=lambda w: {"name": "Big", "query": "q=王&kind="}
    ),
    Endpoint("customers:filter-delete", "alice", lambda w: _id(w, "saved_filter")),
    # Credit
    Endpoint(
        "credit:statement-add",
        "alice",
        lambda w: {"customer_pk": w["person"].pk},
        lambda w: {
            "period_end": "2024-12-31",
            "annual_income": "180000",
            "annual_expenses": "60000",
            "personal_assets": "900000",
            "personal_debts": "100000",
            "debt_service": "30000",
        },
    ),
    Endpoint(
        "credit:bureau-consent-add",
        "alice",
        lambda w: {"customer_pk": w["person"].pk},
        lambda w: {
            "signed_on": "2025-02-01",
            "scope": "origination",
            "document_reference": "AUTH-2025-9",
            "valid_until": "2026-01-31",
        },
    ),
    Endpoint(
        "credit:bureau-report-add",
        "alice",
        lambda w: {"customer_pk": w["person"].pk},
        lambda w: {
            "source": "pboc",
            "reference": "PBOC-BAD-INPUT",
            "report_date": "2025-02-18",
            "valid_until": "2025-03-18",
            "overdue_m1_24m": "1",
            "overdue_m2_24m": "0",
            "overdue_m3_plus_24m": "0",
            "enquiries_6m": "2",
            "worst_status": "m1",
            "accounts-TOTAL_FORMS": "1",
            "accounts-INITIAL_FORMS": "0",
            "accounts-0-lender": "招商银行",
            "accounts-0-account_type": "loan",
            "accounts-0-account_number": "6222000011112222",
            "accounts-0-limit": "100000",
            "accounts-0-balance": "80000",
            "accounts-0-monthly_payment": "2500",
        },
        extra_fields=(
            "subject_identifier",
            "court_enforcements",
            "tax_arrears",
            "accounts-MIN_NUM_FORMS",
            "accounts-MAX_NUM_FORMS",
            "accounts-0-id",
            "accounts-0-overdue_amount",
        ),
    ),
    Endpoint(
        "credit:assess",
        "alice",
        lambda w: {"customer_pk": w["person"].pk},
        _assessment,
        extra_fields=("application",),
    ),
    Endpoint(
        "lending:application-create",
        "alice",
        lambda w: {"customer_pk": w["person"].pk},
        lambda w: {
            "product": w["product"].pk,
            "amount": "50000",
            "term_months": "12",
            "purpose": "Car",
        },
    ),
    Endpoint(
        "lending:application-edit",
        "alice",
        lambda w: _id(w, "draft"),
        lambda w: {
            "product": w["product"].pk,
            "amount": "60000",
            "term_months": "12",
            "purpose": "Car",
        },
    ),
    Endpoint("lending:application-submit", "alice", lambda w: _id(w, "draft")),
    Endpoint("lending:application-review", "mary", lambda w: _id(w, "submitted")),
    Endpoint(
        "lending:application-approve",
        "mary",
        lambda w: _id(w, "under_review"),
        lambda w: {"amount": "90000", "term_months": "12", "rate": "7", "note": "Fine"},
    ),
    Endpoint(
        "lending:application-reject",
        "mary",
        lambda w: _id(w, "under_review"),
        lambda w: {"reason": "Income too low"},
    ),
    Endpoint(
        "lending:application-withdraw",
        "alice",
        lambda w: _id(w, "draft"),
        lambda w: {"reason": "Customer changed their mind"},
    ),
    Endpoint("lending:application-disburse", "mary", lambda w: _id(w, "approved")),
    Endpoint(
        "lending:collateral-add",
        "alice",
        lambda w: _id(w, "draft"),
        lambda w: {
            "collateral_type": "vehicle",
            "description": "Car",
            "owner_name": "王小明",
            "value": "80000",
            "valued_on": "2025-01-01",
        },
    ),
    Endpoint(
        "lending:guarantor-add",
        "alice",
        lambda w: _id(w, "draft"),
        lambda w: {"name": "王大明", "identifier": "110101198001011234", "amount": "50000"},
        extra_fields=("guarantor_customer",),
    ),
    Endpoint("credit:scorecard-monitoring-refresh", "rita", lambda w: _id(w, "version")),
    Endpoint(
        "credit:scorecard-alert-update",
        "rita",
        lambda w: {"pk": w["scorecard_alert"].pk, "action": "acknowledge"},
        lambda w: {"reason": "Expected after the new product"},
    ),
    Endpoint(
        "lending:repayment-post",
        "alice",
        lambda w: _id(w, "loan"),
        lambda w: {
            "amount": "500",
            "paid_on": "2025-02-20",
            "channel": "counter",
            "reference": "R-2",
        },
        extra_fields=("allow_prepayment",),
    ),
    Endpoint(
        "lending:repayment-reverse",
        "mary",
        lambda w: {"pk": w["loan"].pk, "repayment_pk": w["repayment"].pk},
        lambda w: {"reason": "Bounced"},
    ),
    Endpoint(
        "lending:loan-restructure",
        "mary",
        lambda w: _id(w, "loan"),
        lambda w: {"new_term_months": "36", "new_rate": "4", "reason": "Hardship"},
    ),
    *(
        endpoint
        for kind in ("restructuring", "reversal")
        for endpoint in (
            Endpoint(f"lending:{kind}-approve", "mary", _proposal(kind)),
            Endpoint(
                f"lending:{kind}-reject",
                "mary",
                _proposal(kind),
                lambda w, kind=kind: {f"{kind}-reason": "Not enough evidence"},
            ),
            Endpoint(f"lending:{kind}-withdraw", "alice", _proposal(kind)),
        )
    ),
    Endpoint(
        "lending:collateral-revalue",
        "mary",
        lambda w: {"pk": w["loan"].pk, "collateral_pk": w["collateral"].pk},
        lambda w: {"value": "280000", "valued_on": "2025-02-01"},
    ),
    # Risk
    Endpoint("risk:alert-acknowledge", "alice", lambda w: _id(w, "open_alert")),
    Endpoint(
        "risk:alert-respond",
        "alice",
        lambda w: _id(w, "alert"),
        lambda w: {"action": "closer_contact", "note": "Called", "channel": "phone"},
        extra_fields=("interaction",),
    ),
    Endpoint(
        "risk:alert-assign",
        "alice",
        lambda w: _id(w, "open_alert"),
        lambda w: {"assign-assignee": str(w["mary"].pk), "assign-note": "Please visit them"},
    ),
    Endpoint(
        "risk:alert-bulk-acknowledge",
        "alice",
        valid=lambda w: {"alerts": [str(w["open_alert"].pk)]},
    ),
    Endpoint("risk:alert-resolve", "alice", lambda w: _id(w, "alert"), lambda w: {"text": "Paid"}),
    Endpoint("risk:alert-dismiss", "alice", lambda w: _id(w, "alert"), lambda w: {"text": "Error"}),
    # A worse class than the loan's doubtful takes effect at once; a better one would be a
    # second proposal beside rita's, and is refused.
    Endpoint(
        "risk:classification-override",
        "rita",
        lambda w: {"loan_pk": w["loan"].pk},
        lambda w: {"loan_class": "5", "reason": "Watch", "until": "2025-05-20"},
        extra_fields=("clear", "end-reason"),
    ),
    Endpoint("risk:classification-proposal-approve", "mary", _classification_proposal),
    Endpoint("risk:classification-proposal-reject", "mary", _classification_proposal),
    Endpoint("risk:classification-proposal-withdraw", "rita", _classification_proposal),
    Endpoint(
        "risk:conduct-alert",
        "mary",
        lambda w: _id(w, "conduct_alert"),
        lambda w: {"note": "Walk-in family registered at the wrong branch"},
    ),
    Endpoint(
        "risk:signal-add",
        "alice",
        lambda w: {"customer_pk": w["person"].pk},
        lambda w: {"kind": "negative_news", "note": "Newspaper"},
    ),
    Endpoint(
        "risk:signal-withdraw",
        "alice",
        lambda w: {"customer_pk": w["person"].pk, "pk": w["signal"].pk},
    ),
    # Accounts
    Endpoint(
        "login",
        None,
        valid=lambda w: {"username": "alice", "password": "wrong"},
        valid_is_accepted=False,
        allowed=LOCKOUT_RECORDS,
    ),
    Endpoint("logout", "alice"),
    Endpoint(
        "password_change",
        "alice",
        valid=lambda w: {
            "old_password": "wrong",
            "new_password1": "Zz9-long-enough",
            "new_password2": "Zz9-long-enough",
        },
        valid_is_accepted=False,
    ),
    Endpoint("set-language", "alice", valid=lambda w: {"language": "zh-hans", "next": "/today/"}),
    Endpoint(
        "two-factor-verify",
        "bob",
        valid=lambda w: {"code": "123456", "next": "/today/"},
        valid_is_accepted=False,
        allowed=WRONG_CODE_RECORDS,
    ),
    # The page is read with a GET only (a POST is 405); it never writes.
    Endpoint(
        "two-factor",
        "alice",
        valid=lambda w: {"next": "/today/"},
        success_status=0,
        valid_is_accepted=False,
    ),
    Endpoint("two-factor-enrol", "alice", valid=lambda w: {"next": "/today/"}),
    Endpoint(
        "two-factor-confirm",
        "charlie",
        valid=lambda w: {"code": "123456", "next": "/today/"},
        valid_is_accepted=False,
        allowed=WRONG_CODE_RECORDS,
    ),
    Endpoint(
        "two-factor-disable",
        "bob",
        valid=lambda w: {"code": "123456"},
        valid_is_accepted=False,
        allowed=WRONG_CODE_RECORDS,
        session=_verified_session,
    ),
    *EXPOSURE_ENDPOINTS,
]
# The imports take files: the import tests below cover two, tests/credit/test_bureau_import.py
# the credit bureau's.
IMPORT_PAGES = {"customers:import", "lending:portfolio-import", "credit:bureau-report-import"}


def test_every_url_taking_a_post_is_in_the_list():
    listed = {endpoint.name for endpoint in ENDPOINTS} | IMPORT_PAGES
    missing = post_url_names() - listed
    assert not missing, f"forms the bad-input suite does not know: {sorted(missing)}"
    assert not listed - post_url_names(), "names listed that take no POST or no longer exist"


# --- Posting -----------------------------------------------------------------------------------


def _client(world, endpoint: Endpoint) -> Client:
    client = Client()
    if endpoint.user:
        client.force_login(world[endpoint.user])
        if endpoint.session:
            session = client.session
            session.update(endpoint.session(world))
            session.save()
    return client


def _accepted(endpoint: Endpoint, response) -> bool:
    """A success answer: the endpoint's success status, and for redirects no error
    message (some refusals redirect back with one)."""
    if response.status_code != endpoint.success_status:
        return False
    levels = [message.level for message in get_messages(response.wsgi_request)]
    return message_levels.ERROR not in levels


class Poster:
    """Posts to one endpoint, each time in a savepoint rolled back afterwards; checks the
    answer is no 500 and that a refusal wrote nothing."""

    def __init__(self, world, endpoint: Endpoint):
        self.world = world
        self.endpoint = endpoint
        self.url = reverse(endpoint.name, kwargs=endpoint.kwargs(world))
        # Signing in once per test keeps the sweep fast; logging out ends the session.
        self.client = None if endpoint.name == "logout" else _client(world, endpoint)

    def __call__(self, data: dict):
        endpoint = self.endpoint
        with transaction.atomic():
            client = self.client or _client(self.world, endpoint)
            # Messages of earlier answers wait in a cookie; only this answer's count.
            client.cookies.pop("messages", None)
            before = fingerprint(allowed=endpoint.allowed)
            response = client.post(self.url, data)
            assert response.status_code < 500, (endpoint.name, data)
            accepted = _accepted(endpoint, response)
            if not accepted:
                assert fingerprint(allowed=endpoint.allowed) == before, (
                    f"{endpoint.name} refused {data!r} but wrote"
                )
                # A form sent back with its errors says so in its status too (400), so
                # scripts, htmx and proxies see a refusal; a refusal that redirects carries
                # an error message instead.
                assert response.status_code != 200, (
                    f"{endpoint.name} refused {data!r} with 200: {_why(response)}"
                )
            transaction.set_rollback(True)
        return accepted, response


def _why(response) -> str:
    """The form errors and messages of a response, for a failing assertion."""
    errors = [
        form.errors
        for context in response.context or []
        for value in context.flatten().values()
        if hasattr(value, "errors") and hasattr(value, "is_bound") and value.is_bound
        for form in [value]
    ]
    messages = [str(message) for message in get_messages(response.wsgi_request)]
    return f"{response.status_code} {errors} {messages}"


def _fields(world, endpoint: Endpoint) -> list[str]:
    return sorted({*endpoint.valid(world), *endpoint.extra_fields})


@pytest.fixture
def book(world, db):
    return world


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_the_valid_submission_is_accepted(book, endpoint):
    """The submission the bad values are mixed into passes, so that a bad value in one field
    is what the endpoint refuses, and the values reach the services, not just the form."""
    accepted, response = Poster(book, endpoint)(endpoint.valid(book))
    assert accepted == endpoint.valid_is_accepted, _why(response)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_every_corpus_value_in_every_field_at_once(book, endpoint):
    post = Poster(book, endpoint)
    post({})
    fields = _fields(book, endpoint)
    if not fields:
        # Nothing is read from the body: the whole corpus at once, under made-up names.
        post({f"field{number}": value for number, value in enumerate(CORPUS)})
    for value in CORPUS if fields else ():
        post(dict.fromkeys(fields, value))


@pytest.mark.parametrize(
    "endpoint", [endpoint for endpoint in ENDPOINTS if endpoint.valid is not NO_FIELDS], ids=str
)
def test_sharp_values_one_field_at_a_time(book, endpoint):
    post = Poster(book, endpoint)
    valid = endpoint.valid(book)
    for name in _fields(book, endpoint):
        for value in sharp_values(valid.get(name, "")):
            post({**valid, name: value})


@HYPOTHESIS
@given(data=st.data())
def test_random_values_one_field_at_a_time(book, data):
    endpoint = data.draw(st.sampled_from(ENDPOINTS), label="endpoint")
    valid = endpoint.valid(book)
    name = data.draw(st.sampled_from(_fields(book, endpoint) or ["anything"]), label="field")
    value = data.draw(VALUES, label="value")
    Poster(book, endpoint)({**valid, name: value})


# --- Query parameters and URL arguments --------------------------------------------------------

# A shorter corpus for the query string: the values that reach filters, pages and dates.
QUERY_CORPUS = [
    "",
    LONG,
    "abc",
    "2026-13-45",
    "-1",
    "1e309",
    str(10**30),
    "9999-12-31",
    "0001-01-01",
    "a\x00b",
    "\u202eevil １２３ 😀",
    "' OR 1=1 --",
    "<script>alert(1)</script>{{7*7}}",
    "../../etc/passwd",
]


@dataclass
class Page:
    name: str
    user: str
    params: tuple
    kwargs: dict = field(default_factory=dict)
    # Exports are audited: the only reads that write.
    writes: bool = False

    def __str__(self) -> str:
        return f"{self.name}{self.kwargs or ''}"


CUSTOMER_FILTERS = (
    "q",
    "branch",
    "kind",
    "officer",
    "risk_level",
    "grade",
    "industry",
    "size",
    "age_band",
    "income_band",
    "revenue_band",
    "tag",
    "sort",
    "page",
)
LOAN_FILTERS = (
    "q",
    "branch",
    "officer",
    "status",
    "product",
    "industry",
    "loan_class",
    "dpd",
    "grade",
    "page",
)
PAGES = [
    Page("customers:list", "alice", CUSTOMER_FILTERS),
    Page("customers:export", "mary", CUSTOMER_FILTERS, {"fmt": "csv"}, writes=True),
    Page("customers:create", "alice", ("kind",)),
    Page("lending:application-list", "mary", ("branch", "status", "q", "at")),
    Page("lending:loan-list", "mary", LOAN_FILTERS),
    Page("lending:loan-export", "mary", LOAN_FILTERS, {"fmt": "csv"}, writes=True),
    Page(
        "risk:alert-list",
        "alice",
        ("status", "severity", "rule", "age", "sla", "officer", "branch", "at"),
    ),
    Page("dashboards:dashboard", "rita", ("branch", "matrix", "compare", "start", "end")),
    Page("dashboards:report", "rita", ("branch", "page"), {"slug": "portfolio"}),
    Page("dashboards:report", "rita", ("dpd", "page"), {"slug": "overdue"}),
    Page("dashboards:report", "rita", ("since", "until", "severity", "status"), {"slug": "alerts"}),
    Page("dashboards:report", "mary", ("since", "until", "status"), {"slug": "pipeline"}),
    Page("dashboards:report", "mary", ("since", "until", "officer"), {"slug": "relationship"}),
    Page(
        "dashboards:report",
        "mary",
        ("since", "until", "decided_after", "decided_until", "branch"),
        {"slug": "pipeline"},
    ),
    Page(
        "dashboards:report",
        "mary",
        ("since", "until", "officer", "score", "branch"),
        {"slug": "satisfaction"},
    ),
    Page("dashboards:report", "alice", ("since", "until", "owner"), {"slug": "follow-ups"}),
    Page(
        "dashboards:report",
        "rita",
        ("kind", "start", "end", "old", "new", "branch"),
        {"slug": "migration"},
    ),
    Page(
        "dashboards:report",
        "mary",
        ("since", "until", "owner", "export"),
        {"slug": "follow-ups"},
        True,
    ),
    Page("dashboards:report", "mary", ("since", "until", "export"), {"slug": "pipeline"}, True),
    Page("two-factor", "alice", ("next",)),
]


def _get(client, url: str, params: dict, *, writes: bool):
    with transaction.atomic():
        before = fingerprint()
        response = client.get(url, params)
        assert response.status_code < 500, (url, params)
        if response.streaming:
            # An export fails while it streams: read it to the end.
            b"".join(response.streaming_content)
        if not writes:
            assert fingerprint() == before, f"{url} wrote on a read: {params!r}"
        transaction.set_rollback(True)
    return response


@pytest.mark.parametrize(
    ("name", "user"),
    [("today", "alice"), ("risk:overview", "rita"), ("credit:scorecard-list", "rita")],
)
def test_pages_without_filters_ignore_any_query(book, name, user):
    client = Client()
    client.force_login(book[user])
    params = {f"param{number}": value for number, value in enumerate(QUERY_CORPUS)}
    assert _get(client, reverse(name), params, writes=False).status_code == 200


@pytest.mark.parametrize("page", PAGES, ids=str)
def test_query_parameters_never_break_a_page(book, page):
    client = Client()
    client.force_login(book[page.user])
    url = reverse(page.name, kwargs=page.kwargs)
    for value in QUERY_CORPUS:
        response = _get(client, url, dict.fromkeys(page.params, value), writes=page.writes)
        assert response.status_code in (200, 400, 404), (value, response.status_code)


def test_an_invalid_filter_is_shown_not_crashed_on(book):
    client = Client()
    client.force_login(book["alice"])
    response = _get(client, reverse("customers:list"), {"page": "abc"}, writes=False)
    assert response.status_code == 200
    assert response.context["form"].errors["page"]
    export = _get(
        client, reverse("customers:export", kwargs={"fmt": "csv"}), {"page": "x"}, writes=False
    )
    assert export.status_code == 400


@pytest.mark.parametrize(
    ("user", "method", "name", "kwargs", "params"),
    [
        ("mary", "get", "customers:export", {"fmt": "exe"}, {}),
        ("mary", "get", "lending:loan-export", {"fmt": "exe"}, {}),
        ("rita", "get", "dashboards:report", {"slug": "unknown"}, {}),
        ("rita", "get", "dashboards:report", {"slug": "portfolio"}, {"export": "exe"}),
        ("alice", "get", "customers:create", {}, {"kind": "robot"}),
        ("alice", "get", "customers:create", {}, {"kind": "\x00"}),
        ("alice", "get", "credit:assess", {"customer_pk": "person"}, {"application": "abc"}),
        ("alice", "get", "credit:assess", {"customer_pk": "person"}, {"application": "\x00"}),
        ("alice", "get", "credit:assess", {"customer_pk": "person"}, {"application": "1" * 30}),
        (
            "rita",
            "post",
            "credit:scorecard-alert-update",
            {"pk": "scorecard_alert", "action": "x"},
            {},
        ),
    ],
    ids=lambda value: str(value) if not isinstance(value, dict) else "",
)
def test_malformed_url_arguments_are_not_found(book, user, method, name, kwargs, params):
    client = Client()
    client.force_login(book[user])
    # Object names in the arguments stand for the book's objects.
    kwargs = {key: book[value].pk if value in book else value for key, value in kwargs.items()}
    url = reverse(name, kwargs=kwargs)
    with transaction.atomic():
        before = fingerprint()
        response = getattr(client, method)(url, params)
        assert response.status_code == 404
        assert fingerprint() == before
        transaction.set_rollback(True)


# --- Imports ------------------------------------------------------------------------------------

IMPORTS = {
    "customers:import": ("alice", "file"),
    "lending:portfolio-import": ("mary", "loans"),
}
# Every file input of the imports: the portfolio import takes a loans and a repayments file.
FILE_INPUTS = [
    ("customers:import", "file"),
    ("lending:portfolio-import", "loans"),
    ("lending:portfolio-import", "repayments"),
]
FILE_INPUT_IDS = [f"{page} {field_name}" for page, field_name in FILE_INPUTS]


def _upload(world, page: str, files: dict, *, strict: bool = False):
    """Uploads in a savepoint rolled back afterwards; returns the answer and whether the
    database changed."""
    user, _field = IMPORTS[page]
    client = Client()
    client.force_login(world[user])
    with transaction.atomic():
        before = fingerprint()
        data = {name: _file(content, filename) for name, (content, filename) in files.items()}
        if strict:
            data["strict"] = "on"
        response = client.post(reverse(page), data)
        assert response.status_code < 500
        changed = fingerprint() != before
        transaction.set_rollback(True)
    return response, changed


def _file(content: bytes, name: str):
    upload = io.BytesIO(content)
    upload.name = name
    return upload


def _zip_bomb() -> bytes:
    """A small workbook whose zip directory declares 4 GB unpacked: the size check reads the
    declaration, so nothing has to be inflated to prove the refusal."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * 1000)
    data = bytearray(buffer.getvalue())
    central = data.index(b"PK\x01\x02")
    data[central + 24 : central + 28] = (0xFFFFFFF0).to_bytes(4, "little")
    return bytes(data)


def _not_a_workbook() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a spreadsheet")
    return buffer.getvalue()


def _workbook(rows: list[list]) -> bytes:
    """A real workbook as a spreadsheet program saves it: the sheet's XML in a zip."""
    from openpyxl import Workbook

    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


WHOLE_FILE_REFUSALS = {
    "empty file": (b"", "empty.csv"),
    "binary garbage named .csv": (bytes(range(256)) * 64, "garbage.csv"),
    "a program": (b"MZ\x90\x00" + b"\x00" * 100, "setup.exe"),
    "no name": (b"kind,name\n", "noextension"),
    "just over 20 MB": (b"a" * (20 * 1024 * 1024 + 1), "huge.csv"),
    "zip bomb": (_zip_bomb(), "bomb.xlsx"),
    "corrupt workbook": (b"PK\x03\x04" + b"\x00" * 200, "corrupt.xlsx"),
    "zip that is no workbook": (_not_a_workbook(), "other.xlsx"),
    "unknown columns": (b"kind,name,password\nindividual,x,y\n", "columns.csv"),
    "NUL characters": (b"kind,name,officer\nindividual,a\x00b,alice\n", "nul.csv"),
    # Past the csv module's field limit (128 KB): the reader raises while reading rows.
    "a CSV cell of 200,000 characters": (b"kind,name\nindividual," + b"x" * 200_000, "big.csv"),
    "a workbook without a row": (_workbook([]), "blank.xlsx"),
    "a CSV in UTF-16": ("kind,name,officer\nindividual,王芳,alice\n".encode("utf-16"), "u16.csv"),
    "a CSV in neither UTF-8 nor GB18030": (
        b"kind,name,officer\nindividual,\xff\xfe,alice\n",
        "x.csv",
    ),
}


@pytest.mark.parametrize(("page", "field_name"), FILE_INPUTS, ids=FILE_INPUT_IDS)
@pytest.mark.parametrize("case", WHOLE_FILE_REFUSALS)
def test_a_bad_file_is_refused_whole_with_a_message(book, page, field_name, case):
    response, changed = _upload(book, page, {field_name: WHOLE_FILE_REFUSALS[case]})
    assert response.status_code == 400
    assert response.context["form"].errors[field_name]
    assert not changed


def _valid_rows(world, field_name: str) -> list[list]:
    """A header and a row the input accepts, so that a file built from them is refused for
    what was done to it and for nothing else."""
    rows = {
        "file": [_customer_row(name="刘德华")],
        "loans": _loan_rows(world)[:1],
        "repayments": _repayment_rows()[:1],
    }[field_name]
    return [list(rows[0]), *[list(row.values()) for row in rows]]


def _altered(workbook: bytes, part: str, change) -> bytes:
    """The workbook zipped again with one part changed (None: the part left out)."""
    original = zipfile.ZipFile(io.BytesIO(workbook))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in original.infolist():
            content = original.read(item.filename)
            if item.filename == part:
                content = change(content)
                if content is None:
                    continue
            archive.writestr(item, content)
    return buffer.getvalue()


SHEET = "xl/worksheets/sheet1.xml"


def _with_dtd(dtd: bytes, entity: bytes):
    """Declares entities before the sheet and puts one in the first cell of the last row."""

    def change(sheet: bytes) -> bytes:
        last_row = sheet.rindex(b"<row ")
        first_text = sheet.index(b"<t>", last_row) + len(b"<t>")
        return (
            b'<?xml version="1.0"?><!DOCTYPE worksheet ['
            + dtd
            + b"]>"
            + sheet[:first_text]
            + b"&"
            + entity
            + b";"
            + sheet[first_text:]
        )

    return change


# "Billion laughs": ten entities each ten times the one before, 10^9 "lol"s from 1 KB.
LAUGHS = b'<!ENTITY lol0 "lol">' + b"".join(
    b'<!ENTITY lol%d "%s">' % (level, b"&lol%d;" % (level - 1) * 10) for level in range(1, 10)
)
MALFORMED_WORKBOOKS = {
    "sheet XML cut off": (SHEET, lambda sheet: sheet[: len(sheet) // 2]),
    "workbook XML cut off": ("xl/workbook.xml", lambda part: part[: len(part) // 2]),
    "sheet replaced by binary garbage": (SHEET, lambda sheet: bytes(range(1, 256)) * 8),
    "sheet missing": (SHEET, lambda sheet: None),
    "billion laughs": (SHEET, _with_dtd(LAUGHS, b"lol9")),
    # Harmless in size, refused all the same: no DTD is expanded (defusedxml).
    "one small entity": (SHEET, _with_dtd(b'<!ENTITY greeting "hello">', b"greeting")),
    "external entity": (SHEET, _with_dtd(b'<!ENTITY leak SYSTEM "file:///etc/passwd">', b"leak")),
    # Spreadsheets stop at row 1,048,576: a row past it is a made-up file.
    "a row past the last a spreadsheet has": (
        SHEET,
        lambda sheet: sheet.replace(
            b"</sheetData>",
            b'<row r="99999999"><c r="A99999999" t="inlineStr"><is><t>x</t></is></c></row>'
            b"</sheetData>",
        ),
    ),
    "a header wider than 100 columns": (
        SHEET,
        lambda sheet: sheet.replace(
            b"</row>", b'<c r="XFD1" t="inlineStr"><is><t>x</t></is></c></row>', 1
        ),
    ),
}


@pytest.mark.parametrize(("page", "field_name"), FILE_INPUTS, ids=FILE_INPUT_IDS)
@pytest.mark.parametrize("case", MALFORMED_WORKBOOKS)
def test_a_malformed_workbook_is_refused_whole_with_a_message(book, page, field_name, case):
    """Real workbooks with one part damaged the ways uploads arrive damaged or crafted; the
    same workbook undamaged is accepted (so the damage is what is refused)."""
    workbook = _workbook(_valid_rows(book, field_name))
    response, changed = _upload(book, page, {field_name: (workbook, "data.xlsx")})
    assert response.status_code == 200, response.context["form"].errors
    part, change = MALFORMED_WORKBOOKS[case]
    damaged = _altered(workbook, part, change)
    response, changed = _upload(book, page, {field_name: (damaged, "data.xlsx")})
    assert response.status_code == 400
    errors = response.context["form"].errors[field_name]
    assert "readable XLSX" in errors[0] or "wider than 100 columns" in errors[0], errors
    assert not changed


def test_an_unreadable_repayments_file_imports_no_loans_either(book):
    loans = _workbook(_valid_rows(book, "loans"))
    repayments = _altered(
        _workbook(_valid_rows(book, "repayments")), SHEET, lambda sheet: sheet[:-40]
    )
    response, changed = _upload(
        book,
        "lending:portfolio-import",
        {"loans": (loans, "loans.xlsx"), "repayments": (repayments, "repayments.xlsx")},
    )
    assert response.status_code == 400
    assert "readable XLSX" in response.context["form"].errors["repayments"][0]
    assert not response.context["reports"]
    assert not changed


@pytest.mark.parametrize("blank_rows_first", [0, 4])
def test_blank_rows_neither_hide_rows_past_the_limit_nor_cut_a_file_short(
    book, monkeypatch, blank_rows_first
):
    """Rows past the limit refuse the file however many blank rows come first; a file
    within the limit is read to its last row, blank rows or not."""
    from customers import importer

    monkeypatch.setattr(importer, "MAX_ROWS", 3)
    header, row = _valid_rows(book, "file")
    resident_id = header.index("resident_id")

    def person(number: int) -> list:
        from tests.customers import factories

        return [*row[:resident_id], factories.resident_id(), *row[resident_id + 1 :]]

    blanks = [[None] * len(header)] * blank_rows_first
    too_many = _workbook([header, *blanks, *[person(n) for n in range(4)]])
    response, changed = _upload(book, "customers:import", {"file": (too_many, "many.xlsx")})
    assert response.status_code == 400
    assert "At most 3 rows" in response.context["form"].errors["file"][0]
    assert not changed
    spaced = _workbook([header, *blanks, person(0), [None], person(1), [None], person(2)])
    response, changed = _upload(book, "customers:import", {"file": (spaced, "spaced.xlsx")})
    assert response.status_code == 200
    assert response.context["report"].created == 3


def _customer_csv(rows: list[dict], encoding: str = "utf-8") -> bytes:
    columns = list(rows[0])
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(columns)
    writer.writerows([row[column] for column in columns] for row in rows)
    return text.getvalue().encode(encoding)


def _customer_row(**cells) -> dict:
    from tests.customers import factories

    return {
        "kind": "individual",
        "name": "张三",
        "resident_id": factories.resident_id(),
        "officer": "alice",
        "phone": "13800138002",
        "email": "z@example.com",
        "address": "北京",
        "birth_date": "",
        "gender": "M",
        "occupation": "教师",
        "employer": "学校",
        "monthly_income": "8000",
        **cells,
    }


@pytest.mark.parametrize(
    ("encoding", "bom"), [("gb18030", b""), ("utf-8", b"\xef\xbb\xbf"), ("utf-8", b"")]
)
def test_a_valid_customer_file_in_gb18030_or_utf8_with_a_bom_is_imported(book, encoding, bom):

    content = bom + _customer_csv([_customer_row(name="刘德华")], encoding)
    response, changed = _upload(book, "customers:import", {"file": (content, "c.csv")})
    assert response.status_code == 200
    assert response.context["report"].created == 1 and changed


def test_formula_cells_stay_text(book):
    from customers.models import Customer

    client = Client()
    client.force_login(book["alice"])
    content = _customer_csv([_customer_row(name="=1+1", occupation='=HYPERLINK("http://x")')])
    with transaction.atomic():
        response = client.post(reverse("customers:import"), {"file": _file(content, "f.csv")})
        assert response.status_code == 200
        created = Customer.objects.get(occupation='=HYPERLINK("http://x")')
        assert created.name == "=1+1"
        transaction.set_rollback(True)


def test_a_file_over_the_row_limit_is_refused_whole(book):
    from customers import importer

    rows = b"kind,name,officer\n" + b"individual,x,alice\n" * (importer.MAX_ROWS + 1)
    response, changed = _upload(book, "customers:import", {"file": (rows, "many.csv")})
    assert response.status_code == 400
    assert "50000" in str(response.context["form"].errors["file"]).replace(",", "")
    assert not changed


def _customer_rows_with_the_corpus() -> list[dict]:
    from customers import importer

    return [
        _customer_row(**{column: value})
        for column in importer.COLUMNS
        # NUL makes the whole file refused (a case of its own).
        for value in CORPUS
        if "\x00" not in value
    ]


def test_customer_rows_with_bad_values_are_rejected_one_by_one(book):
    content = _customer_csv(_customer_rows_with_the_corpus())
    response, _changed = _upload(book, "customers:import", {"file": (content, "bad.csv")})
    assert response.status_code == 200
    report = response.context["report"]
    assert report.rejected and report.created


def test_a_strict_customer_import_with_a_bad_row_writes_nothing(book):
    content = _customer_csv(_customer_rows_with_the_corpus())
    response, changed = _upload(
        book, "customers:import", {"file": (content, "bad.csv")}, strict=True
    )
    assert response.status_code == 200
    assert response.context["report"].rejected
    assert not changed


def _loan_rows(world) -> list[dict]:
    from lending import importer

    valid = {
        "external_ref": "EXT-0",
        "customer": world["person"].resident_id,
        "product": "CONS-01",
        "amount": "50000",
        "annual_rate": "0.05",
        "term_months": "12",
        "disbursed_on": "2025-01-05",
    }
    rows = [valid]
    for column in importer.LOAN_COLUMNS:
        for number, value in enumerate(value for value in CORPUS if "\x00" not in value):
            rows.append({**valid, "external_ref": f"EXT-{column}-{number}", column: value})
    return rows


def _repayment_rows() -> list[dict]:
    from lending import importer

    valid = {
        "loan_ref": "EXT-0",
        "paid_on": "2025-02-05",
        "amount": "100",
        "reference": "P-0",
        "channel": "transfer",
    }
    rows = [valid]
    for column in importer.REPAYMENT_COLUMNS:
        for number, value in enumerate(value for value in CORPUS if "\x00" not in value):
            rows.append({**valid, "reference": f"P-{column}-{number}", column: value})
    return rows


def test_loan_and_repayment_rows_with_bad_values_are_rejected_one_by_one(book):
    loans = _customer_csv(_loan_rows(book))
    repayments = _customer_csv(_repayment_rows())
    response, _changed = _upload(
        book,
        "lending:portfolio-import",
        {"loans": (loans, "loans.csv"), "repayments": (repayments, "repayments.csv")},
    )
    assert response.status_code == 200
    (_loans, loan_report), (_repayments, repayment_report) = response.context["reports"]
    assert loan_report.created and loan_report.rejected
    assert repayment_report.created and repayment_report.rejected


def test_a_strict_portfolio_import_with_a_bad_row_writes_nothing(book):
    loans = _customer_csv(_loan_rows(book))
    response, changed = _upload(
        book, "lending:portfolio-import", {"loans": (loans, "loans.csv")}, strict=True
    )
    assert response.status_code == 200
    assert response.context["reports"][0][1].rejected
    assert not changed


# Dates out of their range in an import's date columns: that row is rejected and says which
# column and which range; the other rows go in.
FAR_DATES = ["9999-12-31", "0001-01-01"]


def _rejections(report) -> list[str]:
    return [reason for _row, reason in report.rejected]


def test_customer_rows_with_dates_out_of_range_are_rejected_one_by_one(book):
    from tests.customers import factories

    def enterprise(founded_on: str) -> dict:
        blank = dict.fromkeys(_customer_row(), "")
        return {
            **blank,
            "kind": "enterprise",
            "name": "鑫源商贸有限公司",
            "officer": "alice",
            "credit_code": factories.credit_code(),
            "industry": "C",
            "founded_on": founded_on,
        }

    def person(birth_date: str) -> dict:
        return {**_customer_row(birth_date=birth_date), "credit_code": "", "industry": ""}

    day_after = (BUSINESS_DATE + dt.timedelta(days=1)).isoformat()
    rows = [
        person(""),
        enterprise("2001-05-01"),
        *[person(day) for day in [*FAR_DATES, day_after]],
        *[enterprise(day) for day in [*FAR_DATES, day_after]],
    ]
    # The same column order on every row (the writer takes the first row's).
    rows = [{column: row.get(column, "") for column in rows[1]} for row in rows]
    content = _customer_csv(rows)
    response, _changed = _upload(book, "customers:import", {"file": (content, "dates.csv")})
    assert response.status_code == 200
    report = response.context["report"]
    assert report.created == 2
    reasons = _rejections(report)
    assert len(reasons) == 6
    assert (
        sum("birth_date: must be a date from 1905-02-20 to 2025-02-20" in r for r in reasons) == 3
    )
    assert (
        sum("founded_on: must be a date from 1625-02-20 to 2025-02-20" in r for r in reasons) == 3
    )


def test_loan_and_repayment_rows_with_dates_out_of_range_are_rejected_one_by_one(book):
    loan, repayment = _loan_rows(book)[0], _repayment_rows()[0]
    loans = [loan] + [
        {**loan, "external_ref": f"EXT-FAR-{n}", "disbursed_on": day}
        for n, day in enumerate(FAR_DATES)
    ]
    repayments = [repayment] + [
        {**repayment, "reference": f"P-FAR-{n}", "paid_on": day} for n, day in enumerate(FAR_DATES)
    ]
    response, _changed = _upload(
        book,
        "lending:portfolio-import",
        {
            "loans": (_customer_csv(loans), "loans.csv"),
            "repayments": (_customer_csv(repayments), "repayments.csv"),
        },
    )
    assert response.status_code == 200
    (_loans, loan_report), (_repayments, repayment_report) = response.context["reports"]
    assert loan_report.created == 1 and repayment_report.created == 1
    expected = "must be a date from 1975-02-20 to 2025-02-20"
    assert _rejections(loan_report) == [f"disbursed_on: {expected}"] * 2
    assert _rejections(repayment_report) == [f"paid_on: {expected}"] * 2
