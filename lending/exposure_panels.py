"""The exposure panel of the customer 360 and the application page: the customer's facilities
with their utilisation, their group, and their exposure against every limit that applies
(the concentration limits against tier-1 capital, the group limit 集团统一授信).

Reuses the selectors: lending.facilities.customer_totals, lending.concentration.uses_of,
lending.group_limits.group_limit_use."""

from __future__ import annotations

from decimal import Decimal

from customers import panels
from customers.selectors import group_membership_of
from lending import concentration, facilities
from lending.group_limits import group_limit_use

_UNREAD = object()


def exposure_picture(
    customer,
    *,
    added: Decimal = concentration.ZERO,
    totals=_UNREAD,
    membership=_UNREAD,
) -> dict:
    """What the panel shows, with `added` (an application's own amount) on top of the stored
    exposures. Three queries (the facilities' totals, the group membership, the capital in
    force), less the ones a caller has read already (`totals`: the live facilities' figures
    or None; `membership`: the group membership or None); with a capital figure two more
    (the limits, the stored exposure), and for a member of a group two more (the group's
    live facility limits, its stored exposure)."""
    if totals is _UNREAD:
        totals = facilities.customer_totals([customer.pk]).get(customer.pk)
    if membership is _UNREAD:
        membership = group_membership_of(customer)
    group_use = group_limit_use(membership.group) if membership is not None else None
    return {
        "facility_totals": totals,
        "group": membership.group if membership is not None else None,
        "group_use": group_use,
        "uses": concentration.uses_of(customer, added=added, membership=membership),
        "added": added,
    }


def exposure_panel(customer, user) -> tuple[str, dict]:
    """The 360's panel (the page has already checked that the user sees the customer). The
    facilities and the group membership are the ones the facilities and related-party panels
    show, read once for the page."""
    return "lending/exposure_panel.html", exposure_picture(
        customer,
        totals=facilities.live_totals(panels.shared(customer, facilities.facilities_of)),
        membership=panels.shared(customer, group_membership_of),
    )
