"""The demo watch list for `seed_demo` (called by customers.demo): one list whose one entry is
a demo customer, written in traditional characters with the customer's birth date, so the
demo shows a name match across scripts and compliance (cora) has a hit to work. Safe to run
again: the same version re-imported changes nothing, and a hit exists once."""

from __future__ import annotations

import datetime as dt

import opencc

from accounts.models import Role, User
from customers import screening
from customers.models import Customer, CustomerKind

DEMO_SOURCE = "DEMO-SANCTIONS"
DEMO_LIST_DATE = dt.date(2026, 1, 15)


def seed_watch_list() -> str:
    admin = User.objects.filter(role=Role.ADMIN, is_active=True).order_by("id").first()
    target = Customer.objects.filter(kind=CustomerKind.INDIVIDUAL).order_by("id").first()
    if admin is None or target is None:
        return ""
    listed = screening.ListFile(
        source=DEMO_SOURCE,
        list_date=DEMO_LIST_DATE,
        entries=[
            screening.ListedEntry(
                reference="DEMO-0001",
                name=opencc.OpenCC("s2t").convert(target.name),
                aliases=[],
                id_numbers=[],
                birth_date=target.birth_date,
            )
        ],
    )
    result = screening.watch_list_import(actor=admin, listed=listed)
    raised = screening.customer_screen(customer=target)
    return f"watch list {DEMO_SOURCE}: {result.created} new entries, {raised} new hits"
