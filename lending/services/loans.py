"""Loans: their stored schedules, and loans disbursed by the core banking system."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import audit_log
from core.business_date import business_date
from core.numbers import format_percent
from customers.models import Customer
from lending.models import Application, ApplicationEvent, ApplicationStatus, Instalment, Loan
from lending.policies import may_import_portfolio
from lending.schedule import build_schedule, to_cents
from lending.services.permissions import require
from lending.services.pricing import MAX_ANNUAL_RATE


def save_schedule(loan: Loan, rows, *, version: int) -> None:
    """Stores the instalments of a computed schedule as one version of the loan's schedule."""
    Instalment.objects.bulk_create(
        Instalment(
            loan=loan,
            schedule_version=version,
            number=row.number,
            due_date=row.due_date,
            principal_due=row.principal,
            interest_due=row.interest,
        )
        for row in rows
    )


def copy_current(loan: Loan, *, exclude: list[Instalment]) -> None:
    """Carries the instalments that stay (due or paid) into the new schedule version."""
    excluded = {row.pk for row in exclude}
    kept = loan.instalments.filter(
        schedule_version=loan.schedule_version - 1, superseded=False
    ).exclude(pk__in=excluded)
    kept.update(schedule_version=loan.schedule_version)


@transaction.atomic
def loan_import(
    *,
    actor: User,
    customer: Customer,
    product,
    amount: Decimal,
    annual_rate: Decimal,
    term_months: int,
    disbursed_on: dt.date,
    external_ref: str,
) -> Loan:
    """A loan disbursed by the core banking system: its application is recorded as already
    disbursed (it never went through this pipeline), and its schedule is built here."""
    require(may_import_portfolio(actor))
    errors = {}
    if product.customer_kind != customer.kind:
        errors["product"] = _("This product is not for this type of customer.")
    if amount <= 0:
        errors["amount"] = _("A value must be more than zero.")
    if term_months < 1 or term_months % product.repayment_frequency:
        errors["term_months"] = _(
            "The term must be a whole number of %(months)s-month periods."
        ) % {"months": product.repayment_frequency}
    if not 0 <= annual_rate <= MAX_ANNUAL_RATE:
        errors["annual_rate"] = _("The rate must be between 0 and %(max)s.") % {
            "max": format_percent(MAX_ANNUAL_RATE)
        }
    if disbursed_on > business_date():
        errors["disbursed_on"] = _("A loan cannot be disbursed after the business date.")
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    application = Application.objects.create(
        customer=customer,
        product=product,
        amount=to_cents(amount),
        term_months=term_months,
        purpose=_("Imported from the core banking system"),
        status=ApplicationStatus.DISBURSED,
        created_by=actor,
        approved_amount=to_cents(amount),
        approved_term_months=term_months,
        approved_rate=annual_rate,
        status_changed_at=now,
    )
    ApplicationEvent.objects.create(
        application=application,
        to_status=ApplicationStatus.DISBURSED,
        actor=actor,
        at=now,
        note=external_ref,
    )
    rows = build_schedule(
        principal=amount,
        annual_rate=annual_rate,
        periods=term_months // product.repayment_frequency,
        start=disbursed_on,
        method=product.repayment_method,
        months_per_period=product.repayment_frequency,
    )
    loan = Loan.objects.create(
        application=application,
        customer=customer,
        product=product,
        principal=to_cents(amount),
        annual_rate=annual_rate,
        term_months=term_months,
        repayment_method=product.repayment_method,
        months_per_period=product.repayment_frequency,
        disbursed_on=disbursed_on,
        maturity_date=rows[-1].due_date,
        disbursed_by=actor,
        outstanding_principal=to_cents(amount),
        external_ref=external_ref,
    )
    save_schedule(loan, rows, version=1)
    audit_log(
        actor=actor,
        action="credit.loan.imported",
        obj=loan,
        after={
            "external_ref": external_ref,
            "principal": loan.principal,
            "disbursed_on": disbursed_on,
        },
    )
    return loan
