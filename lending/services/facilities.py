"""Credit facilities: proposal, approval (four eyes), activation, freeze and its lifting,
closing, the raise of a limit, and the check every application drawing on a facility passes.

Every transition locks the facility row and writes the audit trail in one transaction. The
drawing check locks it too, at the approval: two approvals drawing the last of a facility at
the same moment queue on that lock, and the second one counts the first's approved amount.

Expiry is read, not run: a facility past its expiry date is expired from the next business
day on (CreditFacility.status_on), on every page and in every check, whether or not anything
ran overnight; the stored status catches up (with its audit row) the next time a service
locks the facility. So no job has to have run for a lapsed limit to stop lending.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from audit.services import audit_log, snapshot
from core.business_date import business_date
from core.numbers import format_money
from lending import concentration, facilities
from lending.facility_models import (
    LIVE_STATUSES,
    CreditFacility,
    FacilityLimitChange,
    FacilityStatus,
    FacilitySublimit,
    LimitChangeStatus,
)
from lending.group_limits import group_limit_check
from lending.policies import (
    may_approve_facility,
    may_close_facility,
    may_freeze_facility,
    may_propose_facility,
    may_record_facility_review,
    may_unfreeze_facility,
)
from lending.services.permissions import FourEyesRefused, require

# A limit beyond this is a typing error, not a decision (ten billion yuan).
MAX_FACILITY_LIMIT = Decimal("10000000000.00")

FACILITY_PROPOSER_REFUSAL = gettext_lazy(
    "You proposed this, so another manager must approve it (four eyes)."
)
UNFREEZE_REFUSAL = gettext_lazy(
    "You froze this facility, so another manager must lift the freeze (four eyes)."
)


def _require_reason(reason: str, message: str) -> str:
    if not reason.strip():
        raise ValidationError({"reason": message})
    return reason.strip()


def _lock(facility: CreditFacility) -> CreditFacility:
    """The facility's row, locked; its stored status caught up with the calendar."""
    locked = (
        CreditFacility.objects.select_for_update().select_related("customer").get(pk=facility.pk)
    )
    if locked.status_on(business_date()) == FacilityStatus.EXPIRED != locked.status:
        _set_status(
            locked, actor=None, to=FacilityStatus.EXPIRED, action="lending.facility.expired"
        )
    return locked


def _set_status(
    facility: CreditFacility, *, actor: User | None, to: str, action: str, note: str = "", **fields
) -> CreditFacility:
    before = {"status": facility.status}
    facility.status = to
    facility.status_note = note or facility.status_note
    for name, value in fields.items():
        setattr(facility, name, value)
    facility.save(update_fields=["status", "status_note", *fields])
    audit_log(
        actor=actor,
        action=action,
        obj=facility,
        before=before,
        after={"status": to, **({"note": note} if note else {})},
    )
    return facility


def _refuse_unless(facility: CreditFacility, *expected: str) -> None:
    if facility.status not in expected:
        raise ValidationError(
            _("This facility is %(status)s; that step is not possible.")
            % {"status": facility.get_status_display()}
        )


