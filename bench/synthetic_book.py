"""A synthetic book at scale, for benchmarks (bench/seed_bench.py, bench/run.py).

Customers (85% individuals, 15% enterprises) spread over the demo officers and twenty bench
branches of five officers each; one assessment and one financial statement per customer;
loans with their applications, exact equal-principal schedules and the repayments of every
instalment paid; two interactions per customer. About 94% of loans pay on time; the rest
stopped paying one to twelve instalments ago, so days past due spread over every
classification bucket as in a real book with a few percent overdue.

Customers and assessments are drawn with numpy and streamed in with COPY; everything else is
one INSERT … SELECT per table over generate_series, with pseudo-random choices taken from
hashint8extended(row, seed), so the same seed gives the same book. Nothing goes through the
ORM one row at a time, and the big tables' secondary indexes are built once at the end
rather than row by row (at 100,000 loans the load took 45 s instead of 59 s). Identifiers
are valid (check digits included), so any bench customer can be opened and edited like a
real one.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

import numpy as np
from django.contrib.auth.hashers import make_password
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from accounts.demo import seed_cast
from accounts.models import Branch, Role, User
from bench import exposure_book
from core import field_crypto
from credit import default_scorecards
from credit.models import ScorecardStatus, ScorecardVersion
from customers.identifiers import (
    credit_code_check_char,
    phone_shown_tail,
    resident_id_check_char,
)
from customers.models import Industry, phone_digest, resident_id_digest

BENCH_BRANCHES = 20
OFFICERS_PER_BRANCH = 5
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红玉兰俊峰")
PLACES = list("华盛鑫泰恒信达通瑞丰源宏远昌隆兴")
TRADES = ["制造", "贸易", "建设", "科技", "物流", "食品", "医药", "材料"]


def _grade_for_scores(scores: np.ndarray) -> np.ndarray:
    grades = np.full(scores.shape, "C", dtype=object)
    for grade, cutoff in sorted(default_scorecards.CUTOFFS, key=lambda row: row[1]):
        grades[scores >= cutoff] = grade
    return grades


def _people(stdout) -> tuple[list[int], dict[int, int]]:
    """Officer ids in round-robin order and each branch's manager; made once, reused."""
    cast = seed_cast()
    password = make_password(None)  # bench colleagues cannot log in
    branches = []
    for number in range(1, BENCH_BRANCHES + 1):
        branch, _ = Branch.objects.get_or_create(
            code=f"B{number:02d}", defaults={"name": f"Bench branch {number:02d}"}
        )
        branches.append(branch)
    wanted = []
    for branch in branches:
        wanted.append((f"bench-mgr-{branch.code}", Role.MANAGER, branch))
        for seat in range(1, OFFICERS_PER_BRANCH + 1):
            wanted.append((f"bench-{branch.code}-{seat}", Role.OFFICER, branch))
    existing = set(
        User.objects.filter(username__startswith="bench-").values_list("username", flat=True)
    )
    User.objects.bulk_create(
        [
            User(username=name, role=role, branch=branch, password=password)
            for name, role, branch in wanted
            if name not in existing
        ]
    )
    officers = [cast["alice"].pk, cast["bob"].pk, cast["charlie"].pk]
    officers += list(
        User.objects.filter(username__startswith="bench-B", role=Role.OFFICER)
        .order_by("username")
        .values_list("pk", flat=True)
    )
    managers = {cast["mary"].branch_id: cast["mary"].pk}
    for manager in User.objects.filter(role=Role.MANAGER, is_active=True).order_by("pk"):
        managers.setdefault(manager.branch_id, manager.pk)
    # Every officer's branch needs a manager to have decided its loans.
    for branch in Branch.objects.filter(users__pk__in=officers).distinct():
        if branch.pk not in managers:
            manager, _ = User.objects.get_or_create(
                username=f"bench-mgr-{branch.code}",
                defaults={"role": Role.MANAGER, "branch": branch, "password": password},
            )
            managers[branch.pk] = manager.pk
    stdout(f"{len(officers)} officers in {len(managers)} branches with a manager")
    return officers, managers


