"""Sections other apps add to the customer 360 and Today pages, without customers
depending on them.

An app registers a function `panel(customer, user) -> (template_name, context)` from its
AppConfig.ready(); the 360 page renders each in registration order.
"""

from collections.abc import Callable
from typing import TypeVar

Read = TypeVar("Read")

PANELS: list[Callable] = []
# The same for the Today page: `panel(user) -> (template_name, context)`.
TODAY_PANELS: list[Callable] = []


def register(panel: Callable) -> Callable:
    if panel not in PANELS:
        PANELS.append(panel)
    return panel


def register_today(panel: Callable) -> Callable:
    if panel not in TODAY_PANELS:
        TODAY_PANELS.append(panel)
    return panel


# Rows the panels show that most customers have none of (lending's credit facilities): an app
# registers `rows() -> Exists` (over the customer, OuterRef("pk")) by name, and the 360 asks
# whether each has rows with the customer's own row (customers.selectors.customer_360_get_for),
# so that a panel reads nothing for a customer known to have none (has_no_rows).
SPARSE_ROWS: dict[str, Callable] = {}


def register_sparse_rows(name: str, rows: Callable) -> None:
    SPARSE_ROWS[name] = rows


def has_no_rows(customer, rows: str) -> bool:
    """Whether the customer was read knowing they have no `rows` (a name of SPARSE_ROWS or of
    customers.selectors.SPARSE_SECTIONS); False when it was not asked."""
    return rows in getattr(customer, "sections_without_rows", ())


def render_context(customer, user) -> list[tuple[str, dict]]:
    return [panel(customer, user) for panel in PANELS]


def shared(customer, read: Callable[[object], Read]) -> Read:
    """`read(customer)`, read once for all the panels of one page: several panels show the
    same rows (the facilities panel and the exposure panel the customer's facilities, the
    exposure and related-party panels their group membership). Kept on the customer instance
    the page renders, so it lives as long as the request, keyed by the reading function."""
    read_already = customer.__dict__.setdefault("_panels_shared", {})
    if read not in read_already:
        read_already[read] = read(customer)
    return read_already[read]


def render_today(user) -> list[tuple[str, dict]]:
    return [panel(user) for panel in TODAY_PANELS]


# Entries other apps put on the 360's timeline beside the interactions (lending's payment
# reminders): `entries(customer) -> list` of objects with `timeline_at` (an aware datetime)
# and `timeline_template` (rendered with the object as `entry`).
TIMELINE_ENTRIES: list[Callable] = []


def register_timeline(entries: Callable) -> Callable:
    if entries not in TIMELINE_ENTRIES:
        TIMELINE_ENTRIES.append(entries)
    return entries


def timeline(customer, interactions: list) -> list:
    """The interactions and the other apps' entries, newest first."""
    entries = [entry for provider in TIMELINE_ENTRIES for entry in provider(customer)]
    if not entries:
        return interactions
    return sorted(
        [*interactions, *entries],
        key=lambda entry: getattr(entry, "timeline_at", None) or entry.occurred_at,
        reverse=True,
    )
