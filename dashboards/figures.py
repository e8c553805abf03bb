# ruff: noqa: S608 -- every SQL string here is built from this module's constants, never from input.
"""Today's book figures (active loans: count, exposure, NPL, overdue and its days-past-due
buckets), summed by officer and branch of the customer, overall and by grade, class, product
and industry: the table the dashboard reads instead of aggregating the whole scope live.

PostgreSQL keeps it current: statement-level triggers on loans, loan risks and customers
add the difference each statement makes (the rows it changed, before and after, set-based),
whichever code writes them: a disbursement, a repayment or its reversal, a restructuring, an
override, the nightly classification, a customer moving to another officer or grade. Every
figure is a sum, so the differences add up exactly. The nightly snapshot rebuilds it from
the book as well (`rebuild`), writing only the rows that differ: a bulk load that skipped
triggers, or any drift, is put right the same night.

Each trigger reads the other tables as they stand after its statement, so a single statement
must not change two of these tables at once (no statement in the product does).
"""

from __future__ import annotations

from django.db import connection, transaction

from core.db_triggers import drop_trigger_sql, statement_trigger_sql
from lending.loan_quality import (
    NON_PERFORMING_FROM,
    OVERDUE_BUCKETS,
    OVERDUE_FROM_DAYS,
    dpd_in_bucket_sql,
)

TABLE = "dashboards_bookfigure"
DIMENSIONS = ("total", "grade", "class", "product", "industry")
# The column of each overdue bucket (lending.loan_quality.OVERDUE_BUCKETS): "1-30" is
# overdue_1_30, "360+" overdue_360_plus.
BUCKET_COLUMNS = {
    key: "overdue_" + key.replace("-", "_").replace("+", "_plus") for key in OVERDUE_BUCKETS
}


def _exposure_if(condition: str) -> str:
    """One signed loan's (s.sign is +1 or -1) exposure when `condition` holds, else 0."""
    return f"CASE WHEN {condition} THEN s.sign * s.outstanding ELSE 0 END"


# Figure columns and their value for one loan. The migrations carry the SQL these made when
# they were written (frozen), so the splices must keep making exactly that SQL.
FIGURES = {
    "loans": "s.sign",
    "exposure": "s.sign * s.outstanding",
    "npl_exposure": _exposure_if(f"s.final_class >= {NON_PERFORMING_FROM}"),
    "overdue_exposure": _exposure_if(f"s.dpd >= {OVERDUE_FROM_DAYS}"),
    **{
        column: _exposure_if(dpd_in_bucket_sql("s.dpd", key))
        for key, column in BUCKET_COLUMNS.items()
    },
}
KEYS = "officer_id, branch_id, dimension, key"


def _contributions(
    loans: str, sign: int, *, risk: str | None = "r", customer: str = "customers_customer"
) -> str:
    """One signed row per active loan of `loans` (a table or transition table aliased l),
    with its customer and risk from the tables named (or none: risk=None)."""
    risk_columns = (
        f"{risk}.final_class AS final_class, {risk}.dpd AS dpd"
        if risk
        else "NULL::smallint AS final_class, NULL::int AS dpd"
    )
    return (
        f"SELECT {sign} AS sign, c.officer_id, c.branch_id, l.product_id, c.grade, "
        f"c.industry_id, {risk_columns}, l.outstanding_principal AS outstanding "
        f"FROM {loans} l JOIN {customer} c ON c.id = l.customer_id "
        + ("LEFT JOIN risk_loanrisk r ON r.loan_id = l.id " if risk == "r" else "")
        + "WHERE l.status = 'active'"
    )


