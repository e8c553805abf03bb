"""The dashboard's concentration card: the ten largest single and group exposures in the
scope against their concentration limits (lending.concentration), as bars with the limit's
line and as a list with the share of the limit each uses.

Read from the stored exposures the nightly keeps (lending_customerexposure, its index on the
exposure, and for an officer or a branch its index on their copy of the customer's scope: the
scope's ten largest are the index's first ten rows; a group's members carry the same copy):
three queries whatever the size of the
book (the limits in force, the customers, the groups), one more when a capital figure is
configured (the limits' shares)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.translation import gettext as _

from core import charts
from core.numbers import format_money
from customers.models import CustomerGroupMember
from lending import concentration
from lending.exposure_models import CustomerExposure, GroupExposure, LimitKind

TOP = 10


def _rows(items, limit, url_name) -> list[dict]:
    return [
        {
            "label": label,
            "value": exposure,
            "url": reverse(url_name, args=[pk]),
            "limit": limit.amount if limit else None,
            "share": exposure / limit.amount if limit and limit.amount else None,
            "breached": bool(limit) and exposure > limit.amount,
            "warned": bool(limit) and exposure >= limit.warning_amount,
        }
        for pk, label, exposure in items
    ]


def _chart(rows: list[dict], limit, *, name: str, label: str) -> dict | None:
    chart = charts.bars_chart(
        rows, name=name, unit=charts.MONEY, value_title=_("Exposure (¥)"), horizontal=True
    )
    if chart is None:
        return None
    chart["label"] = label
    if limit is not None:
        chart["limit_line"] = str(limit.amount)
        chart["limit_label"] = _("Limit %(amount)s") % {"amount": format_money(limit.amount)}
    return chart


def largest_exposures(scope) -> dict:
    """The card's context for the dashboard's scope (dashboards.selectors.Scope): a manager's
    branch, a head-office user's bank. A group is shown when one of its members is in the
    scope (as the group page is), with the whole group's exposure."""
    applying = concentration.limits()
    single_limit = applying.get(LimitKind.SINGLE_CUSTOMER)
    group_limit = applying.get(LimitKind.GROUP)
    customers = [
        (row.customer_id, row.customer.name, row.exposure)
        for row in scope.related(CustomerExposure.objects.select_related("customer"))
        .filter(exposure__gt=0)
        .order_by("-exposure", "customer_id")[:TOP]
    ]
    groups = GroupExposure.objects.select_related("group").filter(exposure__gt=0)
    if not (scope.user.sees_all_branches and not scope.branch):
        members_in_scope = scope.related(
            CustomerGroupMember.objects.filter(group_id=OuterRef("group_id"))
        )
        groups = groups.filter(Exists(members_in_scope))
    group_rows = [
        (row.group_id, row.group.name, row.exposure)
        for row in groups.order_by("-exposure", "group_id")[:TOP]
    ]
    singles = _rows(customers, single_limit, "customers:detail")
    grouped = _rows(group_rows, group_limit, "risk:group-detail")
    return {
        "concentration_capital_set": bool(applying),
        "largest_singles": singles,
        "largest_groups": grouped,
        "chart_largest_singles": _chart(
            singles,
            single_limit,
            name=_("Exposure"),
            label=_("The ten largest single exposures against the single-customer limit"),
        ),
        "chart_largest_groups": _chart(
            grouped,
            group_limit,
            name=_("Exposure"),
            label=_("The ten largest group exposures against the group limit"),
        ),
    }
