"""A synthetic book at scale, for benchmarks (bench/seed_bench.py, bench/run.py): a state
the product itself could have produced.

Customers (85% individuals, 15% enterprises) spread over the demo officers and twenty bench
branches of five officers each; one financial statement per customer, drawn around a credit
quality of their own; one assessment per customer, its inputs the statement's ratios (as
credit.ratios computes them), drawn marks and the repayment record on the business date, its
score, grade and factor points the scorecard engine's (bench/book_scoring.py); loans with
their applications, exact equal-principal schedules and the repayments of every instalment
paid, collateral with its valuation on the secured products (mortgages, car loans);
applications in every stage of the pipeline, renewals under way for most loans about to
mature; two interactions per customer, one in the last quarter. About 96.5% of loans pay on
time (one in twelve paid an instalment late once and caught up); the rest stopped paying one
to twelve instalments ago, so days past due spread over every classification bucket: about
5% of the active loans overdue and 2–3% non-performing, as in a bank's book. The seed then
runs the product's own nightly job for the business date (seed_bench), so classes, risk
levels and alerts are the product's: open alerts for a few percent of the customers.

Customers, statements and assessments are drawn with numpy and streamed in with COPY;
everything else is one INSERT … SELECT per table over generate_series, with pseudo-random
choices taken from hashint8extended(row, seed), so the same seed gives the same book.
Nothing goes through the ORM one row at a time, and the big tables' secondary indexes are
built once at the end rather than row by row (at 100,000 loans the load took 45 s instead of
59 s). Identifiers are valid (check digits included), so any bench customer can be opened
and edited like a real one.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from decimal import Decimal

import numpy as np
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from accounts.demo import seed_cast
from accounts.models import Branch, Role, User
from bench import book_scoring, exposure_book
from core import field_crypto
from credit import ratios
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
                # The engine grades them once their repayment record is known (_assessments).
                "grade": "",
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
    return {
        "enterprise": enterprise,
        "incomes": incomes,
        "revenues": revenues,
        "ages": ages,
        "created": created,
    }


STATEMENT_COLUMNS = [
    "id", "customer_id", "period_end", "annual_income", "annual_expenses", "personal_assets",
    "personal_debts", "total_assets", "current_assets", "current_liabilities",
    "total_liabilities", "revenue", "net_profit", "operating_cash_flow", "debt_service",
    "recorded_at", "recorded_by_id",
]  # fmt: skip
EXPERT_COMMENT = "客户经理走访评定"
ONE_TO_FIVE = ["2", "3", "4", "5"]


def _money(value: float) -> Decimal:
    return Decimal(str(round(float(value), 2)))


def _statements(cursor, base, count, seed, drawn, officers, today) -> list[dict]:
    """Last year's statement of every customer, drawn around a credit quality of their own,
    and the scorecard inputs they give (the ratios as credit.ratios computes them from the
    statement, the rest drawn); the repayment record is added by _assessments."""
    rng = np.random.default_rng(seed + 17)
    quality = rng.normal(0, 1, count)  # better customers: lower leverage, better marks
    # Debt to income: about 1% of individuals over the 0.55 the catalogue warns at.
    dti = np.clip(np.exp(rng.normal(np.log(0.22) - 0.1 * quality, 0.4)), 0.02, 0.95)
    asset_years = np.exp(rng.normal(2.0 + 0.3 * quality, 0.8))
    debt_years = rng.uniform(0.2, 3.0, count)
    years_employed = rng.integers(0, 26, count)
    growth = rng.normal(0.04 + 0.02 * quality, 0.08, count).round(4)
    # Enterprises: about 3% cover their debt service less than once (the DSCR rule's 1.0).
    dscr = np.exp(rng.normal(np.log(1.9) + 0.1 * quality, 0.35))
    debt_ratio = np.clip(rng.normal(0.55 - 0.05 * quality, 0.12), 0.1, 0.95)
    current = np.exp(rng.normal(np.log(1.5) + 0.05 * quality, 0.3))
    asset_turnover = rng.uniform(0.6, 2.0, count)
    marks = np.clip(np.round(3.6 + 0.7 * quality[:, None] + rng.normal(0, 0.6, (count, 3))), 2, 5)
    positions = rng.choice(
        ["leader", "established", "niche", "weak"], count, p=[0.1, 0.5, 0.3, 0.1]
    )
    outlooks = rng.choice(["positive", "stable", "negative"], count, p=[0.3, 0.55, 0.15])
    recorded_days = rng.integers(1, 330, count)
    first = _next_id(cursor, "credit_financialstatement")
    period_end = dt.date(today.year - 1, 12, 31)
    zone = timezone.get_current_timezone()
    enterprise, incomes, revenues = drawn["enterprise"], drawn["incomes"], drawn["revenues"]
    inputs: list[dict] = []
    rows = []
    for index in range(count):
        customer = base + index + 1
        recorded_on = max(today - dt.timedelta(days=int(recorded_days[index])), period_end)
        recorded_at = timezone.make_aware(dt.datetime.combine(recorded_on, dt.time(9)), zone)
        mark = [str(int(value)) for value in marks[index]]
        if enterprise[index]:
            revenue = _money(revenues[index])
            assets = _money(revenues[index] * asset_turnover[index])
            liabilities = _money(float(assets) * debt_ratio[index])
            current_assets = _money(float(assets) * 0.45)
            current_liabilities = _money(float(current_assets) / current[index])
            debt_service = _money(float(revenue) * 0.05)
            cash_flow = _money(float(debt_service) * dscr[index])
            values = (None, None, None, None, assets, current_assets, current_liabilities,
                      liabilities, revenue, _money(float(revenue) * 0.06), cash_flow,
                      debt_service)  # fmt: skip
            founded = today - dt.timedelta(days=int(drawn["ages"][index]))
            inputs.append(
                {
                    "total_assets": float(assets),
                    "current_ratio": float(
                        ratios.current_ratio(current_assets, current_liabilities)
                    ),
                    "debt_ratio": float(ratios.debt_ratio(liabilities, assets)),
                    "dscr": float(ratios.dscr(cash_flow, debt_service)),
                    "years_in_business": (today - founded).days // 365,
                    "market_position": str(positions[index]),
                    "industry_outlook": str(outlooks[index]),
                    "revenue_growth": float(growth[index]),
                    "management_quality": mark[0],
                    "reputation": mark[1],
                    "transparency": mark[2],
                }
            )
        else:
            income = _money(incomes[index] * 12)
            personal_assets = _money(float(income) * asset_years[index])
            personal_debts = _money(float(income) * debt_years[index])
            debt_service = _money(float(income) * dti[index])
            values = (income, _money(incomes[index] * 7), personal_assets, personal_debts,
                      None, None, None, None, None, None, None, debt_service)  # fmt: skip
            inputs.append(
                {
                    "net_worth": float(personal_assets - personal_debts),
                    "monthly_income": int(incomes[index]),
                    "dti": float(ratios.dti(debt_service, income)),
                    "years_employed": int(years_employed[index]),
                    "income_growth": float(growth[index]),
                    "character": mark[0],
                    "reputation": mark[1],
                }
            )
        inputs[-1]["statement_id"] = first + index + 1
        inputs[-1]["assessed_at"] = recorded_at + dt.timedelta(hours=2)
        officer = officers[index % len(officers)]
        rows.append((first + index + 1, customer, period_end, *values, recorded_at, officer))
    _copy("credit_financialstatement", STATEMENT_COLUMNS, rows)
    return inputs


RECORD = """
SELECT l.customer_id,
       count(*) FILTER (WHERE (i.settled_on > i.due_date OR i.settled_on IS NULL)
                          AND i.due_date >= %(on)s::date - 365),
       count(*) FILTER (WHERE (i.settled_on > i.due_date OR i.settled_on IS NULL)
                          AND i.due_date >= %(on)s::date - 3 * 365),
       coalesce(max(coalesce(i.settled_on, %(on)s::date) - i.due_date)
                FILTER (WHERE i.settled_on > i.due_date OR i.settled_on IS NULL), 0)
