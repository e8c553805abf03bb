"""The shared book of the access tests: two branches, each with one officer's portfolio and
everything that hangs off it, built once per test module through the services.

North is alice's (manager mary, colleague bob); South is charlie's (manager sonia). Each
portfolio's customer names carry a marker ("Nordlicht", "Sudwind") that the leak tests look
for in pages and exports where it must never appear.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.test.utils import override_settings
from django.utils import timezone

from accounts import services as account_services
from accounts.demo import seed_cast
from accounts.models import Branch, Role, User
from audit.models import JobHeartbeat
from credit import services as credit_services
from credit.models import FinancialStatement, ScorecardAlert, ScorecardVersion
from customers import services as customer_services
from customers.models import (
    Complaint,
    ContactPerson,
    Customer,
    FollowUp,
    Industry,
    Interaction,
    SavedFilter,
    ScreeningHit,
    Survey,
    Tag,
    WatchList,
    WatchListEntry,
)
from customers.screening_names import name_keys
from lending import services as lending_services
from lending.models import Application, Collateral, LoanProduct
from risk import jobs
from risk import services as risk_services
from risk.models import (
    Alert,
    ClassificationProposal,
    ConductAlert,
    ConductAlertKind,
    IndustryWatch,
    LoanRisk,
    ManualSignal,
)
from tests.customers import factories

DISBURSED_ON = dt.date(2025, 1, 10)
# The nightly scan on this day finds each loan's first instalment (due 10 February) unpaid,
# so every portfolio has an open DPD alert.
SCANNED_ON = dt.date(2025, 2, 20)

MARKERS = {"north": "Nordlicht", "south": "Sudwind"}
GOOD_INPUTS = {
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
}


@dataclass
class Portfolio:
    """One officer's customers and everything that hangs off them."""

    branch: str
    marker: str
    owner: User
    manager: User
    customer: object = None
    enterprise: object = None
    contact: object = None
    follow_up: object = None
    complaint: object = None
    saved_filter: object = None
    assessment: object = None
    statement: object = None
    application: object = None  # submitted by the owner, waiting for the manager
    loan: object = None
    collateral: object = None
    repayment: object = None
    # Proposed by the owner, waiting for the branch's manager (four eyes).
    restructuring_proposal: object = None
    reversal_proposal: object = None
    alert: object = None
    signal: object = None
    # rita's proposal to take the loan's class back from doubtful, waiting for the manager.
    classification_proposal: object = None
    # An open watch-list hit on the enterprise (which has no application for it to block).
    screening_hit: object = None
    # A credit bureau report of the customer, under a consent in force on every test date.
    bureau_report: object = None
    # An active credit facility of the customer (proposed by the owner, approved by the
    # manager) with a product sublimit, and a raise of its limit waiting for the manager.
    facility: object = None
    limit_change: object = None
    # A related-party link between the customer and the enterprise, and a group of which the
    # enterprise is the member (customers.relations).
    relation: object = None
    group: object = None
    # A document (a PDF of financial statements) on the customer, uploaded by the owner.
    document: object = None
    # Write-off (核销), on two more loans of the customer in the loss class: one proposed by
    # the owner and waiting for a decider; one written off (proposed by the owner, approved by
    # the manager) with a reversal the owner proposed waiting, and a recovery recorded after.
    write_off_proposal: object = None
    written_off: object = None
    write_off_recovery: object = None
    write_off_reversal: object = None
    # Post-loan inspection of the loan, due (first, on the use of funds) since before the
    # book's day; and the loan's collection case, opened by the nightly step on the book's
    # day, assigned by the manager to the owner, with a missed call and a promise to pay.
    inspection: object = None
    collection_case: object = None
    # The legal case filed on that collection case (法律诉讼), with no judgment yet.
    legal_case: object = None


@dataclass
class Book:
    users: dict[str, User]
    portfolios: dict[str, Portfolio]
    scorecard: ScorecardVersion
    scorecard_alert: ScorecardAlert
    # A row of every model Django admin shows, for its change, history and delete pages.
    admin_rows: dict[str, int] = field(default_factory=dict)
    customer_content_type_id: int = 0
    # Each user's signed-in session cookie, filled by the fixture that builds the book.
    session_cookies: dict = field(default_factory=dict)
    # A conduct alert about bob (North), for its reviewers' page.
    conduct_alert: object = None


