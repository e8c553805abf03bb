"""Personal identifiers at rest: encrypted columns, and a keyed hash to find and deduplicate them.

Resident IDs and phone numbers are stored as Fernet tokens (AES-128-CBC with an HMAC-SHA256
tag) under the keys of FIELD_ENCRYPTION_KEYS: the first key encrypts, every listed key
decrypts, so a key is rotated by putting a new one first and running
`manage.py rotate_field_keys`, then dropping the old one. A Fernet token differs on every
write, so equality lookups and uniqueness go through an HMAC-SHA256 of the normalised value
under FIELD_HASH_KEY instead: an unkeyed hash of an 18-character ID could be reversed by
trying every valid ID, a keyed one cannot without the key.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@lru_cache(maxsize=4)
def _cipher(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except (ValueError, TypeError) as error:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS must be Fernet keys: 32 random bytes, URL-safe base64 "
            "(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key())')"
        ) from error


def cipher() -> MultiFernet:
    return _cipher(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(value: str) -> str:
    return cipher().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return cipher().decrypt(token.encode()).decode()
    except InvalidToken:
        # A value nobody can read is a configuration error (a key dropped too early), never
        # something to show or silently blank out.
        raise ImproperlyConfigured(
            "An encrypted field cannot be read with FIELD_ENCRYPTION_KEYS: was a key removed "
            "before `manage.py rotate_field_keys` re-encrypted the data?"
        ) from None


def lookup_hash(kind: str, value: str) -> str:
    """The keyed hash of a normalised identifier; `kind` keeps an ID and a phone apart."""
    message = f"{kind}:{value}".encode()
    return hmac.new(settings.FIELD_HASH_KEY.encode(), message, hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """A text column holding a Fernet token; Python code sees the clear value.

    Only `isnull` and comparisons with the empty string make sense on it: find rows by the
    keyed hash column that sits next to it.
    """

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def formfield(self, **kwargs):
        # A one-line input like the CharField it replaces, not TextField's textarea.
        defaults = {"max_length": self.max_length}
        if self.null:
            defaults["empty_value"] = None
        return super(models.TextField, self).formfield(**{**defaults, **kwargs})

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)
