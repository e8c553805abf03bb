"""The optional TOTP second factor: enrolment, the log-in's code step, roles that require it,
turning it off, the administrator's reset, throttling and the audit trail."""

import datetime as dt
import re
from base64 import b32decode

from django.contrib import admin
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.demo import DEMO_PASSWORD
from accounts.models import Role
from audit.models import AuditEvent
from tests.urls import all_paths

VERIFY_URL = reverse("two-factor-verify")
SETTINGS_URL = reverse("two-factor")


def code_for(key: bytes, *, steps_ahead: int = 0) -> str:
    """The code an authenticator app holding `key` shows now (or `steps_ahead` periods on:
    a code once accepted is never accepted again, so a second one must be a later one)."""
    return f"{totp(key, step=30, t0=0, digits=6, drift=steps_ahead):06d}"


def wrong_code_for(key: bytes) -> str:
    """A well-formed code that no step near now accepts (nor the one after)."""
    valid = {code_for(key, steps_ahead=step) for step in range(-3, 5)}
    return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in valid)


def enrol(user) -> TOTPDevice:
    """Gives `user` (of the cast, whose password is the demo one) a confirmed device the way
    the two-factor page does."""
    device = services.two_factor_enrolment_start(user=user)
    check = services.two_factor_enrolment_confirm(
        user=user, password=DEMO_PASSWORD, code=code_for(device.bin_key)
    )
    assert check.accepted
    device.refresh_from_db()
    return device


def password_login(client, user, password):
    return client.post(reverse("login"), {"username": user.username, "password": password})


def verify(client, code: str, next_url: str = "/"):
    return client.post(VERIFY_URL, {"code": code, "next": next_url})


def confirm(client, code: str, password: str = DEMO_PASSWORD, **extra):
    """Posts the enrolment's confirmation form: the password and the code."""
    return client.post(reverse("two-factor-confirm"), {"password": password, "code": code, **extra})


def disable(client, code: str, password: str = DEMO_PASSWORD):
    """Posts the form that turns two-factor authentication off: the password and the code."""
    return client.post(reverse("two-factor-disable"), {"password": password, "code": code})


def let_throttle_pass(device: TOTPDevice) -> None:
    """Moves the last failure far enough into the past for the next try to be allowed."""
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - dt.timedelta(hours=1)
    )


def actions(user) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_id=str(user.pk), action__contains="two_factor")
        .order_by("pk")
        .values_list("action", flat=True)
    )


def secret_on_page(page: str) -> bytes:
    match = re.search(r'data-testid="two-factor-secret">([A-Z2-7 ]+)<', page)
    assert match, "the page shows the secret key for typing into the app"
    return b32decode(match.group(1).replace(" ", ""))


# --- Enrolment -------------------------------------------------------------------------------


def test_user_enrols_with_the_code_of_the_secret_shown_and_it_is_audited(client_for, mary):
    client = client_for(mary)
    page = client.get(SETTINGS_URL).content.decode()
    assert "Set up two-factor authentication" in page

    assert client.post(reverse("two-factor-enrol")).status_code == 302
    response = client.get(SETTINGS_URL)
    page = response.content.decode()
    assert 'src="data:image/svg+xml' in page
    assert "no-store" in response["Cache-Control"]
    key = secret_on_page(page)
    device = TOTPDevice.objects.get(user=mary)
    assert key == device.bin_key
    assert not device.confirmed
    # Authenticator apps list the account as "Xindai CRM: mary".
    assert device.config_url.startswith("otpauth://totp/Xindai%20CRM%3Amary?")

    # The form asks for the password first, then the code.
    assert re.search(r'name="password".*name="code"', page, re.DOTALL)
    response = confirm(client, code_for(key))
    assert response.status_code == 302
    device.refresh_from_db()
    mary.refresh_from_db()
    assert device.confirmed
    assert mary.two_factor_enabled
    event = AuditEvent.objects.get(action="accounts.user.two_factor_enabled")
    assert (event.actor, event.before, event.after) == (
        mary,
        {"two_factor_enabled": False},
        {"two_factor_enabled": True},
    )
    # Confirming proved the user holds the phone: this session goes on without a code.
    assert client.get(reverse("today")).status_code == 200
    assert "Two-factor authentication is on" in client.get(SETTINGS_URL).content.decode()


