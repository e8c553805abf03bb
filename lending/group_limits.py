"""The group limit (集团统一授信): the sum of a customer group's members' live credit facility
limits may not pass the group's limit.

The group and its members are customers' data (customers/relations.py); the facilities are
lending's, so the check lives here. The facility approval calls `group_limit_check` inside its
transaction before it makes a limit live; the group row is locked, so two approvals for
members of one group at the same moment are counted one after the other.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils.translation import gettext as _

from core.business_date import business_date
from core.numbers import format_money
from customers.relations import CustomerGroup, CustomerGroupMember
from lending.facility_models import LIVE_STATUSES, CreditFacility


@dataclass(frozen=True)
class GroupLimitUse:
    group_limit: Decimal
    # The live facility limits of every member, seen or not by the reader.
    facility_limits: Decimal

    @property
    def available(self) -> Decimal:
        return self.group_limit - self.facility_limits


def _live_limits(group: CustomerGroup, on: dt.date, *, excluding=None) -> Decimal:
    facilities = CreditFacility.objects.filter(
        customer__group_membership__group=group,
        status__in=LIVE_STATUSES,
        expiry_date__gte=on,
    )
    if excluding is not None:
        facilities = facilities.exclude(pk=excluding)
    return facilities.aggregate(total=Sum("limit"))["total"] or Decimal("0.00")


def group_limit_use(group: CustomerGroup, on: dt.date | None = None) -> GroupLimitUse:
    """The group's limit and what its members' live facilities take of it."""
    return GroupLimitUse(group.group_limit, _live_limits(group, on or business_date()))


def group_limit_check(*, facility: CreditFacility, on: dt.date | None = None) -> None:
    """Refuses (ValidationError on `limit`) to make `facility` live when its limit and the
    other live limits of its customer's group would pass the group limit. A customer in no
    group passes. Call it inside the approving transaction."""
    membership = CustomerGroupMember.objects.filter(customer_id=facility.customer_id).first()
    if membership is None:
        return
    group = CustomerGroup.objects.select_for_update().get(pk=membership.group_id)
    others = _live_limits(group, on or business_date(), excluding=facility.pk)
    if others + facility.limit > group.group_limit:
        raise ValidationError(
            {
                "limit": _(
                    "The group %(group)s has a group limit of %(group_limit)s; its members' "
                    "other facilities take %(used)s, so at most %(available)s is left."
                )
                % {
                    "group": group.name,
                    "group_limit": format_money(group.group_limit),
                    "used": format_money(others),
                    "available": format_money(max(group.group_limit - others, Decimal("0.00"))),
                }
            },
            code="group_limit",
        )
