"""Reads of customers that several views share: scoped, searched, filtered, sorted."""

from __future__ import annotations

import datetime as dt
import re

from django.db.models import Avg, Count, Exists, OuterRef, Q, QuerySet, Window
from django.utils import timezone

from accounts.models import Role, User, name_columns
from accounts.scope import get_in_scope_or_404, scope_q, scope_queryset
from customers import panels, segments
from customers.models import (
    OPEN_COMPLAINT_STATUSES,
    Channel,
    Complaint,
    Customer,
    FollowUp,
    FollowUpStatus,
    Interaction,
    NeedsProfile,
    OfficerTransfer,
    Survey,
    phone_digest,
    resident_id_digest,
)
from customers.relations import CustomerGroupMember, CustomerRelation

SORTS = {
    "name": ["name", "id"],
    "-name": ["-name", "-id"],
    "recent": ["-updated_at", "-id"],
    "oldest": ["updated_at", "id"],
    "income": ["monthly_income", "id"],
    "-income": ["-monthly_income", "-id"],
}
DEFAULT_SORT = "recent"


def customer_list_for(user: User) -> QuerySet[Customer]:
    return scope_queryset(user, Customer.objects.all()).select_related(
        "officer", "branch", "industry"
    )


def customer_get_for(user: User, pk) -> Customer:
    """The one access check for a customer and everything that hangs off it (404 if not)."""
    return get_in_scope_or_404(
        user, Customer.objects.select_related("officer", "branch", "industry"), pk=pk
    )


def _has_rows(model) -> Exists:
    return Exists(model.objects.filter(customer=OuterRef("pk")))


def in_a_group(customer_ref: str = "pk") -> Exists:
    """Whether the customer (the outer row's `customer_ref`) is a member of a customer group."""
    return Exists(CustomerGroupMember.objects.filter(customer=OuterRef(customer_ref)))


def has_related_parties(customer_ref: str = "pk") -> Exists:
    """Whether the customer (the outer row's `customer_ref`) has a related party (a link not
    ended)."""
    return Exists(
        CustomerRelation.objects.filter(
            Q(from_customer=OuterRef(customer_ref)) | Q(to_customer=OuterRef(customer_ref)),
            ended_on__isnull=True,
        )
    )


# The 360's sections most customers have no row in. Whether each has rows is asked with the
# customer's own row (an EXISTS on an index is far cheaper than the section's own query), so
# an empty section costs no query.
SPARSE_SECTIONS = {
    "needs": lambda: _has_rows(NeedsProfile),
    "open_follow_ups": lambda: Exists(
        FollowUp.objects.filter(customer=OuterRef("pk"), status=FollowUpStatus.OPEN)
    ),
    "complaints": lambda: _has_rows(Complaint),
    "surveys": lambda: _has_rows(Survey),
    "transfers": lambda: _has_rows(OfficerTransfer),
    "tags": lambda: _has_rows(Customer.tags.through),
    # Read by the exposure and related-party panels (panels.has_no_rows).
    "group_membership": in_a_group,
    "relations": has_related_parties,
}


def customer_360_get_for(user: User, pk) -> Customer:
    """customer_get_for for the 360 page, the customer carrying `sections_with_rows`: the
    names of SPARSE_SECTIONS and of the panels' SPARSE_ROWS that have rows, and
    `sections_without_rows`: those that have none."""
    sparse = {**SPARSE_SECTIONS, **panels.SPARSE_ROWS}
    customer = get_in_scope_or_404(
        user,
        Customer.objects.select_related("officer", "branch", "industry").annotate(
            **{f"has_{name}": has_rows() for name, has_rows in sparse.items()}
        ),
        pk=pk,
    )
    customer.sections_with_rows = {name for name in sparse if getattr(customer, f"has_{name}")}
    customer.sections_without_rows = sparse.keys() - customer.sections_with_rows
    return customer


