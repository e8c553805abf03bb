"""An alert response records one interaction: contacting the customer by a channel logs a
new one, or a logged one is linked. Both at once used to link the new call and drop the
chosen interaction unseen; now the page refuses it next to the field and records nothing."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from customers import services as customer_services
from customers.models import Interaction
from risk import jobs
from risk.models import Alert, AlertAction


@pytest.fixture
def alert(risky_loan):
    jobs.run_synchronously(jobs.NIGHTLY, dt.date(2025, 2, 20))
    return Alert.objects.get(rule__code="dpd_1")


@pytest.fixture
def logged_call(alice, alert):
    return customer_services.interaction_log(
        actor=alice,
        interaction=Interaction(
            customer=alert.customer,
            channel="phone",
            occurred_at=timezone.now() - dt.timedelta(hours=2),
            summary="Promised to pay on Friday",
        ),
    )


def test_a_channel_and_a_linked_interaction_at_once_are_refused(
    client_for, alice, alert, logged_call
):
    response = client_for(alice).post(
        reverse("risk:alert-respond", args=[alert.pk]),
        {
            "action": "closer_contact",
            "note": "Called again",
            "channel": "phone",
            "interaction": logged_call.pk,
        },
    )
    assert response.status_code == 400
    errors = response.context["response_form"].errors["interaction"]
    assert "not both" in errors[0]
    assert not AlertAction.objects.exists()
    assert list(Interaction.objects.all()) == [logged_call]


def test_a_linked_interaction_alone_is_recorded(client_for, alice, alert, logged_call):
    response = client_for(alice).post(
        reverse("risk:alert-respond", args=[alert.pk]),
        {"action": "closer_contact", "note": "See the call", "interaction": logged_call.pk},
    )
    assert response.status_code == 302
    assert alert.actions.get().interaction == logged_call
