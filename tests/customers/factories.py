"""Builders of valid customers for tests: real check digits, created through the services."""

import datetime as dt
import itertools
from decimal import Decimal

from customers import services
from customers.identifiers import credit_code_check_char, resident_id_check_char
from customers.models import Customer, CustomerKind, Industry

_sequence = itertools.count(1)


def resident_id(birth: dt.date = dt.date(1985, 6, 15), *, male: bool = True) -> str:
    number = next(_sequence)
    sequence = (number * 2 + (1 if male else 0)) % 1000
    first17 = f"110101{birth:%Y%m%d}{sequence:03d}"
    return first17 + resident_id_check_char(first17)


def credit_code() -> str:
    first17 = f"91110101{next(_sequence):08d}A"
    return first17 + credit_code_check_char(first17)


def individual(officer, **fields) -> Customer:
    values = {
        "kind": CustomerKind.INDIVIDUAL,
        "name": "王小明",
        "resident_id": resident_id(),
        "phone": "13800138000",
        "monthly_income": Decimal("12000.00"),
        "occupation": "教师",
    }
    values.update(fields)
    return services.customer_create(actor=officer, customer=Customer(officer=officer, **values))


def enterprise(officer, **fields) -> Customer:
    values = {
        "kind": CustomerKind.ENTERPRISE,
        "name": "华盛制造有限公司",
        "credit_code": credit_code(),
        "industry": Industry.objects.get(code="C"),
        "size": "small",
        "annual_revenue": Decimal("25000000.00"),
        "phone": "010-12345678",
    }
    values.update(fields)
    return services.customer_create(actor=officer, customer=Customer(officer=officer, **values))