def name_query_grams(text: str) -> list[str]:
    """The grams a name must contain to match `text` (same rule as customer_name_grams)."""
    lowered = text.lower()
    if len(lowered) == 1:
        return [lowered]
    return sorted({lowered[i : i + 2] for i in range(len(lowered) - 1)})


# What typed words may be, in the order they are tried (each an indexed column or hash).
SHOWN_TAIL_RE = re.compile(r"\d{3}[\dX]")
WHOLE_PHONE_RE = re.compile(r"\d{7,12}")
WHOLE_IDENTIFIER_RE = re.compile(r"[0-9A-Z]{18}")


def _compact(word: str) -> str:
    return re.sub(r"[\s*-]", "", word).upper()


def _identifier_q(compact: str) -> Q | None:
    """The match for a word that is an identifier or its shown tail; None for a name word."""
    if SHOWN_TAIL_RE.fullmatch(compact):
        # Four characters: the tail of a masked resident ID or phone, as printed on screens
        # (1101********1234, 142****0669). A phone tail is digits only.
        tail = Q(resident_id_tail=compact)
        return tail | Q(phone_tail=compact) if compact.isdigit() else tail
    if WHOLE_PHONE_RE.fullmatch(compact):
        # Phones are encrypted at rest: a whole number is found through its keyed hash.
        return Q(phone_hash=phone_digest(compact))
    if WHOLE_IDENTIFIER_RE.fullmatch(compact):
        return Q(credit_code=compact) | Q(resident_id_hash=resident_id_digest(compact))
    return None


def customer_search(queryset: QuerySet[Customer], text: str) -> QuerySet[Customer]:
    """Every word must match (several words narrow): a name fragment, a whole phone, the shown
    tail of a phone or resident ID, a whole resident ID, or a credit code.

    Numbers are often typed in groups ("138 0013 8000"): text that is one identifier once its
    spaces are taken out is that identifier, not several words. A masked value copied from a
    page (142****0669) is searched by the tail it shows.
    """
    text = text.strip()
    if not text:
        return queryset
    if "*" not in text and (whole := _identifier_q(_compact(text))) is not None:
        return queryset.filter(whole)
    # str.split() cuts at every Unicode space, the ideographic U+3000 of Chinese input too.
    matches, name_words = [], []
    for word in text.split():
        if not _compact(word):
            # Only the masked part of a value ("****"): it says nothing to search by.
            continue
        # A masked value is searched by what it shows after its last asterisk.
        identifier = _identifier_q(_compact(word.rsplit("*", 1)[-1]))
        if identifier is not None:
            matches.append(identifier)
        else:
            name_words.append(word)
    if name_words:
        # One GIN lookup for the grams of every name word; the ILIKE rechecks keep only names
        # that hold each word as a true substring.
        grams = sorted({gram for word in name_words for gram in name_query_grams(word)})
        matches.append(Q(name_grams__contains=grams))
        matches.extend(Q(name__icontains=word) for word in name_words)
    return queryset.filter(*matches)


def customer_filter(queryset: QuerySet[Customer], filters: dict) -> QuerySet[Customer]:
    """Applies cleaned filter-form values; segments become indexable ranges."""
    today = timezone.localdate()
    if filters.get("kind"):
        queryset = queryset.filter(kind=filters["kind"])
    if filters.get("officer"):
        queryset = queryset.filter(officer=filters["officer"])
    if filters.get("branch"):
        queryset = queryset.filter(branch=filters["branch"])
    if filters.get("risk_level"):
        queryset = queryset.filter(risk_level=filters["risk_level"])
    if filters.get("grade"):
        queryset = queryset.filter(grade=filters["grade"])
    if filters.get("industry"):
        queryset = queryset.filter(industry=filters["industry"])
    if filters.get("size"):
        queryset = queryset.filter(size=filters["size"])
    if filters.get("tag"):
        queryset = queryset.filter(tags=filters["tag"])
    if filters.get("age_band"):
        queryset = queryset.filter(segments.age_band_q(filters["age_band"], today))
    if filters.get("income_band"):
        queryset = queryset.filter(segments.income_band_q(filters["income_band"]))
    if filters.get("revenue_band"):
        queryset = queryset.filter(segments.revenue_band_q(filters["revenue_band"]))
    return queryset