def _copy(table: str, columns: list[str], rows) -> None:
    raw = connection.connection
    with (
        raw.cursor() as cursor,
        cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def _next_id(cursor, table: str) -> int:
    cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")
    return cursor.fetchone()[0]


def _reset_sequence(cursor, table: str) -> None:
    cursor.execute(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
        f"greatest((SELECT max(id) FROM {table}), 1))"
    )


CUSTOMER_COLUMNS = [
    "id", "kind", "name", "phone", "phone_hash", "phone_tail", "email", "address", "risk_level",
    "grade", "resident_id", "resident_id_hash", "resident_id_tail", "birth_date", "gender",
    "occupation", "employer", "monthly_income",
    "credit_code", "size", "founded_on", "annual_revenue", "registered_capital",
    "legal_representative", "created_at", "updated_at", "assigned_at", "branch_id",
    "officer_id", "industry_id", "language",
]  # fmt: skip


def _customers(base: int, count: int, seed: int, officers, branch_of, today, stdout):
    rng = np.random.default_rng(seed)
    enterprise = rng.random(count) < 0.15
    scores = np.clip(rng.normal(600, 55, count).round(), 420, 760).astype(int)
    grades = _grade_for_scores(scores)
    surnames = rng.integers(0, len(SURNAMES), count)
    given = rng.integers(0, len(GIVEN), (count, 2))
    ages = rng.integers(22 * 365, 65 * 365, count)
    incomes = (rng.lognormal(9.2, 0.5, count) // 100 * 100).astype(int)
    revenues = (rng.lognormal(17, 1.2, count) // 10000 * 10000).astype(np.int64)
    phones = rng.integers(0, 10**9, count)
    industries = list(Industry.objects.values_list("pk", flat=True)) or [None]
    industry_picks = rng.integers(0, len(industries), count)
    now = timezone.now()
    created = [now - dt.timedelta(days=int(days)) for days in rng.integers(30, 2000, count)]

    # Identifiers are written as the application stores them: encrypted, with keyed hashes.
    cipher = field_crypto.cipher()

    def rows():
        for index in range(count):
            pk = base + index + 1
            officer = officers[index % len(officers)]
            phone = f"13{phones[index]:09d}"
            common = {
                "id": pk,
                # The bank writes to its customers in Chinese unless told otherwise.
                "language": "zh-hans",
                "phone": cipher.encrypt(phone.encode()).decode(),
                "phone_hash": phone_digest(phone),
                "phone_tail": phone_shown_tail(phone),
                "email": "",
                "address": "",
                "risk_level": "low",
                "grade": grades[index],
                "created_at": created[index],
                "updated_at": created[index],
                "assigned_at": created[index],
                "branch_id": branch_of[officer],
                "officer_id": officer,
            }
            if enterprise[index]:
                body = f"91{110000 + pk // 10**9 % 10:06d}{pk % 10**9:09d}"
                code = body + credit_code_check_char(body)
                values = {
                    **common,
                    "kind": "enterprise",
                    "name": f"{PLACES[pk % len(PLACES)]}{PLACES[pk // 7 % len(PLACES)]}"
                    f"{TRADES[pk % len(TRADES)]}有限公司{pk}",
                    "resident_id": None,
                    "resident_id_hash": None,
                    "resident_id_tail": "",
                    "birth_date": None,
                    "gender": "",
                    "occupation": "",
                    "employer": "",
                    "monthly_income": None,
                    "credit_code": code,
                    "size": "small",
                    "founded_on": today - dt.timedelta(days=int(ages[index])),
                    "annual_revenue": int(revenues[index]),
                    "registered_capital": int(revenues[index]) // 10,
                    "legal_representative": SURNAMES[surnames[index]] + GIVEN[given[index, 0]],
                    "industry_id": industries[industry_picks[index]],
                }
            else:
                birth = today - dt.timedelta(days=int(ages[index]))
                # Region and sequence spell out the row number: unique by construction.
                region, sequence = 110000 + pk // 1000 % 890000, pk % 1000
                body = f"{region:06d}{birth:%Y%m%d}{sequence:03d}"
                number = body + resident_id_check_char(body)
                values = {
                    **common,
                    "kind": "individual",
                    "name": SURNAMES[surnames[index]]
                    + GIVEN[given[index, 0]]
                    + GIVEN[given[index, 1]],
                    "resident_id": cipher.encrypt(number.encode()).decode(),
                    "resident_id_hash": resident_id_digest(number),
                    "resident_id_tail": number[-4:],
                    "birth_date": birth,
                    "gender": "M" if sequence % 2 else "F",
                    "occupation": "职员",
                    "employer": "",
                    "monthly_income": int(incomes[index]),
                    "credit_code": None,
                    "size": "",
                    "founded_on": None,
                    "annual_revenue": None,
                    "registered_capital": None,
                    "legal_representative": "",
                    "industry_id": None,
                }
            yield tuple(values[column] for column in CUSTOMER_COLUMNS)

    _copy("customers_customer", CUSTOMER_COLUMNS, rows())
    return enterprise, scores, grades, created


def _assessments(cursor, base, count, officers, scores, grades, enterprise, created):
    cards = {
        kind: ScorecardVersion.objects.get(customer_kind=kind, status=ScorecardStatus.PUBLISHED)
        for kind in ("individual", "enterprise")
    }
    pds = {row["grade"]: row["pd"] for row in default_scorecards.master_scale()}
    first = _next_id(cursor, "credit_assessment")
    columns = [
        "id", "customer_id", "scorecard_id", "inputs", "factor_points", "expert_comments",
        "score", "grade", "pd", "assessed_by_id", "assessed_at",
    ]  # fmt: skip

    def rows():
        for index in range(count):
            kind = "enterprise" if enterprise[index] else "individual"
            dti = round(0.1 + (scores[index] % 97) / 150, 3)
            yield (
                first + index + 1,
                base + index + 1,
                cards[kind].pk,
                f'{{"dti": {dti}, "late_payments_12m": 0}}',
                "{}",
                "{}",
                int(scores[index]),
                grades[index],
                pds[grades[index]],
                officers[index % len(officers)],
                created[index],
            )

    _copy("credit_assessment", columns, rows())


def _statements(cursor, base, count, today):
    cursor.execute(
        """
        INSERT INTO credit_financialstatement
            (period_end, annual_income, annual_expenses, personal_assets, personal_debts,
             total_assets, total_liabilities, revenue, net_profit, debt_service,
             recorded_at, customer_id, recorded_by_id)
        SELECT %(period_end)s,
               c.monthly_income * 12, c.monthly_income * 7,
               CASE WHEN c.kind = 'individual' THEN c.monthly_income * 40 END,
               CASE WHEN c.kind = 'individual' THEN c.monthly_income * 10 END,
               CASE WHEN c.kind = 'enterprise' THEN c.annual_revenue * 1.2 END,
               CASE WHEN c.kind = 'enterprise' THEN c.annual_revenue * 0.7 END,
               c.annual_revenue, c.annual_revenue * 0.06,
               coalesce(c.monthly_income * 3, c.annual_revenue * 0.05),
               c.created_at, c.id, c.officer_id
          FROM customers_customer c
         WHERE c.id > %(base)s AND c.id <= %(last)s
        """,
        {"period_end": dt.date(today.year - 1, 12, 31), "base": base, "last": base + count},
    )


def _loans(cursor, customers_base, customers, loans, seed, today, managers):
    """Applications, loans, schedules and repayments, all from one plan table."""
    cursor.execute("DROP TABLE IF EXISTS bench_manager")
    cursor.execute("CREATE TEMP TABLE bench_manager (branch_id bigint, manager_id bigint)")
    cursor.executemany("INSERT INTO bench_manager VALUES (%s, %s)", list(managers.items()))
    products = dict(_products(cursor))
    app_base = _next_id(cursor, "credit_application")
    loan_base = _next_id(cursor, "credit_loan")
    cursor.execute("DROP TABLE IF EXISTS bench_plan")
    cursor.execute(
        """
        CREATE TEMP TABLE bench_plan AS
        WITH drawn AS (
            SELECT g,
                   %(customers_base)s + 1 + abs(hashint8extended(g, %(seed)s)) %% %(customers)s
                       AS customer_id,
                   (ARRAY[12, 24, 36])[1 + abs(hashint8extended(g, %(seed)s + 1)) %% 3] AS term,
                   abs(hashint8extended(g, %(seed)s + 2)) AS h_age,
                   abs(hashint8extended(g, %(seed)s + 3)) %% 1000 AS h_late,
                   abs(hashint8extended(g, %(seed)s + 4)) AS h_amount,
                   abs(hashint8extended(g, %(seed)s + 5)) AS h_product
              FROM generate_series(1, %(loans)s) AS g
        ), dated AS (
            SELECT d.*, c.kind, c.officer_id, c.branch_id,
                   (%(today)s::date - make_interval(months => (1 + d.h_age %% (d.term + 6))::int)
                       - make_interval(days => (d.h_age %% 28)::int))::date AS disbursed_on
              FROM drawn d JOIN customers_customer c ON c.id = d.customer_id
        ), aged AS (
            SELECT t.*,
                   (extract(year FROM age(%(today)s::date, t.disbursed_on)) * 12
                    + extract(month FROM age(%(today)s::date, t.disbursed_on)))::int AS months
              FROM dated t
        ), counted AS (
            -- instalments fallen due before the business date (one due today is not yet)
            SELECT a.*,
                   least(a.term, a.months - CASE
                       WHEN (a.disbursed_on + make_interval(months => a.months))::date
                            >= %(today)s::date THEN 1 ELSE 0 END) AS due_count
              FROM aged a
        )
        SELECT %(loan_base)s + g AS loan_id, %(app_base)s + g AS application_id, customer_id,
               kind, officer_id, branch_id, term, disbursed_on,
               CASE WHEN kind = 'individual'
                    THEN (ARRAY[%(cons)s, %(auto)s, %(mort)s])[1 + h_product %% 3]
                    ELSE (ARRAY[%(wc)s, %(bt)s])[1 + h_product %% 2] END AS product_id,
               CASE WHEN kind = 'individual' THEN 50000 + (h_amount %% 950) * 1000
                    ELSE 500000 + (h_amount %% 1950) * 10000 END::numeric(18, 2) AS principal,
               (0.035 + (h_amount %% 300) / 10000.0)::numeric(9, 6) AS annual_rate,
               greatest(0, due_count - CASE
                   WHEN h_late < 940 THEN 0
                   WHEN h_late < 970 THEN 1
                   WHEN h_late < 985 THEN 2 + h_late %% 2
                   ELSE 4 + h_late %% 9 END)::int AS paid_count
          FROM counted
        """,
        {
            "customers_base": customers_base,
            "customers": customers,
            "loans": loans,
            "seed": seed * 1000,
            "today": today,
            "loan_base": loan_base,
            "app_base": app_base,
            "cons": products["CONS-01"],
            "auto": products["AUTO-01"],
            "mort": products["MORT-01"],
            "wc": products["WC-01"],
            "bt": products["BT-01"],
        },
    )
    cursor.execute("ANALYZE bench_plan")
    cursor.execute(
        """
        INSERT INTO credit_application
            (id, amount, term_months, purpose, status, created_at, submitted_at, decided_at,
             decision_reason, approved_amount, approved_term_months, approved_rate,
             status_changed_at, created_by_id, customer_id, decided_by_id, reviewer_id,
             submitted_by_id, product_id, editor_ids)
        SELECT p.application_id, p.principal, p.term, '经营周转', 'disbursed',
               p.disbursed_on - 10, p.disbursed_on - 9, p.disbursed_on - 5, '', p.principal,
               p.term, p.annual_rate, p.disbursed_on, p.officer_id, p.customer_id,
               m.manager_id, m.manager_id, p.officer_id, p.product_id, '{}'::bigint[]
          FROM bench_plan p JOIN bench_manager m ON m.branch_id = p.branch_id
        """
    )
    cursor.execute(
        """
        INSERT INTO credit_loan
            (id, principal, annual_rate, term_months, repayment_method, disbursed_on,
             maturity_date, status, outstanding_principal, schedule_version, restructure_count,
             application_id, customer_id, disbursed_by_id, product_id, months_per_period)
        SELECT p.loan_id, p.principal, p.annual_rate, p.term, 'equal_principal',
               p.disbursed_on, (p.disbursed_on + make_interval(months => p.term))::date,
               CASE WHEN p.paid_count = p.term THEN 'closed' ELSE 'active' END,
               CASE WHEN p.paid_count = p.term THEN 0
                    ELSE p.principal - round(p.principal / p.term, 2) * p.paid_count END,
               1, 0, p.application_id, p.customer_id, m.manager_id, p.product_id, 1
          FROM bench_plan p JOIN bench_manager m ON m.branch_id = p.branch_id
        """
    )
    # Equal principal: the same principal each month, the last absorbing the rounding;
    # interest on what is still outstanding at 30/360.
    cursor.execute(
        """
        INSERT INTO credit_instalment
            (schedule_version, number, due_date, principal_due, interest_due, principal_paid,
             interest_paid, penalty_paid, settled_on, superseded, loan_id)
        SELECT 1, k, due, principal_due, interest_due,
               CASE WHEN k <= p.paid_count THEN principal_due ELSE 0 END,
               CASE WHEN k <= p.paid_count THEN interest_due ELSE 0 END,
               0, CASE WHEN k <= p.paid_count THEN due END, false, p.loan_id
          FROM bench_plan p
          CROSS JOIN LATERAL generate_series(1, p.term) AS k
          CROSS JOIN LATERAL (
              SELECT (p.disbursed_on + make_interval(months => k))::date AS due,
                     CASE WHEN k < p.term THEN round(p.principal / p.term, 2)
                          ELSE p.principal - round(p.principal / p.term, 2) * (p.term - 1)
                     END AS principal_due,
                     round((p.principal - round(p.principal / p.term, 2) * (k - 1))
                           * p.annual_rate / 12, 2) AS interest_due
          ) AS amounts
        """
    )
    cursor.execute(
        """
        INSERT INTO credit_repayment
            (amount, paid_on, channel, reference, prepayment, posted_at,
             schedule_version_before, reversal_reason, loan_id, posted_by_id)
        SELECT i.principal_due + i.interest_due, i.due_date, 'auto_debit',
               'BENCH-' || i.loan_id || '-' || i.number, 0,
               i.due_date + time '10:00', 1, '', i.loan_id, p.officer_id
          FROM credit_instalment i JOIN bench_plan p ON p.loan_id = i.loan_id
         WHERE i.settled_on IS NOT NULL
        """
    )


def _align_assessments(cursor, base, count, today):
    """Each assessment holds the repayment record its customer had on the business date, as
    the nightly job would have left it, so the first run re-scores nobody for nothing."""
    cursor.execute(
        """
        UPDATE credit_assessment a
           SET inputs = a.inputs || jsonb_build_object(
                   'late_payments_12m', r.late_12, 'late_payments_36m', r.late_36,
                   'worst_dpd_ever', r.worst)
          FROM (
              SELECT l.customer_id,
                     count(*) FILTER (WHERE (i.settled_on > i.due_date OR i.settled_on IS NULL)
                                        AND i.due_date >= %(on)s::date - 365) AS late_12,
                     count(*) FILTER (WHERE (i.settled_on > i.due_date OR i.settled_on IS NULL)
                                        AND i.due_date >= %(on)s::date - 3 * 365) AS late_36,
                     coalesce(max(coalesce(i.settled_on, %(on)s::date) - i.due_date)
                              FILTER (WHERE i.settled_on > i.due_date OR i.settled_on IS NULL),
                              0) AS worst
                FROM credit_instalment i JOIN credit_loan l ON l.id = i.loan_id
               WHERE l.customer_id > %(base)s AND l.customer_id <= %(last)s
                 AND NOT i.superseded AND i.due_date < %(on)s
               GROUP BY l.customer_id
          ) AS r
         WHERE a.customer_id = r.customer_id
        """,
        {"on": today, "base": base, "last": base + count},
    )


def _products(cursor) -> list[tuple[str, int]]:
    cursor.execute("SELECT code, id FROM credit_loanproduct")
    return cursor.fetchall()


def _interactions(cursor, base, count, seed):
    cursor.execute(
        """
        INSERT INTO customers_interaction
            (channel, direction, occurred_at, summary, outcome, next_step, customer_id,
             officer_id)
        SELECT (ARRAY['phone', 'visit', 'online', 'email'])[1 + abs(hashint8extended(c.id * 2 + n,
                   %(seed)s)) %% 4],
               'outbound', now() - make_interval(days => (abs(hashint8extended(c.id * 2 + n,
                   %(seed)s + 1)) %% 365)::int),
               '例行回访，了解经营和还款情况', '', '', c.id, c.officer_id
          FROM customers_customer c CROSS JOIN generate_series(1, 2) AS n
         WHERE c.id > %(base)s AND c.id <= %(last)s
        """,
        {"seed": seed, "base": base, "last": base + count},
    )


def _skip_foreign_key_triggers(cursor) -> None:
    """Django's foreign keys are checked at COMMIT, one trigger per row: for tens of millions
    of rows generated consistent by construction that is most of the load time. A superuser
    (the embedded server's, a benchmark database's) may skip them for this transaction, as
    bulk loads do; anyone else keeps the checks."""
    try:
        with transaction.atomic():
            cursor.execute("SET LOCAL session_replication_role = replica")
    except DatabaseError:
        pass


# The tables the book fills with a row or more per customer or loan.
BULK_TABLES = [
    "customers_customer",
    "credit_assessment",
    "credit_financialstatement",
    "credit_application",
    "credit_loan",
    "credit_instalment",
    "credit_repayment",
    "customers_interaction",
]


def _drop_secondary_indexes(cursor, tables: list[str]) -> list[str]:
    """Drops the indexes of `tables` that back no constraint, for the load; their
    definitions, for _build_indexes at its end. Each is then built once over the loaded rows
    instead of taking tens of millions of rows one at a time (a bulk load's usual order). In
    the load's transaction: if it fails they are as they were, and a unique one built over
    duplicates fails it. Primary keys and unique constraints stay, for the load's joins."""
    cursor.execute(
        """
        SELECT quote_ident(c.relname), pg_get_indexdef(i.indexrelid)
        FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE i.indrelid = ANY(%s::regclass[])
          AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
        ORDER BY c.relname
        """,
        [tables],
    )
    indexes = cursor.fetchall()
    for name, _definition in indexes:
        cursor.execute(f"DROP INDEX {name}")
    return [definition for _name, definition in indexes]


def _build_indexes(cursor, definitions: list[str]) -> None:
    cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
    for definition in definitions:
        cursor.execute(definition)


def generate(
    *, customers: int, loans: int, seed: int, today: dt.date, stdout: Callable[[str], None]
) -> dict[str, float]:
    """Adds the book; returns the seconds each step took."""
    timings: dict[str, float] = {}

    def step(name: str, work) -> None:
        started = time.perf_counter()
        work()
        timings[name] = round(time.perf_counter() - started, 2)
        stdout(f"{name}: {timings[name]} s")

    officers, managers = _people(stdout)
    branch_of = dict(User.objects.filter(pk__in=officers).values_list("pk", "branch_id"))
    with transaction.atomic(), connection.cursor() as cursor:
        _skip_foreign_key_triggers(cursor)
        dropped_indexes = _drop_secondary_indexes(cursor, BULK_TABLES)
        base = _next_id(cursor, "customers_customer")
        drawn = {}
        step(
            "customers",
            lambda: drawn.update(
                zip(
                    ("enterprise", "scores", "grades", "created"),
                    _customers(base, customers, seed, officers, branch_of, today, stdout),
                    strict=True,
                )
            ),
        )
        step(
            "assessments",
            lambda: _assessments(
                cursor,
                base,
                customers,
                officers,
                drawn["scores"],
                drawn["grades"],
                drawn["enterprise"],
                drawn["created"],
            ),
        )
        step("statements", lambda: _statements(cursor, base, customers, today))
        step(
            "applications, loans, schedules, repayments",
            lambda: _loans(cursor, base, customers, loans, seed, today, managers),
        )
        step(
            "repayment records into assessments",
            lambda: _align_assessments(cursor, base, customers, today),
        )
        step("interactions", lambda: _interactions(cursor, base, customers, seed))
        step(
            "facilities and groups",
            lambda: exposure_book.seed(cursor, base, customers, today),
        )
        step("indexes", lambda: _build_indexes(cursor, dropped_indexes))
        for table in BULK_TABLES:
            _reset_sequence(cursor, table)
    with connection.cursor() as cursor:
        step("analyze", lambda: cursor.execute("ANALYZE"))
    return timings


def first_risk_run(today: dt.date, stdout: Callable[[str], None]) -> float:
    """The nightly job over the new book, so it has classes, history and alerts as a book
    that has been running would; returns its seconds."""
    from risk import jobs

    started = time.perf_counter()
    jobs.run_synchronously(jobs.NIGHTLY, today)
    seconds = round(time.perf_counter() - started, 2)
    stdout(f"first nightly risk run: {seconds} s")
    return seconds
