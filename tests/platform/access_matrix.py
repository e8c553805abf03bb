"""Who may use each URL of the product: the access matrix that test_access_matrix.py walks.

Every URL pattern of crm_site.urls (Django admin's included) has an entry here, keyed by its
URL name (or, for admin's few unnamed patterns, by its full route). Adding a URL without an
entry fails the tests, naming it.

An entry says which roles may use the URL (the others get 403), how to build its arguments
from a portfolio of the shared book (tests/platform/access_book.py) and whose data that is
(out of scope is a 404, whatever the role), which methods to try and with what body. The role
rules are the product's own: the `may_*` functions of customers/credit/lending/risk
`policies.py`, and accounts/roles.py with the admin classes for Django admin.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from accounts.models import Role

OFFICER, MANAGER, RISK_OFFICER, ADMIN = (
    Role.OFFICER.value,
    Role.MANAGER.value,
    Role.RISK_OFFICER.value,
    Role.ADMIN.value,
)
EVERY_ROLE = frozenset({OFFICER, MANAGER, RISK_OFFICER, ADMIN})
# customers.policies.may_edit_customers and lending.policies.may_service_loans.
CUSTOMER_WORK = frozenset({OFFICER, MANAGER, ADMIN})
# credit.policies.may_work_credit: statements, assessments, applications, security.
CREDIT_WORK = frozenset({OFFICER, MANAGER})
# lending.policies.may_decide_application (the branch's manager or an admin, never one of
# its makers), may_decide_loan_change (approving or rejecting a restructuring or a reversal,
# never its proposer), and the other steps reserved to managers and admins (disburse, import).
DECIDERS = frozenset({MANAGER, ADMIN})
# lending.services.loan_change_withdraw: only the proposer, and each portfolio's proposals
# are its officer's (tests/platform/access_book.py).
PROPOSERS = frozenset({OFFICER})
# customers.policies.REVEAL_ROLES: who calls, visits and signs with the customer.
REVEALERS = frozenset({OFFICER, MANAGER})
# credit.policies.may_monitor_scorecards: scorecard monitoring is head office's.
MONITORS = frozenset({RISK_OFFICER, ADMIN})
# risk.policies.may_override_class.
OVERRIDERS = frozenset({MANAGER, RISK_OFFICER})
# risk.policies.may_decide_class_proposal: an overrider who is not the proposer. Each portfolio's
# classification proposal is rita's, the cast's only risk officer (access_book), so here
# the branch's manager decides and only rita withdraws.
CLASSIFICATION_DECIDERS = frozenset({MANAGER})
CLASSIFICATION_PROPOSER = frozenset({RISK_OFFICER})
# risk.policies.may_raise_signal: people who learn facts about customers.
SIGNALLERS = frozenset({OFFICER, MANAGER, RISK_OFFICER})

# risk.policies.PROVISION_READER_ROLES.
PROVISION_READERS = frozenset({MANAGER, RISK_OFFICER, ADMIN})

# customers.policies.may_see_screening (compliance is not in the shared cast).
SCREENING_READERS = frozenset({MANAGER, ADMIN})

# customers.policies.may_manage_groups.
GROUP_KEEPERS = frozenset({MANAGER, RISK_OFFICER, ADMIN})

# Write-off (lending.policies): may_propose_write_off (also the reversal's proposal);
# may_decide_write_off on the book's proposals, all made by the portfolio's officer, for
# amounts within the branch manager's authority level (held by the branch's manager and by
# admins, lending/migrations/0004) or the head-office risk officer's above it (rita); only its
# proposer withdraws a proposal (PROPOSERS); may_record_recovery is every role's.
WRITE_OFF_PROPOSERS = frozenset({OFFICER, MANAGER, RISK_OFFICER})
WRITE_OFF_DECIDERS = frozenset({MANAGER, RISK_OFFICER, ADMIN})

# lending.policies.may_record_inspection: the officers who visit and their managers.
INSPECTORS = frozenset({OFFICER, MANAGER})
# lending.policies.may_work_collection_case: the people who work the portfolio (and the case's
# collector, who is its officer in the book); may_assign_collections: managers and admins.
COLLECTION_WORK = frozenset({OFFICER, MANAGER, ADMIN})
COLLECTION_ASSIGNERS = frozenset({MANAGER, ADMIN})

# Whose data a URL's object is: "customer" data is seen by the owning officer, the manager
# of their branch and head office (accounts/scope.py); a saved filter only by its owner;
# "global" rows (scorecards) by whoever the role rule admits; None for URLs without object.
CUSTOMER_SCOPE = "customer"
OWNER_ONLY = "owner"
GLOBAL = "global"

Kwargs = Callable[[object, object], dict]


@dataclass(frozen=True)
class Access:
    roles: frozenset[str] = EVERY_ROLE
    # Who may POST, where it differs from who may open the page (a form only some readers
    # may submit); None: the same roles.
    post_roles: frozenset[str] | None = None
    # (portfolio, book) -> URL kwargs; None for a URL without object.
    kwargs: Kwargs | None = None
    scope: str | None = None
    methods: tuple[str, ...] = ("GET",)
    # (portfolio, book) -> POST body. The smallest body that reaches the role check: views
    # that validate a form before the service checks the role need a valid one.
    data: Callable[[object, object], dict] | None = None
    query: dict = field(default_factory=dict)
    # What an allowed, in-scope request answers, by method.
    ok: dict[str, frozenset[int]] = field(
        default_factory=lambda: {"GET": frozenset({200}), "POST": frozenset({200, 302})}
    )
    admin: bool = False
    public: bool = False


def _ok(get=(200,), post=(200, 302)) -> dict[str, frozenset[int]]:
    return {"GET": frozenset(get), "POST": frozenset(post)}


def _customer(p, book) -> dict:
    return {"pk": p.customer.pk}


def _credit_customer(p, book) -> dict:
    return {"customer_pk": p.customer.pk}


def _application(p, book) -> dict:
    return {"pk": p.application.pk}


def _loan(p, book) -> dict:
    return {"pk": p.loan.pk}


def _restructuring_proposal(p, book) -> dict:
    return {"pk": p.loan.pk, "proposal_pk": p.restructuring_proposal.pk}


def _reversal_proposal(p, book) -> dict:
    return {"pk": p.loan.pk, "proposal_pk": p.reversal_proposal.pk}


def _alert(p, book) -> dict:
    return {"pk": p.alert.pk}


def _classification_proposal(p, book) -> dict:
    return {"loan_pk": p.loan.pk, "pk": p.classification_proposal.pk}


def _screening_hit(p, book) -> dict:
    return {"pk": p.screening_hit.pk}


def _facility(p, book) -> dict:
    return {"pk": p.facility.pk}


def _limit_change(p, book) -> dict:
    return {"pk": p.facility.pk, "change_pk": p.limit_change.pk}


def _write_off_proposal(p, book) -> dict:
    return {"proposal_pk": p.write_off_proposal.pk}


def _written_off(p, book) -> dict:
    return {"pk": p.written_off.pk}


def _write_off_reversal(p, book) -> dict:
    return {"proposal_pk": p.write_off_reversal.pk}


def _inspection(p, book) -> dict:
    return {"pk": p.inspection.pk}


def _collection_case(p, book) -> dict:
    return {"pk": p.collection_case.pk}


def _legal_case(p, book) -> dict:
    return {"pk": p.legal_case.pk}


def _legal_case_step(p, book) -> dict:
    return {"pk": p.legal_case.pk, "step": "judgment"}


def _reason(p, book) -> dict:
    return {"reason": "Access matrix"}


def customer_form(roles=CUSTOMER_WORK, kwargs: Kwargs = _customer, **options) -> Access:
    """A GET form page that POSTs to itself, on something of a customer. The matrix posts
    an empty form: an allowed user gets it back with the reasons next to the fields (400;
    200 on the pages that still answer so), an outsider 404, a role without the right 403."""
    options.setdefault("ok", _ok(post=(200, 302, 400)))
    return Access(
        roles=roles, kwargs=kwargs, scope=CUSTOMER_SCOPE, methods=("GET", "POST"), **options
    )


def customer_action(roles, kwargs: Kwargs, data=None, ok=None) -> Access:
    """A POST-only step on something of a customer."""
    return Access(
        roles=roles,
        kwargs=kwargs,
        scope=CUSTOMER_SCOPE,
        methods=("POST",),
        data=data,
        ok=ok or _ok(),
    )


def customer_page(kwargs: Kwargs, roles=EVERY_ROLE) -> Access:
    return Access(roles=roles, kwargs=kwargs, scope=CUSTOMER_SCOPE)


# An application waiting for its manager: a step it is not in answers 400 with the reason
# (the step was allowed, the state refused it), a step it can take redirects.
STATE_REFUSED_OR_DONE = _ok(post=(302, 400))

PRODUCT = {
    "home": Access(ok=_ok(get=(302,))),
    "today": Access(),
    # Customers.
    "customers:list": Access(),
    "customers:export": Access(kwargs=lambda p, book: {"fmt": "csv"}),
    # An empty form comes back with the reasons next to the fields.
    "customers:create": Access(
        roles=CUSTOMER_WORK, methods=("GET", "POST"), ok=_ok(post=(200, 302, 400))
    ),
    "customers:import": Access(roles=CUSTOMER_WORK, methods=("GET", "POST"), ok=_ok(post=(400,))),
    "customers:filter-save": Access(methods=("POST",), ok=_ok(post=(302,))),
    "customers:filter-delete": Access(
        kwargs=lambda p, book: {"pk": p.saved_filter.pk},
        scope=OWNER_ONLY,
        methods=("POST",),
        ok=_ok(post=(302,)),
    ),
    "customers:detail": customer_page(_customer),
    "customers:edit": customer_form(),
    "customers:transfer": customer_form(roles=DECIDERS),
    "customers:reveal": customer_action(
        REVEALERS, _customer, data=lambda p, book: {"reason": "call"}, ok=_ok(post=(200,))
    ),
    "customers:contact-add": customer_form(kwargs=lambda p, book: {"pk": p.enterprise.pk}),
    "customers:contact-edit": customer_form(
        kwargs=lambda p, book: {"pk": p.enterprise.pk, "contact_pk": p.contact.pk}
    ),
    "customers:needs-add": customer_form(),
    "customers:interaction-add": customer_form(),
    "customers:follow-up-add": customer_form(),
    # "Done" asks for the outcome: an empty form comes back with the reason (400).
    "customers:follow-up-complete": customer_form(
        kwargs=lambda p, book: {"pk": p.customer.pk, "follow_up_pk": p.follow_up.pk},
    ),
    # The book's follow-up is open: there is nothing to undo (400, the reason on Today).
    "customers:follow-up-undo": customer_action(
        CUSTOMER_WORK,
        lambda p, book: {"pk": p.customer.pk, "follow_up_pk": p.follow_up.pk},
        ok=_ok(post=(302, 400)),
    ),
    "customers:follow-up-cancel": customer_action(
        CUSTOMER_WORK,
        lambda p, book: {"pk": p.customer.pk, "follow_up_pk": p.follow_up.pk},
        ok=_ok(post=(302,)),
    ),
    "customers:complaint-add": customer_form(),
    "customers:complaint-update": customer_form(
        kwargs=lambda p, book: {"pk": p.customer.pk, "complaint_pk": p.complaint.pk}
    ),
    "customers:survey-add": customer_form(),
    # Watch-list screening (customers.policies): compliance's pages, which managers (their
    # branch) and admins also open; the cast has no compliance officer, so the steps only
    # compliance takes are refused to every role here (tests/customers/test_screening_work.py
    # walks them as cora). A manager may decide a clearing, and on the book's open hit is told
    # that none waits (400).
    "customers:screening-queue": Access(roles=SCREENING_READERS),
    "customers:screening-import": Access(
        roles=frozenset({ADMIN}), methods=("GET", "POST"), ok=_ok(post=(400,))
    ),
    "customers:screening-hit": customer_page(_screening_hit, roles=SCREENING_READERS),
    "customers:screening-hit-confirm": customer_action(
        frozenset(), _screening_hit, data=lambda p, book: {"note": "Access matrix"}
    ),
    "customers:screening-hit-clearing": customer_action(frozenset(), _screening_hit, data=_reason),
    "customers:screening-hit-decide": customer_action(
        frozenset({MANAGER}),
        _screening_hit,
        data=lambda p, book: {"decision": "approve"},
        ok=_ok(post=(400,)),
    ),
    # Credit: statements, assessments, applications.
    "credit:statement-add": customer_form(roles=CREDIT_WORK, kwargs=_credit_customer),
    "credit:assess": customer_form(roles=CREDIT_WORK, kwargs=_credit_customer),
    "lending:application-create": customer_form(roles=CREDIT_WORK, kwargs=_credit_customer),
    "credit:assessment-detail": customer_page(lambda p, book: {"pk": p.assessment.pk}),
    # Credit bureau data: consent and reports are credit work; the report opens for every role
    # in scope (its opening audited).
    "credit:bureau-consent-add": customer_form(roles=CREDIT_WORK, kwargs=_credit_customer),
    "credit:bureau-report-add": customer_form(roles=CREDIT_WORK, kwargs=_credit_customer),
    "credit:bureau-report-import": customer_form(roles=CREDIT_WORK, kwargs=_credit_customer),
    "credit:bureau-report": customer_page(lambda p, book: {"pk": p.bureau_report.pk}),
    "lending:application-list": Access(),
    "lending:application-detail": customer_page(_application),
    "lending:application-edit": customer_form(roles=CREDIT_WORK, kwargs=_application),
    "lending:application-submit": customer_action(
        CREDIT_WORK, _application, ok=STATE_REFUSED_OR_DONE
    ),
    "lending:application-review": customer_action(DECIDERS, _application, ok=STATE_REFUSED_OR_DONE),
    "lending:application-approve": customer_action(
        DECIDERS,
        _application,
        data=lambda p, book: {"amount": "100000", "term_months": "12", "rate": "4.35"},
        ok=STATE_REFUSED_OR_DONE,
    ),
    "lending:application-reject": customer_action(
        DECIDERS, _application, data=_reason, ok=STATE_REFUSED_OR_DONE
    ),
    "lending:application-withdraw": customer_action(
        CUSTOMER_WORK, _application, data=_reason, ok=STATE_REFUSED_OR_DONE
    ),
    "lending:application-disburse": customer_action(
        DECIDERS, _application, ok=STATE_REFUSED_OR_DONE
    ),
    # The approval authority (lending.policies.may_decide_application): the book's application
    # waits at the branch level, which covers it, so an allowed recommendation is refused by
    # the state (400). A committee's vote names members of the committee level it waits at:
    # at the branch level there are none, so the form refuses whoever posts (400); the vote
    # itself is walked in tests/lending/test_authority.py.
    "lending:application-recommend": customer_action(
        DECIDERS,
        _application,
        data=lambda p, book: {"recommendation": "approve", "reason": "Access matrix"},
        ok=STATE_REFUSED_OR_DONE,
    ),
    "lending:application-committee-vote": customer_action(
        EVERY_ROLE, _application, data=_reason, ok=_ok(post=(400,))
    ),
    "lending:collateral-add": customer_form(roles=CREDIT_WORK, kwargs=_application),
    # Documents (customers.policies.may_manage_documents): whoever sees the owner opens its
    # documents and downloads them (each download audited); the people who work the
    # portfolio upload (an empty form comes back with the reasons, 400) and delete.
    "documents:owner": customer_page(
        lambda p, book: {"kind": "customer", "owner_pk": p.customer.pk}
    ),
    "documents:upload": customer_action(
        CUSTOMER_WORK,
        lambda p, book: {"kind": "customer", "owner_pk": p.customer.pk},
        ok=_ok(post=(400,)),
    ),
    "documents:download": customer_page(lambda p, book: {"pk": p.document.pk}),
    "documents:delete": customer_action(
        CUSTOMER_WORK, lambda p, book: {"pk": p.document.pk}, ok=_ok(post=(302,))
    ),
    "lending:guarantor-add": customer_form(roles=CREDIT_WORK, kwargs=_application),
    # Credit: scorecards (head office's reference data, no customer scope).
    "credit:scorecard-list": Access(roles=MONITORS),
    "credit:scorecard-monitoring": Access(
        roles=MONITORS, kwargs=lambda p, book: {"pk": book.scorecard.pk}, scope=GLOBAL
    ),
    "credit:scorecard-monitoring-refresh": Access(
        roles=MONITORS,
        kwargs=lambda p, book: {"pk": book.scorecard.pk},
        scope=GLOBAL,
        methods=("POST",),
        ok=_ok(post=(302,)),
    ),
    "credit:scorecard-compare": Access(
        roles=MONITORS, kwargs=lambda p, book: {"pk": book.scorecard.pk}, scope=GLOBAL
    ),
    "credit:scorecard-alert-update": Access(
        roles=MONITORS,
        kwargs=lambda p, book: {"pk": book.scorecard_alert.pk, "action": "acknowledge"},
        scope=GLOBAL,
        methods=("POST",),
        data=_reason,
        ok=_ok(post=(302,)),
    ),
    # Credit: loans.
    "lending:loan-list": Access(),
    "lending:portfolio-import": Access(
        roles=DECIDERS, methods=("GET", "POST"), ok=_ok(post=(400,))
    ),
    "lending:loan-export": Access(kwargs=lambda p, book: {"fmt": "csv"}),
    "lending:loan-detail": customer_page(_loan),
    "lending:repayment-post": customer_action(
        CUSTOMER_WORK,
        _loan,
        data=lambda p, book: {
            "amount": "50.00",
            "paid_on": "2025-02-13",
            "channel": "transfer",
            "reference": "matrix-second",
        },
        ok=_ok(post=(302,)),
    ),
    # Proposing (lending.policies.may_service_loans): the book's loan already has a reversal
    # and a restructuring waiting, so an allowed request is refused by the state (400).
    "lending:repayment-reverse": customer_action(
        CUSTOMER_WORK,
        lambda p, book: {"pk": p.loan.pk, "repayment_pk": p.repayment.pk},
        data=_reason,
        ok=STATE_REFUSED_OR_DONE,
    ),
    "lending:loan-restructure": customer_action(
        CUSTOMER_WORK,
        _loan,
        data=lambda p, book: {"new_term_months": "24", "new_rate": "4.35", "reason": "Matrix"},
        ok=STATE_REFUSED_OR_DONE,
    ),
    "lending:restructuring-approve": customer_action(
        DECIDERS, _restructuring_proposal, ok=_ok(post=(302,))
    ),
    "lending:restructuring-reject": customer_action(
        DECIDERS,
        _restructuring_proposal,
        data=lambda p, book: {"restructuring-reason": "Access matrix"},
        ok=_ok(post=(302,)),
    ),
    "lending:restructuring-withdraw": customer_action(
        PROPOSERS, _restructuring_proposal, ok=_ok(post=(302,))
    ),
    "lending:reversal-approve": customer_action(DECIDERS, _reversal_proposal, ok=_ok(post=(302,))),
    "lending:reversal-reject": customer_action(
        DECIDERS,
        _reversal_proposal,
        data=lambda p, book: {"reversal-reason": "Access matrix"},
        ok=_ok(post=(302,)),
    ),
    "lending:reversal-withdraw": customer_action(
        PROPOSERS, _reversal_proposal, ok=_ok(post=(302,))
    ),
    "lending:collateral-revalue": customer_action(
        CUSTOMER_WORK,
        lambda p, book: {"pk": p.loan.pk, "collateral_pk": p.collateral.pk},
        data=lambda p, book: {"value": "310000.00", "valued_on": "2025-02-01"},
        ok=_ok(post=(302,)),
    ),
    # Risk.
    "risk:overview": Access(roles=frozenset({MANAGER, RISK_OFFICER, ADMIN})),
    "risk:alert-list": Access(),
    "risk:alert-detail": customer_page(_alert),
    "risk:alert-acknowledge": customer_action(EVERY_ROLE, _alert, ok=_ok(post=(302,))),
    # risk.policies.may_assign_alert: the assignee (each portfolio's alert is its officer's),
    # the branch's manager, head office. An empty form comes back with the reasons (400).
    "risk:alert-assign": customer_action(EVERY_ROLE, _alert, ok=_ok(post=(400,))),
    # The ids are posted: one out of scope is a 404 for the whole request.
    "risk:alert-bulk-acknowledge": Access(
        scope=CUSTOMER_SCOPE,
        methods=("POST",),
        data=lambda p, book: {"alerts": [p.alert.pk]},
        ok=_ok(post=(302,)),
    ),
    "risk:alert-respond": customer_action(
        EVERY_ROLE,
        _alert,
        data=lambda p, book: {"action": "closer_contact", "note": "Called"},
        ok=_ok(post=(302,)),
    ),
    # Resolving needs a recorded response first: the book's alerts have none yet.
    "risk:alert-resolve": customer_action(
        EVERY_ROLE, _alert, data=lambda p, book: {"text": "Paid"}, ok=_ok(post=(400,))
    ),
    "risk:alert-dismiss": customer_action(
        EVERY_ROLE, _alert, data=lambda p, book: {"text": "Paid"}, ok=_ok(post=(302,))
    ),
    # An empty form is refused next to its fields.
    "risk:classification-override": customer_form(
        roles=OVERRIDERS, kwargs=lambda p, book: {"loan_pk": p.loan.pk}, ok=_ok(post=(400,))
    ),
    # The proposal was made on the book's business date and has ended by the tests' one: an
    # allowed approval is refused by the state (400) with the reason.
    "risk:classification-proposal-approve": customer_action(
        CLASSIFICATION_DECIDERS, _classification_proposal, ok=STATE_REFUSED_OR_DONE
    ),
    "risk:classification-proposal-reject": customer_action(
        CLASSIFICATION_DECIDERS, _classification_proposal, ok=_ok(post=(302,))
    ),
    "risk:classification-proposal-withdraw": customer_action(
        CLASSIFICATION_PROPOSER, _classification_proposal, ok=_ok(post=(302,))
    ),
    # A conduct alert about bob (North), reviewed by managers and head office; officers, the
    # person it is about among them, are out of role whichever alert it is (risk.conduct).
    "risk:conduct-alert": Access(
        roles=frozenset({MANAGER, RISK_OFFICER, ADMIN}),
        kwargs=lambda p, book: {"pk": book.conduct_alert.pk},
        scope=GLOBAL,
        methods=("GET", "POST"),
        data=lambda p, book: {"note": "Access matrix"},
        ok=_ok(post=(302,)),
    ),
    "risk:signal-add": customer_form(roles=SIGNALLERS, kwargs=_credit_customer),
    "risk:signal-withdraw": customer_action(
        SIGNALLERS,
        lambda p, book: {"customer_pk": p.customer.pk, "pk": p.signal.pk},
        ok=_ok(post=(302,)),
    ),
    # Loss provisions (risk.policies.may_see_provisions, may_run_month_end_provisions): the
    # bank's figures, each reader within their scope; freezing a month by hand is the risk
    # officer's, and an empty form comes back with the reason (400).
    "risk:provisions": Access(roles=PROVISION_READERS),
    "risk:provision-loans": Access(roles=PROVISION_READERS),
    "risk:provision-facilities": Access(roles=PROVISION_READERS),
    "risk:provision-run": Access(
        roles=frozenset({RISK_OFFICER}), methods=("POST",), ok=_ok(post=(400,))
    ),
    # Credit facilities (lending.policies): proposing, activating and raising are credit work,
    # freezing also an admin's; approving, lifting a freeze and closing are the branch's
    # manager's or an admin's. The book's facility is active with a raise waiting: a step it is
    # not in answers 400 with the reason (approve, activate, unfreeze); freeze and close go
    # through (each case in a savepoint).
    "lending:facility-create": customer_form(roles=CREDIT_WORK, kwargs=_credit_customer),
    # Payment reminders: everyone who sees the customer sees them; the people who work the
    # portfolio record opt-outs (an empty form comes back with the reasons: 400).
    "lending:customer-reminders": customer_page(_credit_customer),
    "lending:customer-reminder-opt-out": customer_action(
        CUSTOMER_WORK, _credit_customer, ok=_ok(post=(400,))
    ),
    "lending:facility-detail": customer_page(_facility),
    "lending:facility-approve": customer_action(DECIDERS, _facility, ok=_ok(post=(400,))),
    "lending:facility-activate": customer_action(CREDIT_WORK, _facility, ok=_ok(post=(400,))),
    "lending:facility-freeze": customer_action(
        CUSTOMER_WORK, _facility, data=_reason, ok=_ok(post=(302,))
    ),
    "lending:facility-unfreeze": customer_action(
        DECIDERS, _facility, data=_reason, ok=_ok(post=(400,))
    ),
    "lending:facility-close": customer_action(
        DECIDERS, _facility, data=_reason, ok=_ok(post=(302,))
    ),
    # lending.policies.may_record_facility_review: the officer, the branch's manager, an admin.
    "lending:facility-review": customer_action(
        CUSTOMER_WORK, _facility, data=_reason, ok=_ok(post=(302,))
    ),
    # A raise already waits: an empty form comes back with the reasons (400).
    "lending:facility-raise": customer_form(roles=CREDIT_WORK, kwargs=_facility),
    # The raise is the owner's (an officer): the branch's manager or an admin decides it.
    "lending:limit-change-approve": customer_action(
        DECIDERS, _limit_change, ok=_ok(post=(302, 400))
    ),
    "lending:limit-change-reject": customer_action(DECIDERS, _limit_change, ok=_ok(post=(302,))),
    # Write-off (核销). The book's proposal meets the conditions on the test's day, so an allowed
    # approval writes the loan off (302); an empty proposal form comes back with the reasons
    # (400). The written-off loan has a recovery and a reversal waiting: another reversal is
    # refused (400, one waits), and so is approving the waiting one (400: money was recovered).
    "lending:write-off-queue": Access(),
    "lending:write-off-propose": customer_form(
        roles=WRITE_OFF_PROPOSERS,
        kwargs=lambda p, book: {"pk": p.write_off_proposal.loan_id},
        ok=_ok(post=(400,)),
    ),
    "lending:write-off-approve": customer_action(
        WRITE_OFF_DECIDERS, _write_off_proposal, ok=_ok(post=(302,))
    ),
    "lending:write-off-reject": customer_action(
        WRITE_OFF_DECIDERS, _write_off_proposal, data=_reason, ok=_ok(post=(302,))
    ),
    "lending:write-off-withdraw": customer_action(
        PROPOSERS, _write_off_proposal, ok=_ok(post=(302,))
    ),
    "lending:written-off-list": Access(),
    "lending:written-off-detail": customer_page(_written_off),
    "lending:write-off-recovery": customer_action(
        EVERY_ROLE,
        _written_off,
        data=lambda p, book: {
            "amount": "100.00",
            "received_on": "2024-11-08",
            "reference": "matrix-recovery",
        },
        ok=_ok(post=(302,)),
    ),
    "lending:write-off-reversal-propose": customer_action(
        WRITE_OFF_PROPOSERS,
        _written_off,
        data=lambda p, book: {"reversal-reason": "Access matrix"},
        ok=_ok(post=(400,)),
    ),
    "lending:write-off-reversal-approve": customer_action(
        WRITE_OFF_DECIDERS, _write_off_reversal, ok=_ok(post=(400,))
    ),
    "lending:write-off-reversal-reject": customer_action(
        WRITE_OFF_DECIDERS, _write_off_reversal, data=_reason, ok=_ok(post=(302,))
    ),
    "lending:write-off-reversal-withdraw": customer_action(
        PROPOSERS, _write_off_reversal, ok=_ok(post=(302,))
    ),
    # Post-loan inspections: the list is everyone's (their scope's inspections due), and so is
    # an inspection's page; the book's inspection is due, so an inspector's empty form comes
    # back with the reasons next to the fields (400); the other roles may not record (403).
    "lending:inspection-list": Access(),
    "lending:inspection-detail": customer_form(
        roles=EVERY_ROLE, post_roles=INSPECTORS, kwargs=_inspection, ok=_ok(post=(400,))
    ),
    # Collections (催收): the queue is everyone's (the cases in their scope); a contact
    # attempt posted empty comes back with the reasons (400); assigning nobody to the book's
    # case (its officer's) takes it back from the collector (302).
    "lending:collection-queue": Access(),
    "lending:collection-case": customer_page(_collection_case),
    "lending:collection-contact": customer_action(
        COLLECTION_WORK, _collection_case, ok=_ok(post=(400,))
    ),
    "lending:collection-assign": customer_action(
        COLLECTION_ASSIGNERS, _collection_case, ok=_ok(post=(302,))
    ),
    # Legal cases (lending.policies.may_record_legal_case: whoever works the collection case).
    # The book's case has its legal case already, and an empty step is refused: 400.
    "lending:legal-case-open": customer_action(
        COLLECTION_WORK, _collection_case, ok=_ok(post=(400,))
    ),
    "lending:legal-case": customer_page(_legal_case),
    "lending:legal-case-step": customer_action(
        COLLECTION_WORK, _legal_case_step, ok=_ok(post=(400,))
    ),
    # Related parties and groups (customers.policies.may_record_relations; the group page is
    # seen by whoever sees one of its members).
    "customers:relation-add": customer_form(),
    "customers:relation-end": customer_form(
        kwargs=lambda p, book: {"pk": p.customer.pk, "relation_pk": p.relation.pk}
    ),
    "risk:group-detail": customer_page(lambda p, book: {"pk": p.group.pk}),
    # Keeping groups (customers.policies.may_manage_groups): the list is everyone's (the
    # groups with a member in their view); a new group or member posted empty comes back with
    # the reasons (400); removing the portfolio's member goes through.
    "risk:group-list": Access(),
    "risk:group-create": Access(roles=GROUP_KEEPERS, methods=("GET", "POST"), ok=_ok(post=(400,))),
    "risk:group-edit": customer_form(
        roles=GROUP_KEEPERS, kwargs=lambda p, book: {"pk": p.group.pk}, ok=_ok(post=(400,))
    ),
    "risk:group-member-add": customer_form(
        roles=GROUP_KEEPERS, kwargs=lambda p, book: {"pk": p.group.pk}, ok=_ok(post=(400,))
    ),
    "risk:group-member-remove": customer_action(
        GROUP_KEEPERS,
        lambda p, book: {"pk": p.group.pk, "customer_pk": p.group.members.first().customer_id},
        ok=_ok(post=(302,)),
    ),
    # Dashboards.
    "dashboards:dashboard": Access(),
    "dashboards:report": Access(kwargs=lambda p, book: {"slug": "portfolio"}),
    # Accounts: signed-in pages every role has.
    # The smallest body is an empty form: refused next to its fields (400).
    "password_change": Access(methods=("GET", "POST"), ok=_ok(post=(302, 400))),
    "password_change_done": Access(),
    # Two-factor authentication: every role may turn it on for their own account. The code
    # step sends a user who owes no code on to their home page.
    "two-factor": Access(),
    "two-factor-verify": Access(ok=_ok(get=(302,))),
    "two-factor-enrol": Access(methods=("POST",), ok=_ok(post=(302,))),
    # Without a password and a code the form is refused on the page.
    "two-factor-confirm": Access(methods=("POST",), ok=_ok(post=(200, 400))),
    "two-factor-disable": Access(methods=("POST",), ok=_ok(post=(200, 400))),
}

# Reachable without signing in; `ok` is what anyone (signed in or not) gets.
PUBLIC = {
    # A signed-in user is sent on to their home page.
    "login": Access(public=True, ok=_ok(get=(200, 302))),
    "logout": Access(public=True, methods=("POST",), ok=_ok(post=(302,))),
    "set-language": Access(
        public=True,
        methods=("POST",),
        data=lambda p, book: {"language": "zh-hans", "next": "/"},
        ok=_ok(post=(302,)),
    ),
    # 503 while the beat has never beaten (no worker runs in the tests); never a login page.
    "healthz": Access(public=True, ok=_ok(get=(200, 503))),
    # Hands over to the product's log-in (302); a signed-in user whose role has no admin
    # is refused there (403) rather than sent round in a loop.
    "admin:login": Access(public=True, admin=True, ok=_ok(get=(302, 403))),
    # Anyone may sign themselves out of admin (and is sent back to it).
    "admin:logout": Access(public=True, admin=True, methods=("POST",), ok=_ok(post=(302,))),
}


# --- Django admin -------------------------------------------------------------------------------

STAFF = frozenset({RISK_OFFICER, ADMIN})  # accounts.roles.STAFF_ROLES


@dataclass(frozen=True)
class AdminRights:
    """What each staff role may do with a model in Django admin: "view" (view or change:
    the list, change and history pages open), "add", "delete". Officers and managers are
    not staff and are sent to the admin login."""

    risk_officer: str
    admin: str

    def roles_with(self, right: str) -> frozenset[str]:
        return frozenset(
            role
            for role, rights in ((RISK_OFFICER, self.risk_officer), (ADMIN, self.admin))
            if right in rights.split()
        )


# From accounts/roles.py (the risk officer's group; the admin is a superuser) narrowed by
# the admin classes: business records are read-only (ScopedReadOnlyAdmin), reference data
# is retired rather than deleted (AuditedReferenceAdmin), the rule catalogue and risk
# policy have a fixed set of rows.
ADMIN_MODELS = {
    "auth.group": AdminRights("", "view add delete"),
    "django_celery_beat.periodictask": AdminRights("", "view add delete"),
    "django_celery_beat.clockedschedule": AdminRights("", "view add delete"),
    "django_celery_beat.crontabschedule": AdminRights("", "view add delete"),
    "django_celery_beat.solarschedule": AdminRights("", "view add delete"),
    "django_celery_beat.intervalschedule": AdminRights("", "view add delete"),
    "axes.accessattempt": AdminRights("", "view delete"),
    "axes.accesslog": AdminRights("", "view delete"),
    "axes.accessfailurelog": AdminRights("", "view delete"),
    "accounts.branch": AdminRights("view", "view add"),
    "accounts.user": AdminRights("view", "view add"),
    "audit.auditevent": AdminRights("view", "view"),
    "audit.jobheartbeat": AdminRights("", "view"),
    "customers.industry": AdminRights("view", "view add"),
    "customers.tag": AdminRights("view", "view add"),
    "customers.revisitcadence": AdminRights("view", "view add"),
    "customers.customer": AdminRights("view", "view"),
    "customers.interaction": AdminRights("view", "view"),
    "customers.followup": AdminRights("view", "view"),
    "customers.complaint": AdminRights("view", "view"),
    "customers.survey": AdminRights("view", "view"),
    "lending.loanproduct": AdminRights("view", "view add"),
    "lending.pricingrule": AdminRights("view", "view add"),
    "credit.scorecardversion": AdminRights("view add", "view add"),
    "lending.application": AdminRights("view", "view"),
    "lending.loan": AdminRights("view", "view"),
    "credit.assessment": AdminRights("view", "view"),
    "credit.financialstatement": AdminRights("view", "view"),
    "lending.repayment": AdminRights("view", "view"),
    "lending.customernotification": AdminRights("view", "view"),
    "risk.earlywarningrule": AdminRights("view", "view"),
    "risk.industrywatch": AdminRights("view add", "view add"),
    "risk.risklevelpolicy": AdminRights("view", "view"),
    "risk.risklevelstrategy": AdminRights("view add", "view add"),
    "risk.jobrun": AdminRights("view", "view"),
    "risk.alert": AdminRights("view", "view"),
    "risk.loanrisk": AdminRights("view", "view"),
    "risk.riskhistory": AdminRights("view", "view"),
    "risk.manualsignal": AdminRights("view", "view"),
    # Facilities, related parties, exposures: business records, read-only and scoped, that the
    # risk officer's group has no permission on (accounts/roles.py).
    "lending.creditfacility": AdminRights("", "view"),
    "lending.facilitylimitchange": AdminRights("", "view"),
    "lending.customerexposure": AdminRights("", "view"),
    "customers.customerrelation": AdminRights("", "view"),
    # customers.policies.may_manage_groups (risk officers among them); never deleted.
    "customers.customergroup": AdminRights("view add", "view add"),
    # Reference data kept by admins, retired rather than deleted.
    "credit.bureausource": AdminRights("", "view add"),
    "lending.authoritylevel": AdminRights("", "view add"),
    "lending.authoritygradefloor": AdminRights("", "view add"),
    "lending.tier1capital": AdminRights("", "view add"),
    "lending.concentrationlimit": AdminRights("", "view add"),
    "risk.provisionsetting": AdminRights("", "view add"),
    "risk.provisionrun": AdminRights("", "view"),
    # Payment reminders: the settings row (one, never added again nor deleted), the
    # reminders and the opt-outs (read-only, recorded through the pages).
    "lending.remindersettings": AdminRights("", "view"),
    "lending.paymentreminder": AdminRights("", "view"),
    "lending.reminderoptout": AdminRights("", "view"),
    # Document types and the products' document checklists: reference data kept by admins.
    "customers.documenttype": AdminRights("", "view add"),
    "lending.productdocumentrequirement": AdminRights("", "view add"),
    # Write-off: the proposals and the off-balance-sheet records are business records,
    # read-only and scoped; the conditions are the bank's one row (added once, never deleted:
    # the book's write-offs created it). The risk officer's group has no permission on them.
    "lending.writeoffproposal": AdminRights("", "view"),
    "lending.writtenoffloan": AdminRights("", "view"),
    "lending.writeoffconditions": AdminRights("", "view"),
    # Collections: the stages are reference data kept by admins (audited, never deleted); the
    # cases are business records, read-only and scoped. Inspections: the plans and checklists
    # are plain admin models, kept by admins; the risk officer's group has no permission.
    "lending.collectionstage": AdminRights("", "view add"),
    "lending.collectioncase": AdminRights("", "view"),
    "lending.inspectionplan": AdminRights("", "view add delete"),
    "lending.inspectionchecklistitem": AdminRights("", "view add delete"),
}

# Staff sees the whole bank (no admin user is bound to a branch: HEAD_OFFICE_ROLES), so admin
# pages have no out-of-scope case; their scope is GLOBAL.
ADMIN_SITE = {
    "admin:index": Access(roles=STAFF, admin=True),
    "admin:password_change": Access(roles=STAFF, admin=True),
    "admin:password_change_done": Access(roles=STAFF, admin=True),
    "admin:jsi18n": Access(roles=STAFF, admin=True),
    "admin:app_list": Access(
        roles=STAFF, admin=True, kwargs=lambda p, book: {"app_label": "customers"}, scope=GLOBAL
    ),
    # The customer search behind admin's autocomplete widgets, in JSON.
    "admin:autocomplete": Access(
        roles=STAFF,
        admin=True,
        query={
            "app_label": "lending",
            "model_name": "application",
            "field_name": "customer",
            "term": "Person",
        },
    ),
    # No model has a public page to send the viewer to: staff get 404, others the login.
    "admin:view_on_site": Access(
        roles=STAFF,
        admin=True,
        kwargs=lambda p, book: {
            "content_type_id": book.customer_content_type_id,
            "object_id": p.customer.pk,
        },
        scope=GLOBAL,
        ok=_ok(get=(404,)),
    ),
    # Anything else under /admin/: staff get 404, others the login (it reveals nothing).
    "admin/(?P<url>.*)$": Access(
        roles=STAFF,
        admin=True,
        kwargs=lambda p, book: {"url": "no-such-page/"},
        scope=GLOBAL,
        ok=_ok(get=(404,)),
    ),
}


def _admin_model_entries() -> dict[str, Access]:
    entries = {}
    for label, rights in ADMIN_MODELS.items():
        app_label, model_name = label.split(".")
        prefix = f"admin:{app_label}_{model_name}"

        def row(p, book, label=label) -> dict:
            return {"object_id": book.admin_rows[label]}

        view = rights.roles_with("view")
        entries[f"{prefix}_changelist"] = Access(roles=view, admin=True)
        entries[f"{prefix}_add"] = Access(roles=rights.roles_with("add"), admin=True)
        entries[f"{prefix}_change"] = Access(roles=view, admin=True, kwargs=row, scope=GLOBAL)
        entries[f"{prefix}_history"] = Access(roles=view, admin=True, kwargs=row, scope=GLOBAL)
        entries[f"{prefix}_delete"] = Access(
            roles=rights.roles_with("delete"), admin=True, kwargs=row, scope=GLOBAL
        )
        # The old-style object URL redirects staff to the change page.
        entries[f"admin/{app_label}/{model_name}/<path:object_id>/"] = Access(
            roles=STAFF, admin=True, kwargs=row, scope=GLOBAL, ok=_ok(get=(302,))
        )
    # Setting a user's password is changing the user.
    entries["admin:auth_user_password_change"] = Access(
        roles=frozenset({ADMIN}),
        admin=True,
        kwargs=lambda p, book: {"id": book.admin_rows["accounts.user"]},
        scope=GLOBAL,
    )
    return entries


MATRIX: dict[str, Access] = {**PRODUCT, **PUBLIC, **ADMIN_SITE, **_admin_model_entries()}