def _portfolio(branch: str, owner: User, manager: User, product: LoanProduct) -> Portfolio:
    marker = MARKERS[branch]
    # Distinct phones per portfolio, so a phone search can only find its own customer.
    phone_prefix = "1390000" if branch == "north" else "1370000"
    book = Portfolio(branch=branch, marker=marker, owner=owner, manager=manager)
    book.customer = factories.individual(
        owner, name=f"{marker} Person", phone=f"{phone_prefix}1111"
    )
    book.enterprise = factories.enterprise(
        owner, name=f"{marker} Works Ltd", phone=f"{phone_prefix}2222"
    )
    book.contact = ContactPerson.objects.create(
        customer=book.enterprise, name=f"{marker} Accountant", role="CFO"
    )
    book.follow_up = FollowUp.objects.create(
        customer=book.customer,
        owner=owner,
        purpose=f"{marker} follow-up",
        due_on=timezone.localdate() + dt.timedelta(days=1),
    )
    book.complaint = customer_services.complaint_record(
        actor=owner,
        complaint=Complaint(
            customer=book.customer,
            category="process",
            severity="high",
            description=f"{marker} complaint",
        ),
    )
    Interaction.objects.create(
        customer=book.customer, officer=owner, channel="phone", summary=f"{marker} call"
    )
    Survey.objects.create(
        customer=book.customer, event="periodic", source="call", csat=4, recorded_by=owner
    )
    book.saved_filter = SavedFilter.objects.create(
        owner=owner, name=f"{marker} filter", query="kind=individual"
    )
    book.statement = credit_services.statement_record(
        actor=owner,
        statement=FinancialStatement(
            customer=book.customer,
            period_end=dt.date(2024, 12, 31),
            annual_income=Decimal("180000.00"),
            annual_expenses=Decimal("60000.00"),
        ),
    )
    book.assessment = credit_services.assessment_create(
        actor=owner,
        customer=book.customer,
        inputs=GOOD_INPUTS,
        expert_comments={"character": "Known for years", "reputation": "Clean record"},
    )
    book.customer.refresh_from_db()

    disbursed = _application(owner, book.customer, product, "Home renovation")
    lending_services.application_submit(actor=owner, application=disbursed)
    lending_services.application_start_review(actor=manager, application=disbursed)
    book.collateral = lending_services.collateral_add(
        actor=owner,
        collateral=Collateral(
            application=disbursed,
            collateral_type="real_estate",
            description=f"{marker} flat",
            owner_name=book.customer.name,
            value=Decimal("300000.00"),
            valued_on=dt.date(2025, 1, 1),
        ),
    )
    offer = lending_services.offer_for(product, book.customer.grade)
    lending_services.application_approve(
        actor=manager,
        application=disbursed,
        amount=Decimal("100000"),
        term_months=12,
        rate=offer["rate"],
    )
    book.loan = lending_services.application_disburse(
        actor=manager, application=disbursed, on=DISBURSED_ON
    )
    # A part payment of the first instalment: the loan stays overdue for the scan.
    book.repayment = lending_services.repayment_post(
        actor=owner,
        loan=book.loan,
        amount=Decimal("100.00"),
        paid_on=dt.date(2025, 2, 12),
        channel="transfer",
        reference=f"{marker}-first",
    )
    book.restructuring_proposal, _created = lending_services.restructuring_propose(
        actor=owner,
        loan=book.loan,
        new_term_months=24,
        new_rate=offer["rate"],
        reason=f"{marker} hardship",
    )
    book.reversal_proposal, _created = lending_services.repayment_reversal_propose(
        actor=owner, repayment=book.repayment, reason=f"{marker} posted twice"
    )
    book.application = _application(owner, book.customer, product, "Car")
    lending_services.application_submit(actor=owner, application=book.application)
    book.signal = risk_services.signal_raise(
        actor=owner,
        signal=ManualSignal(customer=book.customer, kind="lawsuit", note=f"{marker} lawsuit"),
    )
    book.screening_hit = _screening_hit(book.enterprise)
    book.bureau_report = _bureau_report(owner, book.customer, marker)
    book.document = _document(owner, book.customer, marker)
    book.facility, book.limit_change = _facility(owner, manager, book.customer, product, marker)
    book.relation, book.group = _relation_and_group(owner, manager, book, marker)
    return book


