"""The button and the service agree: for each decision of a policy module (customers, credit,
lending and risk `policies.py`), every user of the cast and objects in and out of their scope
or state, the page shows the button exactly when the service accepts the click, and both
follow the policy function.

Each case opens the page the button lives on, then makes the request the button makes, as
that user, and looks in the database for the effect. Out of scope is a 404 on both; out of
role the button is missing and the request is refused (403, or 400 with the reason), and
nothing changes. The shared book (tests/platform/access_book.py) gives each branch a
portfolio with its application, loan, proposals and alerts; each case runs in a savepoint.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.test import Client
from django.urls import reverse

from accounts.models import Branch, Role, User
from audit.models import AuditEvent
from core.business_date import business_date
from credit import policies as credit_policies
from customers import policies as customer_policies
from lending import importer as lending_importer
from lending import policies as lending_policies
from lending.models import ApplicationStatus, ProposalStatus
from risk import policies as risk_policies
from risk.models import ClassificationProposal, ConductAlertStatus, LoanRisk, ManualSignal
from tests.platform.access_book import SCANNED_ON

USERS = ["alice", "bob", "charlie", "mary", "sonia", "rita", "admin"]
# Who sees each portfolio's data (accounts/scope.py): its officer, their branch's manager and
# head office.
SEES = {
    "north": {"alice", "mary", "rita", "admin"},
    "south": {"charlie", "sonia", "rita", "admin"},
}


def _client(book, username: str) -> Client:
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = book.session_cookies[username]
    return client


def _transfer_target(book, portfolio) -> User:
    """An active officer of the customer's branch other than its own: bob in North; South
    has only charlie, so a colleague joins for the case."""
    if portfolio.branch == "north":
        return book.users["bob"]
    return User.objects.create_user(
        username="dora",
        password="unused-in-tests",
        role=Role.OFFICER,
        branch=Branch.objects.get(code="SOUTH"),
    )


@dataclass(frozen=True)
class Decision:
    """One decision: the page its button lives on and the button's URL there, the request
    the button makes, what the database holds once it was accepted, and the policy's
    answer (with the object's state: a decision asked of an object in the wrong state is
    refused whoever asks)."""

    page: Callable  # (book, portfolio) -> URL of the page with the button
    button: Callable  # (book, portfolio) -> URL the button posts to or links to
    act: Callable  # (client, book, portfolio, user) -> response
    done: Callable  # (book, portfolio, user) -> bool
    allowed: Callable  # (user, book, portfolio) -> bool: the policy, and the state
    variants: tuple[str, ...] = ("north", "south")


def _transfer(client, book, portfolio, user):
    target = _transfer_target(book, portfolio)
    portfolio.transfer_target = target
    return client.post(
        reverse("customers:transfer", args=[portfolio.customer.pk]),
        {"to_officer": target.pk, "reason": "Workload"},
    )


def _transfer_done(book, portfolio, user) -> bool:
    portfolio.customer.refresh_from_db()
    return portfolio.customer.officer_id == portfolio.transfer_target.pk


def _revealed(book, portfolio, user) -> bool:
    return AuditEvent.objects.filter(
        action="customers.customer.identifier_revealed",
        object_id=str(portfolio.customer.pk),
        actor=user,
        created_at__gte=portfolio.started,
    ).exists()


def _override(client, book, portfolio, user):
    return client.post(
        reverse("risk:classification-override", args=[portfolio.loan.pk]),
        {
            "loan_class": 5,
            "reason": "Collateral lost",
            "until": (business_date() + dt.timedelta(days=30)).isoformat(),
        },
    )


def _application(book, portfolio):
    """The portfolio's submitted application; in the "paid" variant, the one already paid
    out, which nobody may send to review."""
    if portfolio.variant == "paid":
        return portfolio.loan.application
    return portfolio.application


def _import_loans(client, book, portfolio, user):
    """The import service itself (the page's upload reads files first): an empty batch is
    accepted by whoever may import, refused for the others."""
    try:
        with transaction.atomic():
            lending_importer.import_loans(actor=user, rows=[], strict=True)
    except PermissionDenied:
        portfolio.imported = False
    else:
        portfolio.imported = True
    return None


DECISIONS = {
    "transfer a customer": Decision(
        page=lambda book, p: reverse("customers:detail", args=[p.customer.pk]),
        button=lambda book, p: reverse("customers:transfer", args=[p.customer.pk]),
        act=_transfer,
        done=_transfer_done,
        allowed=lambda user, book, p: customer_policies.may_transfer_customer(user),
    ),
    "reveal an identifier": Decision(
        page=lambda book, p: reverse("customers:detail", args=[p.customer.pk]),
        button=lambda book, p: reverse("customers:reveal", args=[p.customer.pk]),
        act=lambda client, book, p, user: client.post(
            reverse("customers:reveal", args=[p.customer.pk]), {"reason": "call"}
        ),
        done=_revealed,
        allowed=lambda user, book, p: customer_policies.may_reveal_identifiers(user),
    ),
    "raise a signal": Decision(
        page=lambda book, p: reverse("customers:detail", args=[p.customer.pk]),
        button=lambda book, p: reverse("risk:signal-add", args=[p.customer.pk]),
        act=lambda client, book, p, user: client.post(
            reverse("risk:signal-add", args=[p.customer.pk]),
            {"kind": "lawsuit", "note": "Sued by a supplier"},
        ),
        done=lambda book, p, user: ManualSignal.objects.filter(
            customer=p.customer, raised_by=user, note="Sued by a supplier"
        ).exists(),
        allowed=lambda user, book, p: risk_policies.may_raise_signal(user),
    ),
    "decide an application": Decision(
        page=lambda book, p: reverse("lending:application-detail", args=[_application(book, p).pk]),
        # Offered straight from "submitted" (approve and reject; the review is recorded on
        # the way): rejecting needs no terms the book's application may not meet.
        button=lambda book, p: reverse(
            "lending:application-reject", args=[_application(book, p).pk]
        ),
        act=lambda client, book, p, user: client.post(
            reverse("lending:application-reject", args=[_application(book, p).pk]),
            {"reason": "Income not documented"},
        ),
        done=lambda book, p, user: (
            type(_application(book, p))
            .objects.filter(pk=_application(book, p).pk, status=ApplicationStatus.REJECTED)
            .exists()
        ),
        allowed=lambda user, book, p: (
            p.variant != "paid"
            and lending_policies.may_decide_application(user, _application(book, p))
        ),
        variants=("north", "south", "north-paid"),
    ),
    "approve a restructuring": Decision(
        page=lambda book, p: reverse("lending:loan-detail", args=[p.loan.pk]),
        button=lambda book, p: reverse(
            "lending:restructuring-approve", args=[p.loan.pk, p.restructuring_proposal.pk]
        ),
        act=lambda client, book, p, user: client.post(
            reverse("lending:restructuring-approve", args=[p.loan.pk, p.restructuring_proposal.pk])
        ),
        done=lambda book, p, user: (
            type(p.restructuring_proposal)
            .objects.filter(pk=p.restructuring_proposal.pk, status=ProposalStatus.APPROVED)
            .exists()
        ),
        allowed=lambda user, book, p: lending_policies.may_decide_loan_change(
            user, p.loan, p.restructuring_proposal
        ),
    ),
    "override a class": Decision(
        page=lambda book, p: reverse("lending:loan-detail", args=[p.loan.pk]),
        button=lambda book, p: reverse("risk:classification-override", args=[p.loan.pk]),
        act=_override,
        done=lambda book, p, user: LoanRisk.objects.filter(loan=p.loan, override_class=5).exists(),
        allowed=lambda user, book, p: risk_policies.may_override_class(user),
    ),
    "approve a class proposal": Decision(
        page=lambda book, p: reverse("lending:loan-detail", args=[p.loan.pk]),
        button=lambda book, p: reverse(
            "risk:classification-proposal-approve",
            args=[p.loan.pk, p.classification_proposal.pk],
        ),
        act=lambda client, book, p, user: client.post(
            reverse(
                "risk:classification-proposal-approve",
                args=[p.loan.pk, p.classification_proposal.pk],
            )
        ),
        done=lambda book, p, user: ClassificationProposal.objects.filter(
            pk=p.classification_proposal.pk, status=ProposalStatus.APPROVED
        ).exists(),
        allowed=lambda user, book, p: risk_policies.may_decide_class_proposal(
            user, p.classification_proposal
        ),
    ),
    "close a conduct alert": Decision(
        # The book's conduct alert is about bob, in North.
        page=lambda book, p: reverse("risk:conduct-alert", args=[book.conduct_alert.pk]),
        button=lambda book, p: 'name="note"',
        act=lambda client, book, p, user: client.post(
            reverse("risk:conduct-alert", args=[book.conduct_alert.pk]),
            {"note": "Asked him: a branch event"},
        ),
        done=lambda book, p, user: (
            type(book.conduct_alert)
            .objects.filter(pk=book.conduct_alert.pk, status=ConductAlertStatus.CLOSED)
            .exists()
        ),
        allowed=lambda user, book, p: risk_policies.may_close_conduct_alert(
            user, book.conduct_alert
        ),
        variants=("north",),
    ),
    "monitor a scorecard": Decision(
        page=lambda book, p: reverse("credit:scorecard-monitoring", args=[book.scorecard.pk]),
        button=lambda book, p: reverse(
            "credit:scorecard-monitoring-refresh", args=[book.scorecard.pk]
        ),
        act=lambda client, book, p, user: client.post(
            reverse("credit:scorecard-monitoring-refresh", args=[book.scorecard.pk])
        ),
        done=lambda book, p, user: AuditEvent.objects.filter(
            action="credit.scorecard.monitoring_computed",
            object_id=str(book.scorecard.pk),
            actor=user,
        ).exists(),
        allowed=lambda user, book, p: credit_policies.may_monitor_scorecards(user),
        variants=("global",),
    ),
    "import loans": Decision(
        page=lambda book, p: reverse("lending:loan-list"),
        button=lambda book, p: reverse("lending:portfolio-import"),
        act=_import_loans,
        done=lambda book, p, user: p.imported,
        allowed=lambda user, book, p: lending_policies.may_import_portfolio(user),
        variants=("global",),
    ),
}


class _Case:
    """The portfolio a case works on, with the case's own notes (the variant, the transfer's
    target, when the case started)."""

    def __init__(self, book, variant: str):
        self.variant = variant.split("-")[1] if "-" in variant else ""
        branch = variant.split("-")[0]
        self.scope = branch
        self.portfolio = book.portfolios["north" if branch == "global" else branch]

    def __getattr__(self, name):
        return getattr(self.portfolio, name)


def _cases():
    for name, decision in DECISIONS.items():
        for variant in decision.variants:
            for username in USERS:
                yield pytest.param(name, variant, username, id=f"{name}-{variant}-{username}")


@pytest.mark.parametrize(("name", "variant", "username"), list(_cases()))
def test_the_button_shows_exactly_when_the_service_accepts(
    access_book, db, settings, name, variant, username
):
    from django.utils import timezone

    # The book's day: the classification proposals' overrides run to 60 days after it, so
    # a proposal is still open to a decision (an ended one is refused whoever asks).
    settings.BUSINESS_DATE = SCANNED_ON
    decision = DECISIONS[name]
    book = access_book
    user = book.users[username]
    case = _Case(book, variant)
    case.started = timezone.now()
    client = _client(book, username)

    page = client.get(decision.page(book, case))
    assert page.status_code in (200, 403, 404), page.status_code
    shown = page.status_code == 200 and decision.button(book, case) in page.content.decode()

    response = decision.act(client, book, case, user)
    if response is not None:
        assert response.status_code < 500, response.status_code
    accepted = decision.done(book, case, user)

    in_scope = case.scope == "global" or (
        username in SEES[case.scope]
        if name != "close a conduct alert"
        # Conduct alerts: a reviewer's branch (head office every branch), never about oneself.
        else username in {"mary", "rita", "admin", "alice", "bob"}
    )
    expected = in_scope and decision.allowed(user, book, case)
    assert shown == accepted == expected, (
        f"{name} ({variant}) as {username}: button shown {shown}, service accepted "
        f"{accepted}, policy says {expected}"
    )
    if not accepted and response is not None:
        assert response.status_code in (400, 403, 404), response.status_code
