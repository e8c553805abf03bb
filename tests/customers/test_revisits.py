import datetime as dt

from django.utils import timezone

from customers.models import Customer, FollowUp, Interaction
from customers.services import revisit_follow_ups_generate
from customers.tasks import generate_revisits_chunk
from tests.customers import factories


def age_customer(customer: Customer, days: int) -> None:
    Customer.objects.filter(pk=customer.pk).update(
        assigned_at=timezone.now() - dt.timedelta(days=days)
    )


def test_revisits_follow_the_cadence_of_the_risk_level(alice):
    high = factories.individual(alice, name="高风险")
    low = factories.individual(alice, name="低风险")
    Customer.objects.filter(pk=high.pk).update(risk_level="high")
    Customer.objects.filter(pk=low.pk).update(risk_level="low")
    age_customer(high, 40)  # past the 30-day cadence of a high-risk customer
    age_customer(low, 40)  # well within the 180 days of a low-risk one
    created = revisit_follow_ups_generate(first_id=0, last_id=10**9)
    assert created == 1
    revisit = FollowUp.objects.get()
    assert revisit.customer == high
    assert (revisit.owner, revisit.kind, revisit.source) == (alice, "revisit", "cadence")
    assert revisit.due_on == timezone.localdate()


def test_running_twice_creates_nothing_new(alice):
    customer = factories.individual(alice)
    age_customer(customer, 200)
    assert generate_revisits_chunk(0, 10**9) == 1
    assert generate_revisits_chunk(0, 10**9) == 0
    assert FollowUp.objects.count() == 1


def test_a_recent_contact_postpones_the_revisit(alice):
    customer = factories.individual(alice)
    age_customer(customer, 200)
    Interaction.objects.create(
        customer=customer,
        officer=alice,
        channel="phone",
        summary="x",
        occurred_at=timezone.now() - dt.timedelta(days=5),
    )
    assert revisit_follow_ups_generate(first_id=0, last_id=10**9) == 0


def test_a_done_revisit_allows_the_next_one(alice):
    customer = factories.individual(alice)
    age_customer(customer, 200)
    revisit_follow_ups_generate(first_id=0, last_id=10**9)
    FollowUp.objects.update(status="done")
    assert revisit_follow_ups_generate(first_id=0, last_id=10**9) == 1


def test_only_the_given_id_range_is_touched(alice):
    first = factories.individual(alice)
    second = factories.individual(alice)
    age_customer(first, 200)
    age_customer(second, 200)
    assert revisit_follow_ups_generate(first_id=first.pk, last_id=first.pk) == 1
    assert FollowUp.objects.get().customer == first
