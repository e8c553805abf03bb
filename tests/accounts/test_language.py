from django.conf import settings
from django.urls import reverse

from audit.models import AuditEvent


def test_user_switches_to_chinese_and_it_is_remembered(client_for, alice):
    client = client_for(alice)
    response = client.post(reverse("set-language"), {"language": "zh-hans", "next": "/"})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.language == "zh-hans"
    page = client.get(reverse("today")).content.decode()
    assert "退出登录" in page
    assert 'lang="zh-hans"' in page
    assert AuditEvent.objects.filter(action="accounts.user.language_changed").exists()


def test_saved_language_follows_the_user_to_a_new_browser(client, alice):
    alice.language = "zh-hans"
    alice.save(update_fields=["language"])
    client.force_login(alice)
    assert "修改密码" in client.get(reverse("today")).content.decode()


def test_anonymous_visitor_can_switch_the_login_page(client, db):
    response = client.post(
        reverse("set-language"), {"language": "zh-hans", "next": reverse("login")}
    )
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    assert "登录" in client.get(reverse("login")).content.decode()


def test_unknown_language_changes_nothing(client_for, alice):
    client = client_for(alice)
    client.post(reverse("set-language"), {"language": "klingon", "next": "/"})
    alice.refresh_from_db()
    assert alice.language == ""
    assert "That language is not available." in client.get(reverse("today")).content.decode()


def test_next_cannot_send_the_user_to_another_site(client_for, alice):
    response = client_for(alice).post(
        reverse("set-language"), {"language": "en", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_language_switch_is_post_only(client, db):
    assert client.get(reverse("set-language")).status_code == 405


def test_a_streamed_export_is_in_the_users_language_and_the_thread_is_left_as_it_was(
    client_for, alice
):
    from django.utils import translation

    alice.language = "zh-hans"
    alice.save(update_fields=["language"])
    before = translation.get_language()
    response = client_for(alice).get("/customers/export/csv/")
    assert translation.get_language() == before
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert body.splitlines()[0].startswith("编号,类型,名称")
    assert translation.get_language() == before
