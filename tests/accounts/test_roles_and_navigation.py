import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.models import Role
from accounts.navigation import NAVIGATION
from accounts.roles import GROUP_NAMES


def nav_labels(response) -> list[str]:
    return [entry["label"] for entry in response.context["navigation"]]


@pytest.mark.parametrize(
    ("username", "sees_admin"),
    [("alice", False), ("mary", False), ("rita", True), ("admin", True)],
)
def test_navigation_depends_on_role(client_for, cast, username, sees_admin):
    response = client_for(cast[username]).get(reverse("today"))
    labels = nav_labels(response)
    assert {"Today", "Customers"} <= set(labels)
    assert ("Administration" in labels) is sees_admin
    assert ('href="/admin/"' in response.content.decode()) is sees_admin


def test_every_folded_entry_is_reachable_from_its_entry():
    # A child is drawn only under its entry: a role that may see the child must see the entry.
    for entry in NAVIGATION:
        for child in entry.children:
            assert child.roles <= entry.roles, (entry.label, child.label)


@pytest.mark.parametrize("role", list(Role))
def test_no_role_has_more_than_eight_entries_on_the_bar(role):
    # What fits at 1280 px beside the language and user buttons (tests/browser/
    # test_navigation_fits.py measures it); more goes under the entry it belongs to.
    assert len([entry for entry in NAVIGATION if role in entry.roles]) <= 8


def test_the_four_role_groups_exist_with_their_permissions(db):
    groups = {group.name: group for group in Group.objects.prefetch_related("permissions")}
    assert set(GROUP_NAMES.values()) <= set(groups)
    admin_codenames = {p.codename for p in groups["Admin"].permissions.all()}
    assert {"add_user", "change_periodictask", "view_auditevent"} <= admin_codenames
    manager_codenames = {p.codename for p in groups["Manager"].permissions.all()}
    assert "change_user" not in manager_codenames


def test_each_user_is_in_the_group_of_their_role(cast):
    for user in cast.values():
        assert list(user.groups.values_list("name", flat=True)) == [GROUP_NAMES[Role(user.role)]]


def test_officer_cannot_open_django_admin(client_for, alice):
    response = client_for(alice).get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_admin_changes_a_role_and_the_group_follows(client_for, admin_user, bob):
    client = client_for(admin_user)
    response = client.post(
        reverse("admin:accounts_user_change", args=[bob.pk]),
        {
            "username": "bob",
            "first_name": "Bob",
            "last_name": "Li",
            "email": "bob@demo.xindai.example",
            "language": "",
            "role": Role.MANAGER,
            "branch": bob.branch_id,
            "is_active": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "09:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    bob.refresh_from_db()
    assert bob.role == Role.MANAGER
    assert list(bob.groups.values_list("name", flat=True)) == ["Manager"]
    from audit.models import AuditEvent

    event = AuditEvent.objects.get(action="accounts.user.updated", object_id=str(bob.pk))
    assert event.before == {"role": "officer"}
    assert event.after == {"role": "manager"}
    assert event.actor == admin_user


def test_admin_creates_a_user_in_a_branch_with_a_role(client_for, admin_user, charlie):
    client = client_for(admin_user)
    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "dora",
            "password1": "Loan-Officer-2026",
            "password2": "Loan-Officer-2026",
            "first_name": "Dora",
            "last_name": "Sun",
            "email": "",
            "role": Role.RISK_OFFICER,
            "branch": charlie.branch_id,
        },
    )
    assert response.status_code == 302
    from accounts.models import User

    dora = User.objects.get(username="dora")
    assert dora.is_staff
    assert list(dora.groups.values_list("name", flat=True)) == ["Risk officer"]


def test_an_officer_without_a_branch_is_refused(client_for, admin_user):
    response = client_for(admin_user).post(
        reverse("admin:accounts_user_add"),
        {
            "username": "nobranch",
            "password1": "Loan-Officer-2026",
            "password2": "Loan-Officer-2026",
            "role": Role.OFFICER,
            "branch": "",
        },
    )
    assert response.status_code == 200
    from accounts.models import User

    assert not User.objects.filter(username="nobranch").exists()