# What a row of the list shows (its masks, segment, officer and branch): the customer's and
# the officer's rows are wide, and a page of them was read whole.
LIST_COLUMNS = [
    "kind",
    "name",
    "phone",
    "risk_level",
    "grade",
    "resident_id",
    "birth_date",
    "monthly_income",
    "credit_code",
    "size",
    "annual_revenue",
    "industry__code",
    "officer__username",
    "officer__first_name",
    "officer__last_name",
    "branch__name",
]


def customer_page(
    queryset: QuerySet[Customer], *, sort: str, page: int, per_page: int = 25
) -> tuple[list[Customer], bool]:
    """One page and whether another follows: one query, never a COUNT of the whole table."""
    ordered = queryset.only(*LIST_COLUMNS).order_by(*SORTS.get(sort, SORTS[DEFAULT_SORT]))
    start = (page - 1) * per_page
    rows = list(ordered[start : start + per_page + 1])
    return rows[:per_page], len(rows) > per_page


def officers_visible_to(user: User) -> QuerySet[User]:
    """Officers whose portfolios `user` may filter by or transfer to."""
    officers = User.objects.filter(role=Role.OFFICER, is_active=True).select_related("branch")
    if user.sees_all_branches:
        return officers.order_by("branch__code", "username")
    if user.role == Role.MANAGER:
        return officers.filter(branch_id=user.branch_id).order_by("username")
    return officers.filter(pk=user.pk)


# What the Today page shows of its rows (customers/today.html, follow_up_table.html and the
# undo rule, policies.may_undo_follow_up): the customers' and the people's rows are wide, and
# the page's six lists were all read whole on every visit.
TODAY_FOLLOW_UP_COLUMNS = ("kind", "purpose", "due_on", "customer__name", *name_columns("owner"))
TODAY_COMPLAINT_COLUMNS = ("category", "sla_due_at", "customer__name", *name_columns("owner"))
TODAY_DONE_COLUMNS = (
    *("purpose", "status", "closed_at", "customer__name"),
    *("completed_by__outcome", "completed_by__officer"),
)


def today_for(user: User, *, today: dt.date | None = None) -> dict:
    """The officer's day: follow-ups due today, overdue and this week, new customers, and
    complaints past their SLA. A manager also sees the branch's overdue complaints."""
    today = today or timezone.localdate()
    week_end = today + dt.timedelta(days=6 - today.weekday())
    open_follow_ups = (
        FollowUp.objects.filter(owner=user, status=FollowUpStatus.OPEN)
        .select_related("customer", "owner")
        .only(*TODAY_FOLLOW_UP_COLUMNS)
    )
    complaints = (
        Complaint.objects.filter(status__in=OPEN_COMPLAINT_STATUSES, sla_due_at__lt=timezone.now())
        .select_related("customer", "owner")
        .only(*TODAY_COMPLAINT_COLUMNS)
    )
    # An officer's own complaints, and only while the customer is still theirs: a complaint
    # keeps its owner when the customer is transferred away.
    complaints = complaints.filter(
        scope_q(user, officer_field="customer__officer", branch_field="customer__branch")
    )
    if user.role == Role.OFFICER:
        complaints = complaints.filter(owner=user)
    return {
        "today": today,
        "overdue": list(open_follow_ups.filter(due_on__lt=today).order_by("due_on", "id")[:50]),
        "due_today": list(open_follow_ups.filter(due_on=today).order_by("id")[:50]),
        "this_week": list(
            open_follow_ups.filter(due_on__gt=today, due_on__lte=week_end).order_by("due_on", "id")[
                :50
            ]
        ),
        "recently_assigned": list(
            customer_list_for(user)
            .filter(officer=user, assigned_at__gte=timezone.now() - dt.timedelta(days=14))
            .select_related(None)
            .only("name", "assigned_at")
            .order_by("-assigned_at")[:10]
        ),
        "overdue_complaints": list(complaints.order_by("sla_due_at")[:50]),
        # What the user marked done today, each with the interaction that closed it: the
        # rows the Today page offers to undo (customers.policies.may_undo_follow_up).
        "done_today": list(
            FollowUp.objects.filter(
                completed_by__officer=user,
                status=FollowUpStatus.DONE,
                closed_at__date=today,
            )
            .select_related("customer", "completed_by")
            .only(*TODAY_DONE_COLUMNS)
            .order_by("-closed_at", "-id")[:20]
        ),
        "channels": Channel.choices,
    }