def _check_terms(facility: CreditFacility, sublimits: list[tuple]) -> None:
    errors: dict[str, list[str]] = {}
    if facility.limit is None or facility.limit <= 0:
        errors.setdefault("limit", []).append(_("The limit must be more than zero."))
    elif facility.limit > MAX_FACILITY_LIMIT:
        errors.setdefault("limit", []).append(
            _("A limit above %(max)s is not possible.") % {"max": format_money(MAX_FACILITY_LIMIT)}
        )
    if facility.start_date and facility.expiry_date and facility.expiry_date <= facility.start_date:
        errors.setdefault("expiry_date", []).append(_("The expiry must be after the start."))
    dates = (facility.start_date, facility.review_date, facility.expiry_date)
    if all(dates) and not dates[0] < dates[1] <= dates[2]:
        errors.setdefault("review_date", []).append(
            _("The annual review falls after the start and no later than the expiry.")
        )
    for product, limit in sublimits:
        if product.customer_kind != facility.customer.kind:
            errors.setdefault("sublimits", []).append(
                _("%(product)s is not for this type of customer.") % {"product": product}
            )
        if limit <= 0:
            errors.setdefault("sublimits", []).append(
                _("The sublimit for %(product)s must be more than zero.") % {"product": product}
            )
        elif facility.limit and limit > facility.limit:
            errors.setdefault("sublimits", []).append(
                _("The sublimit for %(product)s (%(sublimit)s) is above the limit (%(limit)s).")
                % {
                    "product": product,
                    "sublimit": format_money(limit),
                    "limit": format_money(facility.limit),
                }
            )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def facility_propose(
    *,
    actor: User,
    facility: CreditFacility,
    sublimits: list[tuple] = (),
    collateral=(),
    guarantees=(),
) -> CreditFacility:
    """A new facility for the customer, proposed; `sublimits` are (product, limit) pairs, the
    collateral and guarantees those of the customer's applications that secure it."""
    require(may_propose_facility(actor))
    sublimits = list(sublimits)
    _check_terms(facility, sublimits)
    for item in [*collateral, *guarantees]:
        if item.application.customer_id != facility.customer_id:
            raise ValidationError(_("Secure the facility only with this customer's collateral."))
    facility.proposed_by = actor
    facility.proposed_at = timezone.now()
    facility.status = FacilityStatus.PROPOSED
    facility.full_clean(exclude=["proposed_by"])
    facility.save()
    FacilitySublimit.objects.bulk_create(
        FacilitySublimit(facility=facility, product=product, limit=limit)
        for product, limit in sublimits
    )
    facility.collateral.set(collateral)
    facility.guarantees.set(guarantees)
    audit_log(
        actor=actor,
        action="lending.facility.proposed",
        obj=facility,
        after={
            **snapshot(
                facility,
                ["customer_id", "kind", "limit", "start_date", "expiry_date", "review_date"],
            ),
            # Not "sublimits": that is the reverse relation's name, not a field of the row.
            "sublimit_by_product": {product.code: str(limit) for product, limit in sublimits},
            "collateral": [item.pk for item in collateral],
            "guarantees": [item.pk for item in guarantees],
        },
    )
    return facility


@transaction.atomic
def facility_approve(*, actor: User, facility: CreditFacility, note: str = "") -> CreditFacility:
    locked = _lock(facility)
    if locked.proposed_by_id == actor.pk:
        raise FourEyesRefused(FACILITY_PROPOSER_REFUSAL)
    require(may_approve_facility(actor, locked))
    _refuse_unless(locked, FacilityStatus.PROPOSED)
    # The group limit (集团统一授信) and the concentration limits against tier-1 capital, both
    # under the group's row lock, refuse with the figures; the whole limit is a commitment.
    group_limit_check(facility=locked)
    concentration.facility_concentration_check(facility=locked, added=locked.limit)
    return _set_status(
        locked,
        actor=actor,
        to=FacilityStatus.APPROVED,
        action="lending.facility.approved",
        note=note.strip(),
        approved_by=actor,
        approved_at=timezone.now(),
    )


@transaction.atomic
def facility_activate(*, actor: User, facility: CreditFacility) -> CreditFacility:
    """The agreement is signed: the approved facility may be drawn."""
    require(may_propose_facility(actor))
    locked = _lock(facility)
    _refuse_unless(locked, FacilityStatus.APPROVED)
    return _set_status(
        locked, actor=actor, to=FacilityStatus.ACTIVE, action="lending.facility.activated"
    )


@transaction.atomic
def facility_freeze(*, actor: User, facility: CreditFacility, reason: str) -> CreditFacility:
    require(may_freeze_facility(actor))
    reason = _require_reason(reason, _("Say why the facility is frozen."))
    locked = _lock(facility)
    _refuse_unless(locked, FacilityStatus.ACTIVE)
    return _set_status(
        locked,
        actor=actor,
        to=FacilityStatus.FROZEN,
        action="lending.facility.frozen",
        note=reason,
        frozen_by=actor,
        frozen_at=timezone.now(),
    )


