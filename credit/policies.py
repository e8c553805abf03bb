"""Who may do what in credit scoring: one function per decision, pure over the user, no
queries. The services refuse with them and the pages show or hide their buttons with the same
functions (tests/platform/test_policies.py holds both sides together)."""

from __future__ import annotations

from accounts.models import Role, User


def may_work_credit(user: User) -> bool:
    """Officers and managers prepare statements, assessments and applications."""
    return user.role in {Role.OFFICER, Role.MANAGER}


def may_monitor_scorecards(user: User) -> bool:
    """Scorecard monitoring, its alerts and the challenger are head office's."""
    return user.is_authenticated and user.role in {Role.RISK_OFFICER, Role.ADMIN}
