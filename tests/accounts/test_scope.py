"""The data-scope helper, applied to users (owner = the user, branch = their branch)."""

import pytest
from django.http import Http404

from accounts.models import User
from accounts.scope import get_in_scope_or_404, scope_queryset


def visible_usernames(viewer) -> set[str]:
    rows = scope_queryset(viewer, User.objects.all(), officer_field="pk", branch_field="branch")
    return set(rows.values_list("username", flat=True))


def test_officer_sees_only_what_they_own(alice):
    assert visible_usernames(alice) == {"alice"}


def test_manager_sees_their_branch(mary):
    assert visible_usernames(mary) == {"alice", "bob", "mary"}


@pytest.mark.parametrize("username", ["rita", "admin"])
def test_head_office_roles_see_everything(cast, username):
    assert visible_usernames(cast[username]) == set(cast)


def test_inactive_user_sees_nothing(alice):
    alice.is_active = False
    assert visible_usernames(alice) == set()


def test_out_of_scope_object_is_a_404(alice, charlie):
    with pytest.raises(Http404):
        get_in_scope_or_404(alice, User.objects.all(), officer_field="pk", pk=charlie.pk)


def test_missing_and_malformed_ids_are_a_404_too(mary):
    for bad in (10**9, "not-a-number"):
        with pytest.raises(Http404):
            get_in_scope_or_404(mary, User.objects.all(), officer_field="pk", pk=bad)


def test_in_scope_object_is_returned(mary, bob):
    assert get_in_scope_or_404(mary, User.objects.all(), officer_field="pk", pk=bob.pk) == bob
