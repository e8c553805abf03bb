"""Consents and credit bureau reports for the bureau tests, written through the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from credit import bureau_services
from credit.bureau import BureauAccount, BureauConsent, BureauReport, BureauSource

# The suite's clock stands on 2026-11-18 (tests/conftest.py); the tests pin the business date
# to it.
TODAY = dt.date(2026, 11, 18)
ACCOUNT_NUMBER = "6222020200112233445"


def consent(customer, officer, *, signed_on=TODAY - dt.timedelta(days=30), days=365):
    return bureau_services.bureau_consent_record(
        actor=officer,
        consent=BureauConsent(
            customer=customer,
            signed_on=signed_on,
            scope="both",
            document_reference=f"AUTH-{customer.pk}-{signed_on:%Y%m%d}",
            valid_until=signed_on + dt.timedelta(days=days),
        ),
    )


def report(
    customer,
    officer,
    *,
    reference="PBOC-0001",
    report_date=TODAY - dt.timedelta(days=5),
    m1=0,
    m2=0,
    m3=0,
    enquiries=1,
    worst="normal",
    payments=(Decimal("3000.00"), Decimal("4000.00")),
):
    accounts = [
        BureauAccount(
            lender=f"Other Bank {index}",
            account_type="loan",
            account_number=f"{ACCOUNT_NUMBER}{index}",
            limit=Decimal("200000.00"),
            balance=Decimal("150000.00"),
            monthly_payment=payment,
            overdue_amount=Decimal("0.00"),
        )
        for index, payment in enumerate(payments)
    ]
    return bureau_services.bureau_report_record(
        actor=officer,
        report=BureauReport(
            customer=customer,
            source=BureauSource.objects.get(code="pboc"),
            reference=reference,
            report_date=report_date,
            valid_until=report_date + dt.timedelta(days=30),
            subject_identifier=customer.resident_id or "",
            overdue_m1_24m=m1,
            overdue_m2_24m=m2,
            overdue_m3_plus_24m=m3,
            enquiries_6m=enquiries,
            worst_status=worst,
        ),
        accounts=accounts,
    )
