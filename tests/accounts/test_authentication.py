import datetime as dt

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import middleware
from audit.models import AuditEvent
from tests.urls import all_paths

# The only pages an anonymous visitor may reach.
PUBLIC_PATHS = {"/accounts/login/", "/healthz", "/accounts/language/"}


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "view"), all_paths())
def test_every_page_requires_login(client, path, view):
    if path in PUBLIC_PATHS:
        pytest.skip("public by design")
    response = client.get(path)
    assert response.status_code == 302, f"{path} ({view}) answered {response.status_code}"
    assert "login" in response["Location"]


@pytest.mark.django_db
def test_public_pages_are_reachable_anonymously(client):
    assert client.get("/accounts/login/").status_code == 200
    assert client.get("/healthz").status_code in {200, 503}


def test_login_with_the_right_password_opens_home_and_is_audited(client, alice, password):
    response = client.post(reverse("login"), {"username": "alice", "password": password})
    assert response.status_code == 302
    assert response["Location"] == "/"
    # The home page is Today, the officer's landing page.
    assert client.get("/").url == reverse("today")
    assert client.get(reverse("today")).status_code == 200
    assert AuditEvent.objects.filter(actor=alice, action="accounts.user.logged_in").exists()


def test_wrong_password_says_so_next_to_the_form(client, alice):
    response = client.post(reverse("login"), {"username": "alice", "password": "wrong"})
    assert response.status_code == 400
    assert "Please enter a correct username and password" in response.content.decode()


def test_repeated_failures_lock_the_account_even_for_the_right_password(client, alice, password):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "alice", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "alice", "password": password})
    assert response.status_code == 429
    assert "Too many failed log-ins" in response.content.decode()
    assert client.get(reverse("today")).status_code == 302


def test_lockout_of_one_user_does_not_lock_out_another(client, alice, bob, password):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "alice", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "bob", "password": password})
    assert response.status_code == 302


def test_session_expires_after_inactivity(client, alice):
    client.force_login(alice)
    assert client.get(reverse("today")).status_code == 200
    # Pretend the idle time has passed: the stored session's expiry lies in the past.
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    response = client.get(reverse("today"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_requests_extend_the_session_once_a_minute(client, alice, monkeypatch):
    client.force_login(alice)
    client.get(reverse("today"))
    first = Session.objects.get().expire_date
    Session.objects.update(expire_date=first - dt.timedelta(minutes=10))
    # Within the minute the session row is left alone (no write on every page)...
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("today"))
    assert not [q for q in queries.captured_queries if 'UPDATE "django_session"' in q["sql"]]
    assert Session.objects.get().expire_date < first
    # ...once the minute has passed, the next request moves the expiry forward again.
    monkeypatch.setattr(middleware, "SESSION_RENEW_SECONDS", 0)
    client.get(reverse("today"))
    assert Session.objects.get().expire_date >= first
    assert settings.SESSION_COOKIE_AGE == 30 * 60


def test_logout_is_a_post_and_is_audited(client, alice):
    client.force_login(alice)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("today")).status_code == 302
    assert AuditEvent.objects.filter(actor=alice, action="accounts.user.logged_out").exists()


def test_password_change_enforces_the_policy(client_for, alice, password):
    client = client_for(alice)
    response = client.post(
        reverse("password_change"),
        {"old_password": password, "new_password1": "short", "new_password2": "short"},
    )
    assert response.status_code == 400
    assert "This password is too short" in response.content.decode()
    alice.refresh_from_db()
    assert alice.check_password(password)


def test_password_change_succeeds_and_is_audited(client_for, alice, password):
    client = client_for(alice)
    new = "Credit-Risk-Grade-42"
    response = client.post(
        reverse("password_change"),
        {"old_password": password, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password(new)
    event = AuditEvent.objects.get(action="accounts.user.password_changed")
    assert event.actor == alice
    assert new not in str(event.before) + str(event.after)