FROM credit_instalment i JOIN credit_loan l ON l.id = i.loan_id
WHERE l.customer_id > %(base)s AND l.customer_id <= %(last)s
  AND NOT i.superseded AND i.due_date < %(on)s
GROUP BY l.customer_id
"""


def _assessments(cursor, base, count, officers, enterprise, inputs, today) -> dict:
    """Each customer's assessment, scored by the engine (bench/book_scoring.py) from their
    statement's inputs and the repayment record they had on the business date (the same
    definitions as the nightly's, risk.recompute.STALE_SCORES; none late for a customer
    with nothing due yet), as an officer's assessment of last year's statement would have
    been re-scored by the nights since; the customer's grade is the assessment's."""
    cursor.execute(RECORD, {"on": today, "base": base, "last": base + count})
    records = {customer: (late_12, late_36, worst) for customer, *(late_12, late_36, worst)
               in cursor.fetchall()}  # fmt: skip
    cards = {
        kind: ScorecardVersion.objects.get(customer_kind=kind, status=ScorecardStatus.PUBLISHED)
        for kind in ("individual", "enterprise")
    }
    first = _next_id(cursor, "credit_assessment")
    scored_rows: dict[int, tuple] = {}
    links: dict[int, tuple] = {}  # statement id and time of each customer's assessment
    checked = 0
    for kind, card in cards.items():
        wanted = [index for index in range(count) if enterprise[index] == (kind == "enterprise")]
        experts = [f["key"] for f in card.definition["factors"] if f.get("expert")]
        kind_inputs = []
        for index in wanted:
            late_12, late_36, worst = records.get(base + index + 1, (0, 0, 0))
            # In place: a million customers' inputs are held once, not copied.
            values = inputs[index]
            links[index] = (values.pop("statement_id"), values.pop("assessed_at"))
            values.update(
                late_payments_12m=late_12, late_payments_36m=late_36, worst_dpd_ever=worst
            )
            kind_inputs.append(values)
        scored = book_scoring.score_all(card.definition, kind_inputs)
        checked += book_scoring.verify(card.definition, kind_inputs, scored)
        comments = json.dumps({key: EXPERT_COMMENT for key in experts})
        for index, values, result in zip(wanted, kind_inputs, scored, strict=True):
            scored_rows[index] = (card.pk, json.dumps(values), result, comments)
    columns = [
        "id", "customer_id", "scorecard_id", "statement_id", "inputs", "factor_points",
        "expert_comments", "score", "grade", "pd", "assessed_by_id", "assessed_at",
    ]  # fmt: skip

    def rows():
        for index in range(count):
            card_id, values, result, comments = scored_rows[index]
            statement_id, assessed_at = links[index]
            yield (
                first + index + 1, base + index + 1, card_id, statement_id, values,
                result.factor_points, comments, result.score, result.grade, result.pd,
                officers[index % len(officers)], assessed_at,
            )  # fmt: skip

    _copy("credit_assessment", columns, rows())
    cursor.execute(
        """
        UPDATE customers_customer c SET grade = a.grade
        FROM credit_assessment a
        WHERE a.customer_id = c.id AND c.id > %(base)s AND c.id <= %(last)s
        """,
        {"base": base, "last": base + count},
    )
    # The loans' grade at origination, as the disbursement stores it: the book has no grade
    # history yet, so the grade the customer had then is the one they have now (the nights'
    # later changes record it as the value they replaced).
    cursor.execute(
        """
        UPDATE credit_loan l SET grade_at_origination = c.grade
        FROM customers_customer c
        WHERE c.id = l.customer_id AND c.id > %(base)s AND c.id <= %(last)s
        """,
        {"base": base, "last": base + count},
    )
    return {"scored by the engine": count, "checked one by one": checked}


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
                   WHEN h_late < 965 THEN 0
                   WHEN h_late < 981 THEN 1
                   WHEN h_late < 993 THEN 2 + h_late %% 2
                   ELSE 4 + h_late %% 9 END)::int AS paid_count,
               -- One loan in twelve paid one instalment late and caught up: the repayment
               -- records (and so the scores) of a real book are not all spotless.
               CASE WHEN h_late < 80 THEN 1 + h_amount %% greatest(due_count, 1) END AS late_k,
               (3 + h_age %% 25)::int AS late_days
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
             submitted_by_id, product_id, editor_ids, customer_officer_id, customer_branch_id)
        SELECT p.application_id, p.principal, p.term, '经营周转', 'disbursed',
               p.disbursed_on - 10, p.disbursed_on - 9, p.disbursed_on - 5, '', p.principal,
               p.term, p.annual_rate, p.disbursed_on, p.officer_id, p.customer_id,
               m.manager_id, m.manager_id, p.officer_id, p.product_id, '{}'::bigint[],
               p.officer_id, p.branch_id
          FROM bench_plan p JOIN bench_manager m ON m.branch_id = p.branch_id
        """
    )
    cursor.execute(
        """
        INSERT INTO credit_loan
            (id, principal, annual_rate, term_months, repayment_method, disbursed_on,
             maturity_date, status, outstanding_principal, schedule_version, restructure_count,
             application_id, customer_id, disbursed_by_id, product_id, months_per_period,
             customer_officer_id, customer_branch_id)
        SELECT p.loan_id, p.principal, p.annual_rate, p.term, 'equal_principal',
               p.disbursed_on, (p.disbursed_on + make_interval(months => p.term))::date,
               CASE WHEN p.paid_count = p.term THEN 'closed' ELSE 'active' END,
               CASE WHEN p.paid_count = p.term THEN 0
                    ELSE p.principal - round(p.principal / p.term, 2) * p.paid_count END,
               1, 0, p.application_id, p.customer_id, m.manager_id, p.product_id, 1,
               p.officer_id, p.branch_id
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
               0,
               CASE WHEN k <= p.paid_count AND k = p.late_k
                    THEN least(due + p.late_days, %(today)s::date - 1)
                    WHEN k <= p.paid_count THEN due END,
               false, p.loan_id
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
        """,
        {"today": today},
    )
    cursor.execute(
        """
        INSERT INTO credit_repayment
            (amount, paid_on, channel, reference, prepayment, posted_at,
             schedule_version_before, reversal_reason, loan_id, posted_by_id)
        SELECT i.principal_due + i.interest_due, i.settled_on, 'auto_debit',
               'BENCH-' || i.loan_id || '-' || i.number, 0,
               i.settled_on + time '10:00', 1, '', i.loan_id, p.officer_id
          FROM credit_instalment i JOIN bench_plan p ON p.loan_id = i.loan_id
         WHERE i.settled_on IS NOT NULL
        """
    )
    _collateral(cursor, products)
    _pipeline(cursor, customers_base, customers, seed, today, products)


