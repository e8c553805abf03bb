# ruff: noqa: S608 -- every SQL string here is built from this module's constants, never from input.
"""Concentration limits (商业银行大额风险暴露管理办法, 2018): a bank's exposure to one non-bank
customer may not pass 10% of its net tier-1 capital (article 7), to a group of connected
customers 15% (article 9). Both shares, and the share of the limit from which an alert is
raised, are configured in admin (ConcentrationLimit); the capital is the latest Tier1Capital
row effective on the business date.

Exposure of a customer = outstanding principal of their active loans + the approved amounts of
their applications not disbursed yet + the undrawn amounts (limit − utilisation, at least 0)
of their live facilities. The undrawn amount of a committed facility counts in full (a credit
conversion factor of 100%, as the rule's article 16 asks for commitments the bank cannot
cancel unconditionally): the customer may draw it tomorrow without asking. An application
drawing on a facility is inside that facility's utilisation, so it adds nothing of its own.
Exposure of a group = the sum of its members' exposures.

The nightly writes the exposures (risk/exposure.py runs EXPOSURE_OF_CUSTOMERS and
GROUP_EXPOSURE over its chunk's customers); a decision reads a handful of stored rows, locks
them, adds its own amount (`exposure_check`, `exposure_add`), so two decisions for one
customer or group the same day are counted one after the other.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import F
from django.utils.translation import gettext as _

from core.business_date import business_date
from core.numbers import format_money, format_percent
from customers.relations import CustomerGroupMember
from lending import authority
from lending.authority_models import AuthorityLevel
from lending.exposure_models import (
    ConcentrationLimit,
    CustomerExposure,
    GroupExposure,
    LimitKind,
    Tier1Capital,
)
from lending.facility_models import LIVE_STATUSES

ZERO = Decimal("0.00")
CENT = Decimal("0.01")

# The defaults of 商业银行大额风险暴露管理办法 (2018): articles 7 and 9; the warning at 80% of
# the limit is the bank's own choice (seeded by lending migration 0005, edited in admin).
DEFAULT_SHARES = {
    LimitKind.SINGLE_CUSTOMER: Decimal("0.1000"),
    LimitKind.GROUP: Decimal("0.1500"),
}
DEFAULT_WARNING_SHARE = Decimal("0.8000")
# A breach always goes to this level of the approval authority (lending migration 0004).
BREACH_DECIDED_AT = "head_office_committee"

_LIVE = ", ".join(f"'{status}'" for status in LIVE_STATUSES)

# The customers' condition in the statements below: the array %(customers)s.
IN_CUSTOMERS = "= ANY(%(customers)s::bigint[])"
# The same customers when they are every customer with an id from %(first)s to %(last)s (a
# full chunk of the nightly): with thousands of ids bound in, the planner scanned whole
# tables (loans, applications, facilities, exposures) filtering by the array; the range reads
# the chunk's part of each customer index (risk.recompute.chunk_sql does the same).
IN_RANGE = "BETWEEN %(first)s AND %(last)s"

# The drawings on each facility `f`, looked up by the facility: loans (`dl`: principal
# disbursed, outstanding) and approved applications not disbursed yet (`da`: pending).
DRAWINGS_BY_FACILITY = """LEFT JOIN LATERAL (
            SELECT sum(l.principal) AS disbursed, sum(l.outstanding_principal) AS outstanding
            FROM credit_loan l WHERE l.facility_id = f.id
        ) dl ON true
        LEFT JOIN LATERAL (
            SELECT sum(a.approved_amount) AS pending
            FROM credit_application a WHERE a.facility_id = f.id AND a.status = 'approved'
        ) da ON true"""
# The same, for a full chunk: the customers' drawings read once and grouped by facility, where
# two lookups per facility were most of the statement (8,000 index probes a chunk of 20,000
# customers). A loan or an application draws only on its own customer's facility
# (lending.services.facilities refuses another customer's; a loan is its application's
# customer's and no screen moves one), so the customers' rows are every drawing on their
# facilities. The loans drawn on a facility are read through their partial index
# (loan_on_facility), not among every loan of the chunk.
DRAWINGS_OF_CUSTOMERS = f"""LEFT JOIN (
            SELECT l.facility_id, sum(l.principal) AS disbursed,
                   sum(l.outstanding_principal) AS outstanding
            FROM credit_loan l
            WHERE l.customer_id {IN_CUSTOMERS} AND l.facility_id IS NOT NULL
            GROUP BY l.facility_id
        ) dl ON dl.facility_id = f.id
        LEFT JOIN (
            SELECT a.facility_id, sum(a.approved_amount) AS pending
            FROM credit_application a
            WHERE a.customer_id {IN_CUSTOMERS} AND a.status = 'approved'
              AND a.facility_id IS NOT NULL
            GROUP BY a.facility_id
        ) da ON da.facility_id = f.id"""

# Each customer of %(customers)s (an array) with their figures (see the module's docstring).
# A facility's utilisation is lending.facilities.utilisation_expression written for a set: a
# one-off facility counts the principal disbursed, a revolving one what is outstanding, both
# plus the approved applications drawing on it.
EXPOSURE_OF_CUSTOMERS = f"""
    SELECT c.id AS customer_id, m.group_id,
           coalesce(lo.outstanding, 0) AS outstanding,
           coalesce(ap.committed, 0) AS committed,
           coalesce(fa.undrawn, 0) AS undrawn,
           coalesce(lo.outstanding, 0) + coalesce(ap.committed, 0) + coalesce(fa.undrawn, 0)
               AS exposure
    FROM unnest(%(customers)s::bigint[]) c (id)
    -- Bounded by the customers' condition too, so that a range reads the chunk's part of the
    -- members' customer index rather than every member (the join alone does not bound it).
    LEFT JOIN customers_customergroupmember m
        ON m.customer_id = c.id AND m.customer_id {IN_CUSTOMERS}
    LEFT JOIN (
        SELECT l.customer_id, sum(l.outstanding_principal) AS outstanding
        FROM credit_loan l
        WHERE l.customer_id {IN_CUSTOMERS} AND l.status = 'active'
        GROUP BY l.customer_id
    ) lo ON lo.customer_id = c.id
    LEFT JOIN (
        SELECT a.customer_id, sum(a.approved_amount) AS committed
        FROM credit_application a
        WHERE a.customer_id {IN_CUSTOMERS} AND a.status = 'approved'
          AND a.facility_id IS NULL
        GROUP BY a.customer_id
    ) ap ON ap.customer_id = c.id
    LEFT JOIN (
        SELECT f.customer_id,
               sum(greatest(f."limit" - CASE WHEN f.kind = 'one_off'
                                             THEN coalesce(dl.disbursed, 0)
                                             ELSE coalesce(dl.outstanding, 0) END
                                      - coalesce(da.pending, 0), 0)) AS undrawn
        FROM lending_creditfacility f
        {DRAWINGS_BY_FACILITY}
        WHERE f.customer_id {IN_CUSTOMERS}
          AND f.status IN ({_LIVE}) AND f.expiry_date >= %(on)s
        GROUP BY f.customer_id
    ) fa ON fa.customer_id = c.id