def _aggregate(contributions: list[str]) -> str:
    """The figures of the signed rows, grouped by officer, branch, dimension and key."""
    sums = ", ".join(f"sum({expression}) AS {name}" for name, expression in FIGURES.items())
    return (
        f"SELECT s.officer_id, s.branch_id, d.dimension, d.key, {sums} "
        f"FROM ({' UNION ALL '.join(contributions)}) s "
        "CROSS JOIN LATERAL (VALUES ('total', ''), ('grade', coalesce(s.grade, '')), "
        "('class', coalesce(s.final_class::text, '')), ('product', s.product_id::text), "
        "('industry', coalesce(s.industry_id::text, ''))) AS d(dimension, key) "
        "GROUP BY s.officer_id, s.branch_id, d.dimension, d.key"
    )


NAMES = ", ".join(FIGURES)
# Adds incoming rows to the figures already there.
ADD_ON_CONFLICT = f"ON CONFLICT ({KEYS}) DO UPDATE SET " + ", ".join(
    f"{name} = f.{name} + EXCLUDED.{name}" for name in FIGURES
)


def _differences(contributions: list[str]) -> str:
    """The differences of the signed rows, one row per key; those all zero are left out."""
    nonzero = " OR ".join(f"a.{name} <> 0" for name in FIGURES)
    return (
        f"SELECT {KEYS}, {NAMES} FROM ({_aggregate(contributions)}) a "
        f"WHERE {nonzero} ORDER BY {KEYS}"
    )


def _add(contributions: list[str]) -> str:
    """Adds the differences to the table (rows in key order, so concurrent writers lock
    them in the same order)."""
    return (
        f"INSERT INTO {TABLE} AS f ({KEYS}, {NAMES}) {_differences(contributions)} "
        + ADD_ON_CONFLICT
    )


# The nightly risk job's chunks defer their differences (defer_in_this_transaction): the
# triggers collect them in a temporary table and the chunk adds them all at its end, so two
# chunks at once hold the figure rows for a moment each, not for their whole transaction.
DEFERRED_SETTING = "xindai.figures_deferred"
DEFERRED_TABLE = "pg_temp.dashboards_figure_differences"


def _collect(contributions: list[str]) -> str:
    return f"INSERT INTO {DEFERRED_TABLE} ({KEYS}, {NAMES}) {_differences(contributions)}"


def _changed(alias_old: str, alias_new: str, columns: list[str]) -> str:
    return " OR ".join(f"{alias_old}.{col} IS DISTINCT FROM {alias_new}.{col}" for col in columns)


LOAN_COLUMNS = ["status", "outstanding_principal", "customer_id", "product_id"]


def _dpd_bucket(column: str) -> str:
    """The overdue bucket of FIGURES a days-past-due value falls in (0: current)."""
    bounds = [first for first, _last in OVERDUE_BUCKETS.values()]
    steps = " ".join(f"WHEN {column} < {bound} THEN {n}" for n, bound in enumerate(bounds))
    return f"CASE WHEN {column} IS NULL THEN NULL {steps} ELSE {len(bounds)} END"


# A loan risk row changes the figures when its class or its overdue bucket changes: the
# nightly moves the days of every past-due loan on, and most stay in their bucket.
RISK_CHANGED = (
    "o.final_class IS DISTINCT FROM n.final_class "
    f"OR {_dpd_bucket('o.dpd')} IS DISTINCT FROM {_dpd_bucket('n.dpd')}"
)
CUSTOMER_COLUMNS = ["officer_id", "branch_id", "grade", "industry_id"]

# (trigger name, table, event, REFERENCING clause, the signed contributions of the changed
# rows, whose sums are the differences to add)
TRIGGERS = [
    (
        "loan_insert",
        "credit_loan",
        "INSERT",
        "NEW TABLE AS new_rows",
        [_contributions("new_rows", 1, customer="customers_customer")],
    ),
    (
        "loan_delete",
        "credit_loan",
        "DELETE",
        "OLD TABLE AS old_rows",
        [_contributions("old_rows", -1, customer="customers_customer")],
    ),
    (
        "loan_update",
        "credit_loan",
        "UPDATE",
        "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        [
            _contributions(
                "(SELECT o.* FROM old_rows o JOIN new_rows n ON n.id = o.id "
                f"WHERE {_changed('o', 'n', LOAN_COLUMNS)})",
                -1,
                customer="customers_customer",
            ),
            _contributions(
                "(SELECT n.* FROM old_rows o JOIN new_rows n ON n.id = o.id "
                f"WHERE {_changed('o', 'n', LOAN_COLUMNS)})",
                1,
                customer="customers_customer",
            ),
        ],
    ),
]


