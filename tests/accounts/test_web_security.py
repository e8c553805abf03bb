"""Session fixation and CSRF, from the attacker's side."""

from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from customers.models import Interaction
from tests.customers import factories


def test_logging_in_issues_a_new_session_key(client, alice, password):
    # A key planted before the log-in (session fixation) must not become the user's session.
    session = client.session
    session["planted"] = True
    session.save()
    planted_key = session.session_key
    client.cookies[settings.SESSION_COOKIE_NAME] = planted_key

    client.post(reverse("login"), {"username": "alice", "password": password})

    assert client.cookies[settings.SESSION_COOKIE_NAME].value != planted_key
    assert (
        Client(cookies={settings.SESSION_COOKIE_NAME: planted_key})
        .get(reverse("today"))
        .status_code
        == 302
    )  # the planted key is not logged in


def test_an_htmx_post_without_the_csrf_token_is_refused_and_changes_nothing(alice):
    customer = factories.individual(alice)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    url = reverse("customers:interaction-add", args=[customer.pk])
    form = {
        "channel": "phone",
        "direction": "outbound",
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "summary": "Called about the loan",
    }
    audit_rows = AuditEvent.objects.count()

    forged = browser.post(url, form, HTTP_HX_REQUEST="true")

    assert forged.status_code == 403
    assert not Interaction.objects.exists()
    assert AuditEvent.objects.count() == audit_rows

    # The page's token, sent in the header htmx adds from <body hx-headers>, is accepted.
    page = browser.get(reverse("customers:detail", args=[customer.pk]))
    token = str(page.context["csrf_token"])
    assert f'"X-CSRFToken": "{token}"' in page.content.decode()
    accepted = browser.post(url, form, HTTP_HX_REQUEST="true", HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code in {200, 302}
    assert Interaction.objects.filter(customer=customer).count() == 1