def group_membership_of(customer: Customer):
    """The customer's membership of a customer group, with the group, or None (one query;
    none for a customer read knowing they are in no group)."""
    if panels.has_no_rows(customer, "group_membership"):
        return None
    return CustomerGroupMember.objects.select_related("group").filter(customer=customer).first()


def customer_timeline(customer: Customer) -> dict:
    """The 360's interactions section: the latest interactions (one query) among the entries
    other apps put on the timeline (a query each)."""
    # Of the officer, their name; of the follow-up an interaction completes, its purpose.
    interactions = list(
        customer.interactions.select_related("officer", "completes_follow_up").only(
            *(field.name for field in Interaction._meta.concrete_fields),
            *name_columns("officer"),
            "completes_follow_up__purpose",
        )[:30]
    )
    return {
        "interactions": interactions,
        # With the messages other apps sent the customer (customers.panels.register_timeline).
        "timeline": panels.timeline(customer, interactions),
    }


def customer_open_follow_ups(customer: Customer) -> list[FollowUp]:
    """The 360's upcoming follow-ups, soonest first (one query)."""
    return list(
        customer.follow_ups.filter(status=FollowUpStatus.OPEN)
        .select_related("owner")
        .order_by("due_on", "id")
    )


def customer_360(customer: Customer) -> dict:
    """Everything the 360 page shows besides the customer row: one query per section, none
    for a section the customer has no row in when they come from customer_360_get_for."""
    with_rows = getattr(customer, "sections_with_rows", SPARSE_SECTIONS.keys())

    def rows(section: str, read) -> list:
        return list(read()) if section in with_rows else []

    # The ten latest surveys, each carrying the average CSAT and the number of all the
    # customer's surveys (window functions run before the LIMIT): one query, not two.
    surveys = rows(
        "surveys",
        lambda: customer.surveys.annotate(
            csat_over_all=Window(Avg("csat")), surveys_in_all=Window(Count("id"))
        )[:10],
    )
    scores = {
        "csat_average": surveys[0].csat_over_all if surveys else None,
        "survey_count": surveys[0].surveys_in_all if surveys else 0,
        "latest": surveys[0] if surveys else None,
    }
    return {
        "needs": rows("needs", lambda: customer.needs.select_related("recorded_by")[:5]),
        # The page shows contact persons for enterprises only: no query for an individual.
        "contacts": [] if customer.is_individual else list(customer.contacts.all()),
        **customer_timeline(customer),
        "open_follow_ups": rows("open_follow_ups", lambda: customer_open_follow_ups(customer)),
        "complaints": rows("complaints", lambda: customer.complaints.all()[:20]),
        "surveys": surveys,
        "satisfaction": scores,
        "transfers": rows(
            "transfers",
            lambda: customer.transfers.select_related(
                "from_officer", "to_officer", "transferred_by"
            )[:10],
        ),
        "tags": rows("tags", lambda: customer.tags.all()),
        "channels": Channel.choices,
    }
