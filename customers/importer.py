"""Import of customers from the core banking system's CSV or XLSX export.

Column layout (header row, any order, unknown columns refused; see README):

    kind                 individual | enterprise                               (required)
    name                                                                       (required)
    resident_id          18-character PRC identity number            (individuals, required)
    credit_code          18-character unified social credit code     (enterprises, required)
    officer              username of the relationship manager                  (required)
    phone, email, address
    birth_date, gender (M/F), occupation, employer, monthly_income         (individuals)
    industry (section code A–T), size (micro/small/medium/large), founded_on,
    annual_revenue, registered_capital, legal_representative               (enterprises)

Dates are YYYY-MM-DD within sane ranges (a birth date at most 120 years back, a founding
date at most 400, neither in the future: core/date_ranges.py); amounts are plain
decimals in yuan. A row whose resident ID or credit code is already known updates that
customer if the importing user may see it, and is refused with the customer form's answer
if not (customers.services.DuplicateIdentifier); otherwise it creates one. Every row is
checked on its own; rejected rows are reported with their reason. The valid rows of a file
commit in one transaction, or, in strict mode, nothing commits unless every row is valid.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.scope import scope_queryset
from core import tabular
from core.date_ranges import BIRTH_DATE, FOUNDING_DATE
from core.tabular import ImportFileError  # noqa: F401 - raised by read_rows, part of the API
from customers import services
from customers.identifiers import IdentifierError, normalize_credit_code, parse_resident_id
from customers.models import (
    AttemptChannel,
    Customer,
    CustomerKind,
    EnterpriseSize,
    Gender,
    IdentifierKind,
    Industry,
    resident_id_digest,
)
from customers.policies import may_assign_to, may_edit_customers, owns_what_they_create

MAX_ROWS = 50_000
MAX_BYTES = tabular.MAX_BYTES
REQUIRED = ["kind", "name", "officer"]
TEXT_FIELDS = [
    "name",
    "phone",
    "email",
    "address",
    "occupation",
    "employer",
    "legal_representative",
]
# Each date column and the range it must fall in (the forms hold the fields to the same).
DATE_FIELDS = {"birth_date": BIRTH_DATE, "founded_on": FOUNDING_DATE}
MONEY_FIELDS = ["monthly_income", "annual_revenue", "registered_capital"]
COLUMNS = [
    "kind",
    "name",
    "resident_id",
    "credit_code",
    "officer",
    "phone",
    "email",
    "address",
    "birth_date",
    "gender",
    "occupation",
    "employer",
    "monthly_income",
    "industry",
    "size",
    "founded_on",
    "annual_revenue",
    "registered_capital",
    "legal_representative",
]


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)
    committed: bool = False

    @property
    def total(self) -> int:
        return self.created + self.updated + len(self.rejected)


def read_rows(data: bytes, filename: str) -> list[dict[str, str]]:
    """The file's rows as dicts of text; refuses bad files whole (see core.tabular)."""
    return tabular.read_table(data, filename, columns=COLUMNS, required=REQUIRED, max_rows=MAX_ROWS)


def _row_values(row: dict[str, str], industries: dict[str, Industry]) -> dict:
    """Turns text cells into typed values; raises ValidationError naming the column."""
    errors = {}
    values: dict = {}
    kind = row.get("kind", "").lower()
    if kind not in CustomerKind.values:
        errors["kind"] = _("must be individual or enterprise")
    values["kind"] = kind
    for name in TEXT_FIELDS:
        if name in row:
            values[name] = row[name]
    for name, date_range in DATE_FIELDS.items():
        if row.get(name):
            try:
                values[name] = dt.date.fromisoformat(row[name])
            except ValueError:
                errors[name] = _("is not a date like 2024-01-31")
            else:
                if problem := date_range.column_message(values[name]):
                    errors[name] = problem
    for name in MONEY_FIELDS:
        if row.get(name):
            try:
                amount = Decimal(row[name].replace(",", ""))
            except InvalidOperation:
                errors[name] = _("is not an amount")
            else:
                if not amount.is_finite() or amount < 0:
                    errors[name] = _("must be zero or more")
                values[name] = amount
    if row.get("gender"):
        if row["gender"].upper() not in Gender.values:
            errors["gender"] = _("must be M or F")
        values["gender"] = row["gender"].upper()
    if row.get("size"):
        if row["size"].lower() not in EnterpriseSize.values:
            errors["size"] = _("must be micro, small, medium or large")
        values["size"] = row["size"].lower()
    if row.get("industry"):
        industry = industries.get(row["industry"].upper())
        if industry is None:
            errors["industry"] = _("is not a known industry code")
        values["industry"] = industry
    if kind == CustomerKind.INDIVIDUAL:
        values["resident_id"] = row.get("resident_id", "")
    elif kind == CustomerKind.ENTERPRISE:
        values["credit_code"] = normalize_credit_code(row.get("credit_code", ""))
    if errors:
        raise ValidationError(errors)
    return values


