"""The dashboard's ten largest single and group exposures against their concentration limits:
the manager sees their branch's customers (and the groups with a member in it), largest first,
each with its limit and the share it uses, as bars with the limit's line; head office sees the
whole bank."""

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from customers.relations import CustomerGroup, CustomerGroupMember
from lending.exposure_models import CustomerExposure, GroupExposure, Tier1Capital
from tests.customers import factories

pytestmark = pytest.mark.django_db

ON = dt.date(2026, 11, 18)


@pytest.fixture
def exposures(alice, bob, charlie, admin_user):
    # Capital ¥10,000,000: the single-customer limit is ¥1,000,000, the group one ¥1,500,000.
    Tier1Capital.objects.create(amount=Decimal("10000000"), effective_on=ON, note="Annual")
    north = [factories.individual(alice if n % 2 else bob, name=f"北{n:02d}") for n in range(12)]
    for n, customer in enumerate(north):
        CustomerExposure.objects.create(
            customer=customer, exposure=Decimal(100000 * (n + 1)), computed_on=ON
        )
    south = factories.individual(charlie, name="南方大客户")
    CustomerExposure.objects.create(customer=south, exposure=Decimal("5000000"), computed_on=ON)
    northern_group = CustomerGroup.objects.create(
        name="北方集团", group_limit=Decimal("9000000"), created_by=admin_user
    )
    CustomerGroupMember.objects.create(group=northern_group, customer=north[0], added_by=admin_user)
    GroupExposure.objects.create(
        group=northern_group, exposure=Decimal("1400000"), members=1, computed_on=ON
    )
    southern_group = CustomerGroup.objects.create(
        name="南方集团", group_limit=Decimal("9000000"), created_by=admin_user
    )
    CustomerGroupMember.objects.create(group=southern_group, customer=south, added_by=admin_user)
    GroupExposure.objects.create(
        group=southern_group, exposure=Decimal("5000000"), members=1, computed_on=ON
    )
    return {"north": north, "south": south}


def _table(page: str, testid: str) -> list[list[str]]:
    table = re.search(rf'data-testid="{testid}">(.*?)</table>', page, re.S).group(1)
    body = table.split("<tbody>")[1]
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def test_the_manager_sees_the_ten_largest_of_the_branch_against_the_limit(
    client_for, mary, exposures
):
    page = client_for(mary).get(reverse("dashboards:dashboard")).content.decode()
    rows = _table(page, "largest-singles")
    assert [row[0] for row in rows] == [f"北{n:02d}" for n in range(11, 1, -1)]
    assert rows[0] == ["北11", "¥1,200,000.00", "¥1,000,000.00", "120.00%"]
    assert rows[2] == ["北09", "¥1,000,000.00", "¥1,000,000.00", "100.00%"]
    assert "南方大客户" not in page and "南方集团" not in page
    assert _table(page, "largest-groups") == [
        ["北方集团", "¥1,400,000.00", "¥1,500,000.00", "93.33%"]
    ]
    chart = json.loads(
        re.search(
            r'<script id="plot-largest-singles" type="application/json">(.*?)</script>', page
        ).group(1)
    )
    assert chart["limit_line"] == "1000000.00"
    assert chart["series"][0]["values"][0] == "1200000.00"
    assert chart["series"][0]["urls"][0] == reverse(
        "customers:detail", args=[exposures["north"][11].pk]
    )


def test_head_office_sees_the_whole_bank(client_for, rita, exposures):
    page = client_for(rita).get(reverse("dashboards:dashboard")).content.decode()
    assert _table(page, "largest-singles")[0][0] == "南方大客户"
    assert [row[0] for row in _table(page, "largest-groups")] == ["南方集团", "北方集团"]


def test_without_capital_the_card_says_no_limit_applies(client_for, mary, bob):
    customer = factories.individual(bob, name="北方")
    CustomerExposure.objects.create(customer=customer, exposure=Decimal("1000"), computed_on=ON)
    page = client_for(mary).get(reverse("dashboards:dashboard")).content.decode()
    assert _table(page, "largest-singles") == [["北方", "¥1,000.00", "—", "—"]]
    assert "No tier-1 capital is configured" in page


