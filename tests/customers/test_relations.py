"""Related-party links recorded and ended from the customer 360, as the users of the cast do
it: the rules of a link (not to itself, not twice, no circle of parents) refuse with a
message next to the field (400) and write nothing; scope is a 404 or an unknown number."""

import datetime as dt
import itertools

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from customers.relations import CustomerRelation, RelationKind
from tests.customers import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def north(alice):
    """Three of alice's enterprises."""
    return [factories.enterprise(alice, name=name) for name in ("华北控股", "华北制造", "华北物流")]


def _add(client, customer, other, side="parent_of", **extra):
    data = {
        "side": side,
        "other": other.pk,
        "started_on": "2026-01-05",
        "evidence": "Registry extract of 2026-01-05",
        **extra,
    }
    return client.post(reverse("customers:relation-add", args=[customer.pk]), data)


def test_an_officer_records_a_link_and_both_sides_read_it(client_for, alice, north):
    holding, factory, _logistics = north
    client = client_for(alice)
    response = _add(client, holding, factory)
    assert response.status_code == 302
    relation = CustomerRelation.objects.get()
    assert (relation.from_customer, relation.to_customer) == (holding, factory)
    assert relation.kind == RelationKind.PARENT_OF and relation.recorded_by == alice
    assert relation.ended_on is None
    assert AuditEvent.objects.filter(action="customers.relation.recorded").count() == 1
    page = client.get(reverse("customers:detail", args=[factory.pk])).content.decode()
    assert "Subsidiary of" in page and "华北控股" in page
    page = client.get(reverse("customers:detail", args=[holding.pk])).content.decode()
    assert "Parent company of" in page and "华北制造" in page


def test_subsidiary_side_stores_the_parent_first(client_for, alice, north):
    holding, factory, _logistics = north
    assert _add(client_for(alice), factory, holding, side="subsidiary_of").status_code == 302
    relation = CustomerRelation.objects.get()
    assert (relation.from_customer, relation.to_customer) == (holding, factory)


def test_a_customer_cannot_be_linked_to_itself(client_for, alice, north):
    response = _add(client_for(alice), north[0], north[0])
    assert response.status_code == 400
    assert "cannot be related to itself" in response.content.decode()
    assert not CustomerRelation.objects.exists()
    assert not AuditEvent.objects.filter(action="customers.relation.recorded").exists()


def test_a_duplicate_active_link_is_refused_even_typed_from_the_other_side(
    client_for, alice, north
):
    holding, factory, _logistics = north
    client = client_for(alice)
    assert _add(client, holding, factory, side="same_controller").status_code == 302
    response = _add(client, factory, holding, side="same_controller")
    assert response.status_code == 400
    assert "already have an active link of this kind" in response.content.decode()
    assert CustomerRelation.objects.count() == 1


@pytest.mark.parametrize("length", [2, 3])
def test_a_circle_of_parent_companies_is_refused(client_for, alice, north, length):
    client = client_for(alice)
    chain = north[:length]
    for parent, child in itertools.pairwise(chain):
        assert _add(client, parent, child).status_code == 302
    # The last of the chain would become the parent of the first.
    response = _add(client, chain[-1], chain[0])
    assert response.status_code == 400
    assert "circle of parent companies" in response.content.decode()
    assert CustomerRelation.objects.count() == length - 1


def test_a_link_ended_no_longer_counts_and_a_new_one_may_follow(client_for, alice, north):
    holding, factory, _logistics = north
    client = client_for(alice)
    _add(client, holding, factory)
    relation = CustomerRelation.objects.get()
    url = reverse("customers:relation-end", args=[factory.pk, relation.pk])
    # Before it started: refused, nothing changed.
    response = client.post(url, {"ended_on": "2025-12-31"})
    assert (
        response.status_code == 400 and "cannot end before it started" in response.content.decode()
    )
    relation.refresh_from_db()
    assert relation.ended_on is None
    assert client.post(url, {"ended_on": "2026-11-01"}).status_code == 302
    relation.refresh_from_db()
    assert relation.ended_on == dt.date(2026, 11, 1) and relation.ended_by == alice
    assert AuditEvent.objects.filter(action="customers.relation.ended").count() == 1
    # Ending it again says so.
    response = client.post(url, {"ended_on": "2026-11-02"})
    assert response.status_code == 400 and "already ended" in response.content.decode()
    # The pair may be linked again.
    assert _add(client, holding, factory).status_code == 302
    assert CustomerRelation.objects.filter(ended_on__isnull=True).count() == 1


def test_a_link_cannot_start_in_the_future(client_for, alice, north):
    response = _add(client_for(alice), north[0], north[1], started_on="2026-12-25")
    assert response.status_code == 400
    # The range of the field says it first (core.date_ranges); the service holds the same.
    assert "It cannot be in the future" in response.context["form"].errors["started_on"][0]
    assert not CustomerRelation.objects.exists()


def test_the_outsider_gets_404_and_cannot_link_to_what_they_do_not_see(
    client_for, alice, charlie, north, charlies_customer
):
    holding, factory, _logistics = north
    client = client_for(alice)
    _add(client, holding, factory)
    relation = CustomerRelation.objects.get()
    outsider = client_for(charlie)
    assert outsider.get(reverse("customers:relation-add", args=[holding.pk])).status_code == 404
    assert _add(outsider, holding, factory).status_code == 404
    end_url = reverse("customers:relation-end", args=[holding.pk, relation.pk])
    assert outsider.post(end_url, {"ended_on": "2026-11-01"}).status_code == 404
    # charlie links his own customer to alice's: her customer's number is unknown to him.
    response = _add(outsider, charlies_customer, holding)
    assert response.status_code == 400
    assert "No customer with this number" in response.content.decode()
    assert CustomerRelation.objects.count() == 1
    relation.refresh_from_db()
    assert relation.ended_on is None


def test_a_party_outside_the_officers_view_is_counted_not_named(
    client_for, alice, bob, mary, north
):
    bobs = factories.enterprise(bob, name="鲍勃贸易")
    # The manager sees both portfolios and records the link.
    assert _add(client_for(mary), north[0], bobs, side="guarantor_of").status_code == 302
    page = client_for(alice).get(reverse("customers:detail", args=[north[0].pk])).content.decode()
    assert "鲍勃贸易" not in page
    assert "1 more related party outside your view." in page
    relation = CustomerRelation.objects.get()
    # Nor may alice end it: the other end is not hers.
    end_url = reverse("customers:relation-end", args=[north[0].pk, relation.pk])
    assert client_for(alice).post(end_url, {"ended_on": "2026-11-01"}).status_code == 404


def test_the_demo_group_is_seeded_once(alice, mary):
    from customers.relation_demo import DEMO_GROUP, seed_demo_group
    from customers.relations import CustomerGroup

    for name in ("示范母公司", "示范子公司一", "示范子公司二"):
        factories.enterprise(alice, name=name)
    assert seed_demo_group()
    assert seed_demo_group() == ""
    group = CustomerGroup.objects.get(name=DEMO_GROUP)
    assert group.members.count() == 3
    assert CustomerRelation.objects.filter(kind=RelationKind.PARENT_OF).count() == 2