"""

# Writes the customers' rows, only those whose figures or group changed (a second run over an
# unchanged book writes nothing); a customer with nothing and in no group gets no row. Answers
# the groups to recompute: the one each changed row counts towards now and the one it did.
REFRESH_CUSTOMERS = f"""
WITH fresh AS ({EXPOSURE_OF_CUSTOMERS}),
old AS (
    SELECT e.customer_id, e.group_id, e.outstanding, e.committed, e.undrawn, e.exposure
    FROM lending_customerexposure e
    WHERE e.customer_id {IN_CUSTOMERS}
),
written AS (
    INSERT INTO lending_customerexposure (customer_id, group_id, outstanding, committed,
                                          undrawn, exposure, computed_on)
    SELECT f.customer_id, f.group_id, f.outstanding, f.committed, f.undrawn, f.exposure, %(on)s
    FROM fresh f
    LEFT JOIN old e ON e.customer_id = f.customer_id
    WHERE (f.exposure <> 0 OR f.group_id IS NOT NULL OR e.customer_id IS NOT NULL)
      -- Only the rows that change are offered: a conflicting insert locks (and so writes)
      -- the row it meets even when its update then changes nothing, every row every night.
      AND (e.customer_id IS NULL
           OR (e.group_id, e.outstanding, e.committed, e.undrawn, e.exposure)
              IS DISTINCT FROM (f.group_id, f.outstanding, f.committed, f.undrawn, f.exposure))
    ON CONFLICT (customer_id) DO UPDATE
    SET group_id = EXCLUDED.group_id, outstanding = EXCLUDED.outstanding,
        committed = EXCLUDED.committed, undrawn = EXCLUDED.undrawn,
        exposure = EXCLUDED.exposure, computed_on = EXCLUDED.computed_on
    WHERE (lending_customerexposure.group_id, lending_customerexposure.outstanding,
           lending_customerexposure.committed, lending_customerexposure.undrawn,
           lending_customerexposure.exposure)
          IS DISTINCT FROM (EXCLUDED.group_id, EXCLUDED.outstanding, EXCLUDED.committed,
                            EXCLUDED.undrawn, EXCLUDED.exposure)
    RETURNING customer_id, group_id
)
SELECT (SELECT count(*) FROM written),
       coalesce((SELECT array_agg(DISTINCT g) FROM (
           SELECT w.group_id FROM written w
           UNION SELECT o.group_id FROM old o JOIN written w ON w.customer_id = o.customer_id
       ) x (g) WHERE g IS NOT NULL), '{{}}')
