import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from crm_site.env import env_bool, env_int, env_list, parse_database_url, redis_cache_url

BASE_DIR = Path(settings.BASE_DIR)
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k3y-" + "x9Lq2Zr7Vt5Wm1Np8Bc4Hd6Jf0Gs3Ya" * 2,
    "ALLOWED_HOSTS": "crm.bank.example",
    "FIELD_ENCRYPTION_KEYS": "0e3sX0qMHc8V2m6rC9Yq1i7g2kq4Yb6mJ3vQ0u5tXzE=",
    "FIELD_HASH_KEY": "h4sh-" + "Qm7Tz2Rk9Wp4Lx6Vb1Nc8Hd3Jf5Gs0Ya" * 2,
}


def run_django(code: str, **overrides: str) -> subprocess.CompletedProcess:
    """Starts Django in a fresh process with these environment variables."""
    env = {
        **os.environ,
        "DATABASE_URL": os.environ.get("DATABASE_URL", ""),
        "REDIS_URL": settings.CELERY_BROKER_URL,
        **overrides,
    }
    # Set for the browser tests' event loop; a deployment must never have it.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    if not env["DATABASE_URL"]:
        db = settings.DATABASES["default"]
        env["DATABASE_URL"] = f"postgresql://{db['USER']}:@/crm?host={db['HOST']}"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_in_production_settings():
    result = run_django(
        "import sys; from django.core.management import execute_from_command_line;"
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])",
        DJANGO_SETTINGS_MODULE="crm_site.settings",
        **PRODUCTION,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"DEBUG": "maybe"}, "DEBUG must be one of"),
        ({**PRODUCTION, "SECRET_KEY": ""}, "SECRET_KEY must be set"),
        ({**PRODUCTION, "FIELD_HASH_KEY": ""}, "FIELD_HASH_KEY must be set"),
        ({**PRODUCTION, "ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS must be set"),
        ({"DATABASE_URL": "mysql://root@localhost/crm"}, "DATABASE_URL must start with"),
        ({"REDIS_URL": "memcached://localhost"}, "REDIS_URL must be"),
        ({"TIME_ZONE": "Mars/Olympus"}, "not a known time zone"),
        ({"SESSION_IDLE_MINUTES": "soon"}, "must be a whole number"),
        ({"OTP_REQUIRED_ROLES": "manager,boss"}, "OTP_REQUIRED_ROLES names unknown roles boss"),
    ],
)
def test_bad_configuration_fails_loudly_at_start(overrides, message):
    result = run_django(
        "import django; django.setup()", DJANGO_SETTINGS_MODULE="crm_site.settings", **overrides
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_production_settings_are_secure():
    result = run_django(
        "import django; django.setup(); from django.conf import settings as s;"
        "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
        " s.SECURE_HSTS_SECONDS, s.DEBUG, s.TIME_ZONE)",
        **PRODUCTION,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "True", "31536000", "False", "Asia/Shanghai"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1", True), ("true", True), ("Yes", True), ("on", True), ("0", False), ("off", False)],
)
def test_env_bool_reads_the_usual_words(monkeypatch, raw, expected):
    monkeypatch.setenv("FLAG", raw)
    assert env_bool("FLAG", not expected) is expected


def test_env_int_and_list(monkeypatch):
    monkeypatch.setenv("N", "42")
    monkeypatch.setenv("HOSTS", " a.example , b.example ,")
    assert env_int("N", 1) == 42
    assert env_list("HOSTS", []) == ["a.example", "b.example"]
    monkeypatch.setenv("N", "3")
    with pytest.raises(ImproperlyConfigured, match="at least 5"):
        env_int("N", 10, minimum=5)


def test_database_url_forms():
    socket_form = parse_database_url("postgresql://postgres:@/crm?host=/tmp/pg")
    assert (socket_form["NAME"], socket_form["USER"], socket_form["HOST"]) == (
        "crm",
        "postgres",
        "/tmp/pg",
    )
    tcp = parse_database_url("postgres://crm:s%40cret@db.internal:6432/crm_prod?sslmode=require")
    assert tcp["HOST"] == "db.internal"
    assert tcp["PORT"] == "6432"
    assert tcp["PASSWORD"] == "s@cret"
    assert tcp["OPTIONS"] == {"sslmode": "require"}
    with pytest.raises(ImproperlyConfigured, match="must name a database"):
        parse_database_url("postgresql://localhost/")


def test_redis_url_forms():
    assert redis_cache_url("redis://redis:6379/0") == "redis://redis:6379/0"
    assert redis_cache_url("redis+socket:///run/redis.sock") == "unix:///run/redis.sock"
    with pytest.raises(ImproperlyConfigured):
        redis_cache_url("http://redis")


def test_the_web_application_freezes_what_it_loaded_and_collects_garbage_less_often():
    # Python's default (a collection every 700 allocations, each walking everything loaded)
    # cost a web worker 4-7% of its CPU on the bench's pages (crm_site/wsgi.py).
    result = run_django(
        "import gc; import crm_site.wsgi;print(gc.get_threshold(), gc.get_freeze_count() > 10_000)",
        DJANGO_SETTINGS_MODULE="crm_site.settings",
        **PRODUCTION,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.split("\n")[-2] == "(50000, 10, 10) True"
