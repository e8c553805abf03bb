"""Every URL pattern of the project, with placeholder arguments, for tests that sweep them all."""

import re

from django.urls import URLPattern, URLResolver, get_resolver

# Placeholder values by converter; a view receiving them for a missing object answers 404.
PLACEHOLDERS = {
    "int": "999999",
    "str": "missing",
    "slug": "missing",
    "uuid": "00000000-0000-0000-0000-000000000000",
    "path": "missing",
}


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def _to_path(route: str) -> str:
    """Turns a route (`path()` syntax or an admin regex) into a concrete path."""
    route = re.sub(r"<(?:(\w+):)?\w+>", lambda m: PLACEHOLDERS.get(m.group(1) or "str", "x"), route)
    # Admin's regex routes: drop anchors and fill named groups.
    route = re.sub(r"\(\?P<\w+>[^)]*\)", "1", route)
    route = route.replace("^", "").replace("$", "").replace("\\Z", "").replace("\\", "")
    return "/" + route


def all_paths() -> list[tuple[str, str]]:
    """(path, view name) for every pattern in the project."""
    seen = {}
    for route, pattern in _walk(get_resolver().url_patterns):
        path = _to_path(route)
        seen.setdefault(path, pattern.lookup_str)
    return sorted(seen.items())