"""

# A full chunk (id_range in refresh_exposures): the range of each customer index (IN_RANGE) and
# the drawings grouped by facility (DRAWINGS_OF_CUSTOMERS).
REFRESH_CUSTOMERS_BY_RANGE = REFRESH_CUSTOMERS.replace(
    DRAWINGS_BY_FACILITY, DRAWINGS_OF_CUSTOMERS
).replace(IN_CUSTOMERS, IN_RANGE)

# The groups of %(groups)s, locked in id order: the facility approval's group check
# (lending.group_limits) and the decisions' exposure_add lock the same rows, so a decision
# and a chunk count each other's work one after the other.
LOCK_GROUPS = """
    SELECT g.id FROM customers_customergroup g WHERE g.id = ANY(%(groups)s::bigint[])
    ORDER BY g.id FOR UPDATE
"""

# Each group's exposure from its members' stored rows, written when it changed; answers the
# groups that changed.
REFRESH_GROUPS = """
WITH fresh AS (
    SELECT g.id AS group_id, coalesce(sum(e.exposure), 0) AS exposure, count(m.id) AS members
    FROM customers_customergroup g
    LEFT JOIN customers_customergroupmember m ON m.group_id = g.id
    LEFT JOIN lending_customerexposure e ON e.customer_id = m.customer_id
    WHERE g.id = ANY(%(groups)s::bigint[])
    GROUP BY g.id
),
written AS (
    INSERT INTO lending_groupexposure (group_id, exposure, members, computed_on)
    SELECT f.group_id, f.exposure, f.members, %(on)s FROM fresh f
    ON CONFLICT (group_id) DO UPDATE
    SET exposure = EXCLUDED.exposure, members = EXCLUDED.members,
        computed_on = EXCLUDED.computed_on
    WHERE (lending_groupexposure.exposure, lending_groupexposure.members)
          IS DISTINCT FROM (EXCLUDED.exposure, EXCLUDED.members)
    RETURNING group_id
)
SELECT coalesce(array_agg(group_id), '{}') FROM written
"""


def refresh_exposures(
    cursor, customer_ids: list[int], on: dt.date, *, id_range: tuple[int, int] | None = None
) -> tuple[int, list[int]]:
    """The nightly's step over one chunk: the customers' rows, then their groups' rows.
    Answers how many customer rows were written and the groups whose exposure changed.

    `id_range` (first, last) says that `customer_ids` are every customer with an id in that
    range (a full chunk of the nightly): the statements then read the range, the same rows
    (see IN_RANGE)."""
    if not customer_ids:
        return 0, []
    statement = REFRESH_CUSTOMERS
    params = {"customers": customer_ids, "on": on}
    if id_range is not None:
        statement = REFRESH_CUSTOMERS_BY_RANGE
        params["first"], params["last"] = id_range
    cursor.execute(statement, params)
    written, groups = cursor.fetchone()
    if not groups:
        return written, []
    cursor.execute(LOCK_GROUPS, {"groups": groups})
    cursor.execute(REFRESH_GROUPS, {"groups": groups, "on": on})
    return written, list(cursor.fetchone()[0])


def exposures_computed(customer_ids, on: dt.date | None = None) -> dict[int, Decimal]:
    """The exposure of each customer computed now from the book (what the nightly stores)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT customer_id, exposure FROM ({EXPOSURE_OF_CUSTOMERS}) x",
            {"customers": list(customer_ids), "on": on or business_date()},
        )
        return {customer_id: exposure for customer_id, exposure in cursor.fetchall()}