def test_a_wrong_code_does_not_confirm_the_enrolment(client_for, mary):
    client = client_for(mary)
    client.post(reverse("two-factor-enrol"))
    device = TOTPDevice.objects.get(user=mary)
    response = confirm(client, wrong_code_for(device.bin_key))

    assert response.status_code == 400
    assert "That code is not right" in response.content.decode()
    device.refresh_from_db()
    mary.refresh_from_db()
    assert not device.confirmed
    assert not mary.two_factor_enabled
    assert actions(mary) == [
        "accounts.user.two_factor_enrolment_started",
        "accounts.user.two_factor_code_rejected",
    ]


def test_a_wrong_password_does_not_confirm_the_enrolment_and_counts_as_a_failure(client_for, mary):
    # A session left open is not enough to put someone else's phone on the account.
    client = client_for(mary)
    client.post(reverse("two-factor-enrol"))
    device = TOTPDevice.objects.get(user=mary)
    right = code_for(device.bin_key)

    response = confirm(client, right, password="not-my-password")
    assert response.status_code == 400
    errors = response.context["confirm_form"].errors
    assert errors == {"password": ["That password is not right. Enter your current password."]}
    assert "That password is not right" in response.content.decode()
    device.refresh_from_db()
    mary.refresh_from_db()
    assert not device.confirmed
    assert not mary.two_factor_enabled
    assert actions(mary) == [
        "accounts.user.two_factor_enrolment_started",
        "accounts.user.two_factor_password_rejected",
    ]
    event = AuditEvent.objects.get(action="accounts.user.two_factor_password_rejected")
    assert (event.actor, event.after) == (mary, {"purpose": "enrolment", "failures": 1})

    # It counts in the same throttling as a wrong code: straight after, even the right
    # password and code are refused unchecked.
    response = confirm(client, right)
    assert "Too many wrong codes in a row. Wait 1 second" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed

    # The code was not used up by the refused tries.
    let_throttle_pass(device)
    assert confirm(client, right).status_code == 302
    device.refresh_from_db()
    assert device.confirmed


def test_confirming_the_enrolment_asks_for_the_password(client_for, mary):
    client = client_for(mary)
    client.post(reverse("two-factor-enrol"))
    device = TOTPDevice.objects.get(user=mary)
    response = client.post(reverse("two-factor-confirm"), {"code": code_for(device.bin_key)})
    assert response.status_code == 400
    assert response.context["confirm_form"].errors == {"password": ["This field is required."]}
    device.refresh_from_db()
    assert not device.confirmed


def test_a_code_that_is_not_six_digits_is_explained(client_for, mary):
    client = client_for(mary)
    client.post(reverse("two-factor-enrol"))
    response = confirm(client, "12ab")
    assert "Enter the 6 digits your authenticator app shows." in response.content.decode()


def test_starting_again_replaces_the_unconfirmed_secret(client_for, mary):
    client = client_for(mary)
    client.post(reverse("two-factor-enrol"))
    first = TOTPDevice.objects.get(user=mary)
    client.post(reverse("two-factor-enrol"))
    second = TOTPDevice.objects.get(user=mary)
    assert second.key != first.key
    # The abandoned secret can no longer be confirmed.
    response = confirm(client, code_for(first.bin_key))
    assert response.status_code == 400
    mary.refresh_from_db()
    assert not mary.two_factor_enabled


# --- The log-in's code step ------------------------------------------------------------------


def test_log_in_with_a_device_asks_for_the_code_after_the_password(client, mary, password):
    device = enrol(mary)

    response = password_login(client, mary, password)
    assert response.status_code == 302
    assert response["Location"] == f"{VERIFY_URL}?next=%2F"
    step_page = client.get(response["Location"])
    assert "Enter your code" in step_page.content.decode()
    # Mid-log-in the menus offer no way around the step.
    assert step_page.context["navigation"] == []
    assert "Change password" not in step_page.content.decode()

    response = verify(client, code_for(device.bin_key, steps_ahead=1))
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get(reverse("today")).status_code == 200
    assert actions(mary)[-1] == "accounts.user.two_factor_verified"


