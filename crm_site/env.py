"""Typed readers for settings from the environment; a bad value fails loudly at start-up."""

from __future__ import annotations

import base64
import hashlib
import os
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}

# The secret that development uses when none is set. `make run` hands it, and the field keys
# derived from it, to its processes even with DEBUG off, so a local data folder stays readable
# in both modes; production refuses to start without real ones (settings.py).
DEVELOPMENT_SECRET_KEY = "development-only-secret-key-never-use-in-production-xindai-crm"  # noqa: S105


def development_field_keys(secret_key: str) -> tuple[list[str], str]:
    """The field encryption keys and the lookup hash key derived from a development secret."""
    encryption_digest = hashlib.sha256(b"fields:" + secret_key.encode()).digest()
    hash_key = hashlib.sha256(b"lookup:" + secret_key.encode()).hexdigest()
    return [base64.urlsafe_b64encode(encryption_digest).decode()], hash_key


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}"
    )


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}; got {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def parse_database_url(url: str, *, variable: str = "DATABASE_URL") -> dict:
    """Turns a libpq URI into Django's DATABASES entry.

    Accepts `postgresql://user:pass@host:5432/name?sslmode=require` and the unix-socket form
    `postgresql://postgres:@/crm?host=/path/to/socketdir` that the embedded server gives.
    Query parameters other than `host` and `port` pass through to psycopg as options.
    """
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise ImproperlyConfigured(
            f"{variable} must start with postgresql:// or postgres://; got {parts.scheme!r}"
        )
    name = unquote(parts.path.lstrip("/"))
    if not name:
        raise ImproperlyConfigured(f"{variable} must name a database, e.g. postgresql://…/crm")
    options = dict(parse_qsl(parts.query))
    host = options.pop("host", None) or unquote(parts.hostname or "")
    try:
        port = options.pop("port", None) or (str(parts.port) if parts.port else "")
    except ValueError:
        raise ImproperlyConfigured(f"{variable} has a port that is not a number") from None
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": host,
        "PORT": port,
        "OPTIONS": options,
    }


def redis_cache_url(url: str) -> str:
    """The redis-py form of REDIS_URL: Celery's `redis+socket://PATH` becomes `unix://PATH`."""
    parts = urlsplit(url)
    if parts.scheme in {"redis", "rediss", "unix"}:
        return url
    if parts.scheme == "redis+socket":
        return "unix://" + url[len("redis+socket://") :]
    raise ImproperlyConfigured(
        f"REDIS_URL must be redis://, rediss:// or redis+socket://; got {parts.scheme!r}"
    )