# --- the limits ---


@dataclass(frozen=True)
class Limit:
    kind: str
    capital: Decimal
    share: Decimal
    warning_share: Decimal
    capital_effective_on: dt.date | None = None

    @property
    def amount(self) -> Decimal:
        return (self.capital * self.share).quantize(CENT, ROUND_HALF_UP)

    @property
    def warning_amount(self) -> Decimal:
        return (self.amount * self.warning_share).quantize(CENT, ROUND_HALF_UP)

    @property
    def label(self) -> str:
        return str(LimitKind(self.kind).label)


def capital_on(on: dt.date | None = None) -> Tier1Capital | None:
    """The latest tier-1 capital effective on the date; None before any is configured."""
    return Tier1Capital.objects.filter(effective_on__lte=on or business_date()).first()


def limits(on: dt.date | None = None) -> dict[str, Limit]:
    """The limits that apply on the date (two queries); none without a capital figure."""
    capital = capital_on(on)
    if capital is None:
        return {}
    return {
        row.kind: Limit(
            row.kind,
            capital.amount,
            row.share_of_capital,
            row.warning_share,
            capital.effective_on,
        )
        for row in ConcentrationLimit.objects.all()
    }


@dataclass(frozen=True)
class Use:
    """One exposure against one limit."""

    limit: Limit
    subject: str
    exposure: Decimal
    added: Decimal = ZERO

    @property
    def after(self) -> Decimal:
        return self.exposure + self.added

    @property
    def share_of_limit(self) -> Decimal:
        return self.after / self.limit.amount if self.limit.amount else Decimal("0")

    @property
    def breached(self) -> bool:
        return self.after > self.limit.amount

    @property
    def warned(self) -> bool:
        return self.after >= self.limit.warning_amount

    def message(self) -> str:
        return _(
            "%(limit)s limit for %(subject)s: exposure %(exposure)s + this decision %(added)s "
            "= %(after)s, above the limit of %(amount)s (%(share)s of tier-1 capital %(capital)s)."
        ) % {
            "limit": self.limit.label,
            "subject": self.subject,
            "exposure": format_money(self.exposure),
            "added": format_money(self.added),
            "after": format_money(self.after),
            "amount": format_money(self.limit.amount),
            "share": format_percent(self.limit.share),
            "capital": format_money(self.limit.capital),
        }


def _stored(model, pk, *, lock: bool):
    rows = model.objects.filter(pk=pk)
    if lock:
        rows = rows.select_for_update()
    row = rows.first()
    return row.exposure if row is not None else ZERO


