import pytest
from django.core.management import call_command
from django.urls import reverse

from lending.models import PaymentReminder


@pytest.mark.django_db
def test_the_demo_shows_reminders_on_a_customers_timeline_once(client, settings):
    settings.DEBUG = True
    call_command("seed_demo", "--customers", "24", "--seed", "3")
    reminders = list(PaymentReminder.objects.order_by("id").values_list("id", "kind", "days"))
    assert reminders
    call_command("seed_demo", "--customers", "24", "--seed", "3")
    assert list(PaymentReminder.objects.order_by("id").values_list("id", "kind", "days")) == (
        reminders
    )

    reminder = PaymentReminder.objects.exclude(message="").select_related("customer").first()
    client.force_login(reminder.customer.officer)
    page = client.get(reverse("customers:detail", args=[reminder.customer_id]))
    assert reminder.message in page.content.decode()
