"""The shared cast, the same people as `seed_demo`: officers alice and bob (North), officer
charlie (South, the outsider for alice's data), manager mary (North), risk officer rita and
admin (head office)."""

import pytest

from accounts.demo import DEMO_PASSWORD, seed_cast


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The real hasher is deliberately slow; tests create users constantly.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def cast(db):
    return seed_cast()


@pytest.fixture
def alice(cast):
    return cast["alice"]


@pytest.fixture
def bob(cast):
    return cast["bob"]


@pytest.fixture
def charlie(cast):
    return cast["charlie"]


@pytest.fixture
def mary(cast):
    return cast["mary"]


@pytest.fixture
def rita(cast):
    return cast["rita"]


@pytest.fixture
def admin_user(cast):
    return cast["admin"]


@pytest.fixture
def password():
    return DEMO_PASSWORD


@pytest.fixture
def client_for(client):
    """`client_for(user)`: the test client, signed in as that user."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in
