"""Import of loans and repayments from the core banking system's CSV or XLSX exports, with
the same reader and the same rules as the customer import (core/tabular.py).

Loans file (header row, any order):
    external_ref   the core system's account number                         (required)
    customer       the borrower's resident ID or credit code (already imported) (required)
    product        product code, e.g. CONS-01                                (required)
    amount         amount disbursed, yuan                                    (required)
    annual_rate    a percentage, 4.35% or 4.35; a bare number below 1 is the
                   fraction earlier files carried (0.0435)                   (required)
    term_months    whole periods of the product's frequency                  (required)
    disbursed_on   YYYY-MM-DD                                                (required)

Repayments file:
    loan_ref       the loan's external_ref                                   (required)
    paid_on        YYYY-MM-DD                                                (required)
    amount         yuan                                                      (required)
    reference      the payment's reference in the core system                (required)
    channel        counter | transfer | auto_debit | online (default transfer)

Dates are never after the business date, nor more than 50 years before it
(core/date_ranges.py). A loan already imported (same external_ref) with the same terms
is left as it is; with other terms it is refused (a change of terms is a restructuring). A
repayment already posted (same loan and reference) is skipped. Rejected rows are reported
with their reason; valid rows commit in one transaction, or with strict mode nothing commits
unless all are valid.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.scope import scope_queryset
from core import tabular
from core.date_ranges import DISBURSEMENT_DATE, PAYMENT_DATE, DateRange
from core.numbers import format_percent
from customers.identifiers import normalize_credit_code, normalize_resident_id
from customers.models import Customer, resident_id_digest
from lending import services
from lending.models import Loan, LoanProduct, Repayment, RepaymentChannel
from lending.policies import may_import_portfolio
from lending.services.pricing import MAX_ANNUAL_RATE

MAX_ROWS = 50_000
LOAN_COLUMNS = [
    "external_ref",
    "customer",
    "product",
    "amount",
    "annual_rate",
    "term_months",
    "disbursed_on",
]
REPAYMENT_COLUMNS = ["loan_ref", "paid_on", "amount", "reference", "channel"]


@dataclass
class Report:
    created: int = 0
    unchanged: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)
    committed: bool = False


# Advisory-lock namespace of loan references being imported: (namespace, hashtext(ref)).
LOAN_REFERENCE_LOCK = 7_401


def read_loans(data: bytes, filename: str) -> list[dict[str, str]]:
    return tabular.read_table(
        data, filename, columns=LOAN_COLUMNS, required=LOAN_COLUMNS, max_rows=MAX_ROWS
    )


def read_repayments(data: bytes, filename: str) -> list[dict[str, str]]:
    return tabular.read_table(
        data, filename, columns=REPAYMENT_COLUMNS, required=REPAYMENT_COLUMNS[:4], max_rows=MAX_ROWS
    )


# The largest amount the money columns hold (18 digits, 2 after the point); a larger one
# would fail in the database instead of being reported on its row.
MAX_AMOUNT = Decimal("9999999999999999.99")
# Forty years, the longest term a restructuring may set.
MAX_TERM_MONTHS = 480


def _decimal(row: dict, name: str, errors: dict) -> Decimal | None:
    try:
        value = Decimal(row.get(name, "").replace(",", ""))
    except InvalidOperation:
        errors[name] = _("is not a number")
        return None
    if not value.is_finite() or value < 0:
        errors[name] = _("must be zero or more")
        return None
    if value > MAX_AMOUNT:
        errors[name] = _("is too large")
        return None
    return value


# The rates the loan's column holds: six places of a fraction, four of a percentage.
RATE_PLACES = Loan._meta.get_field("annual_rate").decimal_places


def _rate(row: dict, name: str, errors: dict) -> Decimal | None:
    """The annual rate as the fraction stored. Rates are written as percentages, as the
    forms take them: "4.35%" and "4.35" both mean 4.35%. Files of the earlier layout wrote the
    fraction (0.0435); no lending rate is below 1% a year, so a bare number below 1 is read
    as such a fraction and those files import as they did. "0.5%" is half a percent."""
    text = row.get(name, "").strip().replace(",", "")
    percent_sign = text.endswith("%")
    try:
        value = Decimal(text.removesuffix("%").strip())
    except InvalidOperation:
        errors[name] = _("is not a rate like 4.35%")
        return None
    if not value.is_finite() or value < 0:
        errors[name] = _("must be zero or more")
        return None
    if value.adjusted() > 3:
        # Ten thousand or more is no rate at all (and too long a number to show back).
        errors[name] = _("is not a rate like 4.35%")
        return None
    fraction = value.scaleb(-2) if percent_sign or value >= 1 else value
    if fraction > MAX_ANNUAL_RATE:
        errors[name] = _("%(rate)s is above the ceiling of %(max)s") % {
            "rate": format_percent(fraction),
            "max": format_percent(MAX_ANNUAL_RATE),
        }
        return None
    if fraction != round(fraction, RATE_PLACES):
        errors[name] = _("has more than %(places)s decimal places as a percentage") % {
            "places": RATE_PLACES - 2
        }
        return None
    return fraction


def _text(row: dict, name: str, errors: dict, model, field: str) -> str:
    """The cell's text, stripped; too long for its column is an error of the row."""
    value = row.get(name, "").strip()
    limit = model._meta.get_field(field).max_length
    if len(value) > limit:
        errors[name] = _("is longer than %(count)s characters") % {"count": limit}
    return value