def test_a_direct_visit_before_the_code_leads_to_the_code_step(client, mary, password):
    enrol(mary)
    password_login(client, mary, password)

    response = client.get("/customers/?q=wang")
    assert response.status_code == 302
    assert response["Location"] == f"{VERIFY_URL}?next=%2Fcustomers%2F%3Fq%3Dwang"
    # The log-in page sends the half-logged-in user to the step too, not back in.
    assert client.get(reverse("login"))["Location"].startswith(VERIFY_URL)
    # After the code the user lands where they were going.
    device = TOTPDevice.objects.get(user=mary)
    response = verify(client, code_for(device.bin_key, steps_ahead=1), "/customers/?q=wang")
    assert response["Location"] == "/customers/?q=wang"


def test_every_page_waits_for_the_code(client, admin_user, password):
    enrol(admin_user)
    password_login(client, admin_user, password)
    reachable = {"/accounts/login/", "/healthz", "/accounts/language/", VERIFY_URL}
    for path, view in all_paths():
        if path in reachable:
            continue
        response = client.get(path)
        if path == reverse("logout"):
            # Logging out stays possible mid-log-in (it is a POST; a GET is not allowed).
            assert response.status_code == 405
            continue
        assert response.status_code == 302, f"{path} ({view}) answered {response.status_code}"
        assert response["Location"].startswith(VERIFY_URL), f"{path} ({view})"
    assert client.post(reverse("logout")).status_code == 302


def test_a_wrong_code_at_log_in_is_refused_audited_and_then_throttled(client, mary, password):
    device = enrol(mary)
    password_login(client, mary, password)
    right = code_for(device.bin_key, steps_ahead=1)
    wrong = wrong_code_for(device.bin_key)

    response = verify(client, wrong)
    assert response.status_code == 400
    assert "That code is not right" in response.content.decode()

    # Straight after a wrong code even the right one is refused unchecked, and said so.
    response = verify(client, right)
    assert response.status_code == 400
    assert "Too many wrong codes in a row. Wait 1 second" in response.content.decode()
    assert client.get(reverse("today"))["Location"].startswith(VERIFY_URL)

    # Each further failure doubles the wait: 1, 2, 4 seconds.
    for _ in range(2):
        let_throttle_pass(device)
        verify(client, wrong)
    response = verify(client, right)
    assert "Wait 4 seconds" in response.content.decode()
    # Enrolment wrote the first two.
    assert actions(mary)[2:] == [
        "accounts.user.two_factor_code_rejected",
        "accounts.user.two_factor_throttled",
        "accounts.user.two_factor_code_rejected",
        "accounts.user.two_factor_code_rejected",
        "accounts.user.two_factor_throttled",
    ]
    throttled = AuditEvent.objects.filter(action="accounts.user.two_factor_throttled").latest("pk")
    assert throttled.after["failures"] == 3
    assert throttled.after["purpose"] == "log-in"

    let_throttle_pass(device)
    assert verify(client, right).status_code == 302
    assert client.get(reverse("today")).status_code == 200


def test_next_outside_the_site_is_ignored(client, mary, password):
    device = enrol(mary)
    password_login(client, mary, password)
    response = verify(client, code_for(device.bin_key, steps_ahead=1), "https://evil.example/")
    assert response["Location"] == "/"


def test_users_without_a_device_log_in_with_the_password_alone(client, alice, password):
    assert password_login(client, alice, password)["Location"] == "/"
    assert client.get(reverse("today")).status_code == 200
    # The code step has nothing to ask them.
    assert client.get(VERIFY_URL)["Location"] == "/"


# --- Django admin ----------------------------------------------------------------------------


def test_django_admin_requires_the_second_factor(client, admin_user, password, rf):
    device = enrol(admin_user)
    password_login(client, admin_user, password)

    assert client.get("/admin/")["Location"].startswith(VERIFY_URL)
    # Django admin's own log-in page (public, so the middleware lets it through) hands over to
    # the code step, keeping where the user was going.
    response = client.get("/admin/login/?next=/admin/accounts/user/")
    assert response.status_code == 302
    assert response["Location"] == f"{VERIFY_URL}?next=%2Fadmin%2Faccounts%2Fuser%2F"
    # The admin site refuses by itself too, whatever runs in front of it.
    request = rf.get("/admin/")
    request.user = admin_user
    assert not admin.site.has_permission(request)

    response = verify(client, code_for(device.bin_key, steps_ahead=1), "/admin/accounts/user/")
    assert response["Location"] == "/admin/accounts/user/"
    assert client.get("/admin/").status_code == 200