@transaction.atomic
def facilities_freeze_for_customer(*, actor: User, customer, reason: str) -> list[CreditFacility]:
    """Freezes every active facility of the customer (the early-warning response "freeze the
    limit"); the ones frozen, none if there were none. A manager lifts each freeze."""
    require(may_freeze_facility(actor))
    reason = _require_reason(reason, _("Say why the facility is frozen."))
    frozen = []
    ids = CreditFacility.objects.filter(customer=customer, status=FacilityStatus.ACTIVE)
    for facility in ids.order_by("pk"):
        locked = _lock(facility)
        if locked.status == FacilityStatus.ACTIVE:
            frozen.append(
                _set_status(
                    locked,
                    actor=actor,
                    to=FacilityStatus.FROZEN,
                    action="lending.facility.frozen",
                    note=reason,
                    frozen_by=actor,
                    frozen_at=timezone.now(),
                )
            )
    return frozen


@transaction.atomic
def facility_unfreeze(*, actor: User, facility: CreditFacility, reason: str) -> CreditFacility:
    locked = _lock(facility)
    if locked.frozen_by_id == actor.pk:
        raise FourEyesRefused(UNFREEZE_REFUSAL)
    require(may_unfreeze_facility(actor, locked))
    reason = _require_reason(reason, _("Say why the freeze is lifted."))
    _refuse_unless(locked, FacilityStatus.FROZEN)
    return _set_status(
        locked,
        actor=actor,
        to=FacilityStatus.ACTIVE,
        action="lending.facility.unfrozen",
        note=reason,
        frozen_by=None,
        frozen_at=None,
    )


def next_review_date(reviewed_on, expiry_date):
    """One year after the review (28 February for a review on 29 February), never past the
    facility's expiry."""
    try:
        a_year_on = reviewed_on.replace(year=reviewed_on.year + 1)
    except ValueError:
        a_year_on = reviewed_on.replace(year=reviewed_on.year + 1, day=28)
    return min(a_year_on, expiry_date)


@transaction.atomic
def facility_review_record(*, actor: User, facility: CreditFacility, note: str) -> CreditFacility:
    """Records the annual review done today (who, when and the note go to the audit trail) and
    moves the next review a year on, never past the expiry. The review-overdue alert reads the
    review date, so the next night's scan resolves it."""
    require(may_record_facility_review(actor, facility))
    note = _require_reason(note, _("Say what the review found."))
    locked = _lock(facility)
    _refuse_unless(locked, *LIVE_STATUSES)
    today = business_date()
    before = snapshot(locked, ["review_date"])
    locked.review_date = next_review_date(today, locked.expiry_date)
    locked.save(update_fields=["review_date"])
    audit_log(
        actor=actor,
        action="lending.facility.review_recorded",
        obj=locked,
        before=before,
        after={**snapshot(locked, ["review_date"]), "reviewed_on": today.isoformat(), "note": note},
    )
    return locked


@transaction.atomic
def facility_close(*, actor: User, facility: CreditFacility, reason: str) -> CreditFacility:
    """No more drawing (the loans drawn run on); a proposed facility closed is declined."""
    locked = _lock(facility)
    require(may_close_facility(actor, locked))
    reason = _require_reason(reason, _("Say why the facility is closed."))
    _refuse_unless(locked, FacilityStatus.PROPOSED, *LIVE_STATUSES, FacilityStatus.EXPIRED)
    return _set_status(
        locked, actor=actor, to=FacilityStatus.CLOSED, action="lending.facility.closed", note=reason
    )


@transaction.atomic
def facility_limit_change_propose(
    *, actor: User, facility: CreditFacility, new_limit: Decimal, reason: str
) -> FacilityLimitChange:
    require(may_propose_facility(actor))
    reason = _require_reason(reason, _("Say why the limit should be raised."))
    locked = _lock(facility)
    _refuse_unless(locked, FacilityStatus.ACTIVE, FacilityStatus.APPROVED)
    if new_limit <= locked.limit:
        raise ValidationError(
            {
                "new_limit": _("The new limit must be above the current %(limit)s.")
                % {"limit": format_money(locked.limit)}
            }
        )
    if new_limit > MAX_FACILITY_LIMIT:
        raise ValidationError(
            {
                "new_limit": _("A limit above %(max)s is not possible.")
                % {"max": format_money(MAX_FACILITY_LIMIT)}
            }
        )
    if locked.limit_changes.filter(status=LimitChangeStatus.PENDING).exists():
        raise ValidationError(_("A raise of this limit already awaits approval."))
    change = FacilityLimitChange.objects.create(
        facility=locked,
        limit_before=locked.limit,
        new_limit=new_limit,
        reason=reason,
        proposed_by=actor,
    )
    audit_log(
        actor=actor,
        action="lending.facility.limit_change_proposed",
        obj=locked,
        before={"limit": locked.limit},
        after={"limit": new_limit, "reason": reason},
    )
    return change