def _date(row: dict, name: str, errors: dict, date_range: DateRange) -> dt.date | None:
    try:
        value = dt.date.fromisoformat(row.get(name, ""))
    except ValueError:
        errors[name] = _("is not a date like 2024-01-31")
        return None
    if problem := date_range.column_message(value):
        errors[name] = problem
        return None
    return value


def _describe(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(
            f"{name}: {' '.join(str(m) for m in messages)}"
            for name, messages in error.message_dict.items()
        )
    return " ".join(error.messages)


def _run(rows: list[dict], handle, *, strict: bool) -> Report:
    report = Report()
    with transaction.atomic():
        for number, row in enumerate(rows, start=2):  # row 1 is the header
            try:
                # Each row in a savepoint: a failed row leaves no trace, the others stay.
                with transaction.atomic():
                    created = handle(row)
                if created:
                    report.created += 1
                else:
                    report.unchanged += 1
            except ValidationError as error:
                report.rejected.append((number, _describe(error)))
        if strict and report.rejected:
            transaction.set_rollback(True)
            return report
        report.committed = True
    return report


def import_loans(*, actor: User, rows: list[dict[str, str]], strict: bool) -> Report:
    if not may_import_portfolio(actor):
        raise PermissionDenied
    customers = scope_queryset(actor, Customer.objects.all())
    products = {product.code: product for product in LoanProduct.objects.all()}

    def handle(row: dict) -> bool:
        errors: dict = {}
        identifier = row.get("customer", "")
        customer = (
            customers.filter(
                resident_id_hash=resident_id_digest(normalize_resident_id(identifier))
            ).first()
            or customers.filter(credit_code=normalize_credit_code(identifier) or None).first()
        )
        if customer is None:
            errors["customer"] = _("no customer with this ID in your scope")
        product = products.get(row.get("product", "").strip().upper())
        if product is None:
            errors["product"] = _("is not a known product code")
        amount = _decimal(row, "amount", errors)
        rate = _rate(row, "annual_rate", errors)
        disbursed_on = _date(row, "disbursed_on", errors, DISBURSEMENT_DATE)
        try:
            term = int(row.get("term_months", ""))
        except ValueError:
            errors["term_months"] = _("is not a whole number")
            term = None
        else:
            if not 1 <= term <= MAX_TERM_MONTHS:
                errors["term_months"] = _("must be between 1 and %(max)s months") % {
                    "max": MAX_TERM_MONTHS
                }
        reference = _text(row, "external_ref", errors, Loan, "external_ref")
        if not reference:
            errors["external_ref"] = _("is required")
        if errors:
            raise ValidationError(errors)
        # Two imports of one file at once: the second waits here for the first to commit,
        # then finds the loan, instead of colliding on the unique reference.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [LOAN_REFERENCE_LOCK, reference]
            )
        existing = Loan.objects.filter(external_ref=reference).first()
        if existing is not None:
            same = (
                existing.customer_id,
                existing.product_id,
                existing.principal,
                existing.annual_rate,
                existing.term_months,
                existing.disbursed_on,
            ) == (customer.pk, product.pk, amount, rate, term, disbursed_on)
            if not same:
                raise ValidationError(
                    _(
                        "this loan is on file with other terms; restructure "
                        "it instead of re-importing"
                    )
                )
            return False
        services.loan_import(
            actor=actor,
            customer=customer,
            product=product,
            amount=amount,
            annual_rate=rate,
            term_months=term,
            disbursed_on=disbursed_on,
            external_ref=reference,
        )
        return True

    return _run(rows, handle, strict=strict)


def import_repayments(*, actor: User, rows: list[dict[str, str]], strict: bool) -> Report:
    if not may_import_portfolio(actor):
        raise PermissionDenied
    loans = scope_queryset(
        actor,
        Loan.objects.all(),
        officer_field="customer__officer",
        branch_field="customer__branch",
    )

    def handle(row: dict) -> bool:
        errors: dict = {}
        loan = loans.filter(external_ref=row.get("loan_ref", "").strip() or None).first()
        if loan is None:
            errors["loan_ref"] = _("no loan with this reference in your scope")
        amount = _decimal(row, "amount", errors)
        paid_on = _date(row, "paid_on", errors, PAYMENT_DATE)
        reference = _text(row, "reference", errors, Repayment, "reference")
        if not reference:
            errors["reference"] = _("is required")
        channel = row.get("channel", "").strip() or RepaymentChannel.TRANSFER
        if channel not in RepaymentChannel.values:
            errors["channel"] = _("must be counter, transfer, auto_debit or online")
        if errors:
            raise ValidationError(errors)
        # The loan is locked before looking for the payment: the same file imported twice at
        # once then finds the other import's payment (once it commits) and skips the row,
        # instead of reporting it refused.
        loan = Loan.objects.select_for_update().get(pk=loan.pk)
        if Repayment.objects.filter(
            loan=loan, reference=reference, reversed_at__isnull=True
        ).exists():
            return False
        services.repayment_post(
            actor=actor,
            loan=loan,
            amount=amount,
            paid_on=paid_on,
            channel=channel,
            reference=reference,
            allow_prepayment=True,
        )
        return True

    return _run(rows, handle, strict=strict)