def _risk_side(rows: str, sign: int) -> str:
    """Active loans of the loan-risk rows `rows` (aliased x), with that row's class and days
    past due."""
    return (
        f"SELECT {sign} AS sign, c.officer_id, c.branch_id, l.product_id, c.grade, "
        "c.industry_id, x.final_class, x.dpd, l.outstanding_principal AS outstanding "
        f"FROM {rows} x JOIN credit_loan l ON l.id = x.loan_id "
        "JOIN customers_customer c ON c.id = l.customer_id WHERE l.status = 'active'"
    )


def _bare(rows: str, sign: int) -> str:
    """The loans of the loan-risk rows `rows`, counted as having no risk row."""
    return (
        f"SELECT {sign} AS sign, c.officer_id, c.branch_id, l.product_id, c.grade, "
        "c.industry_id, NULL::smallint AS final_class, NULL::int AS dpd, "
        "l.outstanding_principal AS outstanding "
        f"FROM {rows} x JOIN credit_loan l ON l.id = x.loan_id "
        "JOIN customers_customer c ON c.id = l.customer_id WHERE l.status = 'active'"
    )


# The loan-risk rows whose class or overdue bucket the statement changed, each counted out
# with its old values and in with its new. The changed rows are found first, from the two
# transition tables alone, and only their loans and customers are read, each by its key
# (OFFSET 0 keeps each step apart: transition tables have no statistics, and the planner,
# guessing most rows changed, would otherwise read the whole loan and customer tables). A
# nightly statement that moves no figure reads no loan.
RISK_MOVED = (
    "SELECT v.sign, c.officer_id, c.branch_id, l.product_id, c.grade, c.industry_id, "
    "v.final_class, v.dpd, l.outstanding_principal AS outstanding "
    "FROM (SELECT o.loan_id, o.final_class AS old_class, o.dpd AS old_dpd, "
    "n.final_class AS new_class, n.dpd AS new_dpd "
    f"FROM old_rows o JOIN new_rows n ON n.loan_id = o.loan_id WHERE {RISK_CHANGED} "
    "OFFSET 0) x "
    "CROSS JOIN LATERAL (SELECT l.customer_id, l.product_id, l.outstanding_principal "
    "FROM credit_loan l WHERE l.id = x.loan_id AND l.status = 'active' OFFSET 0) l "
    "CROSS JOIN LATERAL (SELECT c.officer_id, c.branch_id, c.grade, c.industry_id "
    "FROM customers_customer c WHERE c.id = l.customer_id OFFSET 0) c "
    "CROSS JOIN LATERAL (VALUES (-1, x.old_class, x.old_dpd), (1, x.new_class, x.new_dpd)) "
    "AS v(sign, final_class, dpd)"
)
_customer_changed = (
    "(SELECT {side}.* FROM old_rows o JOIN new_rows n ON n.id = o.id "
    f"WHERE {_changed('o', 'n', CUSTOMER_COLUMNS)})"
)
TRIGGERS += [
    (
        "risk_insert",
        "risk_loanrisk",
        "INSERT",
        "NEW TABLE AS new_rows",
        [_bare("new_rows", -1), _risk_side("new_rows", 1)],
    ),
    (
        "risk_delete",
        "risk_loanrisk",
        "DELETE",
        "OLD TABLE AS old_rows",
        [_risk_side("old_rows", -1), _bare("old_rows", 1)],
    ),
    (
        "risk_update",
        "risk_loanrisk",
        "UPDATE",
        "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        [RISK_MOVED],
    ),
    (
        "customer_update",
        "customers_customer",
        "UPDATE",
        "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        [
            _contributions("credit_loan", -1, customer=_customer_changed.format(side="o")),
            _contributions("credit_loan", 1, customer=_customer_changed.format(side="n")),
        ],
    ),
]