def test_django_admin_log_in_hands_over_to_the_product_log_in(client, admin_user, password):
    # Straight to the log-in page, or sent there by an admin page: the product's log-in it is.
    response = client.get("/admin/login/?next=/admin/accounts/user/")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/admin/accounts/user/"
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == f"{reverse('login')}?next=/admin/"
    assert response.templates[0].name == "registration/login.html"

    # Its log-in form takes no password: a post to it is sent on like a visit, no one signed in.
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": admin_user.username, "password": password, "next": "/admin/"},
    )
    assert response["Location"] == f"{reverse('login')}?next=/admin/"
    assert "_auth_user_id" not in client.session
    assert not AuditEvent.objects.filter(action="accounts.user.logged_in").exists()

    # The product's log-in brings the admin back to where they were going.
    response = client.post(
        f"{reverse('login')}?next=/admin/accounts/user/",
        {"username": admin_user.username, "password": password},
    )
    assert response["Location"] == "/admin/accounts/user/"
    assert client.get("/admin/accounts/user/").status_code == 200


def test_django_admin_log_in_sends_a_signed_in_user_on(client_for, admin_user, alice):
    client = client_for(admin_user)
    assert client.get("/admin/login/")["Location"] == "/admin/"
    assert client.get("/admin/login/?next=/admin/accounts/")["Location"] == "/admin/accounts/"
    assert client.get("/admin/login/?next=https://evil.example/")["Location"] == "/admin/"
    # A role that does not work in Django admin is told so, not asked to log in again.
    assert client_for(alice).get("/admin/login/?next=/admin/").status_code == 403


def test_admin_without_a_device_uses_django_admin_as_before(client_for, admin_user, rf):
    assert client_for(admin_user).get("/admin/").status_code == 200
    request = rf.get("/admin/")
    request.user = admin_user
    assert admin.site.has_permission(request)


def test_the_device_secrets_are_not_browsable_in_django_admin(client_for, admin_user):
    assert TOTPDevice not in admin.site._registry
    assert client_for(admin_user).get("/admin/otp_totp/totpdevice/").status_code == 404


# --- Roles that require it -------------------------------------------------------------------


def test_required_role_must_enrol_before_anything_else(client, mary, password, settings):
    settings.OTP_REQUIRED_ROLES = [Role.MANAGER]

    response = password_login(client, mary, password)
    assert response["Location"] == f"{SETTINGS_URL}?next=%2F"
    assert client.get(reverse("customers:list"))["Location"].startswith(SETTINGS_URL)
    assert client.get("/dashboard/")["Location"].startswith(SETTINGS_URL)
    assert client.get(reverse("password_change"))["Location"].startswith(SETTINGS_URL)
    page = client.get(f"{SETTINGS_URL}?next=/dashboard/").content.decode()
    assert "Your role requires two-factor authentication. Set it up to continue." in page

    response = client.post(reverse("two-factor-enrol"), {"next": "/dashboard/"})
    assert response["Location"] == f"{SETTINGS_URL}?next=%2Fdashboard%2F"
    page = client.get(response["Location"]).content.decode()
    key = secret_on_page(page)
    response = confirm(client, code_for(key), next="/dashboard/")
    assert response["Location"] == "/dashboard/"
    assert client.get(reverse("customers:list")).status_code == 200


def test_roles_not_listed_stay_optional(client, alice, password, settings):
    settings.OTP_REQUIRED_ROLES = [Role.MANAGER, Role.ADMIN]
    assert password_login(client, alice, password)["Location"] == "/"
    assert client.get(reverse("today")).status_code == 200


def test_required_role_without_a_device_cannot_open_django_admin(
    client, admin_user, password, settings
):
    settings.OTP_REQUIRED_ROLES = [Role.ADMIN]
    password_login(client, admin_user, password)
    assert client.get("/admin/")["Location"].startswith(SETTINGS_URL)
    response = client.get("/admin/login/?next=/admin/")
    assert response["Location"] == f"{SETTINGS_URL}?next=%2Fadmin%2F"


def test_the_setting_knows_every_role():
    from crm_site.settings import _ROLE_CODES

    assert set(_ROLE_CODES) == set(Role.values)


# --- Turning it off, and the administrator's reset ---------------------------------------


