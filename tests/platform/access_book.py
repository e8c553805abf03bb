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
    Survey,
    Tag,
)
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
    return book


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

    north = book.portfolios["north"]
    now = timezone.now()
    created = {
        "customers.tag": Tag.objects.create(name="matrix"),
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
    }
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
        }
    )
    # The other tables hold reference rows from the data migrations: their first row.
    for model in admin.site._registry:
        label = model._meta.label_lower
        if label not in rows:
            rows[label] = model._default_manager.order_by("pk").values_list("pk", flat=True)[0]
    return rows
