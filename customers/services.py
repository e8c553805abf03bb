"""Writes for customers and the relationship work around them; every change is audited.

Views and the importer call these; they check the role rule (403) while the view has
already checked the data scope (404) with `customers.selectors.customer_get_for`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role, User
from accounts.scope import scope_queryset
from audit.models import AuditEvent
from audit.services import audit_change, audit_log, audit_log_many, snapshot
from customers import hooks, notifications, screening
from customers.identifiers import normalize_credit_code, normalize_phone, parse_resident_id
from customers.models import (
    IDENTIFIER_CONSTRAINTS,
    OPEN_COMPLAINT_STATUSES,
    AttemptChannel,
    Complaint,
    ComplaintStatus,
    ContactPerson,
    Customer,
    CustomerKind,
    DuplicateAttempt,
    FollowUp,
    FollowUpKind,
    FollowUpSource,
    FollowUpStatus,
    IdentifierKind,
    Interaction,
    NeedsProfile,
    OfficerTransfer,
    RevealReason,
    SavedFilter,
    Severity,
    Survey,
    Tag,
    resident_id_digest,
)
from customers.policies import (
    may_assign_to,
    may_edit_customers,
    may_own_customers,
    may_reveal_identifiers,
    may_transfer_customer,
    may_undo_follow_up,
    owns_what_they_create,
)

CUSTOMER_AUDIT_FIELDS = [
    "kind",
    "name",
    "officer_id",
    "branch_id",
    "phone",
    "email",
    "address",
    "language",
    "risk_level",
    "grade",
    "resident_id",
    "birth_date",
    "gender",
    "occupation",
    "employer",
    "monthly_income",
    "credit_code",
    "industry_id",
    "size",
    "founded_on",
    "annual_revenue",
    "registered_capital",
    "legal_representative",
]
# Personal identifiers never enter the audit trail in clear text.
MASKED_IN_AUDIT = {"resident_id", "phone"}

# Hours to resolve a complaint, by severity (service standard shown to the customer).
COMPLAINT_SLA_HOURS = {Severity.HIGH: 48, Severity.MEDIUM: 5 * 24, Severity.LOW: 10 * 24}


def _tag_names(customer: Customer) -> list[str]:
    return sorted(customer.tags.values_list("name", flat=True))


def _customer_snapshot(customer: Customer) -> dict[str, Any]:
    values = snapshot(customer, CUSTOMER_AUDIT_FIELDS)
    values["resident_id"] = customer.masked_identifier if customer.is_individual else None
    values["phone"] = customer.masked_phone
    return values


# --- Role rules: customers/policies.py decides, the services refuse -----------------------------


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


MONEY_FIELDS = ["monthly_income", "annual_revenue", "registered_capital"]
CENT = Decimal("0.01")


def _normalise(customer: Customer) -> None:
    """Canonical forms before validation: identifiers, phone, money rounded to the cent."""
    for name in MONEY_FIELDS:
        value = getattr(customer, name)
        if isinstance(value, Decimal) and value.is_finite():
            # Too large to round (an import's 1e30): it stays as typed, full_clean reports it.
            with contextlib.suppress(InvalidOperation):
                setattr(customer, name, value.quantize(CENT, rounding=ROUND_HALF_UP))
    if customer.kind == CustomerKind.INDIVIDUAL:
        customer.credit_code = None
        try:
            number, birth_date, gender = parse_resident_id(customer.resident_id or "")
        except ValueError:
            pass  # an invalid ID stays as typed: full_clean reports it next to the field
        else:
            customer.resident_id = number
            customer.birth_date = customer.birth_date or birth_date
            customer.gender = customer.gender or gender
    else:
        customer.resident_id = None
        customer.credit_code = normalize_credit_code(customer.credit_code or "") or None
    if customer.phone:
        # An invalid phone stays as typed: full_clean reports it next to the field.
        with contextlib.suppress(ValueError):
            customer.phone = normalize_phone(customer.phone)


# --- Identifiers another customer holds -----------------------------------------------------------
#
# A resident ID or credit code is unique in the bank, so registering one that a customer
# already holds must be refused, and the refusal itself says that the person or firm is
# known here. What the bank can control is everything around it, as its security officer
# would have it:
# - The answer is the same whoever holds the identifier: the user's own customer, a
#   colleague's, another branch's. Same words, same field, same status, and the same work
#   behind it (the same queries whatever the scope), so neither the text nor the time of the
#   answer tells which. It names no customer, officer or branch and offers no link to the
#   existing record even when the user could open it: an answer that differed for the
#   customers in scope would tell, by its absence, that a refused identifier belongs to one
#   outside it. The user's own customer is found from their own follow-up (below) or search.
# - The refusal is routed to the people who may see the customer: its officer and the
#   managers of its branch get a follow-up naming who tried, from which branch and how, so a
#   customer who walked into another branch for a new product is served by the one who knows
#   them. Nothing the user typed is copied there.
# - Every attempt is kept (DuplicateAttempt) and audited, and the risk side watches for one
#   person hitting many customers outside their scope in a day (customers.hooks, risk.conduct).

DUPLICATE_MESSAGES = {
    IdentifierKind.RESIDENT_ID: gettext_lazy(
        "This resident ID cannot be registered. If the person is already a customer of the "
        "bank, their relationship manager has been told."
    ),
    IdentifierKind.CREDIT_CODE: gettext_lazy(
        "This unified social credit code cannot be registered. If the enterprise is already "
        "a customer of the bank, its relationship manager has been told."
    ),
}


class DuplicateIdentifier(ValidationError):
    """The identifier typed belongs to another customer; nothing was saved. The message,
    next to the identifier's field, is the same whoever that customer is.

    The caller records the attempt with `duplicate_attempts_record` once the transaction of
    the refused change has ended (a rolled-back transaction would take the record with it).
    """

    def __init__(self, *, customer_id: int, identifier: str):
        super().__init__(
            {identifier: ValidationError(DUPLICATE_MESSAGES[identifier], code="duplicate")}
        )
        self.customer_id = customer_id
        self.identifier = identifier


def _holder_of_identifier(customer: Customer) -> DuplicateIdentifier | None:
    """The refusal for a (normalised, valid) identifier that another customer holds."""
    if customer.kind == CustomerKind.INDIVIDUAL and customer.resident_id:
        identifier = IdentifierKind.RESIDENT_ID
        holders = Customer.objects.filter(resident_id_hash=resident_id_digest(customer.resident_id))
    elif customer.kind == CustomerKind.ENTERPRISE and customer.credit_code:
        identifier = IdentifierKind.CREDIT_CODE
        holders = Customer.objects.filter(credit_code=customer.credit_code)
    else:
        return None
    if customer.pk is not None:
        holders = holders.exclude(pk=customer.pk)
    holder = holders.values_list("pk", flat=True).first()
    if holder is None:
        return None
    return DuplicateIdentifier(customer_id=holder, identifier=identifier)


def _save_holding_identifier(customer: Customer, **save_options) -> None:
    """Saves the customer unless another holds its identifier, in which case it raises the
    DuplicateIdentifier. The check before the save answers almost always; the unique index
    answers for a customer with the same identifier committed between the check and the save
    (two people registering the same person at once), so the loser gets the same answer
    rather than a server error."""
    refusal = _holder_of_identifier(customer)
    if refusal is not None:
        raise refusal
    try:
        with transaction.atomic():
            customer.save(**save_options)
    except IntegrityError as error:
        constraint = getattr(getattr(error.__cause__, "diag", None), "constraint_name", None)
        refusal = _holder_of_identifier(customer) if constraint in IDENTIFIER_CONSTRAINTS else None
        if refusal is None:
            raise
        raise refusal from None


def _branch_label(user: User) -> str:
    return str(user.branch) if user.branch_id else _("head office")


def _duplicate_follow_up_purpose(attempt: DuplicateAttempt, actor: User, owner: User) -> str:
    """What the follow-up says, in its owner's language: who tried, from where, how and when;
    nothing of what they typed."""
    with translation.override(owner.language or settings.LANGUAGE_CODE):
        purpose = _(
            "%(person)s (%(branch)s) tried to register this customer's %(identifier)s again "
            "(%(channel)s, %(day)s). Ask them what the customer came for."
        ) % {
            "person": actor.get_full_name() or actor.get_username(),
            "branch": _branch_label(actor),
            "identifier": attempt.get_identifier_display(),
            "channel": attempt.get_channel_display(),
            "day": attempt.day.isoformat(),
        }
    return purpose[: FollowUp._meta.get_field("purpose").max_length]


FOLLOW_UP_AUDIT_FIELDS = ["customer_id", "owner_id", "kind", "purpose", "due_on", "source"]


def _duplicate_follow_ups_plan(*, actor: User, attempts: list[DuplicateAttempt], customers) -> None:
    """A follow-up due today for the customer's officer and each active manager of its
    branch; one open follow-up per customer, owner and person who tried, however often they
    try. The same statements run whoever the customer is (two reads, two inserts)."""
    branch_ids = {customers[attempt.customer_id].branch_id for attempt in attempts}
    managers: dict[int, list[User]] = {}
    for manager in User.objects.filter(
        role=Role.MANAGER, is_active=True, branch_id__in=branch_ids
    ).order_by("id"):
        managers.setdefault(manager.branch_id, []).append(manager)
    already = set(
        FollowUp.objects.filter(
            source=FollowUpSource.DUPLICATE,
            status=FollowUpStatus.OPEN,
            customer_id__in=[attempt.customer_id for attempt in attempts],
            duplicate_attempt__attempted_by=actor,
        ).values_list("customer_id", "owner_id")
    )
    planned = []
    for attempt in attempts:
        customer = customers[attempt.customer_id]
        for owner in [customer.officer, *managers.get(customer.branch_id, [])]:
            if (customer.pk, owner.pk) in already:
                continue
            already.add((customer.pk, owner.pk))
            planned.append(
                FollowUp(
                    customer=customer,
                    owner=owner,
                    kind=FollowUpKind.OTHER,
                    purpose=_duplicate_follow_up_purpose(attempt, actor, owner),
                    due_on=attempt.day,
                    source=FollowUpSource.DUPLICATE,
                    duplicate_attempt=attempt,
                    created_at=attempt.attempted_at,
                )
            )
    FollowUp.objects.bulk_create(planned)
    # The system planned them, prompted by the attempt (audited on its own with its actor).
    audit_log_many(
        actor=None,
        entries=[
            (
                "customers.follow_up.planned",
                follow_up,
                None,
                snapshot(follow_up, FOLLOW_UP_AUDIT_FIELDS),
            )
            for follow_up in planned
        ],
    )


@transaction.atomic
def duplicate_attempts_record(
    *, actor: User, refusals: list[DuplicateIdentifier], channel: str
) -> list[DuplicateAttempt]:
    """Keeps attempts to register identifiers that other customers hold, refused with
    DuplicateIdentifier: audited, routed to the customers' officers and managers, and handed
    to the registered hooks (customers.hooks). Call it after the transaction of the refused
    change has ended: the change is undone, the attempt happened."""
    if not refusals:
        return []
    if channel not in AttemptChannel.values:
        raise ValueError(f"unknown channel {channel!r}")
    customer_ids = {refusal.customer_id for refusal in refusals}
    customers = Customer.objects.select_related("officer", "branch").in_bulk(customer_ids)
    in_scope = set(
        scope_queryset(actor, Customer.objects.filter(pk__in=customer_ids)).values_list(
            "pk", flat=True
        )
    )
    now = timezone.now()
    attempts = DuplicateAttempt.objects.bulk_create(
        [
            DuplicateAttempt(
                customer_id=refusal.customer_id,
                attempted_by=actor,
                attempted_at=now,
                day=timezone.localdate(now),
                identifier=refusal.identifier,
                channel=channel,
                in_scope=refusal.customer_id in in_scope,
            )
            # A customer deleted since the refusal has nobody left to tell.
            for refusal in refusals
            if refusal.customer_id in customers
        ]
    )
    audit_log_many(
        actor=actor,
        entries=[
            (
                "customers.customer.duplicate_attempted",
                customers[attempt.customer_id],
                None,
                {
                    "identifier": attempt.identifier,
                    "channel": attempt.channel,
                    "in_scope": attempt.in_scope,
                },
            )
            for attempt in attempts
        ],
    )
    _duplicate_follow_ups_plan(actor=actor, attempts=attempts, customers=customers)
    hooks.duplicate_attempts_recorded(attempts)
    return attempts


# --- Customers ---------------------------------------------------------------------------------


@transaction.atomic
def customer_create(*, actor: User, customer: Customer, tags: Iterable[Tag] = ()) -> Customer:
    """Saves a new customer built by a form or the importer (not yet saved), with its tags.
    An identifier another customer holds raises DuplicateIdentifier (see above)."""
    _require(may_edit_customers(actor))
    if owns_what_they_create(actor):
        # An officer's new customer is theirs, in their branch.
        customer.officer = actor
    customer.branch_id = customer.officer.branch_id
    _require(may_assign_to(actor, customer.officer))
    _normalise(customer)
    now = timezone.now()
    customer.created_at = customer.updated_at = customer.assigned_at = now
    customer.full_clean(exclude=["name_grams"])
    _save_holding_identifier(customer)
    after = _customer_snapshot(customer)
    if tags:
        # In the same transaction and the same audit row as the customer they describe.
        customer.tags.set(tags)
        after["tags"] = _tag_names(customer)
    audit_log(
        actor=actor,
        action="customers.customer.created",
        obj=customer,
        after=after,
    )
    # Against the watch lists before anyone works with them (customers.screening).
    screening.customer_screen(customer=customer)
    return customer


class EditConflict(ValidationError):
    """The record changed between opening the form and saving it; nothing was saved."""


# The changes of a customer's own record that move `updated_at`, and so its edit token.
RECORD_CHANGES = (
    "customers.customer.updated",
    "customers.customer.transferred",
    "customers.customer.graded",
)
CONTACT_CHANGES = ("customers.contact.updated",)


def _changed_by_since(record, since: dt.datetime, actions=RECORD_CHANGES) -> str:
    """Who last changed the record after `since`, for the conflict message."""
    event = (
        AuditEvent.objects.filter(
            object_type=record._meta.label_lower,
            object_id=str(record.pk),
            action__in=actions,
            created_at__gt=since,
            actor__isnull=False,
        )
        .select_related("actor")
        .order_by("-created_at", "-id")
        .first()
    )
    if event is None:
        return _("another user")
    return event.actor.get_full_name() or event.actor.get_username()


@transaction.atomic
def customer_update(
    *,
    actor: User,
    customer: Customer,
    changes: dict[str, Any],
    expected_version: dt.datetime | None = None,
    tags: Iterable[Tag] | None = None,
) -> Customer:
    """Saves an edit, and the customer's tags when `tags` is given (None leaves them as they
    are; a tag change is audited with the edit). `expected_version` is the `updated_at` the
    editor's form was opened with: when the record changed since, the edit is refused rather
    than silently writing over the other person's change (optimistic concurrency; the row lock
    makes the check and the write one step). An identifier another customer holds raises
    DuplicateIdentifier."""
    _require(may_edit_customers(actor))
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    if expected_version is not None and locked.updated_at != expected_version:
        raise EditConflict(
            _(
                "This customer was changed by %(someone)s while you were editing; review "
                "their change and save again."
            )
            % {"someone": _changed_by_since(locked, expected_version)},
            code="edit_conflict",
        )
    before = _customer_snapshot(locked)
    after_tags = None
    if tags is not None:
        before["tags"] = _tag_names(locked)
        locked.tags.set(tags)
        after_tags = _tag_names(locked)
    protected = {"officer", "officer_id", "branch", "branch_id", "kind", "grade", "risk_level"}
    for field, value in changes.items():
        if field in protected:
            raise ValueError(f"{field} is changed by its own service")
        setattr(locked, field, value)
    _normalise(locked)
    locked.updated_at = timezone.now()
    locked.full_clean(exclude=["name_grams"])
    _save_holding_identifier(locked)
    after = _customer_snapshot(locked)
    if after_tags is not None:
        after["tags"] = after_tags
    audit_change(
        actor=actor,
        action="customers.customer.updated",
        obj=locked,
        before=before,
        after=after,
    )
    return locked


@transaction.atomic
def customer_transfer(
    *, actor: User, customer: Customer, to_officer: User, reason: str
) -> Customer:
    """Hands the customer to another officer, keeping a dated history with the reason; the
    officer is mailed once it is committed."""
    _require(may_transfer_customer(actor))
    if not may_own_customers(to_officer):
        raise ValidationError({"to_officer": _("Choose an active loan officer.")})
    if not may_assign_to(actor, to_officer):
        raise ValidationError({"to_officer": _("Choose an officer of your branch.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the customer changes hands.")})
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    if locked.officer_id == to_officer.pk:
        raise ValidationError({"to_officer": _("This officer already manages the customer.")})
    before = _customer_snapshot(locked)
    now = timezone.now()
    transfer = OfficerTransfer.objects.create(
        customer=locked,
        from_officer_id=locked.officer_id,
        to_officer=to_officer,
        reason=reason.strip(),
        transferred_by=actor,
        transferred_at=now,
    )
    locked.officer = to_officer
    locked.branch_id = to_officer.branch_id
    locked.assigned_at = locked.updated_at = now
    locked.save(update_fields=["officer", "branch", "assigned_at", "updated_at"])
    # Open work follows the customer to the new officer.
    FollowUp.objects.filter(customer=locked, status=FollowUpStatus.OPEN).update(owner=to_officer)
    audit_change(
        actor=actor,
        action="customers.customer.transferred",
        obj=locked,
        before=before,
        after=_customer_snapshot(locked),
    )
    # The new officer learns of it by mail, and only of a transfer that was committed.
    transaction.on_commit(partial(notifications.customer_transferred, transfer.pk))
    return locked


def customer_reveal_identifier(*, actor: User, customer: Customer, reason: str) -> dict[str, str]:
    """The full resident ID and phone, for a role that needs them; every reveal is audited
    with its reason."""
    _require(may_reveal_identifiers(actor))
    if reason not in RevealReason.values:
        raise ValidationError({"reason": _("Say why you need the full identifiers.")})
    audit_log(
        actor=actor,
        action="customers.customer.identifier_revealed",
        obj=customer,
        after={"reason": reason},
    )
    return {
        "identifier": customer.resident_id or customer.credit_code or "",
        "phone": customer.phone,
    }


def customer_record_view(*, actor: User, customer: Customer) -> None:
    """Who looked at which customer: the audit trail answers it."""
    audit_log(actor=actor, action="customers.customer.viewed", obj=customer)


# --- Contacts and needs --------------------------------------------------------------------------


def _contact_snapshot(contact: ContactPerson) -> dict:
    # The version moves with every save: not a change worth showing in the trail.
    fields = [f.attname for f in ContactPerson._meta.concrete_fields if f.name != "updated_at"]
    return snapshot(contact, fields)


@transaction.atomic
def contact_save(
    *, actor: User, contact: ContactPerson, expected_version: dt.datetime | None = None
) -> ContactPerson:
    """Adds or edits a contact. An edit made on a form opened before someone else's change
    (`expected_version`, the `updated_at` it was opened with) is refused, as for customers."""
    _require(may_edit_customers(actor))
    creating = contact.pk is None
    before = None
    if not creating:
        stored = ContactPerson.objects.select_for_update().get(pk=contact.pk)
        if expected_version is not None and stored.updated_at != expected_version:
            raise EditConflict(
                _(
                    "This contact was changed by %(someone)s while you were editing; review "
                    "their change and save again."
                )
                % {"someone": _changed_by_since(stored, expected_version, CONTACT_CHANGES)},
                code="edit_conflict",
            )
        before = _contact_snapshot(stored)
    if contact.phone:
        contact.phone = normalize_phone(contact.phone)
    if contact.is_primary:
        # One primary contact: promoting this one demotes the previous (a change to it).
        ContactPerson.objects.filter(customer=contact.customer, is_primary=True).exclude(
            pk=contact.pk
        ).update(is_primary=False, updated_at=timezone.now())
    contact.full_clean()
    contact.save()
    if creating:
        audit_log(
            actor=actor,
            action="customers.contact.created",
            obj=contact,
            after=_contact_snapshot(contact),
        )
    else:
        audit_change(
            actor=actor,
            action="customers.contact.updated",
            obj=contact,
            before=before,
            after=_contact_snapshot(contact),
        )
    return contact


@transaction.atomic
def needs_record(*, actor: User, needs: NeedsProfile) -> NeedsProfile:
    _require(may_edit_customers(actor))
    needs.recorded_by = actor
    needs.full_clean()
    needs.save()
    audit_log(actor=actor, action="customers.needs.recorded", obj=needs, after=snapshot(needs))
    return needs


# --- Interactions and follow-ups -----------------------------------------------------------------


INTERACTION_AUDIT_FIELDS = [
    "customer_id",
    "channel",
    "direction",
    "occurred_at",
    "summary",
    "outcome",
    "next_step",
    "completes_follow_up_id",
]


@transaction.atomic
def interaction_log(
    *,
    actor: User,
    interaction: Interaction,
    completes: FollowUp | None = None,
    next_step_due: dt.date | None = None,
) -> Interaction:
    """Records a contact; it may complete an open follow-up of the same customer, and with
    `next_step_due` its next step becomes a follow-up due that day (the actor's if they own
    customers, else the customer's officer's), planned in the same transaction."""
    _require(may_edit_customers(actor))
    interaction.officer = actor
    if interaction.occurred_at > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError({"occurred_at": _("An interaction cannot be in the future.")})
    if next_step_due is not None and not interaction.next_step.strip():
        raise ValidationError({"next_step": _("Say what the next step is, to plan it.")})
    if completes is not None:
        follow_up = FollowUp.objects.select_for_update().get(pk=completes.pk)
        if follow_up.customer_id != interaction.customer_id:
            raise ValidationError(
                {"completes_follow_up": _("That follow-up is another customer's.")}
            )
        if follow_up.status != FollowUpStatus.OPEN:
            raise ValidationError({"completes_follow_up": _("That follow-up is already closed.")})
        interaction.completes_follow_up = follow_up
    interaction.full_clean()
    interaction.save()
    if interaction.completes_follow_up is not None:
        _follow_up_close(
            actor=actor, follow_up=interaction.completes_follow_up, status=FollowUpStatus.DONE
        )
    audit_log(
        actor=actor,
        action="customers.interaction.logged",
        obj=interaction,
        after=snapshot(interaction, [f for f in INTERACTION_AUDIT_FIELDS if f != "summary"]),
    )
    if next_step_due is not None:
        try:
            follow_up_plan(
                actor=actor,
                follow_up=FollowUp(
                    customer=interaction.customer,
                    owner=actor if owns_what_they_create(actor) else None,
                    kind=FollowUpKind.CALL,
                    purpose=interaction.next_step.strip(),
                    due_on=next_step_due,
                ),
            )
        except ValidationError as error:
            # The follow-up's date is the form's "next step due" field.
            raise ValidationError(
                {"next_step_due": error.message_dict.get("due_on", error.messages)}
            ) from error
    return interaction


@transaction.atomic
def follow_up_plan(*, actor: User, follow_up: FollowUp) -> FollowUp:
    _require(may_edit_customers(actor))
    if follow_up.owner_id is None:
        follow_up.owner = follow_up.customer.officer
    if follow_up.due_on < timezone.localdate():
        raise ValidationError({"due_on": _("Plan it for today or later.")})
    follow_up.source = FollowUpSource.MANUAL
    follow_up.full_clean()
    follow_up.save()
    audit_log(
        actor=actor,
        action="customers.follow_up.planned",
        obj=follow_up,
        after=snapshot(follow_up, ["customer_id", "owner_id", "kind", "purpose", "due_on"]),
    )
    return follow_up


def _follow_up_close(*, actor: User, follow_up: FollowUp, status: str) -> bool:
    # Conditional update: closing a follow-up twice (two tabs, a retry) changes nothing.
    closed = FollowUp.objects.filter(pk=follow_up.pk, status=FollowUpStatus.OPEN).update(
        status=status, closed_at=timezone.now()
    )
    if closed:
        audit_log(
            actor=actor,
            action=f"customers.follow_up.{status}",
            obj=follow_up,
            before={"status": FollowUpStatus.OPEN},
            after={"status": status},
        )
    return bool(closed)


@transaction.atomic
def follow_up_complete(*, actor: User, follow_up: FollowUp) -> bool:
    _require(may_edit_customers(actor))
    return _follow_up_close(actor=actor, follow_up=follow_up, status=FollowUpStatus.DONE)


@transaction.atomic
def follow_up_done(*, actor: User, follow_up: FollowUp, outcome: str, channel: str) -> Interaction:
    """Completes an open follow-up with what came of it: the outcome is logged as an
    interaction on the customer's timeline, which closes the follow-up (interaction_log
    audits both). Refused, with the reason by the field, when the follow-up is closed."""
    outcome = outcome.strip()
    if not outcome:
        raise ValidationError({"outcome": _("Say what came of it.")})
    return interaction_log(
        actor=actor,
        interaction=Interaction(
            customer=follow_up.customer,
            channel=channel,
            summary=outcome,
            outcome=outcome,
            occurred_at=timezone.now(),
        ),
        completes=follow_up,
    )


@transaction.atomic
def follow_up_reopen(*, actor: User, follow_up: FollowUp) -> FollowUp:
    """Undoes "done": the follow-up is open again and the interaction that closed it is
    removed from the timeline. The trail keeps both (the interaction's every field in the
    "voided" event), so the history stays whole. Allowed by may_undo_follow_up."""
    locked = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    interaction = Interaction.objects.filter(completes_follow_up=locked).first()
    if not may_undo_follow_up(actor, locked, interaction, timezone.localdate()):
        if not may_edit_customers(actor):
            raise PermissionDenied
        raise ValidationError(_("Only who marked it done can undo it, and only on the same day."))
    audit_log(
        actor=actor,
        action="customers.interaction.voided",
        obj=interaction,
        before=snapshot(interaction, INTERACTION_AUDIT_FIELDS),
    )
    interaction.delete()
    closed_at = locked.closed_at
    locked.status = FollowUpStatus.OPEN
    locked.closed_at = None
    locked.save(update_fields=["status", "closed_at"])
    audit_log(
        actor=actor,
        action="customers.follow_up.reopened",
        obj=locked,
        before={"status": FollowUpStatus.DONE, "closed_at": closed_at},
        after={"status": FollowUpStatus.OPEN},
    )
    return locked


@transaction.atomic
def follow_up_cancel(*, actor: User, follow_up: FollowUp) -> bool:
    _require(may_edit_customers(actor))
    return _follow_up_close(actor=actor, follow_up=follow_up, status=FollowUpStatus.CANCELLED)


# The revisit generator, one INSERT … SELECT for the whole book (or one id range of it).
# A customer gets a revisit when it has no open cadence follow-up and its last contact (or,
# without one, its assignment) is older than its risk level's cadence allows for the horizon.
# The partial unique index followup_one_open_cadence_per_customer plus ON CONFLICT DO NOTHING
# make a second run, or two overlapping runs, insert nothing new.
REVISIT_SQL = """
INSERT INTO customers_followup
    (customer_id, owner_id, kind, purpose, due_on, status, source, created_at)
