"""Demo credit facilities for `seed_demo` (lending.demo): a few customers of each branch, and
every member of the demo group (customers.relation_demo), get a facility proposed by their
officer, approved by the branch's manager and activated, before the demo book lends to them,
so that their applications and loans draw on it. One has a product sublimit, one is one-off,
one's annual review is overdue (the early-warning rule "facility_review_overdue" finds it on
the demo's nightly) and, once the book is lent, one with a loan is frozen by its officer.

Idempotent: a customer with a facility gets no other, and the freeze is made once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Role, User
from core.business_date import business_date
from customers.models import Customer, CustomerKind
from customers.relation_demo import DEMO_GROUP
from lending import facilities
from lending.facility_models import CreditFacility, FacilityKind, FacilityStatus
from lending.models import LoanProduct
from lending.services import facilities as facility_services

# How many customers outside the demo group get a facility.
OTHERS = 6
LIMITS = {
    CustomerKind.INDIVIDUAL: Decimal("3000000.00"),
    CustomerKind.ENTERPRISE: Decimal("25000000.00"),
}
# The demo group's limit (20 million) holds its three members' facilities together.
GROUP_MEMBER_LIMIT = Decimal("6000000.00")
# The product whose sublimit the first facility of each kind of customer carries.
SUBLIMIT_PRODUCT = {CustomerKind.INDIVIDUAL: "CONS-01", CustomerKind.ENTERPRISE: "WC-01"}
# The loans of the demo book go back about three years: the facilities started before them.
STARTED_DAYS_AGO = 3 * 365
# The overdue review: due this many days before the business date.
REVIEW_OVERDUE_DAYS = 48


def _manager(customer) -> User | None:
    return (
        User.objects.filter(role=Role.MANAGER, branch=customer.branch_id, is_active=True)
        .order_by("username")
        .first()
    )


def _candidates() -> list[Customer]:
    """The demo group's members, then the first assessed customers of each branch that have
    no application and no facility yet (credit.demo assessed them, lending.demo lends next)."""
    members = list(
        Customer.objects.filter(
            group_membership__group__name=DEMO_GROUP, facilities__isnull=True
        ).order_by("id")
    )
    if CreditFacility.objects.filter(customer__group_membership__isnull=True).exists():
        # Made on an earlier run: a customer the book found no product for stays without.
        return members
    others = list(
        Customer.objects.filter(
            assessments__isnull=False,
            applications__isnull=True,
            facilities__isnull=True,
            group_membership__isnull=True,
        )
        .distinct()
        .order_by("id")[: OTHERS * 2]
    )
    # Alternate the branches, so each has a few.
    by_branch: dict[int, list[Customer]] = {}
    for customer in others:
        by_branch.setdefault(customer.branch_id, []).append(customer)
    mixed = [customer for pair in zip(*by_branch.values(), strict=False) for customer in pair]
    return members + mixed[:OTHERS]


def seed_facilities() -> int:
    """The facilities, proposed, approved and activated; how many were made this run."""
    today = business_date()
    made = 0
    sublimited: set[str] = set(
        CreditFacility.objects.filter(sublimits__isnull=False).values_list(
            "customer__kind", flat=True
        )
    )
    review_overdue = CreditFacility.objects.filter(review_date__lt=today).exists()
    one_off = CreditFacility.objects.filter(kind=FacilityKind.ONE_OFF).exists()
    for customer in _candidates():
        manager = _manager(customer)
        if manager is None or customer.officer is None:
            continue
        in_group = hasattr(customer, "group_membership")
        limit = GROUP_MEMBER_LIMIT if in_group else LIMITS[customer.kind]
        start = today - dt.timedelta(days=STARTED_DAYS_AGO)
        review = today + dt.timedelta(days=30 + 37 * made % 300)
        if not review_overdue and not in_group:
            review = today - dt.timedelta(days=REVIEW_OVERDUE_DAYS)
        kind = FacilityKind.REVOLVING
        if not one_off and not in_group and review >= today:
            kind = FacilityKind.ONE_OFF
        sublimits = []
        if customer.kind not in sublimited:
            product = LoanProduct.objects.get(code=SUBLIMIT_PRODUCT[customer.kind])
            sublimits = [(product, (limit / 2).quantize(Decimal("0.01")))]
        try:
            with transaction.atomic():
                facility = facility_services.facility_propose(
                    actor=customer.officer,
                    facility=CreditFacility(
                        customer=customer,
                        kind=kind,
                        limit=limit,
                        start_date=start,
                        expiry_date=today + dt.timedelta(days=365),
                        review_date=review,
                        reason="年度综合授信" if kind == FacilityKind.REVOLVING else "专项授信",
                    ),
                    sublimits=sublimits,
                )
                facility_services.facility_approve(
                    actor=manager, facility=facility, note="经营稳定，同意授信"
                )
                facility_services.facility_activate(actor=customer.officer, facility=facility)
        except ValidationError:
            # A limit the demo's group or concentration limits refuse: no facility for them.
            continue
        made += 1
        if sublimits:
            sublimited.add(customer.kind)
        review_overdue = review_overdue or review < today
        one_off = one_off or kind == FacilityKind.ONE_OFF
    return made


def facility_to_draw(customer, product, amount: Decimal) -> CreditFacility | None:
    """The customer's active facility when it can lend `amount` of `product` (its available
    amount, and its sublimit for the product), else None: the application then draws on
    none."""
    facility = facilities.active_facilities_of(customer).order_by("id").first()
    if facility is None:
        return None
    if amount > facilities.figures_of(facility).available:
        return None
    sublimit = facility.sublimits.filter(product=product).first()
    if sublimit is not None:
        drawn = facilities.product_utilisation(facility, product.pk)
        if amount > sublimit.limit - drawn:
            return None
    return facility


def freeze_one() -> str:
    """Once the book is lent: the officer of an active facility with a loan on it freezes it
    (a lawsuit reported), so the demo shows a freeze waiting for a manager to lift it."""
    if CreditFacility.objects.filter(status=FacilityStatus.FROZEN).exists():
        return ""
    facility = (
        CreditFacility.objects.filter(status=FacilityStatus.ACTIVE, loans__isnull=False)
        .select_related("customer__officer")
        .order_by("id")
        .first()
    )
    if facility is None or facility.customer.officer is None:
        return ""
    facility_services.facility_freeze(
        actor=facility.customer.officer, facility=facility, reason="客户涉诉，暂停用信"
    )
    return facility.reference
