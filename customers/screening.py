"""Watch-list screening (AML): importing the lists, screening customers, working the hits.

- A list arrives as a file (docs/screening.md): one source and one list date per file. The
  import checks every line first and refuses a malformed file whole, naming the line; then it
  brings the source's list to the file's version: new entries added, changed ones updated,
  entries the file no longer has delisted (kept, since hits point at them). Importing the
  same file twice changes nothing.
- Customers are screened when created (the form and the customer import both go through
  customers.services.customer_create) and the whole book after each list import, by id-range
  chunks in Celery (customers.tasks): each chunk reads its customers in one query and matches
  them in memory against the active entries, read once per chunk.
- A match is an exact ID number (through the keyed hash customers are found by, so no
  identifier is compared or kept in clear) or an equal normalised name or alias
  (customers.screening_names); when both sides have a date of birth, a name match needs it
  equal. A hit is unique per (customer, entry): a rescreen never raises one twice, and a
  cleared hit stays cleared.
- Compliance confirms a hit alone (it raises recorded risk) but clearing one as a false
  positive lowers it: one compliance officer proposes, another (or the customer's branch
  manager) approves. Until then the customer cannot be onboarded further
  (`screening_blocks`, called by lending's submission and disbursement).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role, User
from accounts.scope import get_in_scope_or_404, scope_queryset
from audit import outbox
from audit.services import audit_log, audit_log_many, snapshot
from core import tabular
from customers.models import Customer, CustomerKind, resident_id_digest
from customers.policies import (
    CLEARING_APPROVER_ROLES,
    may_confirm_hit,
    may_decide_hit_clearing,
    may_import_watch_lists,
    may_propose_hit_clearing,
    may_see_screening,
)
from customers.screening_models import (
    BLOCKING_HIT_STATUSES,
    HitStatus,
    MatchKind,
    ScreeningHit,
    WatchList,
    WatchListEntry,
)
from customers.screening_names import name_keys, normalise_name

COLUMNS = ["reference", "name", "aliases", "id_numbers", "birth_date", "source", "list_date"]
REQUIRED = ["reference", "name", "source", "list_date"]
MAX_ROWS = 200_000
# Several aliases or ID numbers share one cell, separated by this character.
LIST_SEPARATOR = "|"
ID_NUMBER = re.compile(r"^[0-9A-Z]{6,30}$")
CHUNK_IDS = 50_000

BLOCK_MESSAGE = gettext_lazy(
    "The customer matches a watch-list entry that compliance has not cleared; nothing can be "
    "submitted or disbursed for them until it is."
)

ImportFileError = tabular.ImportFileError


def screening_blocks(customer: Customer) -> bool:
    """Whether the customer has a hit that is open, confirmed or only proposed for clearing:
    such a customer may not have an application submitted or a loan disbursed."""
    return ScreeningHit.objects.filter(
        customer_id=customer.pk, status__in=BLOCKING_HIT_STATUSES
    ).exists()


def customer_screening_status(customer: Customer) -> str | None:
    """The status the 360's badge shows: the worst of the customer's hits (confirmed, then
    pending, then cleared), None when they have none."""
    # Unordered: a set of statuses needs no sort, in SQL or in the query's compilation.
    statuses = set(
        ScreeningHit.objects.filter(customer_id=customer.pk)
        .order_by()
        .values_list("status", flat=True)
    )
    for status in (HitStatus.CONFIRMED, HitStatus.OPEN, HitStatus.CLEARING_PROPOSED):
        if status in statuses:
            return status
    return HitStatus.CLEARED if statuses else None


# --- Reading and importing a list ----------------------------------------------------------


@dataclass
class ListedEntry:
    reference: str
    name: str
    aliases: list[str]
    id_numbers: list[str]
    birth_date: dt.date | None


@dataclass
class ListFile:
    source: str
    list_date: dt.date
    entries: list[ListedEntry]


@dataclass
class ImportResult:
    watch_list: WatchList
    created: int = 0
    updated: int = 0
    delisted: int = 0
    unchanged: int = 0


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(LIST_SEPARATOR) if part.strip()]


def _date(text: str, column: str, line: int) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ImportFileError(
            _("Line %(line)s, %(column)s: “%(value)s” is not a date (YYYY-MM-DD).")
            % {"line": line, "column": column, "value": text}
        ) from None


def _refuse(line: int, column: str, message: str) -> ImportFileError:
    return ImportFileError(
        _("Line %(line)s, %(column)s: %(message)s")
        % {"line": line, "column": column, "message": message}
    )


def read_list(data: bytes, filename: str) -> ListFile:
    """The file as one list version; the first bad line refuses it whole (ImportFileError
    naming the line and the column), before anything is written."""
    rows = tabular.read_table(data, filename, columns=COLUMNS, required=REQUIRED, max_rows=MAX_ROWS)
    if not rows:
        raise ImportFileError(_("The file has no entries."))
    source = list_date = None
    entries: list[ListedEntry] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(rows, start=2):  # line 1 is the header
        for column in REQUIRED:
            if not row.get(column, ""):
                raise _refuse(line, column, _("this column is required."))
        row_source, reference, name = row["source"], row["reference"], row["name"]
        if len(row_source) > 60 or len(reference) > 60:
            raise _refuse(line, "source" if len(row_source) > 60 else "reference", _("too long."))
        row_date = _date(row["list_date"], "list_date", line)
        if source is None:
            source, list_date = row_source, row_date
        elif (row_source, row_date) != (source, list_date):
            raise _refuse(
                line,
                "source" if row_source != source else "list_date",
                _("a file holds one list version; line 2 names %(source)s of %(date)s.")
                % {"source": source, "date": list_date.isoformat()},
            )
        if reference in seen:
            raise _refuse(
                line, "reference", _("repeats line %(line)s.") % {"line": seen[reference]}
            )
        seen[reference] = line
        aliases = _split(row.get("aliases", ""))
        if len(name) > 200 or any(len(alias) > 200 for alias in aliases):
            raise _refuse(line, "name", _("a name or alias is longer than 200 characters."))
        if not normalise_name(name):
            raise _refuse(line, "name", _("the name has no letters or digits."))
        id_numbers = [number.upper() for number in _split(row.get("id_numbers", ""))]
        for number in id_numbers:
            if not ID_NUMBER.match(number):
                raise _refuse(
                    line,
                    "id_numbers",
                    _("“%(value)s” is not an ID number (6 to 30 letters and digits).")
                    % {"value": number},
                )
        birth_date = _date(row["birth_date"], "birth_date", line) if row.get("birth_date") else None
        entries.append(ListedEntry(reference, name, aliases, id_numbers, birth_date))
    return ListFile(source=source, list_date=list_date, entries=entries)


def _entry_values(listed: ListedEntry) -> dict:
    return {
        "name": listed.name,
        "aliases": listed.aliases,
        "name_keys": name_keys(listed.name, listed.aliases),
        "id_hashes": [resident_id_digest(number) for number in listed.id_numbers],
        "id_tails": [number[-4:] for number in listed.id_numbers],
        "birth_date": listed.birth_date,
        "delisted_on": None,
    }


@transaction.atomic
def watch_list_import(*, actor: User, listed: ListFile) -> ImportResult:
    """Brings the source's list to the file's version (see the module docstring) and, once
    committed, rescreens every customer."""
    if not may_import_watch_lists(actor):
        raise PermissionDenied
    if not listed.entries:
        # A version with no entries would delist the whole source at once: a truncated export
        # looks exactly like that, so it is refused rather than taken at its word.
        raise ValidationError(
            _(
                "The %(source)s list of %(date)s has no entries; nothing was imported. A list "
                "is never emptied by an import."
            )
            % {"source": listed.source, "date": listed.list_date.isoformat()},
            code="empty",
        )
    watch_list, _created = WatchList.objects.select_for_update().get_or_create(
        source=listed.source, defaults={"list_date": listed.list_date, "imported_by": actor}
    )
    if listed.list_date < watch_list.list_date:
        raise ValidationError(
            _(
                "The %(source)s list of %(date)s is already imported; this file is an older "
                "version (%(file_date)s)."
            )
            % {
                "source": watch_list.source,
                "date": watch_list.list_date.isoformat(),
                "file_date": listed.list_date.isoformat(),
            }
        )
    result = ImportResult(watch_list=watch_list)
    existing = {entry.reference: entry for entry in watch_list.entries.all()}
    fields = list(_entry_values(listed.entries[0]))
    new, changed = [], []
    for item in listed.entries:
        values = _entry_values(item)
        entry = existing.pop(item.reference, None)
        if entry is None:
            new.append(WatchListEntry(watch_list=watch_list, reference=item.reference, **values))
        elif any(getattr(entry, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(entry, name, value)
            changed.append(entry)
        else:
            result.unchanged += 1
    WatchListEntry.objects.bulk_create(new, batch_size=2000)
    WatchListEntry.objects.bulk_update(changed, fields, batch_size=2000)
    # Entries the version no longer lists; an entry delisted before stays as it was.
    result.delisted = WatchListEntry.objects.filter(
        pk__in=[entry.pk for entry in existing.values()], delisted_on__isnull=True
    ).update(delisted_on=listed.list_date)
    result.created, result.updated = len(new), len(changed)
    before = snapshot(watch_list, ["list_date", "entry_count"])
    watch_list.list_date = listed.list_date
    watch_list.entry_count = len(listed.entries)
    watch_list.imported_at = timezone.now()
    watch_list.imported_by = actor
    watch_list.save(update_fields=["list_date", "entry_count", "imported_at", "imported_by"])
    audit_log(
        actor=actor,
        action="customers.watch_list.imported",
        obj=watch_list,
        before=before,
        after={
            **snapshot(watch_list, ["list_date", "entry_count"]),
            "created": result.created,
            "updated": result.updated,
            "delisted": result.delisted,
            "unchanged": result.unchanged,
        },
    )
    if new or changed:
        # The whole book against the new version, after commit (customers.tasks).
        outbox.enqueue("customers.screen_all_customers")
    return result


# --- Screening ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Candidate:
    entry_id: int
    primary_key: str
    birth_date: dt.date | None


class _EntryIndex:
    """The active entries by ID hash and by name key, for matching in memory."""

    def __init__(self, entries) -> None:
        self.by_id: dict[str, list[int]] = {}
        self.by_name: dict[str, list[_Candidate]] = {}
        for entry_id, keys, id_hashes, birth_date in entries:
            for id_hash in id_hashes:
                self.by_id.setdefault(id_hash, []).append(entry_id)
            for key in keys:
                self.by_name.setdefault(key, []).append(_Candidate(entry_id, keys[0], birth_date))

    def matches(self, *, id_hash: str | None, name: str, birth_date) -> dict[int, str]:
        """{entry id: what matched} for one customer; an ID match wins over a name."""
        found: dict[int, str] = {}
        key = normalise_name(name)
        for candidate in self.by_name.get(key, []) if key else []:
            if birth_date and candidate.birth_date and birth_date != candidate.birth_date:
                continue  # the same name, but another person: the dates of birth differ
            kind = MatchKind.NAME if candidate.primary_key == key else MatchKind.ALIAS
            if found.get(candidate.entry_id) != MatchKind.NAME:
                found[candidate.entry_id] = kind
        for entry_id in self.by_id.get(id_hash, []) if id_hash else []:
            found[entry_id] = MatchKind.ID_NUMBER
        return found


_ENTRY_COLUMNS = ("id", "name_keys", "id_hashes", "birth_date")
_CUSTOMER_COLUMNS = ("id", "kind", "name", "resident_id_hash", "credit_code", "birth_date")


def _customer_id_hash(kind: str, resident_id_hash: str | None, credit_code: str | None):
    if kind == CustomerKind.INDIVIDUAL:
        return resident_id_hash
    return resident_id_digest(credit_code) if credit_code else None


def _raise_hits(index: _EntryIndex, customers) -> int:
    """Inserts the hits of these customers that do not exist yet; audits each new one."""
    rows = []
    now = timezone.now()
    for pk, kind, name, resident_id_hash, credit_code, birth_date in customers:
        id_hash = _customer_id_hash(kind, resident_id_hash, credit_code)
        for entry_id, matched_on in index.matches(
            id_hash=id_hash, name=name, birth_date=birth_date
        ).items():
            rows.append((pk, entry_id, str(matched_on), HitStatus.OPEN.value, now, "", ""))
    if not rows:
        return 0
    with connection.cursor() as cursor:
        # The unique (customer, entry) constraint makes a second run, or two overlapping
        # runs, insert nothing: ON CONFLICT leaves the existing hit, whatever its status.
        placeholders = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(rows))
        cursor.execute(
            "INSERT INTO customers_screeninghit"  # noqa: S608 (placeholders only)
            " (customer_id, entry_id, matched_on, status, raised_at, note, clear_reason)"
            f" VALUES {placeholders} ON CONFLICT (customer_id, entry_id) DO NOTHING"
            " RETURNING id",
            [value for row in rows for value in row],
        )
        new_ids = [row[0] for row in cursor.fetchall()]
    raised = ScreeningHit.objects.filter(pk__in=new_ids).select_related("customer", "entry")
    audit_log_many(
        actor=None,
        entries=[
            (
                "customers.screening_hit.raised",
                hit,
                None,
                snapshot(hit, ["customer_id", "entry_id", "matched_on", "status"]),
            )
            for hit in raised
        ],
    )
    return len(new_ids)


@transaction.atomic
def customer_screen(*, customer: Customer) -> int:
    """Screens one customer against the active entries that could match them (found through
    the GIN indexes); returns the hits raised."""
    id_hash = _customer_id_hash(customer.kind, customer.resident_id_hash, customer.credit_code)
    key = normalise_name(customer.name)
    candidates = WatchListEntry.objects.filter(delisted_on__isnull=True).filter(
        name_keys__contains=[key]
    )
    if id_hash:
        candidates = candidates | WatchListEntry.objects.filter(
            delisted_on__isnull=True, id_hashes__contains=[id_hash]
        )
    index = _EntryIndex(candidates.values_list(*_ENTRY_COLUMNS))
    return _raise_hits(
        index,
        [
            (
                customer.pk,
                customer.kind,
                customer.name,
                customer.resident_id_hash,
                customer.credit_code,
                customer.birth_date,
            )
        ],
    )


@transaction.atomic
def customers_screen_range(*, first_id: int, last_id: int) -> int:
    """Screens the customers with ids in [first_id, last_id] against every active entry: one
    query for the entries, one for the customers, one insert; returns the hits raised."""
    index = _EntryIndex(
        WatchListEntry.objects.filter(delisted_on__isnull=True).values_list(*_ENTRY_COLUMNS)
    )
    if not index.by_id and not index.by_name:
        return 0
    customers = Customer.objects.filter(id__gte=first_id, id__lte=last_id).values_list(
        *_CUSTOMER_COLUMNS
    )
    return _raise_hits(index, customers.iterator(chunk_size=5000))


# --- Working the hits -----------------------------------------------------------------------


def hits_for(user: User):
    """The hits of the customers the user sees (compliance: the whole bank)."""
    if not may_see_screening(user):
        raise PermissionDenied
    return scope_queryset(
        user,
        ScreeningHit.objects.select_related(
            "customer", "customer__branch", "entry", "entry__watch_list"
        ),
        officer_field="customer__officer",
        branch_field="customer__branch",
    )


def hit_get_for(user: User, pk: int) -> ScreeningHit:
    """The hit, if its customer is in the user's scope (else 404) and the user's role works
    screening (else 403)."""
    hit = get_in_scope_or_404(
        user,
        ScreeningHit.objects.select_related(
            "customer",
            "customer__branch",
            "entry",
            "entry__watch_list",
            "confirmed_by",
            "clear_proposed_by",
            "cleared_by",
        ),
        officer_field="customer__officer",
        branch_field="customer__branch",
        pk=pk,
    )
    if not may_see_screening(user):
        raise PermissionDenied
    return hit


_HIT_FIELDS = ["status", "note", "clear_reason", "clear_proposed_by_id", "cleared_by_id"]


def _locked(hit: ScreeningHit) -> ScreeningHit:
    # The customer comes along (the policies read their branch), but only the hit is locked.
    return (
        ScreeningHit.objects.select_for_update(of=("self",))
        .select_related("customer")
        .get(pk=hit.pk)
    )


def _require(allowed: bool, *, role_may: bool, state_refusal: str) -> None:
    """A role that never takes the step is refused (403); a role that may, on a hit in
    another state, is told why (400 on the page)."""
    if allowed:
        return
    if not role_may:
        raise PermissionDenied
    raise ValidationError(state_refusal)


def _record(*, actor: User, hit: ScreeningHit, action: str, before: dict, fields: list[str]):
    hit.save(update_fields=fields)
    audit_log(
        actor=actor,
        action=action,
        obj=hit,
        before=before,
        after=snapshot(hit, _HIT_FIELDS),
    )
    return hit


@transaction.atomic
def hit_confirm(*, actor: User, hit: ScreeningHit, note: str) -> ScreeningHit:
    """The customer is the listed party: the hit stays and blocks them."""
    locked = _locked(hit)
    _require(
        may_confirm_hit(actor, locked),
        role_may=actor.role == Role.COMPLIANCE,
        state_refusal=_("Only an open hit can be confirmed."),
    )
    before = snapshot(locked, _HIT_FIELDS)
    locked.status = HitStatus.CONFIRMED
    locked.confirmed_by, locked.confirmed_at, locked.note = actor, timezone.now(), note
    return _record(
        actor=actor,
        hit=locked,
        action="customers.screening_hit.confirmed",
        before=before,
        fields=["status", "confirmed_by", "confirmed_at", "note"],
    )


@transaction.atomic
def hit_clearing_propose(*, actor: User, hit: ScreeningHit, reason: str) -> ScreeningHit:
    """A false positive, says the proposer, with why; it blocks until someone else agrees."""
    locked = _locked(hit)
    _require(
        may_propose_hit_clearing(actor, locked),
        role_may=actor.role == Role.COMPLIANCE,
        state_refusal=_("Only an open hit can be proposed for clearing."),
    )
    if not reason.strip():
        raise ValidationError({"reason": _("Say why this is not the listed party.")})
    before = snapshot(locked, _HIT_FIELDS)
    locked.status = HitStatus.CLEARING_PROPOSED
    locked.clear_reason = reason.strip()
    locked.clear_proposed_by, locked.clear_proposed_at = actor, timezone.now()
    return _record(
        actor=actor,
        hit=locked,
        action="customers.screening_hit.clearing_proposed",
        before=before,
        fields=["status", "clear_reason", "clear_proposed_by", "clear_proposed_at"],
    )


class FourEyesRefused(PermissionDenied):
    """The proposer of a clearing tried to approve it."""


@transaction.atomic
def hit_clearing_decide(*, actor: User, hit: ScreeningHit, approve: bool) -> ScreeningHit:
    """A second compliance officer or the customer's manager approves the clearing (the hit is
    cleared and stops blocking) or rejects it (the hit is open again)."""
    locked = _locked(hit)
    if locked.clear_proposed_by_id == actor.pk:
        raise FourEyesRefused(_("Someone other than the proposer must decide the clearing."))
    _require(
        may_decide_hit_clearing(actor, locked),
        role_may=actor.role in CLEARING_APPROVER_ROLES,
        state_refusal=_("No clearing of this hit is waiting for a decision."),
    )
    before = snapshot(locked, _HIT_FIELDS)
    if approve:
        locked.status = HitStatus.CLEARED
        locked.cleared_by, locked.cleared_at = actor, timezone.now()
        fields = ["status", "cleared_by", "cleared_at"]
    else:
        locked.status = HitStatus.OPEN
        locked.clear_reason, locked.clear_proposed_by, locked.clear_proposed_at = "", None, None
        fields = ["status", "clear_reason", "clear_proposed_by", "clear_proposed_at"]
    return _record(
        actor=actor,
        hit=locked,
        action=(
            "customers.screening_hit.cleared"
            if approve
            else "customers.screening_hit.clearing_rejected"
        ),
        before=before,
        fields=fields,
    )