def install_sql() -> str:
    """The trigger functions and triggers (for the migration; idempotent)."""
    deferred = f"current_setting('{DEFERRED_SETTING}', true) = 'on'"
    return "\n".join(
        statement_trigger_sql(
            f"dashboards_figures_{name}",
            table,
            event,
            referencing,
            _add(contributions),
            instead=(deferred, _collect(contributions)),
        )
        for name, table, event, referencing, contributions in TRIGGERS
    )


def defer_in_this_transaction(cursor) -> None:
    """From here to add_deferred, this transaction's differences wait in a temporary table."""
    names = ", ".join(f"{name} numeric" for name in FIGURES)
    cursor.execute(
        f"DROP TABLE IF EXISTS {DEFERRED_TABLE}; "
        f"CREATE TEMPORARY TABLE {DEFERRED_TABLE.removeprefix('pg_temp.')} "
        f"(officer_id bigint, branch_id bigint, dimension text, key text, {names}) "
        "ON COMMIT DROP"
    )
    cursor.execute("SELECT set_config(%s, 'on', true)", [DEFERRED_SETTING])


def add_deferred(cursor) -> None:
    """Adds the differences collected since defer_in_this_transaction, in one statement."""
    sums = ", ".join(f"sum({name}) AS {name}" for name in FIGURES)
    cursor.execute("SELECT set_config(%s, 'off', true)", [DEFERRED_SETTING])
    cursor.execute(
        f"INSERT INTO {TABLE} AS f ({KEYS}, {NAMES}) "
        f"SELECT {KEYS}, {sums} FROM {DEFERRED_TABLE} GROUP BY {KEYS} ORDER BY {KEYS} "
        f"{ADD_ON_CONFLICT}; DROP TABLE {DEFERRED_TABLE}"
    )


def uninstall_sql() -> str:
    return "\n".join(
        drop_trigger_sql(f"dashboards_figures_{name}", table)
        for name, table, _event, _referencing, _body in TRIGGERS
    )


def _rebuild_sql() -> str:
    names = list(FIGURES)
    fresh = _aggregate([_contributions("credit_loan", 1)])
    return (
        f"WITH fresh AS ({fresh}), "
        f"gone AS (DELETE FROM {TABLE} f WHERE NOT EXISTS (SELECT 1 FROM fresh a WHERE "
        "a.officer_id = f.officer_id AND a.branch_id = f.branch_id "
        "AND a.dimension = f.dimension AND a.key = f.key) RETURNING 1), "
        f"written AS (INSERT INTO {TABLE} AS f ({KEYS}, {', '.join(names)}) "
        f"SELECT {KEYS}, {', '.join(names)} FROM fresh ORDER BY {KEYS} "
        f"ON CONFLICT ({KEYS}) DO UPDATE SET "
        + ", ".join(f"{name} = EXCLUDED.{name}" for name in names)
        + f" WHERE ({', '.join('f.' + n for n in names)}) IS DISTINCT FROM "
        f"({', '.join('EXCLUDED.' + n for n in names)}) RETURNING 1) "
        "SELECT (SELECT count(*) FROM gone) + (SELECT count(*) FROM written)"
    )


REBUILD = _rebuild_sql()


def rebuild() -> int:
    """Recomputes the whole table from the book, set-based; returns the rows written (none
    when it was already right). Writers wait for it (their triggers add to the table), so
    no difference is lost or counted twice."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {TABLE} IN EXCLUSIVE MODE")
        cursor.execute(REBUILD)
        return cursor.fetchone()[0]
