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

Dates are YYYY-MM-DD, amounts are plain decimals in yuan. A row whose resident ID or credit
code is already known updates that customer; otherwise it creates one. Every row is checked
on its own; rejected rows are reported with their reason. The valid rows of a file commit in
one transaction, or, in strict mode, nothing commits unless every row is valid.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.scope import scope_queryset
from customers import services
from customers.identifiers import IdentifierError, normalize_credit_code, parse_resident_id
from customers.models import Customer, CustomerKind, EnterpriseSize, Gender, Industry

MAX_ROWS = 50_000
MAX_BYTES = 20 * 1024 * 1024
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
DATE_FIELDS = ["birth_date", "founded_on"]
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


class ImportFileError(ValueError):
    """The file as a whole cannot be read; nothing was imported."""


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
    """The file's rows as dicts of text, header names lower-cased; refuses bad files whole."""
    if len(data) > MAX_BYTES:
        raise ImportFileError(_("The file is larger than 20 MB."))
    name = filename.lower()
    if name.endswith(".csv"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("gb18030")
            except UnicodeDecodeError:
                raise ImportFileError(
                    _("The CSV file is neither UTF-8 nor GB18030 text.")
                ) from None
        table = list(csv.reader(io.StringIO(text)))
    elif name.endswith(".xlsx"):
        table = _xlsx_table(data)
    else:
        raise ImportFileError(_("Upload a .csv or .xlsx file."))
    if not table:
        raise ImportFileError(_("The file is empty."))
    header = [str(cell or "").strip().lower() for cell in table[0]]
    unknown = [column for column in header if column and column not in COLUMNS]
    if unknown:
        raise ImportFileError(_("Unknown columns: %(columns)s.") % {"columns": ", ".join(unknown)})
    missing = [column for column in REQUIRED if column not in header]
    if missing:
        raise ImportFileError(_("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)})
    rows = [
        {column: _cell_text(cell) for column, cell in zip(header, row, strict=False) if column}
        for row in table[1:]
        if any(_cell_text(cell) for cell in row)
    ]
    if len(rows) > MAX_ROWS:
        raise ImportFileError(_("At most %(count)s rows per file.") % {"count": MAX_ROWS})
    return rows


def _xlsx_table(data: bytes) -> list[list]:
    import zipfile

    from openpyxl import load_workbook

    try:
        # Refuse zip bombs before openpyxl inflates anything: the unpacked size is declared.
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(item.file_size for item in archive.infolist()) > 10 * MAX_BYTES:
                raise ImportFileError(_("The spreadsheet unpacks to more than 200 MB."))
        # read_only streams rows; data_only reads stored values and never evaluates formulas.
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        if isinstance(error, ImportFileError):
            raise
        raise ImportFileError(_("The file is not a readable XLSX workbook.")) from None
    sheet = workbook.worksheets[0]
    table = []
    for row in sheet.iter_rows(values_only=True):
        table.append(list(row))
        if len(table) > MAX_ROWS + 1:
            break
    workbook.close()
    return table


def _cell_text(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, dt.datetime):
        return cell.date().isoformat()
    if isinstance(cell, dt.date):
        return cell.isoformat()
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


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
    for name in DATE_FIELDS:
        if row.get(name):
            try:
                values[name] = dt.date.fromisoformat(row[name])
            except ValueError:
                errors[name] = _("is not a date like 2024-01-31")
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
        return Customer.objects.filter(resident_id=number).first()
    return Customer.objects.filter(credit_code=values.get("credit_code") or None).first()


def _officer(username: str, actor: User, officers: dict[str, User]) -> User:
    officer = officers.get(username)
    if officer is None:
        raise ValidationError({"officer": _("is not an active loan officer")})
    if actor.role == Role.OFFICER and officer != actor:
        raise ValidationError({"officer": _("must be yourself")})
    if actor.role == Role.MANAGER and officer.branch_id != actor.branch_id:
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
    if actor.role not in {Role.OFFICER, Role.MANAGER, Role.ADMIN}:
        raise PermissionDenied
    report = ImportReport()
    industries = {industry.code: industry for industry in Industry.objects.all()}
    officers = {
        user.username: user for user in User.objects.filter(role=Role.OFFICER, is_active=True)
    }
    visible = scope_queryset(actor, Customer.objects.all())
    seen: dict[str, int] = {}
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
                            raise ValidationError(_("this customer exists outside your data scope"))
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
            except ValidationError as error:
                report.rejected.append((number, _describe(error)))
        if strict and report.rejected:
            transaction.set_rollback(True)
            return report
        report.committed = True
    return report