_UNKNOWN = object()


def uses_of(
    customer, *, added: Decimal = ZERO, lock: bool = False, membership=_UNKNOWN
) -> list[Use]:
    """The customer's exposure against every limit that applies (theirs, and their group's),
    with `added` on top. With `lock`, the stored rows are locked (call it inside the deciding
    transaction): the group's row first, as the nightly locks groups, then the customer's.
    A caller that has read the customer's group membership (or its absence) passes it."""
    applying = limits()
    if not applying:
        return []
    if membership is _UNKNOWN:
        membership = (
            CustomerGroupMember.objects.select_related("group").filter(customer=customer).first()
        )
    uses = []
    if membership is not None and LimitKind.GROUP in applying:
        if lock:
            # The group row itself, as lending.group_limits and the nightly lock it.
            type(membership.group).objects.select_for_update().get(pk=membership.group_id)
        uses.append(
            Use(
                applying[LimitKind.GROUP],
                membership.group.name,
                _stored(GroupExposure, membership.group_id, lock=lock),
                added,
            )
        )
    if LimitKind.SINGLE_CUSTOMER in applying:
        uses.insert(
            0,
            Use(
                applying[LimitKind.SINGLE_CUSTOMER],
                str(customer),
                _stored(CustomerExposure, customer.pk, lock=lock),
                added,
            ),
        )
    return uses


def breaches(customer, *, added: Decimal, lock: bool = False) -> list[Use]:
    if added <= 0:
        return []
    return [use for use in uses_of(customer, added=added, lock=lock) if use.breached]


def exposure_add(*, customer, added: Decimal, on_facility: bool = False) -> None:
    """A decision's own amount added to the stored rows (locked by `uses_of(lock=True)` in the
    same transaction), so the next decision today counts it; the nightly recomputes exactly."""
    if added <= 0:
        return
    column = "undrawn" if on_facility else "committed"
    created = CustomerExposure.objects.get_or_create(
        customer=customer, defaults={"computed_on": business_date()}
    )[0]
    CustomerExposure.objects.filter(pk=created.pk).update(
        **{column: F(column) + added}, exposure=F("exposure") + added
    )
    membership = CustomerGroupMember.objects.filter(customer=customer).first()
    if membership is not None:
        group_row = GroupExposure.objects.get_or_create(
            group_id=membership.group_id, defaults={"computed_on": business_date()}
        )[0]
        GroupExposure.objects.filter(pk=group_row.pk).update(exposure=F("exposure") + added)


def facility_concentration_check(*, facility, added: Decimal) -> None:
    """Refuses a facility decision (approval, a raise) that would take its customer or group
    past a concentration limit, with the figures; else adds `added` to the stored exposure.
    Call it inside the deciding transaction."""
    found = breaches(facility.customer, added=added, lock=True)
    if found:
        raise ValidationError(
            {"limit": [use.message() for use in found]}, code="concentration_limit"
        )
    exposure_add(customer=facility.customer, added=added, on_facility=True)


def application_added_exposure(*, amount: Decimal, facility_id: int | None) -> Decimal:
    """What an application adds to its customer's exposure: its amount, or nothing when it
    draws on a facility (the facility's undrawn amount counts it already)."""
    return ZERO if facility_id else amount


@authority.register_exception_check
def concentration_breach(
    *, amount, product_type, grade, customer, facility_id=None
) -> authority.Escalation | None:
    """The approval authority's exception: a credit that would take its customer or group past
    a concentration limit always goes to the head-office credit committee, with the figures
    (the highest level if that one is not configured)."""
    found = breaches(
        customer, added=application_added_exposure(amount=amount, facility_id=facility_id)
    )
    if not found:
        return None
    level = (
        AuthorityLevel.objects.filter(code=BREACH_DECIDED_AT).first()
        or AuthorityLevel.objects.order_by("-rank").first()
    )
    return authority.Escalation(
        minimum_rank=level.rank, reason=" ".join(use.message() for use in found)
    )
