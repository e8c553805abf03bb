"""What a credit facility has lent and what it still may lend: the figures the facility pages
show, the drawing checks of the application pipeline, and the concentration limits read.

Utilisation = the loans drawn on the facility (their outstanding principal; for a one-off
facility the principal disbursed, since what it repays is not lent again) + the applications
approved on it and not disbursed yet (their approved amount). Available = max(limit −
utilisation, 0). A sublimit is the same sum over one product's drawings.

Every figure is computed in the database, by facility, in one statement per queryset: the
same expressions serve one facility, one customer's facilities and a range of customers.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Case,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest

from accounts.models import User
from accounts.scope import get_in_scope_or_404
from core.business_date import business_date
from customers import panels
from lending.facility_models import (
    LIVE_STATUSES,
    CreditFacility,
    FacilityKind,
    FacilityLimitChange,
    FacilitySublimit,
)
from lending.models import Application, ApplicationStatus, Instalment, Loan

ZERO = Decimal("0.00")
MONEY_FIELD = DecimalField(max_digits=18, decimal_places=2)


@dataclass(frozen=True)
class FacilityFigures:
    limit: Decimal
    utilisation: Decimal
    available: Decimal


def _sum_subquery(queryset: QuerySet, field: str) -> Coalesce:
    """The sum of `field` over the rows of `queryset` (correlated to the outer facility)."""
    total = queryset.order_by().values("facility").annotate(total=Sum(field)).values("total")
    return Coalesce(
        Subquery(total, output_field=MONEY_FIELD), Value(ZERO), output_field=MONEY_FIELD
    )


def utilisation_expression(product=None) -> Case:
    """The facility's utilisation as an expression over CreditFacility rows; with `product`,
    only that product's drawings (what its sublimit holds)."""
    product_filter = Q(product=product) if product is not None else Q()
    loans = Loan.objects.filter(product_filter, facility=OuterRef("pk"))
    approved = Application.objects.filter(
        product_filter, facility=OuterRef("pk"), status=ApplicationStatus.APPROVED
    )
    pending = _sum_subquery(approved, "approved_amount")
    return Case(
        When(kind=FacilityKind.ONE_OFF, then=_sum_subquery(loans, "principal") + pending),
        default=_sum_subquery(loans, "outstanding_principal") + pending,
        output_field=MONEY_FIELD,
    )


def with_figures(queryset: QuerySet[CreditFacility]) -> QuerySet[CreditFacility]:
    """Annotates `utilisation` and `available` on each facility."""
    return queryset.annotate(utilisation=utilisation_expression()).annotate(
        available=Greatest(F("limit") - F("utilisation"), Value(ZERO), output_field=MONEY_FIELD)
    )


def figures_of(facility: CreditFacility) -> FacilityFigures:
    """One facility's figures, read now (one query)."""
    row = with_figures(CreditFacility.objects.filter(pk=facility.pk)).values(
        "limit", "utilisation", "available"
    )[0]
    return FacilityFigures(**row)


def product_utilisation(facility: CreditFacility, product) -> Decimal:
    """What `product` has drawn on the facility (for its sublimit; one query)."""
    return (
        CreditFacility.objects.filter(pk=facility.pk)
        .annotate(drawn=utilisation_expression(product))
        .values_list("drawn", flat=True)[0]
    )


def has_facilities() -> Exists:
    """Whether the customer (the outer query's row) has a facility: most have none, and the
    360 asks it with the customer's row (customers.panels.register_sparse_rows)."""
    return Exists(CreditFacility.objects.filter(customer=OuterRef("pk")))


def facilities_of(customer) -> list[CreditFacility]:
    """The customer's facilities, newest first, each with its figures (one query; none for a
    customer read knowing they have none). What is available is worked out from each row's
    utilisation here: annotated, it made the ORM compile the utilisation's subqueries a
    second time on every customer 360."""
    if panels.has_no_rows(customer, "facilities"):
        return []
    listed = list(
        CreditFacility.objects.filter(customer=customer).annotate(
            utilisation=utilisation_expression()
        )
    )
    for facility in listed:
        facility.available = max(facility.limit - facility.utilisation, ZERO)
    return listed


def active_facilities_of(customer) -> QuerySet[CreditFacility]:
    """The facilities an application of the customer may draw on (before the business
    date's expiry check, which the drawing check makes)."""
    return CreditFacility.objects.filter(customer=customer, status="active")


