"""Data scope: which rows a user may see. Every list, detail, export and search uses this.

- loan officer: the rows they own (their own customers and what hangs off them);
- manager: the rows of their branch;
- risk officer and admin: everything.

Whatever is out of scope is a 404, never a 403: an outsider must not learn that it exists.
"""

from django.db.models import Model, Q, QuerySet
from django.http import Http404

from accounts.models import Role


def scope_q(user, *, officer_field: str = "officer", branch_field: str = "branch") -> Q:
    """The filter for what `user` may see on a model whose owner and branch are at these paths."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.sees_all_branches:
        return Q()
    if user.role == Role.MANAGER and user.branch_id:
        return Q(**{branch_field: user.branch_id})
    if user.role == Role.OFFICER:
        return Q(**{officer_field: user.pk})
    return Q(pk__in=[])


def scope_queryset(
    user, queryset: QuerySet, *, officer_field: str = "officer", branch_field: str = "branch"
) -> QuerySet:
    return queryset.filter(scope_q(user, officer_field=officer_field, branch_field=branch_field))


def get_in_scope_or_404(
    user,
    queryset: QuerySet,
    *,
    officer_field: str = "officer",
    branch_field: str = "branch",
    **lookup,
) -> Model:
    """The one access check for detail views: out of scope and missing look the same."""
    scoped = scope_queryset(user, queryset, officer_field=officer_field, branch_field=branch_field)
    try:
        return scoped.get(**lookup)
    except (scoped.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
