"""Tools of the bad-input suite (test_bad_input.py): the corpus of hostile values, a
fingerprint of the database to prove a refused request wrote nothing, and the walk of the
URL resolver that finds every view taking a POST."""

from __future__ import annotations

import inspect
from collections.abc import Iterator

from django.apps import apps
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import strategies as st

LONG = "长" * 10_000

# Values that break parsers, databases and templates. Each goes into every field.
CORPUS = [
    "",
    LONG,
    # Wrong types for numbers and dates.
    "abc",
    "2026-13-45",
    "-1",
    "1e309",
    "NaN",
    "Infinity",
    "0x10",
    str(10**30),
    # Unicode edges. PostgreSQL refuses NUL in text: psycopg raises, a classic 500.
    "a\x00b",
    "\u202eevil\u202c a\u200db 😀👨\u200d👩\u200d👧 e\u0301\u0301 王小明",
    "１２３",
    "line\r\nbreak",
    # Injection.
    "' OR 1=1 --<script>alert(1)</script>{{7*7}}{% debug %}",
    '=HYPERLINK("http://x")',
    "../../etc/passwd",
]

# Values that a field's own checks may let through but the layers below may not: the ends
# of the calendar, huge but well-formed numbers, NUL inside normal text. Each goes into one
# field at a time, valid values everywhere else, to reach the services; by the kind of the
# field's valid value.
SHARP_DATES = ["9999-12-31", "0001-01-01"]
SHARP_NUMBERS = ["2147483648", str(10**30)]
SHARP_TEXT = ["a\x00b", LONG]


def sharp_values(valid: str) -> list[str]:
    text = str(valid)
    if text[:4].isdigit() and text[4:5] == "-":
        return [value + text[10:] for value in SHARP_DATES]
    if text.replace(".", "", 1).isdigit():
        return SHARP_NUMBERS
    return SHARP_TEXT


# Random text on top of the corpus.
VALUES = st.one_of(st.sampled_from(CORPUS), st.text(max_size=30))


# --- Database fingerprint -----------------------------------------------------------------------

# Sessions change on signed-in requests (the messages live there); the dashboard keeps the
# activity figures it computed for a few minutes (dashboards/activity.py). Neither is a record.
IGNORED_TABLES = {"django_session", "dashboards_activityfigures"}


def _tables() -> list[str]:
    names = {
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }
    existing = set(connection.introspection.table_names())
    return sorted((names & existing) - IGNORED_TABLES)


def fingerprint(*, allowed: frozenset = frozenset()) -> dict[str, int]:
    """Exact row counts of every table, and the count and last id of the audit events, in
    one query (the statistics in pg_stat_user_tables lag behind; counting is exact).
    `allowed` names tables and audit actions a refusal writes on purpose (a failed log-in
    counted for the lockout, a wrong authenticator code on the audit trail)."""
    tables = [table for table in _tables() if table not in allowed | {"audit_auditevent"}]
    # The table names come from the models, never from input.
    counts = ", ".join(f'(SELECT count(*) FROM "{table}")' for table in tables)  # noqa: S608
    query = f"SELECT {counts}, count(*), max(id) FROM audit_auditevent"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"{query} WHERE NOT (action = ANY(%s))", [sorted(allowed)])
        row = cursor.fetchone()
    result = dict(zip(tables, row[:-2], strict=True))
    result["audit events"], result["last audit event"] = row[-2:]
    return result


# --- Views that take a POST ---------------------------------------------------------------------


def _walk(patterns, prefix="", namespace="") -> Iterator[tuple[str, URLPattern]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry


def _reads_post(function, seen: set) -> bool:
    """Whether the function, or a helper of its module it calls, reads the POST body or
    requires the POST method (require_POST keeps the allowed methods in a closure)."""
    while function is not None and function not in seen:
        seen.add(function)
        for cell in function.__closure__ or ():
            try:
                if cell.cell_contents == ["POST"]:
                    return True
            except ValueError:  # an empty cell
                continue
        try:
            source = inspect.getsource(function)
        except (OSError, TypeError):
            source = ""
        if "request.POST" in source or "request.FILES" in source:
            return True
        module = inspect.getmodule(function)
        code = getattr(function, "__code__", None)
        for name in code.co_names if code else ():
            helper = getattr(module, name, None)
            same_module = inspect.isfunction(helper) and helper.__module__ == function.__module__
            if same_module and _reads_post(helper, seen):
                return True
        function = getattr(function, "__wrapped__", None)
    return False


def post_url_names() -> set[str]:
    """The name of every URL whose view takes a POST, the admin site's own views aside
    (Django's admin is for administrators and tested by Django)."""
    names = set()
    for name, pattern in _walk(get_resolver().url_patterns):
        if name.startswith("admin:"):
            continue
        view = pattern.callback
        view_class = getattr(view, "view_class", None)
        if view_class is not None:
            if hasattr(view_class, "post"):
                names.add(name)
        elif _reads_post(view, set()):
            names.add(name)
    return names