def _collateral(cursor, products: dict) -> None:
    """The secured products' collateral (mortgages on real estate, car loans on the car),
    valued at disbursement at 50–74% loan to value, each with its first valuation. The load
    runs with the triggers off (_skip_foreign_key_triggers): it writes the customer the
    triggers would (lending.collateral_customer)."""
    cursor.execute(
        """
        INSERT INTO credit_collateral
            (collateral_type, description, owner_name, value, valued_on, application_id,
             customer_id)
        SELECT CASE WHEN p.product_id = %(mort)s THEN 'real_estate' ELSE 'vehicle' END,
               CASE WHEN p.product_id = %(mort)s THEN '住宅 ' ELSE '车辆 ' END || p.loan_id,
               c.name, round(p.principal / (0.50 + (p.loan_id %% 25) / 100.0), 2),
               p.disbursed_on - 7, p.application_id, p.customer_id
          FROM bench_plan p JOIN customers_customer c ON c.id = p.customer_id
         WHERE p.product_id IN (%(mort)s, %(auto)s)
        """,
        {"mort": products["MORT-01"], "auto": products["AUTO-01"]},
    )
    cursor.execute(
        """
        INSERT INTO credit_collateralvaluation
            (collateral_id, value, valued_on, recorded_at, recorded_by_id, customer_id)
        SELECT k.id, k.value, k.valued_on, k.valued_on + time '15:00', p.officer_id,
               k.customer_id
          FROM credit_collateral k JOIN bench_plan p ON p.application_id = k.application_id
        """
    )


