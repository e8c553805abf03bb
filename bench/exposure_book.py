"""The bench book's credit facilities and customer groups, so that the nightly's exposure step
(risk/exposure.py) has the work a real book gives it: every fifth customer holds an active
revolving facility (its officer proposed it, the branch manager approved it), and one customer
in fifty belongs to a group of five consecutive customers. Set-based SQL over the customers
just loaded; bench/synthetic_book.py calls `seed` as one of its steps."""

from __future__ import annotations

import datetime as dt

FACILITY_EVERY = 5
GROUP_EVERY = 50
GROUP_SIZE = 5

FACILITIES = f"""
    INSERT INTO lending_creditfacility (customer_id, kind, currency, "limit", start_date,
        expiry_date, review_date, status, reason, proposed_by_id, proposed_at, approved_by_id,
        approved_at, status_note)
    SELECT c.id, 'revolving', 'CNY', 100000 + (c.id %% 20) * 50000, %(start)s, %(expiry)s,
           %(review)s, 'active', 'Bench working capital line', c.officer_id, now(),
           m.manager_id, now(), ''
    FROM customers_customer c JOIN bench_manager m ON m.branch_id = c.branch_id
    WHERE c.id BETWEEN %(first)s AND %(last)s AND c.id %% {FACILITY_EVERY} = 0
      AND m.manager_id <> c.officer_id
"""

GROUPS = f"""
    INSERT INTO customers_customergroup (name, group_limit, notes, created_by_id, created_at)
    SELECT 'Bench group ' || c.id, 5000000, '', m.manager_id, now()
    FROM customers_customer c JOIN bench_manager m ON m.branch_id = c.branch_id
    WHERE c.id BETWEEN %(first)s AND %(last)s - {GROUP_SIZE - 1} AND c.id %% {GROUP_EVERY} = 1
"""

MEMBERS = f"""
    INSERT INTO customers_customergroupmember (group_id, customer_id, added_by_id, added_at)
    SELECT g.id, c.id, g.created_by_id, now()
    FROM customers_customergroup g
    JOIN customers_customer c
      ON c.id BETWEEN substr(g.name, 13)::bigint AND substr(g.name, 13)::bigint + {GROUP_SIZE - 1}
    WHERE g.name LIKE 'Bench group %%'
      AND substr(g.name, 13)::bigint BETWEEN %(first)s AND %(last)s
"""


def seed(cursor, first: int, count: int, today: dt.date) -> dict[str, int]:
    """The facilities and groups of the customers with ids from `first` (`count` of them);
    the temporary table bench_manager (branch → manager) is the loans step's."""
    params = {
        "first": first,
        "last": first + count - 1,
        "start": today - dt.timedelta(days=200),
        "expiry": today + dt.timedelta(days=530),
        "review": today + dt.timedelta(days=165),
    }
    cursor.execute(FACILITIES, params)
    facilities = cursor.rowcount
    cursor.execute(GROUPS, params)
    groups = cursor.rowcount
    cursor.execute(MEMBERS, params)
    return {"facilities": facilities, "groups": groups, "members": cursor.rowcount}
