"""What a write-off (核销) asks of a loan, and who may approve it.

A loan may be proposed for write-off when it is on the book, in the loss class (risk's
five-tier classification, read through the loan's `risk` relation: lending sits below risk),
has been in it for the configured minimum of days, and shows the recorded recovery efforts
the conditions ask for: enough interactions with the customer since the loan fell past due,
or a legal action recorded on one of the customer's alerts (WriteOffConditions, admin).

Its approval goes through the approval-authority matrix (lending/authority.py) on the amount
written off: the level the matrix names for that amount, product and the customer's grade.
A write-off is decided by one person, so when the matrix names a committee, the next level
held by individuals decides it; above the last such level, the committee's named holders do.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from accounts.models import Role, User
from lending import loan_quality, selectors
from lending.authority import holds_level, levels, required_authority
from lending.authority_models import AuthorityLevel
from lending.legal_models import LegalCase
from lending.models import Loan, LoanStatus
from lending.write_off_models import WriteOffConditions

# Stored values of other floors, read through reverse relations (lending sits below them):
# risk.models.HistoryKind.CLASSIFICATION and risk.models.ResponseAction.LEGAL.
CLASSIFICATION_HISTORY = "classification"
LEGAL_ACTION = "legal"


@dataclass(frozen=True)
class WriteOffBalance:
    principal: Decimal
    interest: Decimal
    penalty: Decimal

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest + self.penalty


@dataclass
class WriteOffCheck:
    """What the conditions read on one loan, and why it may not be written off (empty when
    it may), in the reader's language."""

    loan_class: int | None
    days_in_loss: int
    collection_contacts: int
    legal_steps: int
    conditions: WriteOffConditions
    refusals: list[str] = field(default_factory=list)

    @property
    def met(self) -> bool:
        return not self.refusals


def write_off_balance(loan: Loan, on: dt.date) -> WriteOffBalance:
    """What leaves the book: the outstanding principal, and the unpaid interest and penalty
    interest of the instalments fallen due before `on`."""
    owed = selectors.loan_arrears(loan, selectors.current_schedule(loan), on)
    return WriteOffBalance(
        principal=loan.outstanding_principal, interest=owed.interest, penalty=owed.penalty
    )


def _loss_since(loan: Loan) -> dt.date | None:
    """The day of the loan's latest class change, when it was into the loss class."""
    latest = (
        loan.risk_history.filter(kind=CLASSIFICATION_HISTORY).order_by("-changed_on", "-id").first()
    )
    if latest is None or latest.new_value != str(loan_quality.LOSS):
        return None
    return latest.changed_on


def write_off_check(loan: Loan, on: dt.date) -> WriteOffCheck:
    """The conditions on `on` (a few queries: the class, its history, the efforts)."""
    conditions = WriteOffConditions.current()
    loan_risk = getattr(loan, "risk", None)
    loan_class = loan_risk.final_class if loan_risk is not None else None
    loss_since = _loss_since(loan) if loan_class == loan_quality.LOSS else None
    days_in_loss = (on - loss_since).days if loss_since else 0
    # Recovery efforts count from the day the loan fell past due (or entered loss, for a
    # loan put there by an override before it was late).
    efforts_since = (loan_risk.overdue_since if loan_risk else None) or loss_since
    contacts = legal = 0
    if efforts_since is not None:
        contacts = loan.customer.interactions.filter(
            occurred_at__date__gte=efforts_since, occurred_at__date__lte=on
        ).count()
        legal = (
            loan.customer.alerts.filter(
                actions__action=LEGAL_ACTION, actions__taken_at__date__gte=efforts_since
            )
            .values("actions")
            .count()
        )
        # A lawsuit filed over the loan (lending/legal_models.py) is a legal step too.
        legal += LegalCase.objects.filter(loan=loan, filed_on__gte=efforts_since).count()
    check = WriteOffCheck(
        loan_class=loan_class,
        days_in_loss=days_in_loss,
        collection_contacts=contacts,
        legal_steps=legal,
        conditions=conditions,
    )
    if loan.status != LoanStatus.ACTIVE:
        check.refusals.append(_("Only a loan on the book can be written off."))
        return check
    if loan_class != loan_quality.LOSS:
        check.refusals.append(_("The loan is not in the loss class."))
    elif days_in_loss < conditions.min_days_in_loss:
        check.refusals.append(
            _(
                "The loan has been in the loss class for %(days)s days; a write-off needs "
                "at least %(minimum)s."
            )
            % {"days": days_in_loss, "minimum": conditions.min_days_in_loss}
        )
    enough_contacts = contacts >= conditions.min_collection_contacts
    legal_counts = conditions.legal_step_suffices and legal > 0
    if not (enough_contacts or legal_counts):
        message = _(
            "%(contacts)s collection contacts are recorded since the loan fell past due; a "
            "write-off needs at least %(minimum)s"
        ) % {"contacts": contacts, "minimum": conditions.min_collection_contacts}
        if conditions.legal_step_suffices:
            message += _(
                ", or a legal action: a legal case filed over the loan or a legal action "
                "recorded on one of the customer's alerts"
            )
        check.refusals.append(message + ".")
    return check


def write_off_level(loan: Loan, amount: Decimal) -> AuthorityLevel | None:
    """The level that approves writing off `amount` of the loan (None when the matrix has no
    levels: then a manager of the customer's branch, a risk officer or an admin does)."""
    ordered = levels()
    if not ordered:
        return None
    required = required_authority(
        amount=amount,
        product_type=loan.product.product_type,
        grade=loan.customer.grade,
        customer=loan.customer,
    ).level
    if not required.is_committee:
        return required
    return next(
        (level for level in ordered if level.rank > required.rank and not level.is_committee),
        required,
    )


# The roles that may approve a write-off at all (an officer prepares, never decides).
APPROVING_ROLES = frozenset({Role.MANAGER, Role.RISK_OFFICER, Role.ADMIN})


def holds_write_off_authority(user: User, loan: Loan, amount: Decimal) -> bool:
    """Whether the user holds the level writing off `amount` needs, or a higher one."""
    if user.role not in APPROVING_ROLES or not user.is_active:
        return False
    level = write_off_level(loan, amount)
    branch_id = loan.customer.branch_id
    if level is None:
        if user.role == Role.MANAGER:
            return user.branch_id == branch_id
        return True
    return any(
        holds_level(user, higher, branch_id=branch_id)
        for higher in levels()
        if higher.rank >= level.rank and (higher == level or not higher.is_committee)
    )
