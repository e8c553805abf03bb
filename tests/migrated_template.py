"""The migrated database every test database is copied from.

Migrating a database from nothing runs a hundred migrations and their data (about a minute of
one core); every test process did it for its own test database, on every run. Instead the
migrations run once into a template database on the test server, named after a hash of the
code the migrations run (the apps' Python, SQL and JSON files and Django's version): each test
process's database is then a copy of it (`CREATE DATABASE … TEMPLATE`, under a second), and
Django's migrate on the copy finds nothing left to do. Any change to that code names another
template, built afresh, and the stale ones are dropped; a template is only ever renamed into
place once its migrate has finished, so an interrupted build is never copied."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import django
import psycopg
from psycopg import sql

BASE_DIR = Path(__file__).resolve().parent.parent
# Everything a migration may run: the apps (their migrations import their own modules and
# data files) and the project's wiring.
MIGRATED_CODE = [
    "crm_site",
    "core",
    "audit",
    "accounts",
    "customers",
    "credit",
    "lending",
    "risk",
    "dashboards",
]
SUFFIXES = {".py", ".sql", ".json"}
# One test process builds while the others wait (pg_advisory_lock takes any bigint).
BUILD_LOCK = 7_352_614_001


def code_hash() -> str:
    digest = hashlib.sha256(django.get_version().encode())
    for folder in MIGRATED_CODE:
        for path in sorted((BASE_DIR / folder).rglob("*")):
            if path.suffix in SUFFIXES and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(BASE_DIR)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _url_for(database_url: str, name: str) -> str:
    parts = urlsplit(database_url)
    return urlunsplit(parts._replace(path="/" + quote(name)))


def _exists(server: psycopg.Connection, name: str) -> bool:
    found = server.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    return found is not None


def ensure_template(database_url: str, base_name: str) -> str:
    """The name of the migrated template of today's code, built first if there is none."""
    prefix = f"test_{base_name}_template_"
    name = prefix + code_hash()
    with psycopg.connect(_url_for(database_url, "postgres"), autocommit=True) as server:
        server.execute("SELECT pg_advisory_lock(%s)", [BUILD_LOCK])
        try:
            if not _exists(server, name):
                _drop_stale_templates(server, prefix)
                _build(server, database_url, name)
        finally:
            server.execute("SELECT pg_advisory_unlock(%s)", [BUILD_LOCK])
    return name


def _drop_stale_templates(server: psycopg.Connection, prefix: str) -> None:
    stale = server.execute(
        "SELECT datname FROM pg_database WHERE starts_with(datname, %s)", [prefix]
    ).fetchall()
    for (stale_name,) in stale:
        server.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(stale_name))
        )


def _build(server: psycopg.Connection, database_url: str, name: str) -> None:
    building = f"{name}_building"
    server.execute(
        sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(building))
    )
    server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(building)))
    env = {**os.environ, "DATABASE_URL": _url_for(database_url, building)}
    # The build's hundreds of commits need not each wait for the disk (a third of the build's
    # time): the rename below commits synchronously, which flushes everything before it, and an
    # interrupted build is dropped, never copied.
    env["PGOPTIONS"] = f"{env.get('PGOPTIONS', '')} -c synchronous_commit=off".strip()
    # The template is the primary's alone; a replica's tests mirror the test database.
    env.pop("DATABASE_REPLICA_URL", None)
    migrated = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    if migrated.returncode != 0:
        server.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(building))
        )
        raise RuntimeError(
            f"Migrating the template test database failed:\n{migrated.stdout}{migrated.stderr}"
        )
    server.execute(
        sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
            sql.Identifier(building), sql.Identifier(name)
        )
    )