def _lock_change(change: FacilityLimitChange, actor: User) -> tuple:
    facility = _lock(change.facility)
    locked = FacilityLimitChange.objects.select_for_update().get(pk=change.pk)
    if locked.proposed_by_id == actor.pk:
        raise FourEyesRefused(FACILITY_PROPOSER_REFUSAL)
    require(may_approve_facility(actor, facility, proposed_by_id=locked.proposed_by_id))
    if locked.status != LimitChangeStatus.PENDING:
        raise ValidationError(
            _("This raise is %(status)s already.") % {"status": locked.get_status_display()}
        )
    return facility, locked


@transaction.atomic
def facility_limit_change_approve(
    *, actor: User, change: FacilityLimitChange
) -> FacilityLimitChange:
    facility, locked = _lock_change(change, actor)
    _refuse_unless(facility, FacilityStatus.ACTIVE, FacilityStatus.APPROVED)
    before = {"limit": facility.limit}
    facility.limit = locked.new_limit
    # A raise passes the same group and concentration limits as the approval, for the amount
    # it adds.
    group_limit_check(facility=facility)
    concentration.facility_concentration_check(
        facility=facility, added=locked.new_limit - before["limit"]
    )
    facility.save(update_fields=["limit"])
    locked.status = LimitChangeStatus.APPROVED
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    audit_log(
        actor=actor,
        action="lending.facility.limit_change_approved",
        obj=facility,
        before=before,
        after={"limit": facility.limit},
    )
    return locked


@transaction.atomic
def facility_limit_change_reject(
    *, actor: User, change: FacilityLimitChange
) -> FacilityLimitChange:
    facility, locked = _lock_change(change, actor)
    locked.status = LimitChangeStatus.REJECTED
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    audit_log(
        actor=actor,
        action="lending.facility.limit_change_rejected",
        obj=facility,
        after={"limit": facility.limit, "new_limit": locked.new_limit},
    )
    return locked


def facility_drawing_check(application, *, amount: Decimal | None = None) -> None:
    """Refuses an application that draws on a facility it may not: another customer's, one
    not active (proposed, frozen, expired, closed), or, given `amount`, more than the
    facility's available amount or its sublimit for the product. Locks the facility row, so
    concurrent approvals drawing on it are counted one after the other (call it inside the
    approval's transaction)."""
    if application.facility_id is None:
        return
    facility = (
        CreditFacility.objects.select_for_update()
        .select_related("customer")
        .get(pk=application.facility_id)
    )
    if facility.customer_id != application.customer_id:
        raise ValidationError({"facility": _("This facility is another customer's.")})
    status = facility.status_on(business_date())
    if status != FacilityStatus.ACTIVE:
        raise ValidationError(
            {
                "facility": _("Facility %(ref)s is %(status)s and cannot be drawn.")
                % {"ref": facility.reference, "status": FacilityStatus(status).label.lower()}
            }
        )
    if amount is None:
        return
    figures = facilities.figures_of(facility)
    if amount > figures.available:
        raise ValidationError(
            {
                "amount": _(
                    "Facility %(ref)s: requested %(amount)s, available %(available)s of %(limit)s."
                )
                % {
                    "ref": facility.reference,
                    "amount": format_money(amount),
                    "available": format_money(figures.available),
                    "limit": format_money(figures.limit),
                }
            }
        )
    sublimit = facility.sublimits.filter(product_id=application.product_id).first()
    if sublimit is not None:
        drawn = facilities.product_utilisation(facility, application.product_id)
        available = max(sublimit.limit - drawn, Decimal("0.00"))
        if amount > available:
            raise ValidationError(
                {
                    "amount": _(
                        "Facility %(ref)s, sublimit for this product: requested %(amount)s, "
                        "available %(available)s of %(limit)s."
                    )
                    % {
                        "ref": facility.reference,
                        "amount": format_money(amount),
                        "available": format_money(available),
                        "limit": format_money(sublimit.limit),
                    }
                }
            )
