"""The objects the forms of the exposure, provisions and post-loan features post to, built
through their services for the hostile-input sweep (test_bad_input.py) and the walk of the
date ranges (test_date_ranges.py): facilities in each state of their life, related parties
and a customer group, screening hits, a document, an application beyond the branch
manager's authority and one waiting for the branch committee, a collection case, a due
inspection, and loans in the loss class proposed for write-off, written off and proposed
for reversal."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Max


def loss_loan(*, owner, risk_officer, customer, product, reference: str, disbursed_on: dt.date):
    """A loan of `customer` put in the loss class by the risk officer's override (a worse
    class takes effect at once), with its classification on record as the nightly keeps it."""
    from lending import services as lending_services
    from risk import services as risk_services
    from risk.models import LoanRisk

    loan = lending_services.loan_import(
        actor=owner,
        customer=customer,
        product=product,
        amount=Decimal("30000"),
        annual_rate=Decimal("0.0435"),
        term_months=12,
        disbursed_on=disbursed_on,
        external_ref=reference,
    )
    # The nightly has not seen the loan yet: the override creates its risk row.
    risk_services.classification_override(
        actor=risk_officer,
        loan_risk=LoanRisk(loan=loan, customer=customer),
        loan_class=5,
        reason="Debtor absconded",
        until=disbursed_on + dt.timedelta(days=120),
    )
    return loan


def write_off_conditions_met_at_once() -> None:
    """The write-off conditions an admin sets (lending.WriteOffConditions): no minimum time
    in the loss class and no minimum of collection contacts, so that a loan put in loss
    today may be proposed today."""
    from lending.models import WriteOffConditions

    conditions = WriteOffConditions.current()
    conditions.min_days_in_loss = 0
    conditions.min_collection_contacts = 0
    conditions.save()


def written_off(*, proposer, approver, loan):
    from lending import services as lending_services

    proposal, _created = lending_services.write_off_propose(
        actor=proposer, loan=loan, reason="Nothing left to recover", evidence="Calls, no assets"
    )
    return lending_services.write_off_approve(actor=approver, proposal=proposal)


def build(cast: dict, *, person, company, loan, product, on: dt.date) -> dict:
    from accounts import services as account_services
    from accounts.models import Branch, Role
    from customers import relation_services, screening
    from customers.documents import document_upload
    from customers.models import CustomerGroup, DocumentType, ScreeningHit
    from customers.relations import RelationKind
    from lending import services as lending_services
    from lending.authority_demo import place_demo_holders
    from lending.facility_models import CreditFacility
    from lending.models import Application, Collateral, CollectionCase, Inspection, LoanProduct
    from lending.services import collections as collection_services
    from lending.services import facilities as facility_services
    from tests.customers import factories
    from tests.customers.test_screening import list_file

    alice, mary, rita, cora = cast["alice"], cast["mary"], cast["rita"], cast["cora"]
    world = {}

    # Related parties and a group.
    subsidiary = factories.enterprise(alice, name="华盛物流有限公司")
    world["subsidiary"] = subsidiary
    world["relation"] = relation_services.relation_record(
        actor=alice,
        from_customer=company,
        to_customer=subsidiary,
        kind=RelationKind.PARENT_OF,
        started_on=dt.date(2020, 1, 1),
        evidence="Registry extract",
    )
    group = relation_services.group_save(
        actor=mary, group=CustomerGroup(name="华盛集团", group_limit=Decimal("5000000"))
    )
    relation_services.group_member_add(actor=mary, group=group, customer=company)
    world["group"] = group

    # Screening: two customers on the list; one hit open, one waiting for the clearing's
    # second person (colin, compliance like cora).
    screening.watch_list_import(
        actor=cora,
        listed=screening.read_list(
            list_file("BAD-1,张伟,,,,UN,2025-01-01", "BAD-2,李娜,,,,UN,2025-01-01"), "list.csv"
        ),
    )
    open_hit = ScreeningHit.objects.get(customer=factories.individual(alice, name="张伟"))
    cleared_hit = ScreeningHit.objects.get(customer=factories.individual(alice, name="李娜"))
    screening.hit_clearing_propose(actor=cora, hit=cleared_hit, reason="Other birth date")
    world["colin"] = account_services.user_create(
        actor=None,
        username="colin",
        password="a-long-test-password",
        role=Role.COMPLIANCE,
        branch=Branch.objects.get(code="HO"),
    )
    world.update(open_hit=open_hit, cleared_hit=cleared_hit)

    # A document of the person's.
    from django.core.files.uploadedfile import SimpleUploadedFile

    world["document_type"] = DocumentType.objects.filter(is_active=True).order_by("pk").first()
    world["document"] = document_upload(
        actor=alice,
        owner_kind="customer",
        owner=person,
        document_type=world["document_type"],
        upload=SimpleUploadedFile("id.pdf", PDF, content_type="application/pdf"),
        expires_on=on + dt.timedelta(days=365),
    )

    # Facilities of the person in each state of their life.
    def facility(kind="revolving") -> CreditFacility:
        return facility_services.facility_propose(
            actor=alice,
            facility=CreditFacility(
                customer=person,
                kind=kind,
                limit=Decimal("150000"),
                start_date=on.replace(day=1),
                expiry_date=on.replace(year=on.year + 2),
                review_date=on.replace(year=on.year + 1),
                reason="Working capital for the year",
            ),
        )

    def active() -> CreditFacility:
        proposed = facility()
        facility_services.facility_approve(actor=mary, facility=proposed)
        return facility_services.facility_activate(actor=alice, facility=proposed)

    world["proposed_facility"] = facility()
    world["approved_facility"] = facility_services.facility_approve(actor=mary, facility=facility())
    world["active_facility"] = active()
    world["frozen_facility"] = facility_services.facility_freeze(
        actor=alice, facility=active(), reason="Lawsuit reported"
    )
    raised = active()
    world["limit_change"] = facility_services.facility_limit_change_propose(
        actor=alice, facility=raised, new_limit=Decimal("200000"), reason="Business grew"
    )
    world["raised_facility"] = raised

    # The approval authority: the committees seated as in the demo; an application beyond
    # the branch manager (a mortgage of ¥2,000,000), and one mary recommended upward, which
    # waits for North's branch committee.
    place_demo_holders()
    mortgage = LoanProduct.objects.get(code="MORT-01")

    def beyond_the_branch_manager() -> Application:
        application = lending_services.application_create(
            actor=alice,
            application=Application(
                customer=person,
                product=mortgage,
                amount=Decimal("2000000"),
                term_months=240,
                purpose="A house",
            ),
        )
        lending_services.collateral_add(
            actor=alice,
            collateral=Collateral(
                application=application,
                collateral_type="real_estate",
                description="House",
                owner_name="王小明",
                value=Decimal("4000000"),
                valued_on=on - dt.timedelta(days=30),
            ),
        )
        return lending_services.application_submit(actor=alice, application=application)

    world["to_recommend"] = beyond_the_branch_manager()
    before_committee = beyond_the_branch_manager()
    lending_services.application_recommend(
        actor=mary, application=before_committee, approve=True, reason="Beyond my limit"
    )
    world["before_committee"] = before_committee
    world.update(
        {username: cast_user for username, cast_user in _committee_members().items()},
    )

    # Collections: the nightly step opens the cases of the loans past due.
    last_customer = person.__class__.objects.aggregate(last=Max("pk"))["last"]
    collection_services.collection_cases_refresh(first_id=0, last_id=last_customer, on=on)
    world["collection_case"] = CollectionCase.objects.get(loan=loan, status="open")

    # An inspection due on the loan, as the nightly step schedules it.
    world["inspection"] = Inspection.objects.create(
        loan=loan, customer=loan.customer, kind="first", due_on=on, status="due"
    )

    # Write-off: loans in the loss class; one free, one proposed, one written off, one
    # written off with its reversal proposed.
    write_off_conditions_met_at_once()
    lost = [
        loss_loan(
            owner=mary,
            risk_officer=rita,
            customer=person,
            product=product,
            reference=f"WORLD-LOSS-{number}",
            disbursed_on=on - dt.timedelta(days=60),
        )
        for number in range(4)
    ]
    world["lost_loan"] = lost[0]
    world["write_off_proposal"], _created = lending_services.write_off_propose(
        actor=alice, loan=lost[1], reason="Nothing left to recover", evidence="Calls, no assets"
    )
    world["written_off"] = written_off(proposer=alice, approver=mary, loan=lost[2])
    reversed_record = written_off(proposer=alice, approver=mary, loan=lost[3])
    world["write_off_reversal"], _created = lending_services.write_off_reversal_propose(
        actor=alice, record=reversed_record, reason="The debtor came back and pays"
    )

    # Legal cases (法律诉讼): a case in the legal stage with none filed yet (the free loss
    # loan's, as the nightly would move it there), and the legal case of the loan's case.
    from lending.collection_models import CollectionStage
    from lending.legal_models import LegalCase

    world["legal_stage_case"] = CollectionCase.objects.create(
        loan=lost[0],
        customer=lost[0].customer,
        stage=CollectionStage.objects.get(code="legal"),
        opened_on=on,
        stage_since=on,
        overdue_since=on - dt.timedelta(days=91),
        amount_overdue=Decimal("1000.00"),
    )
    world["legal_case"] = LegalCase.objects.create(
        collection_case=world["collection_case"],
        loan=loan,
        customer=loan.customer,
        court="World court",
        case_number="WORLD-1",
        filed_on=on,
        claim_amount=Decimal("10000.00"),
        recorded_by=alice,
    )
    return world


def _committee_members() -> dict:
    from accounts.models import User

    return {user.username: user for user in User.objects.filter(username__in=["nora", "neil"])}


PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