def _existing(values: dict) -> Customer | None:
    if values["kind"] == CustomerKind.INDIVIDUAL:
        try:
            number, _birth, _gender = parse_resident_id(values["resident_id"])
        except IdentifierError:
            return None
        return Customer.objects.filter(resident_id_hash=resident_id_digest(number)).first()
    return Customer.objects.filter(credit_code=values.get("credit_code") or None).first()


def _identifier_of(values: dict) -> str:
    if values["kind"] == CustomerKind.INDIVIDUAL:
        return IdentifierKind.RESIDENT_ID
    return IdentifierKind.CREDIT_CODE


def _officer(username: str, actor: User, officers: dict[str, User]) -> User:
    officer = officers.get(username)
    if officer is None:
        raise ValidationError({"officer": _("is not an active loan officer")})
    if not may_assign_to(actor, officer):
        if owns_what_they_create(actor):
            raise ValidationError({"officer": _("must be yourself")})
        raise ValidationError({"officer": _("is not an officer of your branch")})
    return officer


def _describe(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(
            f"{column}: {' '.join(str(message) for message in messages)}"
            for column, messages in error.message_dict.items()
        )
    return " ".join(error.messages)


def import_customers(*, actor: User, rows: list[dict[str, str]], strict: bool) -> ImportReport:
    """Creates or updates a customer per row; see the module docstring for the rules."""
    if not may_edit_customers(actor):
        raise PermissionDenied
    report = ImportReport()
    industries = {industry.code: industry for industry in Industry.objects.all()}
    officers = {
        user.username: user for user in User.objects.filter(role=Role.OFFICER, is_active=True)
    }
    visible = scope_queryset(actor, Customer.objects.all())
    seen: dict[str, int] = {}
    # Rows refused because another customer, outside the actor's scope, holds their
    # identifier; kept after the import's transaction, whether or not its rows commit.
    refusals: list[services.DuplicateIdentifier] = []
    with transaction.atomic():
        for number, row in enumerate(rows, start=2):  # row 1 is the header
            try:
                # Each row in a savepoint: a failed row leaves no trace, the others stay.
                with transaction.atomic():
                    values = _row_values(row, industries)
                    key = values.get("resident_id") or values.get("credit_code") or ""
                    key = key.strip().upper()
                    if key and key in seen:
                        raise ValidationError(
                            _("repeats the customer of row %(row)s") % {"row": seen[key]}
                        )
                    officer = _officer(row.get("officer", ""), actor, officers)
                    existing = _existing(values)
                    if existing is None:
                        services.customer_create(
                            actor=actor, customer=Customer(officer=officer, **values)
                        )
                        report.created += 1
                    else:
                        if not visible.filter(pk=existing.pk).exists():
                            # The same answer as the customer form gives, which tells
                            # nothing of whose customer it is (customers.services).
                            raise services.DuplicateIdentifier(
                                customer_id=existing.pk, identifier=_identifier_of(values)
                            )
                        if existing.kind != values["kind"]:
                            raise ValidationError({"kind": _("differs from the existing customer")})
                        changes = {
                            name: value
                            for name, value in values.items()
                            if name != "kind" and getattr(existing, name) != value
                        }
                        services.customer_update(actor=actor, customer=existing, changes=changes)
                        report.updated += 1
                    if key:
                        seen[key] = number
            except services.DuplicateIdentifier as refusal:
                refusals.append(refusal)
                report.rejected.append((number, _describe(refusal)))
            except ValidationError as error:
                report.rejected.append((number, _describe(error)))
        if strict and report.rejected:
            transaction.set_rollback(True)
        else:
            report.committed = True
    # Outside the import's transaction: a strict import that commits nothing still tried
    # these identifiers, and their customers' people are told all the same.
    services.duplicate_attempts_record(
        actor=actor, refusals=refusals, channel=AttemptChannel.IMPORT
    )
    return report
