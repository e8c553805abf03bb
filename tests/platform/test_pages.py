from django.test import Client
from django.urls import reverse


def test_unknown_page_is_a_friendly_404_inside_the_layout(client_for, alice):
    response = client_for(alice).get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Not found" in page
    assert "Back to the home page" in page
    assert 'data-testid="main-nav"' in page


def test_server_error_is_a_friendly_500(alice, settings):
    settings.ROOT_URLCONF = "tests.platform.failing_urls"
    client = Client(raise_request_exception=False)
    client.force_login(alice)
    response = client.get("/boom/")
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()


def test_pages_send_a_strict_content_security_policy(client_for, alice):
    response = client_for(alice).get(reverse("today"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response["X-Frame-Options"] == "DENY"


def test_pages_load_vendored_assets_not_a_cdn(client_for, alice):
    page = client_for(alice).get(reverse("today")).content.decode()
    assert "/static/vendor/bootstrap/bootstrap.min.css" in page
    assert "/static/vendor/htmx/htmx.min.js" in page
    assert "https://" not in page
    assert "<script>" not in page


def test_today_tells_the_user_their_role_and_scope(client_for, mary):
    page = client_for(mary).get(reverse("today")).content.decode()
    assert "Manager" in page
    assert "North" in page
    assert "You see every customer of your branch." in page