def customer_totals(customer_ids) -> dict[int, FacilityFigures]:
    """Set-based, for the concentration limits: per customer of `customer_ids` (any iterable
    or a queryset of ids), the sum of the limits, utilisation and available amounts of their
    live facilities (approved, active or frozen, and not past their expiry on the business
    date; expired and closed ones lend no more, and the loans drawn on them are the
    customer's exposure through the loan book). One query."""
    rows = (
        with_figures(
            CreditFacility.objects.filter(
                customer_id__in=customer_ids,
                status__in=LIVE_STATUSES,
                expiry_date__gte=business_date(),
            )
        )
        .order_by()
        .values("customer_id")
        .annotate(
            total_limit=Sum("limit"),
            total_utilisation=Sum("utilisation"),
            total_available=Sum("available"),
        )
    )
    return {
        row["customer_id"]: FacilityFigures(
            limit=row["total_limit"],
            utilisation=row["total_utilisation"],
            available=row["total_available"],
        )
        for row in rows
    }


def live_totals(listed: list[CreditFacility]) -> FacilityFigures | None:
    """customer_totals for one customer, from their facilities already read with their
    figures (facilities_of): the same sums over the live ones, None without any. No query."""
    on = business_date()
    live = [f for f in listed if f.status in LIVE_STATUSES and f.expiry_date >= on]
    if not live:
        return None
    return FacilityFigures(
        limit=sum((f.limit for f in live), ZERO),
        utilisation=sum((f.utilisation for f in live), ZERO),
        available=sum((f.available for f in live), ZERO),
    )


def customer_range_totals(first: int, last: int) -> dict[int, FacilityFigures]:
    """customer_totals for the customers with ids from `first` to `last` (a chunk)."""
    return customer_totals(
        CreditFacility.objects.filter(customer_id__range=(first, last)).values("customer_id")
    )


FACILITY_SCOPE = {"officer_field": "customer__officer", "branch_field": "customer__branch"}


def facility_get_for(user: User, pk) -> CreditFacility:
    """The facility if the user sees its customer, else a 404; with its figures."""
    return get_in_scope_or_404(
        user,
        with_figures(
            CreditFacility.objects.select_related(
                "customer", "customer__officer", "proposed_by", "approved_by", "frozen_by"
            )
        ),
        pk=pk,
        **FACILITY_SCOPE,
    )


def limit_change_get_for(user: User, facility_pk, pk) -> FacilityLimitChange:
    return get_in_scope_or_404(
        user,
        FacilityLimitChange.objects.select_related("facility", "facility__customer"),
        facility_id=facility_pk,
        pk=pk,
        officer_field="facility__customer__officer",
        branch_field="facility__customer__branch",
    )


def sublimits_with_figures(facility: CreditFacility) -> list[FacilitySublimit]:
    """The facility's sublimits, each with what its product has drawn (`utilisation`) and
    may still draw (`available`); one query."""
    drawn = (
        CreditFacility.objects.filter(pk=OuterRef("facility_id"))
        .annotate(drawn=utilisation_expression(OuterRef(OuterRef("product_id"))))
        .values("drawn")
    )
    return list(
        FacilitySublimit.objects.filter(facility=facility)
        .select_related("product")
        .annotate(utilisation=Subquery(drawn, output_field=MONEY_FIELD))
        .annotate(
            available=Greatest(F("limit") - F("utilisation"), Value(ZERO), output_field=MONEY_FIELD)
        )
    )


# How much a good customer's limit may grow, by grade, when their repayment record is clean
# (no instalment of theirs ever paid late or left unpaid past its date).
RAISE_BY_GRADE = {
    "AAA": Decimal("0.30"),
    "AA": Decimal("0.30"),
    "A": Decimal("0.20"),
    "BBB": Decimal("0.10"),
}
RAISE_ROUNDED_TO = Decimal("10000")


def late_instalments(customer) -> int:
    """The customer's instalments paid after their date or unpaid past it (one query)."""
    return (
        Instalment.objects.filter(loan__customer=customer, superseded=False)
        .filter(
            Q(settled_on__gt=F("due_date"))
            | Q(settled_on__isnull=True, due_date__lt=business_date())
        )
        .count()
    )


def suggested_limit(facility: CreditFacility) -> Decimal | None:
    """The raise to propose for the facility, from the customer's grade and repayment record:
    the limit grown by the grade's share, rounded up to ten thousand yuan; None when the
    grade or the record does not support a raise."""
    share = RAISE_BY_GRADE.get(facility.customer.grade)
    if share is None:
        return None
    if late_instalments(facility.customer):
        return None
    raised = facility.limit * (1 + share)
    steps = -(-raised // RAISE_ROUNDED_TO)
    return (steps * RAISE_ROUNDED_TO).quantize(Decimal("0.01"))


def drawn_facility(application) -> CreditFacility | None:
    """The facility an application draws on, with its figures; None (and no query) when it
    draws on none."""
    if application.facility_id is None:
        return None
    return with_figures(CreditFacility.objects.filter(pk=application.facility_id)).first()