# Active on every date the tests use (the book's SCANNED_ON and the suite's day).
FACILITY_START, FACILITY_REVIEW, FACILITY_EXPIRY = (
    dt.date(2024, 7, 1),
    dt.date(2027, 6, 30),
    dt.date(2027, 12, 31),
)


def _facility(owner, manager, customer, product, marker: str):
    from lending.facility_models import CreditFacility
    from lending.services import facilities as facility_services

    facility = facility_services.facility_propose(
        actor=owner,
        facility=CreditFacility(
            customer=customer,
            kind="revolving",
            limit=Decimal("200000.00"),
            start_date=FACILITY_START,
            expiry_date=FACILITY_EXPIRY,
            review_date=FACILITY_REVIEW,
            reason=f"{marker} facility",
        ),
        sublimits=[(product, Decimal("80000.00"))],
    )
    with override_settings(BUSINESS_DATE=SCANNED_ON):
        facility_services.facility_approve(actor=manager, facility=facility)
        facility_services.facility_activate(actor=owner, facility=facility)
        change = facility_services.facility_limit_change_propose(
            actor=owner, facility=facility, new_limit=Decimal("250000.00"), reason=f"{marker} raise"
        )
    return facility, change


def _relation_and_group(owner, manager, book: Portfolio, marker: str):
    from customers import relation_services
    from customers.relations import CustomerGroup, RelationKind

    with override_settings(BUSINESS_DATE=SCANNED_ON):
        relation = relation_services.relation_record(
            actor=owner,
            from_customer=book.customer,
            to_customer=book.enterprise,
            kind=RelationKind.GUARANTOR_OF,
            started_on=dt.date(2024, 1, 1),
            evidence=f"{marker} guarantee contract",
        )
        group = relation_services.group_save(
            actor=manager,
            group=CustomerGroup(name=f"{marker} Group", group_limit=Decimal("5000000.00")),
        )
        relation_services.group_member_add(actor=manager, group=group, customer=book.enterprise)
    return relation, group


