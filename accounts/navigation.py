"""The main navigation: each entry says which roles see it. Apps add their entries here."""

import functools
from dataclasses import dataclass

from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Role

ALL_ROLES = frozenset(Role)


@dataclass(frozen=True)
class NavEntry:
    label: str
    url_name: str
    roles: frozenset
    icon: str
    # Entries folded under this one's caret (a dropdown): the navbar has no room for more.
    children: tuple = ()


# Eight entries at most on the bar, what a manager, risk officer or admin sees beside the
# language and user buttons at 1280 px; the rest is folded under the entry it belongs to:
# customer groups and screening under Customers, the work on loans after disbursement
# (collections, inspections, write-offs) under Loans, provisions and scorecards under Risk.
# tests/browser/test_navigation_fits.py measures every role's bar in both languages.
NAVIGATION = [
    NavEntry(_("Today"), "today", ALL_ROLES, "calendar-check"),
    NavEntry(_("Dashboard"), "dashboards:dashboard", ALL_ROLES, "speedometer2"),
    NavEntry(
        _("Customers"),
        "customers:list",
        ALL_ROLES,
        "people",
        children=(
            NavEntry(
                _("Groups"),
                "risk:group-list",
                # customers.policies.may_manage_groups (a lower floor cannot import it).
                frozenset({Role.MANAGER, Role.RISK_OFFICER, Role.ADMIN}),
                "diagram-3",
            ),
            NavEntry(
                _("Screening"),
                "customers:screening-queue",
                frozenset({Role.MANAGER, Role.COMPLIANCE, Role.ADMIN}),
                "person-exclamation",
            ),
        ),
    ),
    NavEntry(_("Applications"), "lending:application-list", ALL_ROLES, "file-earmark-text"),
    NavEntry(
        _("Loans"),
        "lending:loan-list",
        ALL_ROLES,
        "cash-stack",
        children=(
            NavEntry(_("Collections"), "lending:collection-queue", ALL_ROLES, "telephone-outbound"),
            # Post-loan inspections: the officers who visit and their managers
            # (lending.policies.may_record_inspection; a lower floor cannot import it).
            NavEntry(
                _("Inspections"),
                "lending:inspection-list",
                frozenset({Role.OFFICER, Role.MANAGER}),
                "clipboard-check",
            ),
            NavEntry(
                _("Write-offs"),
                "lending:write-off-queue",
                # Those who propose or approve write-offs (lending.policies.may_propose_write_off
                # and the approval authority); officers reach a loan's write-off from the loan
                # page.
                frozenset({Role.MANAGER, Role.RISK_OFFICER, Role.ADMIN}),
                "journal-x",
            ),
        ),
    ),
    NavEntry(_("Alerts"), "risk:alert-list", ALL_ROLES, "exclamation-triangle"),
    NavEntry(
        _("Risk"),
        "risk:overview",
        frozenset({Role.MANAGER, Role.RISK_OFFICER, Role.ADMIN}),
        "shield-exclamation",
        children=(
            NavEntry(
                _("Provisions"),
                "risk:provisions",
                # risk.policies.may_see_provisions (a lower floor cannot import it).
                frozenset({Role.MANAGER, Role.RISK_OFFICER, Role.ADMIN}),
                "piggy-bank",
            ),
            NavEntry(
                _("Scorecards"),
                "credit:scorecard-list",
                frozenset({Role.RISK_OFFICER, Role.ADMIN}),
                "graph-up",
            ),
        ),
    ),
    NavEntry(
        _("Administration"), "admin:index", frozenset({Role.RISK_OFFICER, Role.ADMIN}), "gear"
    ),
]


def url_without_arguments(url_name: str) -> str:
    """`reverse(url_name)` for a URL that takes no arguments, kept per URLconf and script
    prefix, its only other inputs: every signed-in page reversed a dozen of them (the navbar
    and the layout's links) on every request."""
    return _reversed(url_name, get_urlconf(settings.ROOT_URLCONF), get_script_prefix())


@functools.cache
def _reversed(url_name: str, urlconf: str, script_prefix: str) -> str:
    return reverse(url_name, urlconf=urlconf)


def _entries(role, is_staff: bool, current_path: str, navigation) -> list[dict]:
    entries = []
    for entry in navigation:
        if role not in entry.roles or (entry.url_name.startswith("admin:") and not is_staff):
            continue
        try:
            url = url_without_arguments(entry.url_name)
        except NoReverseMatch:
            # An app that is not installed contributes no entry.
            continue
        children = _entries(role, is_staff, current_path, entry.children)
        current = current_path.startswith(url)
        entries.append(
            {
                "label": entry.label,
                "url": url,
                "icon": entry.icon,
                # Highlighted when its page or a page folded under it is open.
                "active": current or any(child["active"] for child in children),
                "current": current,
                "children": children,
            }
        )
    return entries


def navigation_for(user, current_path: str) -> list[dict]:
    if not user.is_authenticated:
        return []
    return _entries(user.role, user.is_staff, current_path, NAVIGATION)
