import pytest

from customers.models import Complaint, ContactPerson, FollowUp
from tests.customers import factories


@pytest.fixture
def alices_customer(alice):
    return factories.individual(alice, name="王小明")


@pytest.fixture
def alices_enterprise(alice):
    return factories.enterprise(alice, name="华盛制造有限公司")


@pytest.fixture
def charlies_customer(charlie):
    return factories.individual(charlie, name="赵南方")


@pytest.fixture
def alices_follow_up(alice, alices_customer):
    import datetime as dt

    from django.utils import timezone

    return FollowUp.objects.create(
        customer=alices_customer,
        owner=alice,
        purpose="Check the repayment plan",
        due_on=timezone.localdate() + dt.timedelta(days=1),
    )


@pytest.fixture
def alices_complaint(alice, alices_customer):
    from customers import services

    return services.complaint_record(
        actor=alice,
        complaint=Complaint(
            customer=alices_customer,
            category="process",
            severity="high",
            description="Nobody told me where my application stands.",
        ),
    )


@pytest.fixture
def alices_contact(alice, alices_enterprise):
    return ContactPerson.objects.create(customer=alices_enterprise, name="李会计", role="CFO")
