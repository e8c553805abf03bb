"""Books that a module's tests share: built once, inside a transaction that is rolled back
when the module is done, each test running in a savepoint of it (pytest-django's `db`), so
what a test writes is gone before the next one (tests/platform/conftest.py's access_book
does the same). A book is built under the suite's clock for shared books
(tests/conftest.py), a little before the tests' moment."""

import contextlib

from django.db import models, transaction
from django.test.utils import override_settings


@contextlib.contextmanager
def shared_book(django_db_blocker):
    """Opens the database to a module-scoped fixture for as long as its module runs."""
    # The real hasher is deliberately slow (tests/conftest.py does the same per test).
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        yield
        transaction.set_rollback(True)


def fresh(value):
    """The book's rows read again for one test: each test gets instances of its own, so what
    one test changes in memory (a refresh, a field set) never reaches the next."""
    if isinstance(value, models.Model):
        return type(value)._default_manager.get(pk=value.pk)
    if isinstance(value, dict):
        return {key: fresh(item) for key, item in value.items()}
    return value
