"""Bringing stored identifiers under the current keys: first encryption and key rotation.

Set-based in chunks of rows, each chunk one transaction with its rows locked, so it is safe
while people work, safe to interrupt, and safe to run twice: a value already encrypted under
the first key with an up-to-date hash is left alone and not written again.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import transaction

from core import field_crypto
from customers.models import phone_digest, resident_id_digest

# Every Fernet token starts with the version byte 0x80, "gAAAAA" in URL-safe base64; a
# resident ID or phone never does, so clear values left by older versions are recognised.
TOKEN_PREFIX = "gAAAAA"  # noqa: S105 (a format marker, not a secret)
CHUNK_ROWS = 5000


def _clear(value: str | None) -> str | None:
    if not value:
        return value
    return field_crypto.decrypt(value) if value.startswith(TOKEN_PREFIX) else value


def _under_current_key(value: str | None) -> bool:
    if not value:
        return True
    if not value.startswith(TOKEN_PREFIX):
        return False
    try:
        Fernet(settings.FIELD_ENCRYPTION_KEYS[0].encode()).decrypt(value.encode())
    except InvalidToken:
        return False
    return True


def _token(clear: str | None, stored: str | None) -> str | None:
    if not clear:
        return clear
    return stored if _under_current_key(stored) else field_crypto.encrypt(clear)


def _customer_row(row: tuple) -> tuple | None:
    pk, resident_id, resident_id_hash, phone, phone_hash = row
    clear_id, clear_phone = _clear(resident_id), _clear(phone)
    new = (
        _token(clear_id, resident_id),
        resident_id_digest(clear_id) if clear_id else None,
        _token(clear_phone, phone),
        phone_digest(clear_phone) if clear_phone else "",
    )
    if new == (resident_id, resident_id_hash, phone, phone_hash):
        return None
    return (*new, clear_id[-4:] if clear_id else "", pk)


def _contact_row(row: tuple) -> tuple | None:
    pk, phone = row
    token = _token(_clear(phone), phone)
    return None if token == phone else (token, pk)


TABLES = [
    (
        "customers_customer",
        "SELECT id, resident_id, resident_id_hash, phone, phone_hash FROM customers_customer",
        _customer_row,
        "UPDATE customers_customer SET resident_id = %s, resident_id_hash = %s, phone = %s,"
        " phone_hash = %s, resident_id_tail = %s WHERE id = %s",
    ),
    (
        "customers_contactperson",
        "SELECT id, phone FROM customers_contactperson",
        _contact_row,
        "UPDATE customers_contactperson SET phone = %s WHERE id = %s",
    ),
]


def protect_identifiers(connection, *, chunk_rows: int = CHUNK_ROWS) -> dict[str, int]:
    """Encrypts clear values, re-encrypts old-key tokens and refreshes the lookup hashes.

    Returns the rows written per table (0 everywhere on a second run).
    """
    written = {}
    for table, select, convert, update in TABLES:
        written[table] = 0
        last_id = 0
        while True:
            with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
                cursor.execute(
                    f"{select} WHERE id > %s ORDER BY id LIMIT %s FOR UPDATE",
                    [last_id, chunk_rows],
                )
                rows = cursor.fetchall()
                if not rows:
                    break
                last_id = rows[-1][0]
                changes = [change for row in rows if (change := convert(row)) is not None]
                if changes:
                    cursor.executemany(update, changes)
                written[table] += len(changes)
    return written


def decrypt_identifiers(connection, *, chunk_rows: int = CHUNK_ROWS) -> None:
    """Writes the clear values back: only for migrating to a version before encryption."""
    for table, columns in [
        ("customers_customer", ["resident_id", "phone"]),
        ("customers_contactperson", ["phone"]),
    ]:
        listed = ", ".join(columns)
        assignments = ", ".join(f"{column} = %s" for column in columns)
        last_id = 0
        while True:
            with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
                # Table and column names come from the constant list above.
                cursor.execute(
                    f"SELECT id, {listed} FROM {table} WHERE id > %s ORDER BY id LIMIT %s"  # noqa: S608
                    " FOR UPDATE",
                    [last_id, chunk_rows],
                )
                rows = cursor.fetchall()
                if not rows:
                    break
                last_id = rows[-1][0]
                cursor.executemany(
                    f"UPDATE {table} SET {assignments} WHERE id = %s",  # noqa: S608
                    [(*(_clear(value) for value in values), pk) for pk, *values in rows],
                )