def signed_in_with_code(client, user, password) -> TOTPDevice:
    device = enrol(user)
    password_login(client, user, password)
    assert verify(client, code_for(device.bin_key, steps_ahead=1)).status_code == 302
    return device


def test_turning_it_off_needs_a_current_code_and_is_audited(client, mary, password):
    device = signed_in_with_code(client, mary, password)

    response = disable(client, wrong_code_for(device.bin_key))
    assert response.status_code == 400
    assert "That code is not right" in response.content.decode()
    mary.refresh_from_db()
    assert mary.two_factor_enabled

    let_throttle_pass(device)
    response = disable(client, code_for(device.bin_key, steps_ahead=2))
    assert response.status_code == 302
    mary.refresh_from_db()
    assert not mary.two_factor_enabled
    assert not TOTPDevice.objects.filter(user=mary).exists()
    event = AuditEvent.objects.get(action="accounts.user.two_factor_disabled")
    assert (event.actor, event.after) == (mary, {"two_factor_enabled": False})

    client.post(reverse("logout"))
    assert password_login(client, mary, password)["Location"] == "/"


def test_turning_it_off_needs_the_password(client, mary, password):
    device = signed_in_with_code(client, mary, password)
    page = client.get(SETTINGS_URL).content.decode()
    assert re.search(r'name="password".*name="code"', page, re.DOTALL)

    right = code_for(device.bin_key, steps_ahead=2)
    response = disable(client, right, password="not-my-password")
    assert response.status_code == 400
    errors = response.context["disable_form"].errors
    assert errors == {"password": ["That password is not right. Enter your current password."]}
    mary.refresh_from_db()
    assert mary.two_factor_enabled
    assert TOTPDevice.objects.filter(user=mary, confirmed=True).exists()
    event = AuditEvent.objects.get(action="accounts.user.two_factor_password_rejected")
    assert (event.actor, event.after) == (mary, {"purpose": "disabling", "failures": 1})
    assert "Too many wrong codes in a row" in disable(client, right).content.decode()

    let_throttle_pass(device)
    assert disable(client, right).status_code == 302
    mary.refresh_from_db()
    assert not mary.two_factor_enabled


def test_a_required_role_cannot_turn_it_off(client, mary, password, settings):
    device = signed_in_with_code(client, mary, password)
    settings.OTP_REQUIRED_ROLES = [Role.MANAGER]
    response = disable(client, code_for(device.bin_key, steps_ahead=2))
    assert response.status_code == 400
    assert "Your role requires two-factor authentication" in response.content.decode()
    assert TOTPDevice.objects.filter(user=mary, confirmed=True).exists()


def test_admin_resets_the_device_of_a_user_who_lost_their_phone(
    client_for, admin_user, mary, password
):
    enrol(mary)
    response = client_for(admin_user).post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [mary.pk]},
        follow=True,
    )
    assert "Two-factor authentication was reset for 1 user." in response.content.decode()
    mary.refresh_from_db()
    assert not mary.two_factor_enabled
    assert not TOTPDevice.objects.filter(user=mary).exists()
    event = AuditEvent.objects.get(action="accounts.user.two_factor_reset")
    assert (event.actor, event.object_id, event.after) == (
        admin_user,
        str(mary.pk),
        {"two_factor_enabled": False},
    )

    client = Client()
    assert password_login(client, mary, password)["Location"] == "/"


def test_risk_officer_cannot_reset_a_device(client_for, rita, mary):
    enrol(mary)
    client_for(rita).post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [mary.pk]},
    )
    mary.refresh_from_db()
    assert mary.two_factor_enabled
    assert not AuditEvent.objects.filter(action="accounts.user.two_factor_reset").exists()


# --- Language ----------------------------------------------------------------------------


def test_the_two_factor_pages_read_in_chinese(client, client_for, mary, alice, password):
    page = client_for(alice).get(SETTINGS_URL, headers={"accept-language": "zh-hans"})
    assert "设置双因素认证" in page.content.decode()
    client.post(reverse("logout"))

    mary.language = "zh-hans"
    mary.save(update_fields=["language"])
    device = enrol(mary)
    password_login(client, mary, password)
    page = client.get(VERIFY_URL).content.decode()
    assert "输入验证码" in page
    assert "验证码不正确" in verify(client, wrong_code_for(device.bin_key)).content.decode()
