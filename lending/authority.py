"""The approval authority's rules: which level must decide a credit (the matrix, then the
exceptions that always go up), whether a level covers it, and who may act at a level.

Applications call these (lending/services/approvals.py), and so will any other credit decision
that goes through the matrix (a facility's approval):

    requirement = required_authority(amount=..., product_type=..., grade=..., customer=...)
    requirement.level          # the AuthorityLevel that decides it
    requirement.exceptions     # why it went above the matrix, in the user's language
    may_decide(user, level=..., branch_id=..., excluded_user_ids=...)

The exceptions are a registry of checks: each takes the credit's terms and its customer and
answers an Escalation (the lowest rank that may decide it, and why) or None. The grade floor is
registered here; a concentration limit or a non-performing related party registers its check
with `register_exception_check` from its own module when it lands."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from accounts.models import User
from customers.grades import GRADES
from lending.authority_models import (
    AuthorityGradeFloor,
    AuthorityHolder,
    AuthorityLevel,
    LevelScope,
)


@dataclass(frozen=True)
class Escalation:
    minimum_rank: int
    reason: str


@dataclass(frozen=True)
class Requirement:
    level: AuthorityLevel
    exceptions: list[str] = field(default_factory=list)


ExceptionCheck = Callable[..., "Escalation | None"]
_exception_checks: list[ExceptionCheck] = []


def register_exception_check(check: ExceptionCheck) -> ExceptionCheck:
    """Adds a check called as check(amount=, product_type=, grade=, customer=, facility_id=)
    (the facility the credit draws on, or None); registering the same function twice keeps
    one."""
    if check not in _exception_checks:
        _exception_checks.append(check)
    return check


def _grade_place(grade: str | None) -> int:
    # An ungraded customer sits below the whole scale: nothing about them is known to be good.
    return GRADES.index(grade) if grade in GRADES else len(GRADES)


def grade_at_least(grade: str | None, minimum: str) -> bool:
    return not minimum or _grade_place(grade) <= _grade_place(minimum)


@register_exception_check
def grade_below_floor(
    *, amount, product_type, grade, customer, facility_id=None
) -> Escalation | None:
    escalations = [
        Escalation(
            minimum_rank=floor.minimum_level.rank,
            reason=_("Grade %(grade)s is below the floor %(floor)s: decided at %(level)s or above.")
            % {"grade": grade or "—", "floor": floor.grade, "level": floor.minimum_level},
        )
        for floor in AuthorityGradeFloor.objects.select_related("minimum_level")
        if not grade_at_least(grade, floor.grade)
    ]
    return max(escalations, key=lambda e: e.minimum_rank, default=None)


def levels() -> list[AuthorityLevel]:
    return list(AuthorityLevel.objects.prefetch_related("rules").order_by("rank"))


def covers(level: AuthorityLevel, *, amount: Decimal, product_type: str, grade: str | None) -> bool:
    """Whether one of the level's rules takes the credit (the rules come prefetched)."""
    return any(
        (not rule.product_type or rule.product_type == product_type)
        and (rule.max_amount is None or amount <= rule.max_amount)
        and grade_at_least(grade, rule.min_grade)
        for rule in level.rules.all()
    )


def required_authority(
    *, amount: Decimal, product_type: str, grade: str | None, customer, facility_id=None
) -> Requirement:
    """The lowest level whose rules cover the credit, raised by every exception that applies;
    the highest level when none covers it (someone always can decide)."""
    ordered = levels()
    if not ordered:
        raise AuthorityLevel.DoesNotExist("The approval authority matrix has no levels.")
    by_matrix = next(
        (
            level
            for level in ordered
            if covers(level, amount=amount, product_type=product_type, grade=grade)
        ),
        ordered[-1],
    )
    escalations = [
        escalation
        for check in _exception_checks
        if (
            escalation := check(
                amount=amount,
                product_type=product_type,
                grade=grade,
                customer=customer,
                facility_id=facility_id,
            )
        )
    ]
    floor_rank = max([by_matrix.rank, *(e.minimum_rank for e in escalations)])
    level = next((level for level in ordered if level.rank >= floor_rank), ordered[-1])
    return Requirement(
        level=level,
        exceptions=[e.reason for e in escalations if e.minimum_rank > by_matrix.rank],
    )


def required_level(
    *, amount: Decimal, product_type: str, grade: str | None, customer
) -> AuthorityLevel:
    return required_authority(
        amount=amount, product_type=product_type, grade=grade, customer=customer
    ).level


def holds_level(user: User, level: AuthorityLevel, *, branch_id: int | None) -> bool:
    """Whether the user holds the level for a customer of `branch_id`: by role (a branch
    level in their own branch; head-office users in every branch) or named to it."""
    if not user.is_active:
        return False
    if user.role in level.holder_roles:
        if level.scope != LevelScope.BRANCH or user.sees_all_branches:
            return True
        if user.branch_id == branch_id:
            return True
    named = AuthorityHolder.objects.filter(level=level, user=user)
    if level.scope == LevelScope.BRANCH:
        named = named.filter(branch_id=branch_id)
    return named.exists()


def may_decide(
    user: User, *, level: AuthorityLevel, branch_id: int | None, excluded_user_ids=()
) -> bool:
    """Whether the user may take the step at `level` (decide, or recommend when the level
    does not cover the credit): they hold it and are none of the excluded (the makers and
    the deciders of earlier steps)."""
    return user.pk not in set(excluded_user_ids) and holds_level(user, level, branch_id=branch_id)


def next_level(level: AuthorityLevel) -> AuthorityLevel | None:
    return AuthorityLevel.objects.filter(rank__gt=level.rank).order_by("rank").first()


def first_level() -> AuthorityLevel:
    return AuthorityLevel.objects.order_by("rank").first()