def test_an_officer_sees_the_largest_of_their_own_customers(client_for, alice, exposures):
    page = client_for(alice).get(reverse("dashboards:dashboard")).content.decode()
    # alice holds the odd ones of the branch (北01, 北03, ... 北11): bob's never show.
    assert [row[0] for row in _table(page, "largest-singles")] == [
        f"北{n:02d}" for n in range(11, 0, -2)
    ]


def test_a_transferred_customer_moves_to_the_new_officers_card(
    client_for, mary, alice, bob, exposures
):
    largest = exposures["north"][11]  # alice's
    response = client_for(mary).post(
        reverse("customers:transfer", args=[largest.pk]),
        {"to_officer": bob.pk, "reason": "Alice moves to the corporate desk"},
    )
    assert response.status_code == 302
    # The stored exposure follows its customer in the same transaction (lending.customer_scope).
    assert CustomerExposure.objects.filter(customer=largest, customer_officer=bob).exists()
    alices = client_for(alice).get(reverse("dashboards:dashboard")).content.decode()
    bobs = client_for(bob).get(reverse("dashboards:dashboard")).content.decode()
    assert "北11" not in [row[0] for row in _table(alices, "largest-singles")]
    assert _table(bobs, "largest-singles")[0][0] == "北11"


def test_a_customer_moved_to_another_branch_leaves_the_branch_card(client_for, mary, exposures):
    from customers.models import Customer

    largest = exposures["north"][11]
    south = exposures["south"]
    # However it is written (an import, the admin), the stored exposure follows the customer.
    Customer.objects.filter(pk=largest.pk).update(officer=south.officer, branch=south.branch)
    page = client_for(mary).get(reverse("dashboards:dashboard")).content.decode()
    assert _table(page, "largest-singles")[0][0] == "北10"


def test_an_officer_sees_the_groups_with_a_member_of_theirs(client_for, alice, bob, exposures):
    # The northern group's member (北00) is bob's; alice has none in a group.
    alices = client_for(alice).get(reverse("dashboards:dashboard")).content.decode()
    bobs = client_for(bob).get(reverse("dashboards:dashboard")).content.decode()
    assert [row[0] for row in _table(bobs, "largest-groups")] == ["北方集团"]
    assert "北方集团" not in alices


def test_a_group_follows_its_member_transferred_to_another_officer(
    client_for, mary, alice, bob, exposures
):
    member = exposures["north"][0]  # bob's, the northern group's only member
    response = client_for(mary).post(
        reverse("customers:transfer", args=[member.pk]),
        {"to_officer": alice.pk, "reason": "Bob leaves the branch"},
    )
    assert response.status_code == 302
    # The member's copy of the scope follows in the same transaction (lending.customer_scope).
    assert CustomerGroupMember.objects.get(customer=member).customer_officer == alice
    alices = client_for(alice).get(reverse("dashboards:dashboard")).content.decode()
    bobs = client_for(bob).get(reverse("dashboards:dashboard")).content.decode()
    assert [row[0] for row in _table(alices, "largest-groups")] == ["北方集团"]
    assert "北方集团" not in bobs


def test_a_group_follows_its_member_to_another_branch(client_for, mary, exposures, admin_user):
    from customers.models import Customer

    south = exposures["south"]
    # A member added however it is written gets its customer's scope; a branch move follows.
    member = exposures["north"][1]
    CustomerGroupMember.objects.filter(customer=exposures["north"][0]).delete()
    group = CustomerGroup.objects.get(name="北方集团")
    CustomerGroupMember.objects.create(group=group, customer=member, added_by=admin_user)
    assert CustomerGroupMember.objects.get(customer=member).customer_branch_id == member.branch_id
    assert "北方集团" in client_for(mary).get(reverse("dashboards:dashboard")).content.decode()
    Customer.objects.filter(pk=member.pk).update(officer=south.officer, branch=south.branch)
    page = client_for(mary).get(reverse("dashboards:dashboard")).content.decode()
    assert "北方集团" not in page