SELECT c.id, c.officer_id, 'revisit', %(purpose)s,
       GREATEST(%(today)s::date,
                (COALESCE(last_contact.at, c.assigned_at) AT TIME ZONE %(tz)s)::date
                + cadence.days),
       'open', 'cadence', %(now)s
FROM customers_customer c
JOIN customers_revisitcadence cadence ON cadence.risk_level = c.risk_level
LEFT JOIN LATERAL (
    SELECT max(i.occurred_at) AS at FROM customers_interaction i WHERE i.customer_id = c.id
) last_contact ON true
WHERE c.id BETWEEN %(first_id)s AND %(last_id)s
  AND (COALESCE(last_contact.at, c.assigned_at) AT TIME ZONE %(tz)s)::date + cadence.days
      <= %(today)s::date + %(horizon)s
  AND NOT EXISTS (
      SELECT 1 FROM customers_followup f
      WHERE f.customer_id = c.id AND f.source = 'cadence' AND f.status = 'open')
ON CONFLICT DO NOTHING
"""


def revisit_follow_ups_generate(
    *, first_id: int, last_id: int, today: dt.date | None = None, horizon_days: int = 7
) -> int:
    """Creates due revisits for customers with ids in [first_id, last_id]; returns how many."""
    from django.conf import settings

    today = today or timezone.localdate()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            REVISIT_SQL,
            {
                "purpose": "Regular revisit",
                "today": today,
                "tz": settings.TIME_ZONE,
                "now": timezone.now(),
                "first_id": first_id,
                "last_id": last_id,
                "horizon": horizon_days,
            },
        )
        return cursor.rowcount


# --- Complaints and surveys ----------------------------------------------------------------------


@transaction.atomic
def complaint_record(*, actor: User, complaint: Complaint) -> Complaint:
    _require(may_edit_customers(actor))
    if complaint.owner_id is None:
        complaint.owner = complaint.customer.officer
    complaint.sla_due_at = complaint.received_at + dt.timedelta(
        hours=COMPLAINT_SLA_HOURS[Severity(complaint.severity)]
    )
    complaint.status = ComplaintStatus.OPEN
    complaint.full_clean()
    complaint.save()
    audit_log(
        actor=actor,
        action="customers.complaint.recorded",
        obj=complaint,
        after=snapshot(
            complaint, ["customer_id", "kind", "category", "severity", "sla_due_at", "owner_id"]
        ),
    )
    return complaint


@transaction.atomic
def complaint_update(
    *, actor: User, complaint: Complaint, status: str, resolution: str = ""
) -> Complaint:
    _require(may_edit_customers(actor))
    locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if locked.status not in OPEN_COMPLAINT_STATUSES:
        raise ValidationError({"status": _("This complaint is already resolved.")})
    before = snapshot(locked, ["status", "resolution", "resolved_at"])
    locked.status = status
    resolution = resolution.strip()
    if status == ComplaintStatus.RESOLVED:
        if not resolution:
            raise ValidationError({"resolution": _("Say how the complaint was resolved.")})
        locked.resolution = resolution
        locked.resolved_at = timezone.now()
    elif resolution:
        # Only a resolved complaint has a resolution: saving the text with another status
        # would drop it unseen, so the officer chooses (resolved, or the text goes).
        raise ValidationError(
            {
                "resolution": _(
                    "Only a resolved complaint has a resolution: set the status to "
                    "Resolved, or clear the resolution."
                )
            }
        )
    locked.full_clean()
    locked.save(update_fields=["status", "resolution", "resolved_at"])
    audit_change(
        actor=actor,
        action="customers.complaint.updated",
        obj=locked,
        before=before,
        after=snapshot(locked, ["status", "resolution", "resolved_at"]),
    )
    return locked


@transaction.atomic
def survey_record(*, actor: User, survey: Survey) -> Survey:
    _require(may_edit_customers(actor))
    survey.recorded_by = actor
    survey.full_clean()
    survey.save()
    audit_log(
        actor=actor,
        action="customers.survey.recorded",
        obj=survey,
        after=snapshot(survey, ["customer_id", "event", "source", "csat", "nps"]),
    )
    return survey


# --- Saved filters -------------------------------------------------------------------------------


@transaction.atomic
def saved_filter_save(*, actor: User, name: str, query: str) -> SavedFilter:
    saved, _created = SavedFilter.objects.update_or_create(
        owner=actor, name=name.strip(), defaults={"query": query}
    )
    return saved


def saved_filter_delete(*, actor: User, saved_filter_id: int) -> bool:
    deleted, _ = SavedFilter.objects.filter(owner=actor, pk=saved_filter_id).delete()
    return bool(deleted)
