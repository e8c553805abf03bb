"""Reads of the collections pages: the cases a user may see (scoped like loans, by the
customer's officer and branch, plus the cases assigned to them as collector), the queue's
order and the month's figures (the roll rates are lending.roll_rate_selectors)."""

from __future__ import annotations

import datetime as dt

from django.db.models import (
    Count,
    DecimalField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)
from django.db.models import Exists as SubqueryExists
from django.db.models.expressions import RawSQL
from django.http import Http404

from accounts.scope import scope_q
from lending import collections
from lending.collection_models import (
    CaseStatus,
    CloseReason,
    CollectionCase,
    CollectionStage,
    PromiseStatus,
    PromiseToPay,
)
from lending.legal_models import LegalRecovery
from lending.models import Repayment

CASE_SCOPE = {"officer_field": "customer__officer", "branch_field": "customer__branch"}


def cases_for(user) -> QuerySet[CollectionCase]:
    visible = scope_q(user, **CASE_SCOPE)
    # Head office's scope is everything (an empty Q): or-ing the collector onto it would
    # narrow it to the cases assigned to them.
    if user.is_authenticated and visible != Q():
        visible |= Q(collector=user)
    return CollectionCase.objects.filter(visible).select_related(
        "loan", "customer", "stage", "collector"
    )


def open_cases_for(user) -> QuerySet[CollectionCase]:
    return cases_for(user).filter(status=CaseStatus.OPEN)


def case_get_for(user, pk) -> CollectionCase:
    """The case, or 404 when it is missing or out of the user's sight (the same answer)."""
    try:
        return cases_for(user).get(pk=pk)
    except (CollectionCase.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def by_priority(cases: QuerySet[CollectionCase], on: dt.date) -> QuerySet[CollectionCase]:
    """Highest amount overdue × days past due first (lending.collections.priority)."""
    # A date minus a date is a number of days in PostgreSQL (an interval in Django's terms).
    priority = RawSQL(
        "lending_collectioncase.amount_overdue * (%s::date - lending_collectioncase.overdue_since)",
        [on],
        output_field=DecimalField(max_digits=30, decimal_places=2),
    )
    return cases.annotate(priority_value=priority).order_by("-priority_value", "id")


def collection_kpis(user, on: dt.date) -> dict:
    """The figures of the collections page over the cases the user may see: open cases by
    stage; this month's cure rate (cases closed cured or repaid, out of the cases worked in
    the month: open now or closed in it); the promise-kept rate of the promises due in the
    month whose outcome is known; and the amount recovered in the month (payments on loans
    while their case was open)."""
    month_start = on.replace(day=1)
    cases = cases_for(user)
    by_stage = dict(
        cases.filter(status=CaseStatus.OPEN)
        .values_list("stage_id")
        .annotate(count=Count("id"))
        .values_list("stage_id", "count")
    )
    stages = [(stage, by_stage.get(stage.pk, 0)) for stage in CollectionStage.objects.all()]
    worked = cases.filter(Q(status=CaseStatus.OPEN) | Q(closed_on__gte=month_start)).aggregate(
        worked=Count("id"),
        cured=Count(
            "id",
            filter=Q(
                closed_on__gte=month_start,
                close_reason__in=[CloseReason.CURED, CloseReason.REPAID],
            ),
        ),
    )
    promises = PromiseToPay.objects.filter(
        case__in=cases.values("id"),
        promised_on__gte=month_start,
        promised_on__lte=on,
        status__in=[PromiseStatus.KEPT, PromiseStatus.BROKEN],
    ).aggregate(
        settled=Count("id"),
        kept=Count("id", filter=Q(status=PromiseStatus.KEPT)),
    )
    case_open_at_payment = cases.filter(
        loan_id=OuterRef("loan_id"), opened_on__lte=OuterRef("paid_on")
    ).filter(Q(closed_on__isnull=True) | Q(closed_on__gte=OuterRef("paid_on")))
    # A legal recovery booked as a repayment is counted once, with the legal recoveries.
    recovered = (
        Repayment.objects.filter(
            paid_on__gte=month_start,
            paid_on__lte=on,
            reversed_at__isnull=True,
            legal_recovery__isnull=True,
        )
        .filter(SubqueryExists(case_open_at_payment))
        .aggregate(total=Sum("amount"))["total"]
    )
    # Recovered through the courts, on the book or after a write-off (lending.legal_models).
    legal_recovered = (
        (
            LegalRecovery.objects.filter(
                legal_case__collection_case__in=cases.values("id"),
                received_on__gte=month_start,
                received_on__lte=on,
            )
            .filter(Q(repayment__isnull=True) | Q(repayment__reversed_at__isnull=True))
            .aggregate(total=Sum("amount"))["total"]
        )
        or 0
    )
    return {
        "stages": stages,
        "open_cases": sum(count for _stage, count in stages),
        "cure_rate": collections.rate(worked["cured"], worked["worked"]),
        "promise_kept_rate": collections.rate(promises["kept"], promises["settled"]),
        "recovered": (recovered or 0) + legal_recovered,
        "legal_recovered": legal_recovered,
        "month_start": month_start,
    }
