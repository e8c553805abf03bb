"""Credit management keeps its customer groups on pages (risk/group_manage_views.py): the list,
a new group with its limit, its members added by customer number and removed. Bad input is
refused next to its field (400) and writes nothing; an officer may look but not manage (403);
a manager of another branch gets a 404 for a group with none of their customers."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Branch, Role, User
from audit.models import AuditEvent
from customers import relation_services
from customers.relations import CustomerGroup, CustomerGroupMember
from tests.customers import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def north_group(mary, alice):
    """A North group with one of alice's enterprises."""
    group = relation_services.group_save(
        actor=mary, group=CustomerGroup(name="华北集团", group_limit=Decimal("5000000.00"))
    )
    relation_services.group_member_add(
        actor=mary, group=group, customer=factories.enterprise(alice, name="集团母公司")
    )
    return group


def test_a_manager_creates_a_group_sets_its_limit_and_adds_a_member(client_for, mary, alice):
    client = client_for(mary)
    list_page = client.get(reverse("risk:group-list"))
    assert reverse("risk:group-create") in list_page.content.decode()
    response = client.post(
        reverse("risk:group-create"), {"name": "华东集团", "group_limit": "8000000.00"}
    )
    group = CustomerGroup.objects.get(name="华东集团")
    assert response.status_code == 302
    assert response["Location"] == reverse("risk:group-detail", args=[group.pk])
    assert group.group_limit == Decimal("8000000.00") and group.created_by == mary
    # A new group has no member yet, and its creator still reaches it.
    assert client.get(reverse("risk:group-detail", args=[group.pk])).status_code == 200

    response = client.post(
        reverse("risk:group-edit", args=[group.pk]),
        {"name": "华东集团", "group_limit": "6000000.00", "notes": "Annual review"},
    )
    assert response.status_code == 302
    group.refresh_from_db()
    assert group.group_limit == Decimal("6000000.00") and group.notes == "Annual review"

    member = factories.enterprise(alice, name="华东子公司")
    response = client.post(
        reverse("risk:group-member-add", args=[group.pk]), {"customer": member.pk}
    )
    assert response.status_code == 302
    assert CustomerGroupMember.objects.filter(group=group, customer=member).exists()
    detail = client.get(reverse("risk:group-detail", args=[group.pk])).content.decode()
    assert "华东子公司" in detail
    assert reverse("risk:group-member-remove", args=[group.pk, member.pk]) in detail
    listed = client.get(reverse("risk:group-list")).content.decode()
    assert "华东集团" in listed

    actions = set(
        AuditEvent.objects.filter(object_id=str(group.pk), actor=mary).values_list(
            "action", flat=True
        )
    )
    assert actions >= {
        "customers.group.created",
        "customers.group.updated",
        "customers.group.member_added",
    }


def test_a_member_is_removed_and_the_removal_audited(client_for, mary, north_group):
    member = north_group.members.get().customer
    response = client_for(mary).post(
        reverse("risk:group-member-remove", args=[north_group.pk, member.pk])
    )
    assert response.status_code == 302
    assert not north_group.members.exists()
    assert AuditEvent.objects.filter(
        action="customers.group.member_removed", object_id=str(north_group.pk)
    ).exists()


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"name": "", "group_limit": "100"}, "name", "This field is required."),
        ({"name": "负额集团", "group_limit": "-1"}, "group_limit", "cannot be negative"),
        ({"name": "无额集团", "group_limit": "abc"}, "group_limit", "Enter a number."),
        ({"name": "华北集团", "group_limit": "100"}, "name", "already exists"),
    ],
)
def test_a_bad_group_is_refused_next_to_its_field(
    client_for, mary, north_group, body, field, message
):
    before = CustomerGroup.objects.count()
    response = client_for(mary).post(reverse("risk:group-create"), body)
    assert response.status_code == 400
    assert message in str(response.context["form"].errors[field])
    assert CustomerGroup.objects.count() == before


def test_a_member_outside_the_managers_view_or_in_another_group_is_refused(
    client_for, mary, alice, charlie, north_group
):
    client = client_for(mary)
    other = relation_services.group_save(
        actor=mary, group=CustomerGroup(name="另一集团", group_limit=Decimal("100.00"))
    )
    add = reverse("risk:group-member-add", args=[other.pk])
    southern = factories.enterprise(charlie, name="南方企业")
    response = client.post(add, {"customer": southern.pk})
    assert response.status_code == 400
    assert "among the customers you see" in str(response.context["form"].errors["customer"])
    already = north_group.members.get().customer
    response = client.post(add, {"customer": already.pk})
    assert response.status_code == 400
    assert "already a member of the group 华北集团" in str(response.context["form"].errors)
    response = client.post(add, {"customer": ""})
    assert response.status_code == 400
    assert not other.members.exists()
    assert north_group.members.count() == 1


def test_an_officer_sees_the_group_but_may_not_manage_it(client_for, alice, north_group):
    client = client_for(alice)
    detail = client.get(reverse("risk:group-detail", args=[north_group.pk]))
    assert detail.status_code == 200
    assert reverse("risk:group-edit", args=[north_group.pk]) not in detail.content.decode()
    assert client.get(reverse("risk:group-create")).status_code == 403
    member = north_group.members.get().customer
    refused = client.post(reverse("risk:group-member-remove", args=[north_group.pk, member.pk]))
    assert refused.status_code == 403
    refused = client.post(
        reverse("risk:group-edit", args=[north_group.pk]),
        {"name": "改名", "group_limit": "1"},
    )
    assert refused.status_code == 403
    north_group.refresh_from_db()
    assert north_group.name == "华北集团" and north_group.members.count() == 1


def test_the_outsider_gets_404_and_does_not_see_the_group_listed(client_for, cast, north_group):
    sonia = User.objects.create_user(
        username="sonia",
        password="unused-in-tests",
        role=Role.MANAGER,
        branch=Branch.objects.get(code="SOUTH"),
    )
    client = client_for(sonia)
    assert "华北集团" not in client.get(reverse("risk:group-list")).content.decode()
    member = north_group.members.get().customer
    for url, body in [
        (reverse("risk:group-detail", args=[north_group.pk]), None),
        (reverse("risk:group-edit", args=[north_group.pk]), {"name": "X", "group_limit": "1"}),
        (reverse("risk:group-member-add", args=[north_group.pk]), {"customer": member.pk}),
        (reverse("risk:group-member-remove", args=[north_group.pk, member.pk]), {}),
    ]:
        response = client.post(url, body) if body is not None else client.get(url)
        assert response.status_code == 404, url
    north_group.refresh_from_db()
    assert north_group.name == "华北集团" and north_group.members.count() == 1


def test_head_office_sees_every_group_and_the_navigation_leads_there(
    client_for, rita, alice, north_group
):
    client = client_for(rita)
    page = client.get(reverse("risk:group-list"))
    assert "华北集团" in page.content.decode()
    assert f'href="{reverse("risk:group-list")}"' in page.content.decode()
    # Officers have no "Groups" entry: they reach a group from the customer's page.
    officer_page = client_for(alice).get(reverse("today"))
    assert f'href="{reverse("risk:group-list")}"' not in officer_page.content.decode()
