"""Scoped reads of applications and loans, and the figures their pages show."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, Min, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from accounts.models import User
from accounts.scope import get_in_scope_or_404, scope_queryset
from core.business_date import business_date
from customers.models import Customer
from customers.selectors import customer_search, has_related_parties, in_a_group
from lending import loan_quality
from lending.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    ApprovalStep,
    Collateral,
    Instalment,
    Loan,
)
from lending.servicing import Arrears, InstalmentState, arrears, days_past_due
from lending.stages import (
    CLOSED_APPLICATION_STATUSES,
    IN_PIPELINE,
    OPEN_APPLICATION_STATUSES,
    PIPELINE_STATUSES,
)

CUSTOMER_SCOPE = {"officer_field": "customer__officer", "branch_field": "customer__branch"}
# A loan's or an application's own copy of its customer's officer and branch
# (lending.customer_scope), indexed with the lists' order: the same rows as CUSTOMER_SCOPE.
OWN_SCOPE = {"officer_field": "customer_officer", "branch_field": "customer_branch"}
# The loan list's filters that take several classes or buckets at once: the non-performing
# loans behind the dashboard's NPL figure, and every overdue loan behind its overdue ratio.
NON_PERFORMING = "npl"
ANY_OVERDUE = "overdue"


def applications_for(user: User) -> QuerySet[Application]:
    # The application's own copy of its customer's scope: an officer's or a branch's rows are
    # found from its index instead of joining every customer of the book.
    return scope_queryset(user, Application.objects.all(), **OWN_SCOPE).select_related(
        "customer", "product", "submitted_by"
    )


def application_filter(queryset: QuerySet[Application], filters: dict) -> QuerySet[Application]:
    """Applies cleaned PipelineFilterForm values. With `at`, the stage is the one each
    application was in at that moment (its latest stage event by then), as the dashboard's
    pipeline figure counts it; otherwise the stage it is in now."""
    status = filters.get("status")
    statuses = (
        PIPELINE_STATUSES
        if status == IN_PIPELINE
        else [status]
        if status
        else OPEN_APPLICATION_STATUSES
    )
    if filters.get("at"):
        stage_then = (
            ApplicationEvent.objects.filter(application=OuterRef("pk"), at__lte=filters["at"])
            .order_by("-at", "-id")
            .values("to_status")[:1]
        )
        queryset = queryset.annotate(stage_then=Subquery(stage_then)).filter(
            stage_then__in=statuses
        )
    else:
        queryset = queryset.filter(status__in=statuses)
    if filters.get("q"):
        queryset = queryset.filter(customer__in=_customers_matching(filters["q"]))
    if filters.get("branch"):
        queryset = queryset.filter(customer__branch=filters["branch"])
    return queryset


def _customers_matching(text: str) -> QuerySet[Customer]:
    """The customers the customer list's search finds (several words, tails of phone and ID):
    one search everywhere. The lists are scoped already, so the customers need not be."""
    return customer_search(Customer.objects.all(), text).values("pk")


APPROVAL_STEPS = Prefetch(
    "approval_steps",
    queryset=ApprovalStep.objects.select_related("level", "decider").prefetch_related(
        "members_present"
    ),
)


def application_get_for(user: User, pk) -> Application:
    return get_in_scope_or_404(
        user,
        Application.objects.select_related(
            "customer",
            "customer__officer",
            "product",
            "submitted_by",
            "decided_by",
            "reviewer",
            # Where it waits in the approval authority, and its steps (lending/authority.py).
            "approval_route__waiting_level",
            "approval_route__required_level",
        ).prefetch_related(APPROVAL_STEPS),
        pk=pk,
        **CUSTOMER_SCOPE,
    )


def loans_for(user: User) -> QuerySet[Loan]:
    return scope_queryset(user, Loan.objects.all(), **OWN_SCOPE).select_related(
        "customer", "product"
    )


def loan_filter(queryset: QuerySet[Loan], filters: dict) -> QuerySet[Loan]:
    """Applies cleaned LoanFilterForm values. Class and days past due are the figures of the
    nightly risk recompute (the `risk` relation), the same ones the dashboard counts."""
    if filters.get("q"):
        queryset = queryset.filter(customer__in=_customers_matching(filters["q"]))
    if filters.get("status"):
        queryset = queryset.filter(status=filters["status"])
    if filters.get("branch"):
        queryset = queryset.filter(customer_branch=filters["branch"])
    if filters.get("product"):
        queryset = queryset.filter(product=filters["product"])
    if filters.get("industry"):
        queryset = queryset.filter(customer__industry=filters["industry"])
    if filters.get("grade"):
        queryset = queryset.filter(customer__grade=filters["grade"])
    if filters.get("officer"):
        queryset = queryset.filter(customer_officer=filters["officer"])
    if filters.get("loan_class") == NON_PERFORMING:
        queryset = queryset.filter(risk__final_class__gte=loan_quality.NON_PERFORMING_FROM)
    elif filters.get("loan_class"):
        queryset = queryset.filter(risk__final_class=int(filters["loan_class"]))
    if filters.get("dpd") == ANY_OVERDUE:
        queryset = queryset.filter(risk__dpd__gte=loan_quality.OVERDUE_FROM_DAYS)
    elif filters.get("dpd"):
        low, high = loan_quality.DPD_BUCKETS[filters["dpd"]]
        queryset = queryset.filter(risk__dpd__gte=low)
        if high is not None:
            queryset = queryset.filter(risk__dpd__lte=high)
    return queryset


def loan_get_for(user: User, pk) -> Loan:
    return get_in_scope_or_404(
        user,
        # The risk row rides along (a join): the write-off section reads the loan's class.
        Loan.objects.select_related(
            "customer", "customer__officer", "product", "application", "risk"
        ),
        pk=pk,
        **CUSTOMER_SCOPE,
    )


def loan_page_get_for(user: User, pk) -> Loan:
    """The loan as its page reads it (the steps on it start from loan_get_for). Its risk row
    and its stored provision ride along (joins: the classification, write-off and provision
    sections read them; lending names the risk tables' relations, never imports them). Of
    the customer, what the page and its sections use: not their whole row, nor their phone
    and ID number decrypted for nothing. Whether the customer is in a group and has related
    parties comes along too: most are in none and have none, and the related-party section
    (risk.relations) then reads neither (customers.panels.has_no_rows)."""
    joined = ("product", "application", "risk", "provision")
    loan = get_in_scope_or_404(
        user,
        Loan.objects.select_related("customer", *joined)
        .only(
            *(field.name for field in Loan._meta.concrete_fields),
            *("customer__name", "customer__officer", "customer__branch"),
            *(
                f"{relation}__{field.name}"
                for relation in joined
                for field in Loan._meta.get_field(relation).related_model._meta.concrete_fields
            ),
        )
        .annotate(
            customer_in_a_group=in_a_group("customer_id"),
            customer_has_related_parties=has_related_parties("customer_id"),
        ),
        pk=pk,
        **CUSTOMER_SCOPE,
    )
    loan.customer.sections_without_rows = {
        rows
        for rows, has_rows in (
            ("group_membership", loan.customer_in_a_group),
            ("relations", loan.customer_has_related_parties),
        )
        if not has_rows
    }
    return loan


# The closed stages' counts on the pipeline page cover this many days: the whole history
# (every loan ever disbursed) is neither what the page is for nor cheap to count each view.
CLOSED_STAGES_COUNTED = dt.timedelta(days=30)


def pipeline_counts(queryset: QuerySet[Application], now: dt.datetime) -> dict[str, int]:
    """Applications per stage: every one in an open stage, and those that reached a closed
    stage (rejected, disbursed, withdrawn) in the last CLOSED_STAGES_COUNTED."""
    counted = queryset.filter(
        Q(status__in=OPEN_APPLICATION_STATUSES)
        | Q(
            status__in=CLOSED_APPLICATION_STATUSES,
            status_changed_at__gte=now - CLOSED_STAGES_COUNTED,
        )
    )
    counts = dict(counted.order_by().values_list("status").annotate(n=Count("id")))
    return {status: counts.get(status, 0) for status in ApplicationStatus.values}


@dataclass
class StageTime:
    status: str
    label: str
    entered_at: dt.datetime
    left_at: dt.datetime | None
    actor: str
    note: str

    @property
    def duration(self) -> dt.timedelta | None:
        return self.left_at - self.entered_at if self.left_at else None


def stage_times(application: Application, now: dt.datetime) -> list[StageTime]:
    """Each stage the application went through, with how long it stayed there."""
    events = list(application.events.select_related("actor"))
    labels = dict(ApplicationStatus.choices)
    stages = []
    for index, event in enumerate(events):
        left = events[index + 1].at if index + 1 < len(events) else None
        stages.append(
            StageTime(
                event.to_status,
                labels[event.to_status],
                event.at,
                left,
                # No actor: the step no person took (see credit migration 0013).
                str(event.actor) if event.actor_id else "—",
                event.note,
            )
        )
    return stages


def instalment_states(rows: list[Instalment]) -> list[InstalmentState]:
    return [
        InstalmentState(
            key=row.pk,
            due_date=row.due_date,
            principal_due=row.principal_due,
            interest_due=row.interest_due,
            principal_paid=row.principal_paid,
            interest_paid=row.interest_paid,
        )
        for row in rows
    ]


def current_schedule(loan: Loan) -> list[Instalment]:
    return list(
        loan.instalments.filter(schedule_version=loan.schedule_version, superseded=False).order_by(
            "due_date", "number"
        )
    )


def loan_dpd(loan: Loan, rows: list[Instalment] | None = None, on: dt.date | None = None) -> int:
    rows = rows if rows is not None else current_schedule(loan)
    return days_past_due(on or business_date(), instalment_states(rows))


# The alert statuses that still ask for action (risk.models.AlertStatus; lending sits below
# risk, so it counts them through the customer's reverse relation by value).
ALERT_STATUSES_OPEN = ("open", "acknowledged", "in_progress")


def application_customer_summary(application: Application) -> dict:
    """What the decider weighs beside the application: the customer's total exposure (the
    outstanding principal of their active loans), latest grade, risk level and open alerts.
    Two aggregate queries whatever the customer holds."""
    customer = application.customer
    exposure = customer.loans.filter(status="active").aggregate(
        total=Sum("outstanding_principal"), loans=Count("id")
    )
    return {
        "exposure": exposure["total"] or Decimal("0.00"),
        "active_loans": exposure["loans"],
        "grade": customer.grade,
        "risk_level": customer.get_risk_level_display(),
        "open_alerts": customer.alerts.filter(status__in=ALERT_STATUSES_OPEN).count(),
    }


def decisions_waiting_for(user: User, *, limit: int = 20) -> dict:
    """The manager's decision queue: applications submitted or under review in their scope,
    oldest first (by the time they entered that stage), and the true total."""
    waiting = applications_for(user).filter(
        status__in=(ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW)
    )
    # The first page's ids are taken from the applications alone, then those few rows read
    # with their customer, officer and product: joining them for every waiting application
    # of a branch before the top ones (580 at a million loans) cost most of the page's SQL.
    first_page = waiting.select_related(None).order_by("status_changed_at", "id")[:limit]
    applications = list(
        applications_for(user)
        .filter(pk__in=first_page.values("pk"))
        .select_related("customer__officer")
        .order_by("status_changed_at", "id")
    )
    today = timezone.localdate()
    for application in applications:
        application.age_days = (today - timezone.localdate(application.status_changed_at)).days
    return {"applications": applications, "total": waiting.count()}


def loan_arrears(loan: Loan, rows: list[Instalment], on: dt.date) -> Arrears:
    """The loan page's arrears summary, from the current schedule's rows (no query: the
    product, with its penalty rate, comes with the loan)."""
    states = [
        InstalmentState(
            key=row.pk,
            due_date=row.due_date,
            principal_due=row.principal_due,
            interest_due=row.interest_due,
            principal_paid=row.principal_paid,
            interest_paid=row.interest_paid,
            penalty_paid=row.penalty_paid,
        )
        for row in rows
    ]
    return arrears(states, on, loan.product.penalty_rate)


def loans_with_dpd(loans: list[Loan], on: dt.date | None = None) -> list[tuple[Loan, int]]:
    """Days past due of several loans from one grouped query on their unpaid instalments."""
    on = on or business_date()
    oldest = dict(
        Instalment.objects.filter(
            loan__in=loans,
            settled_on__isnull=True,
            superseded=False,
            due_date__lt=on,
            schedule_version=F("loan__schedule_version"),
        )
        .order_by()
        .values_list("loan_id")
        .annotate(oldest=Min("due_date"))
    )
    return [(loan, (on - oldest[loan.pk]).days if loan.pk in oldest else 0) for loan in loans]


def collateral_get_for(user: User, pk) -> Collateral:
    """A piece of collateral, scoped like its application's customer (404 if not)."""
    return get_in_scope_or_404(
        user,
        Collateral.objects.select_related("application__customer"),
        pk=pk,
        officer_field="application__customer__officer",
        branch_field="application__customer__branch",
    )
