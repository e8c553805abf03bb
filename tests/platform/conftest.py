import pytest
from django.db import transaction
from django.test import Client
from django.test.utils import override_settings

from tests.platform.access_book import build_book


@pytest.fixture(scope="module")
def access_book(django_db_setup, django_db_blocker):
    """The shared book of the access tests, built once per module inside a transaction that
    is rolled back when the module is done; each test runs in a savepoint of it (pytest-
    django's `db`), so what a test writes is gone before the next one."""
    with django_db_blocker.unblock(), transaction.atomic():
        # The real hasher is deliberately slow (tests/conftest.py does the same per test).
        with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
            book = build_book()
            # One session per user, reused by every test: signing in per request would
            # write a session row and the user's last login each time.
            book.session_cookies = {}
            for username, user in book.users.items():
                client = Client()
                client.force_login(user)
                book.session_cookies[username] = client.session.session_key
        yield book
        transaction.set_rollback(True)