# The applications not (yet) disbursed, one customer in twenty-five, in every stage of the
# pipeline; and a renewal under way for two in three of the customers whose loan matures
# within 45 days (a bank's officers start them, so most maturing loans raise no alert).
PIPELINE_STAGES = ["draft", "submitted", "under_review", "approved", "rejected", "withdrawn"]
OPEN_STAGES = ["draft", "submitted", "under_review", "approved"]


def _pipeline(cursor, customers_base, customers, seed, today, products) -> None:
    cursor.execute(
        """
        WITH wanted AS (
            -- Stages in turn, so that even a small book has every one.
            SELECT c.id AS customer_id, c.kind, c.officer_id, c.branch_id,
                   (%(all_stages)s::text[])[1 + (row_number() OVER (ORDER BY c.id)) %% 6]
                       AS status,
                   abs(hashint8extended(c.id, %(seed)s + 1)) AS h
              FROM customers_customer c
             WHERE c.id > %(base)s AND c.id <= %(last)s
               AND abs(hashint8extended(c.id, %(seed)s + 2)) %% 25 = 0
            UNION ALL
            SELECT DISTINCT ON (c.id) c.id, c.kind, c.officer_id, c.branch_id,
                   (%(open_stages)s::text[])[1 + abs(hashint8extended(c.id, %(seed)s)) %% 4],
                   abs(hashint8extended(c.id, %(seed)s + 1))
              FROM bench_plan p JOIN customers_customer c ON c.id = p.customer_id
             WHERE (p.disbursed_on + make_interval(months => p.term))::date
                       BETWEEN %(today)s AND %(today)s::date + 45
               AND p.paid_count < p.term
               AND abs(hashint8extended(c.id, %(seed)s + 3)) %% 3 < 2
               AND abs(hashint8extended(c.id, %(seed)s + 2)) %% 25 <> 0
        ), dated AS (
            SELECT w.*, m.manager_id,
                   (%(today)s::date - (1 + w.h %% 20)::int) + time '09:30' AS created,
                   CASE WHEN w.kind = 'individual'
                        THEN (ARRAY[%(cons)s, %(auto)s, %(mort)s])[1 + w.h %% 3]
                        ELSE (ARRAY[%(wc)s, %(bt)s])[1 + w.h %% 2] END AS product_id,
                   CASE WHEN w.kind = 'individual' THEN 50000 + (w.h %% 950) * 1000
                        ELSE 500000 + (w.h %% 1950) * 10000 END::numeric(18, 2) AS amount
              FROM wanted w JOIN bench_manager m ON m.branch_id = w.branch_id
             WHERE m.manager_id <> w.officer_id
        )
        INSERT INTO credit_application
            (id, amount, term_months, purpose, status, created_at, submitted_at, decided_at,
             decision_reason, approved_amount, approved_term_months, approved_rate,
             status_changed_at, created_by_id, customer_id, decided_by_id, reviewer_id,
             submitted_by_id, product_id, editor_ids, customer_officer_id, customer_branch_id)
        -- Explicit ids after the loans' applications: the load writes ids itself and sets
        -- the sequence at its end.
        SELECT %(first)s + row_number() OVER (ORDER BY d.customer_id, d.status),
               d.amount, (ARRAY[12, 24, 36])[1 + d.h %% 3], '经营周转', d.status, d.created,
               CASE WHEN d.status NOT IN ('draft') THEN d.created + interval '1 day' END,
               CASE WHEN d.status IN ('approved', 'rejected')
                    THEN d.created + interval '3 days' END,
               CASE WHEN d.status = 'rejected' THEN '负债率偏高，暂不受理' ELSE '' END,
               CASE WHEN d.status = 'approved' THEN d.amount END,
               CASE WHEN d.status = 'approved' THEN (ARRAY[12, 24, 36])[1 + d.h %% 3] END,
               CASE WHEN d.status = 'approved' THEN 0.045 END,
               d.created + CASE d.status WHEN 'draft' THEN interval '0 days'
                                         WHEN 'submitted' THEN interval '1 day'
                                         WHEN 'under_review' THEN interval '2 days'
                                         ELSE interval '3 days' END,
               d.officer_id, d.customer_id,
               CASE WHEN d.status IN ('approved', 'rejected') THEN d.manager_id END,
               CASE WHEN d.status IN ('under_review', 'approved', 'rejected')
                    THEN d.manager_id END,
               CASE WHEN d.status <> 'draft' THEN d.officer_id END,
               d.product_id, '{}'::bigint[], d.officer_id, d.branch_id
          FROM dated d
        """,
        {
            "base": customers_base,
            "last": customers_base + customers,
            "seed": seed * 1000 + 7,
            "today": today,
            "first": _next_id(cursor, "credit_application"),
            "all_stages": PIPELINE_STAGES,
            "open_stages": OPEN_STAGES,
            "cons": products["CONS-01"],
            "auto": products["AUTO-01"],
            "mort": products["MORT-01"],
            "wc": products["WC-01"],
            "bt": products["BT-01"],
        },
    )


