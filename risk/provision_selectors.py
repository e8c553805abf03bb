"""Reads of the provisions, scoped as the loans are: an officer's customers, a manager's
branch, head office all of them (accounts.scope). The undrawn facilities with no loan drawn
(risk.facility_provisions) are scoped by their customer too and shown beside the loans."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet, Sum

from accounts.scope import scope_queryset
from lending.loan_quality import NON_PERFORMING_FROM
from risk import provisioning
from risk.provision_models import FacilityProvision, LoanProvision, ProvisionRun

# The provisions' own copies of their loan's or customer's officer and branch
# (risk.provision_scope), indexed with the sums the cards read.
OWN_SCOPE = {"officer_field": "customer_officer", "branch_field": "customer_branch"}
# The dimensions the page totals by, each with the column it groups on.
DIMENSIONS = {
    "stage": "stage",
    "class": "loan_class",
    "product": "loan__product",
    "branch": "customer__branch",
}


def provisions_for(user, branch=None) -> QuerySet[LoanProvision]:
    """The provisions of the active loans in the user's scope (and the branch, if given). A
    branch's or an officer's are one range of the index on the provisions' own copy of their
    loan's branch or officer, which holds the active loans' only and the columns the cards sum:
    gathering the scope's active loans and then each one's provision by key cost a probe per
    loan (a tenth of a second for a branch at a million loans)."""
    provisions = scope_queryset(user, LoanProvision.objects.filter(loan_active=True), **OWN_SCOPE)
    if branch is not None:
        provisions = provisions.filter(customer_branch=branch)
    return provisions


def facility_provisions_for(user, branch=None) -> QuerySet[FacilityProvision]:
    """The undrawn facilities' provisions in the user's scope (and the branch, if given), from
    the index on the provisions' own copy of their customer's officer and branch."""
    provisions = scope_queryset(user, FacilityProvision.objects.all(), **OWN_SCOPE)
    if branch is not None:
        provisions = provisions.filter(customer_branch=branch)
    return provisions


def facility_totals(user, branch=None) -> dict:
    """The user's undrawn facilities by stage and in total (one grouped query)."""
    scoped = facility_provisions_for(user, branch)
    by_stage = list(
        scoped.order_by()
        .values("stage")
        .annotate(
            facilities=Count("pk"),
            total_undrawn=Sum("undrawn"),
            total_ead=Sum("ead"),
            total_ecl=Sum("ecl"),
        )
        .order_by("stage")
    )
    totals = {
        key: sum((row[key] for row in by_stage), Decimal("0.00"))
        for key in ("total_undrawn", "total_ead", "total_ecl")
    }
    totals["facilities"] = sum(row["facilities"] for row in by_stage)
    return {"by_stage": by_stage, **totals}


def provision_filter(queryset: QuerySet[LoanProvision], filters: dict) -> QuerySet:
    """Narrows to one key of each dimension given (the drill-down's links)."""
    for dimension, column in DIMENSIONS.items():
        if filters.get(dimension) is not None:
            queryset = queryset.filter(**{column: filters[dimension]})
    return queryset


def provision_totals(user) -> dict:
    """The user's book: totals (one query) and by each dimension (one query each)."""
    scoped = provisions_for(user)
    # Named apart from the model's fields, which an aggregate may not shadow.
    sums = {
        "loans": Count("pk"),
        "total_balance": Sum("balance"),
        "total_ecl": Sum("ecl"),
        "total_reserve": Sum(F("general_reserve") + F("specific_reserve")),
    }
    totals = scoped.aggregate(
        **{key: value for key, value in sums.items() if key != "loans"},
        non_performing=Sum("balance", filter=_npl()),
    )
    totals = {key: value or Decimal("0.00") for key, value in totals.items()}
    labels = {
        "product": "loan__product__name",
        "branch": "customer__branch__name",
    }
    by = {}
    for dimension, column in DIMENSIONS.items():
        fields = [column] + ([labels[dimension]] if dimension in labels else [])
        by[dimension] = list(scoped.order_by().values(*fields).annotate(**sums).order_by(column))
        for row in by[dimension]:
            row["key"] = row[column]
            row["label"] = row.get(labels.get(dimension, ""), None)
    totals["coverage"] = provisioning.coverage_ratio(
        totals["total_reserve"], totals["non_performing"]
    )
    totals["provision_rate"] = provisioning.provision_rate(
        totals["total_reserve"], totals["total_balance"]
    )
    facilities = facility_totals(user)
    totals["ecl_with_facilities"] = totals["total_ecl"] + facilities["total_ecl"]
    return {"totals": totals, "by": by, "facilities": facilities}


def _npl() -> Q:
    return Q(loan_class__gte=NON_PERFORMING_FROM)


def runs() -> list[ProvisionRun]:
    return list(ProvisionRun.objects.select_related("run_by").prefetch_related("movements")[:24])


def provision_summary(user, branch=None) -> dict:
    """The dashboard's cards in two queries: reserves, coverage and provision rate, and the ECL
    of each stage (the loans' and the undrawn facilities', of which `facility_ecl`), over the
    user's scope (narrowed to one branch when the filter names one)."""
    scoped = provisions_for(user, branch)
    stage_sums = {
        f"stage_{stage}": Sum("ecl", filter=Q(stage=stage)) for stage in provisioning.STAGES
    }
    row = scoped.aggregate(
        reserve=Sum(F("general_reserve") + F("specific_reserve")),
        loans_balance=Sum("balance"),
        non_performing=Sum("balance", filter=_npl()),
        **stage_sums,
    )
    row = {key: value or Decimal("0.00") for key, value in row.items()}
    row["coverage"] = provisioning.coverage_ratio(row["reserve"], row["non_performing"])
    row["provision_rate"] = provisioning.provision_rate(row["reserve"], row["loans_balance"])
    facilities = facility_totals(user, branch)
    facility_ecl = {entry["stage"]: entry["total_ecl"] for entry in facilities["by_stage"]}
    row["facility_ecl"] = facilities["total_ecl"]
    row["facilities"] = facilities["facilities"]
    row["by_stage"] = [
        (stage, row[f"stage_{stage}"] + facility_ecl.get(stage, Decimal("0.00")))
        for stage in provisioning.STAGES
    ]
    return row