def _document(owner, customer, marker: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from customers.document_models import DocumentOwner, DocumentType
    from customers.documents import document_upload

    return document_upload(
        actor=owner,
        owner_kind=DocumentOwner.CUSTOMER,
        owner=customer,
        document_type=DocumentType.objects.get(code="financial_statements"),
        upload=SimpleUploadedFile(f"{marker}-statements.pdf", b"%PDF-1.4\n%%EOF\n"),
    )


def _bureau_report(owner, customer, marker: str):
    from credit import bureau_services
    from credit.bureau import BureauConsent, BureauReport, BureauSource

    bureau_services.bureau_consent_record(
        actor=owner,
        consent=BureauConsent(
            customer=customer,
            signed_on=dt.date(2024, 1, 1),
            scope="both",
            document_reference=f"{marker}-consent",
            valid_until=dt.date(2030, 12, 31),
        ),
    )
    return bureau_services.bureau_report_record(
        actor=owner,
        report=BureauReport(
            customer=customer,
            source=BureauSource.objects.get(code="pboc"),
            reference=f"{marker}-bureau",
            report_date=dt.date(2025, 1, 5),
            valid_until=dt.date(2030, 12, 31),
            overdue_m1_24m=0,
            overdue_m2_24m=0,
            overdue_m3_plus_24m=0,
            enquiries_6m=1,
            worst_status="normal",
        ),
        accounts=[],
    )


def _screening_hit(customer) -> ScreeningHit:
    watch_list, _created = WatchList.objects.get_or_create(
        source="ACCESS-MATRIX", defaults={"list_date": dt.date(2026, 1, 1)}
    )
    entry = WatchListEntry.objects.create(
        watch_list=watch_list,
        reference=f"AM-{customer.pk}",
        name=customer.name,
        name_keys=name_keys(customer.name, []),
    )
    return ScreeningHit.objects.create(customer=customer, entry=entry, matched_on="name")


def _classification_proposal(rita: User, loan) -> ClassificationProposal:
    """rita puts the loan in doubtful (at once: it raises the risk), then proposes special
    mention again, which waits for a second person."""
    with override_settings(BUSINESS_DATE=SCANNED_ON):
        risk = LoanRisk.objects.get(loan=loan)
        until = SCANNED_ON + dt.timedelta(days=60)
        risk_services.classification_override(
            actor=rita, loan_risk=risk, loan_class=4, reason="Fraud suspected", until=until
        )
        return risk_services.classification_override(
            actor=rita, loan_risk=risk, loan_class=2, reason="Fraud ruled out", until=until
        )


# The write-off loans' story, all before the book's day (SCANNED_ON, the business date of the
# policy tests) so every step is as valid then as on the suite's day: paid out, never repaid,
# in the loss class from 361 days past due, three collection calls, then (207 days in loss)
# proposed for write-off; one written off that day, a reversal proposed, a recovery received.
WRITE_OFF_LOANS_DISBURSED_ON = dt.date(2023, 1, 10)
WRITE_OFF_LOSS_ON = dt.date(2024, 2, 6)
WRITE_OFF_PROPOSED_ON = dt.date(2024, 9, 1)
WRITE_OFF_REVERSAL_ON = dt.date(2024, 9, 15)
WRITE_OFF_RECOVERY_ON = dt.date(2024, 10, 8)


def _loss_class_loan(portfolio: Portfolio, product: LoanProduct, purpose: str):
    """A loan of the portfolio's customer, paid out and never repaid, in the loss class since
    WRITE_OFF_LOSS_ON. Paid out through the services; its classification (the LoanRisk row
    and the dated history the nightly would have written on that day) through the ORM: the
    book's nightly runs on SCANNED_ON only, and running it on the earlier day would classify
    (and alert on) every other loan of the book too."""
    from risk.models import HistoryKind, RiskHistory

    application = _application(portfolio.owner, portfolio.customer, product, purpose)
    lending_services.application_submit(actor=portfolio.owner, application=application)
    lending_services.application_start_review(actor=portfolio.manager, application=application)
    lending_services.collateral_add(
        actor=portfolio.owner,
        collateral=Collateral(
            application=application,
            collateral_type="equipment",
            description=f"{portfolio.marker} {purpose} equipment",
            owner_name=portfolio.customer.name,
            value=Decimal("250000.00"),
            valued_on=dt.date(2023, 1, 1),
        ),
    )
    lending_services.application_approve(
        actor=portfolio.manager,
        application=application,
        amount=Decimal("100000"),
        term_months=12,
        # The grade as the nightly left it (the portfolio's object predates the scan).
        rate=lending_services.offer_for(
            product, Customer.objects.get(pk=portfolio.customer.pk).grade
        )["rate"],
    )
    loan = lending_services.application_disburse(
        actor=portfolio.manager, application=application, on=WRITE_OFF_LOANS_DISBURSED_ON
    )
    first_due = loan.instalments.order_by("due_date").first().due_date
    LoanRisk.objects.create(
        loan=loan,
        customer=portfolio.customer,
        dpd=(WRITE_OFF_LOSS_ON - first_due).days,
        overdue_since=first_due,
        overdue_instalments=12,
        automatic_class=5,
        final_class=5,
        computed_on=WRITE_OFF_LOSS_ON,
    )
    RiskHistory.objects.create(
        kind=HistoryKind.CLASSIFICATION,
        customer=portfolio.customer,
        loan=loan,
        changed_on=WRITE_OFF_LOSS_ON,
        old_value="4",
        new_value="5",
    )
    return loan


def _write_offs(portfolio: Portfolio, product: LoanProduct) -> None:
    from customers.services import interaction_log
    from lending.services import write_offs as write_off_services

    owner, manager = portfolio.owner, portfolio.manager
    pending_loan = _loss_class_loan(portfolio, product, "Shop fit-out")
    lost_loan = _loss_class_loan(portfolio, product, "Stock")
    # The recovery efforts the conditions ask for (three contacts since the loans fell due).
    for day in range(3):
        interaction_log(
            actor=owner,
            interaction=Interaction(
                customer=portfolio.customer,
                channel="phone",
                occurred_at=timezone.make_aware(
                    dt.datetime.combine(WRITE_OFF_LOSS_ON + dt.timedelta(days=4 + day), dt.time(10))
                ),
                summary=f"{portfolio.marker} collection call {day + 1}",
            ),
        )
    with override_settings(BUSINESS_DATE=WRITE_OFF_PROPOSED_ON):
        portfolio.write_off_proposal, _created = write_off_services.write_off_propose(
            actor=owner,
            loan=pending_loan,
            reason=f"{portfolio.marker} debtor absconded",
            evidence="Three calls logged; no assets found",
        )
        proposal, _created = write_off_services.write_off_propose(
            actor=owner,
            loan=lost_loan,
            reason=f"{portfolio.marker} shop closed",
            evidence="Three calls logged; no assets found",
        )
        portfolio.written_off = write_off_services.write_off_approve(
            actor=manager, proposal=proposal
        )
    with override_settings(BUSINESS_DATE=WRITE_OFF_REVERSAL_ON):
        portfolio.write_off_reversal, _created = write_off_services.write_off_reversal_propose(
            actor=owner,
            record=portfolio.written_off,
            reason=f"{portfolio.marker} written off in error",
        )
    with override_settings(BUSINESS_DATE=WRITE_OFF_RECOVERY_ON):
        portfolio.write_off_recovery = write_off_services.write_off_recovery_record(
            actor=owner,
            record=portfolio.written_off,
            amount=Decimal("1000.00"),
            received_on=WRITE_OFF_RECOVERY_ON,
            reference=f"{portfolio.marker}-recovery",
        )
    portfolio.written_off.refresh_from_db()


def _collection_case(portfolio: Portfolio):
    """The loan's case, as the nightly step opens it on the book's day (the first instalment
    is past due), handed by the manager to the owner, who calls twice: no answer, then a
    promise to pay in ten days."""
    from lending.services import collections as collection_services

    customer_id = portfolio.customer.pk
    collection_services.collection_cases_refresh(
        first_id=customer_id, last_id=customer_id, on=SCANNED_ON
    )
    case = portfolio.loan.collection_cases.get(status="open")
    with override_settings(BUSINESS_DATE=SCANNED_ON):
        case = collection_services.collection_case_assign(
            actor=portfolio.manager, case=case, collector=portfolio.owner
        )
        for result, promise in (("no_answer", None), ("promised", Decimal("2000.00"))):
            collection_services.collection_contact_record(
                actor=portfolio.owner,
                case=case,
                channel="phone",
                result=result,
                summary=f"{portfolio.marker} collection call",
                promise_amount=promise,
                promise_date=SCANNED_ON + dt.timedelta(days=10) if promise else None,
                on=SCANNED_ON,
            )
    return case


def _legal_case(portfolio: Portfolio):
    """The legal case of the loan's collection case, as filed (the book's case is early in
    its stages: the row is written as the filing would write it)."""
    from lending.legal_models import LegalCase

    return LegalCase.objects.create(
        collection_case=portfolio.collection_case,
        loan=portfolio.loan,
        customer=portfolio.customer,
        court=f"{portfolio.marker} court",
        case_number=f"{portfolio.marker}-1",
        filed_on=SCANNED_ON,
        claim_amount=Decimal("50000.00"),
        recorded_by=portfolio.owner,
    )


def _inspection_plan(product: LoanProduct) -> None:
    """The book's product is inspected (no plan is seeded: admins set them up)."""
    from lending.inspection_models import InspectionPlan

    InspectionPlan.objects.create(product=product)


def _inspection(portfolio: Portfolio):
    """The loan's first inspection, created by the nightly step: due 30 days after the
    disbursement, so open and overdue on the book's day and the suite's."""
    from lending.inspections import inspections_schedule

    customer_id = portfolio.customer.pk
    inspections_schedule(first_id=customer_id, last_id=customer_id)
    return portfolio.loan.inspections.get(status="due")


def _application(owner, customer, product, purpose: str) -> Application:
    return lending_services.application_create(
        actor=owner,
        application=Application(
            customer=customer,
            product=product,
            amount=Decimal("100000"),
            term_months=12,
            purpose=purpose,
        ),
    )


def build_book() -> Book:
    users = seed_cast()
    # The cast has one manager; the matrix needs the manager of the other branch too.
    users["sonia"] = User.objects.filter(username="sonia").first() or (
        account_services.user_create(
            actor=None,
            username="sonia",
            # The tests sign in with force_login.
            password="unused-in-tests",
            role=Role.MANAGER,
            branch=Branch.objects.get(code="SOUTH"),
            first_name="Sonia",
            last_name="Sun",
        )
    )
    product = LoanProduct.objects.get(code="CONS-01")
    portfolios = {
        "north": _portfolio("north", users["alice"], users["mary"], product),
        "south": _portfolio("south", users["charlie"], users["sonia"], product),
    }
    jobs.run_synchronously(jobs.NIGHTLY, SCANNED_ON)
    for portfolio in portfolios.values():
        portfolio.alert = Alert.objects.get(loan=portfolio.loan, rule__code="dpd_1")
        portfolio.classification_proposal = _classification_proposal(users["rita"], portfolio.loan)
        portfolio.collection_case = _collection_case(portfolio)
        portfolio.legal_case = _legal_case(portfolio)
        # After the nightly, which would otherwise classify these loans (and raise their
        # alerts) on the book's day rather than on the day they fell into loss.
        _write_offs(portfolio, product)
    # After the nightly too: an inspection open past its due day raises an early warning.
    _inspection_plan(product)
    for portfolio in portfolios.values():
        portfolio.inspection = _inspection(portfolio)

    scorecard = ScorecardVersion.objects.order_by("id").first()
    scorecard_alert = ScorecardAlert.objects.create(
        version=scorecard, month=dt.date(2025, 1, 1), psi=0.31
    )
    book = Book(
        users=users, portfolios=portfolios, scorecard=scorecard, scorecard_alert=scorecard_alert
    )
    book.admin_rows = _admin_rows(book)
    book.customer_content_type_id = ContentType.objects.get_for_model(Customer).pk
    book.conduct_alert = ConductAlert.objects.create(
        kind=ConductAlertKind.DUPLICATE_PROBING,
        user=users["bob"],
        branch=users["bob"].branch,
        day=SCANNED_ON,
        identifiers=6,
    )
    return book


def _admin_rows(book: Book) -> dict[str, int]:
    """The row each admin model's change, history and delete pages open: the North
    portfolio's record for business data, and a reference row for the rest (created here
    where the migrations leave the table empty)."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django_celery_beat.models import ClockedSchedule, SolarSchedule

    from lending.exposure_models import ConcentrationLimit, LimitKind, Tier1Capital

    north = book.portfolios["north"]
    now = timezone.now()
    from risk.provision_services import provision_run_create

    created = {
        "customers.tag": Tag.objects.create(name="matrix"),
        # A month-end provision run (the month before the one the policy test freezes).
        "risk.provisionrun": provision_run_create(month=dt.date(2024, 12, 1), on=SCANNED_ON),
        "risk.industrywatch": IndustryWatch.objects.create(
            industry=Industry.objects.get(code="C"), reason="Overcapacity"
        ),
        "audit.jobheartbeat": JobHeartbeat.objects.create(job="matrix", last_seen_at=now),
        "django_celery_beat.clockedschedule": ClockedSchedule.objects.create(clocked_time=now),
        "django_celery_beat.solarschedule": SolarSchedule.objects.create(
            event="sunrise", latitude=Decimal("39.9"), longitude=Decimal("116.4")
        ),
        "axes.accessattempt": AccessAttempt.objects.create(
            username="mallory", ip_address="10.0.0.9", failures_since_start=1
        ),
        "axes.accesslog": AccessLog.objects.create(username="alice", ip_address="10.0.0.1"),
        "axes.accessfailurelog": AccessFailureLog.objects.create(
            username="mallory", ip_address="10.0.0.9", locked_out=False
        ),
        # Far above what the book lends: no concentration limit is near.
        "lending.tier1capital": Tier1Capital.objects.create(
            amount=Decimal("100000000000.00"),
            effective_on=dt.date(2024, 1, 1),
            note="Matrix",
            recorded_by=book.users["admin"],
        ),
    }
    if not ConcentrationLimit.objects.exists():
        created["lending.concentrationlimit"] = ConcentrationLimit.objects.create(
            kind=LimitKind.SINGLE_CUSTOMER,
            share_of_capital=Decimal("10"),
            warning_share=Decimal("80"),
        )
    # A payment reminder and an opt-out (by e-mail) of the North customer.
    from lending.reminder_models import PaymentReminder, ReminderOptOut

    instalment = north.loan.instalments.order_by("id").first()
    created["lending.paymentreminder"] = PaymentReminder.objects.create(
        instalment=instalment,
        loan=north.loan,
        customer=north.customer,
        kind="due",
        channel="sms",
        language="zh-hans",
        amount=instalment.principal_due + instalment.interest_due,
        due_date=instalment.due_date,
        business_date=SCANNED_ON,
        send_after=now,
    )
    created["lending.reminderoptout"] = ReminderOptOut.objects.create(
        customer=north.customer, channel="email", recorded_by=north.owner
    )
    # A product's document checklist row, on a product the book does not lend (its
    # applications need no document).
    from customers.document_models import DocumentType
    from lending.document_checklist_models import ProductDocumentRequirement
    from lending.models import LoanProduct

    created["lending.productdocumentrequirement"] = ProductDocumentRequirement.objects.create(
        product=LoanProduct.objects.get(code="MORT-01"),
        document_type=DocumentType.objects.get(code="valuation_report"),
    )
    # A checklist question (as an admin writes it, in Chinese) on that product too: the book's
    # inspections keep the standard topics (its product has no checklist).
    from lending.inspection_models import InspectionChecklistItem

    created["lending.inspectionchecklistitem"] = InspectionChecklistItem.objects.create(
        product=LoanProduct.objects.get(code="MORT-01"),
        topic="collateral",
        question="房屋是出租还是空置？",
    )
    rows = {label: obj.pk for label, obj in created.items()}
    rows.update(
        {
            "auth.group": Group.objects.order_by("id").first().pk,
            "accounts.user": north.owner.pk,
            "accounts.branch": north.owner.branch_id,
            "customers.customer": north.customer.pk,
            "customers.interaction": north.customer.interactions.first().pk,
            "customers.followup": north.follow_up.pk,
            "customers.complaint": north.complaint.pk,
            "customers.survey": north.customer.surveys.first().pk,
            "lending.application": north.application.pk,
            "lending.loan": north.loan.pk,
            "credit.assessment": north.assessment.pk,
            "credit.financialstatement": north.statement.pk,
            "lending.repayment": north.repayment.pk,
            "lending.customernotification": north.loan.application.notifications.first().pk,
            "credit.scorecardversion": book.scorecard.pk,
            "risk.alert": north.alert.pk,
            "risk.loanrisk": north.loan.pk,
            "risk.riskhistory": north.customer.risk_history.first().pk,
            "risk.manualsignal": north.signal.pk,
            "lending.creditfacility": north.facility.pk,
            "lending.facilitylimitchange": north.limit_change.pk,
            "customers.customerrelation": north.relation.pk,
            "customers.customergroup": north.group.pk,
            "lending.customerexposure": north.customer.exposure.pk,
            "lending.writeoffproposal": north.write_off_proposal.pk,
            "lending.writtenoffloan": north.written_off.pk,
            "lending.inspectionplan": north.loan.product.inspection_plan.pk,
            "lending.collectioncase": north.collection_case.pk,
        }
    )
    # The other tables hold reference rows from the data migrations: their first row.
    for model in admin.site._registry:
        label = model._meta.label_lower
        if label not in rows:
            first = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
            # A model with no row yet has none here: its admin entries in the matrix then
            # fail naming the label (give the book a row of it), the others still run.
            if first is not None:
                rows[label] = first
    return rows