def _products(cursor) -> list[tuple[str, int]]:
    cursor.execute("SELECT code, id FROM credit_loanproduct")
    return cursor.fetchall()


def _interactions(cursor, base, count, seed, today):
    """Two contacts per customer before the business date: a recent one (officers call on
    their customers at least every quarter) and an older one."""
    cursor.execute(
        """
        INSERT INTO customers_interaction
            (channel, direction, occurred_at, summary, outcome, next_step, customer_id,
             officer_id)
        SELECT (ARRAY['phone', 'visit', 'online', 'email'])[1 + abs(hashint8extended(c.id * 2 + n,
                   %(seed)s)) %% 4],
               'outbound',
               ((%(today)s::date - CASE WHEN n = 1 THEN 1 + h %% 75 ELSE 76 + h %% 290 END)
                + time '10:00') AT TIME ZONE %(tz)s,
               '例行回访，了解经营和还款情况', '', '', c.id, c.officer_id
          FROM customers_customer c CROSS JOIN generate_series(1, 2) AS n
          CROSS JOIN LATERAL (
              SELECT (abs(hashint8extended(c.id * 2 + n, %(seed)s + 1)) %% 1000)::int AS h
          ) drawn
         WHERE c.id > %(base)s AND c.id <= %(last)s
        """,
        {
            "seed": seed,
            "base": base,
            "last": base + count,
            "today": today,
            "tz": settings.TIME_ZONE,
        },
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


def _restore_triggers(cursor) -> None:
    """Triggers on again at the end of the load. SET LOCAL lasts until the outermost
    transaction ends: a load run inside a wider one (the test suite's) would otherwise leave
    every trigger off after it, the product's pending marks (risk.pending) among them."""
    try:
        with transaction.atomic():
            cursor.execute("SET LOCAL session_replication_role = origin")
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
    "credit_collateral",
    "credit_collateralvaluation",
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
        drawn: dict = {}
        step(
            "customers",
            lambda: drawn.update(
                _customers(base, customers, seed, officers, branch_of, today, stdout)
            ),
        )
        step(
            "statements",
            lambda: drawn.update(
                inputs=_statements(cursor, base, customers, seed, drawn, officers, today)
            ),
        )
        step(
            "applications, loans, schedules, repayments, collateral, pipeline",
            lambda: _loans(cursor, base, customers, loans, seed, today, managers),
        )
        # After the loans: the assessment holds the repayment record of the business date.
        step(
            "assessments scored by the engine",
            lambda: _assessments(
                cursor, base, customers, officers, drawn["enterprise"], drawn["inputs"], today
            ),
        )
        step("interactions", lambda: _interactions(cursor, base, customers, seed, today))
        step(
            "facilities and groups",
            lambda: exposure_book.seed(cursor, base, customers, today),
        )
        step("indexes", lambda: _build_indexes(cursor, dropped_indexes))
        for table in BULK_TABLES:
            _reset_sequence(cursor, table)
        _restore_triggers(cursor)
    with connection.cursor() as cursor:
        step("analyze", lambda: cursor.execute("ANALYZE"))
    return timings


def collection_cases_refresh_all(on: dt.date) -> dict[str, int]:
    """The nightly collections step (its own beat task beside the risk job) over the whole
    book for `on`, range by range as its Celery chunks run it; the counts it wrote."""
    from django.db.models import Max, Min

    from customers.models import Customer
    from lending.services.collections import collection_cases_refresh
    from lending.tasks import COLLECTION_CHUNK_IDS

    bounds = Customer.objects.aggregate(first=Min("id"), last=Max("id"))
    totals: dict[str, int] = {}
    for first in range(bounds["first"] or 0, (bounds["last"] or -1) + 1, COLLECTION_CHUNK_IDS):
        counts = collection_cases_refresh(
            first_id=first, last_id=first + COLLECTION_CHUNK_IDS - 1, on=on
        )
        for key, value in counts.items():
            totals[key] = totals.get(key, 0) + value
    return totals


def first_collections_run(today: dt.date, stdout: Callable[[str], None]) -> float:
    """The collections step for the new book's date, so its past-due loans have their cases
    open as a book that has been running would; returns its seconds."""
    started = time.perf_counter()
    counts = collection_cases_refresh_all(today)
    seconds = round(time.perf_counter() - started, 2)
    stdout(f"first collections run: {seconds} s, {counts['cases_opened']:,} cases opened")
    return seconds


def first_risk_run(today: dt.date, stdout: Callable[[str], None]) -> float:
    """The nightly job over the new book, so it has classes, history and alerts as a book
    that has been running would; returns its seconds."""
    from risk import jobs

    started = time.perf_counter()
    jobs.run_synchronously(jobs.NIGHTLY, today)
    seconds = round(time.perf_counter() - started, 2)
    stdout(f"first nightly risk run: {seconds} s")
    return seconds
