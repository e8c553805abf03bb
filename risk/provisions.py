"""Every active loan's provisions, for the customers of a nightly chunk (risk.recompute),
set-based. One statement (risk.provision_statement) computes every figure of the chunk's loans
in SQL with the pure module's arithmetic and writes the rows whose inputs changed (the month-end
run: whose figures changed); the nightly reads the schedules only of the loans whose inputs
changed. It leaves to the per-loan path here the few customers it cannot settle: those drawing
on a facility that collateral secures (the collateral is allocated cent by cent), or with a
figure near a rounding edge. That path is the one the statement replaced: one statement gathers
the inputs of their loans and sums their remaining schedules (PERIODS, in double precision),
one reads the collateral securing their facilities, one their facilities' undrawn amounts; each
loan is finished in Decimal by the pure module (stage, EAD, LGD, PRC reserve, and the ECL from
the sums: LGD × (EAD × A − B)) and one statement writes the rows. One statement removes the rows
of loans that left the book (repaid or written off). A second run over an unchanged book writes
nothing.

risk/provisioning.py stays the reference: a figure the double precision sums leave within
their error of a rounding edge (a few in a million) is recomputed there from the exact
schedule (one more query), so the stored figures are the pure module's to the cent
(tests/risk/test_provisions_set_based.py holds them equal on a generated book).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, replace
from decimal import Decimal

from credit.default_scorecards import master_scale
from lending.facilities import with_figures
from lending.facility_models import LIVE_STATUSES, CreditFacility
from lending.loan_quality import NON_PERFORMING_FROM
from risk import provisioning
from risk.provision_models import ProvisionSetting
from risk.provision_statement import (
    ON_CONFLICT_FIGURES,
    ON_CONFLICT_INPUTS,
    STATEMENT_FIGURES,
    STATEMENT_FIGURES_BY_RANGE,
    STATEMENT_INPUTS,
    STATEMENT_INPUTS_BY_RANGE,
    YEAR,
    expm1_sql,
    notches_down_since,
    statement_parameters,
)
from risk.rules import IN_CHUNK, IN_RANGE

# The ECL of a loan in stage 1 or 2 is Σ (S(a) − S(b)) × LGD × (EAD − owed before) × v(b) over
# the periods (a, b] of its remaining schedule (risk.provisioning), which is
# LGD × (EAD × A − B) with A = Σ (S(a) − S(b)) × v(b) and B = Σ (S(a) − S(b)) × v(b) × owed
# before: A and B need neither the EAD nor the LGD, so the statement sums them over the
# instalments, set-based in double precision, for the 12-month horizon (periods starting
# before day 365, cut there) and for the lifetime; Python finishes each loan in Decimal
# (loan_figures). S(t) = e^(t·ln(1 − p)), v(t) = e^(−t·ln(1 + r)), t = days / 365;
# S(a) − S(b) = S(a) × −expm1((b − a)·ln(1 − p)) keeps its digits when the PD is small.
PERIODS = f"""
SELECT count(*) AS periods, coalesce(bool_or(p.days = p.previous_days), false) AS repeated,
       sum(p.falls * p.discount) AS lifetime_a,
       sum(p.falls * p.discount * p.owed_before) AS lifetime_b,
       sum(p.falls_12 * p.discount_12) FILTER (WHERE p.previous_days < 365) AS twelve_a,
       sum(p.falls_12 * p.discount_12 * p.owed_before)
           FILTER (WHERE p.previous_days < 365) AS twelve_b,
       max(p.days) AS last_days
FROM (
    SELECT x.days, x.previous_days, x.owed_before,
           exp(x.previous_days / {YEAR} * s.log_survival) * -{expm1_sql("x.step")} AS falls,
           exp(-x.days / {YEAR} * s.log_growth) AS discount,
           exp(least(x.previous_days, 365) / {YEAR} * s.log_survival) * -{expm1_sql("x.step_12")}
               AS falls_12,
           exp(-least(x.days, 365) / {YEAR} * s.log_growth) AS discount_12
    FROM (
        SELECT q.*, (q.days - q.previous_days) / {YEAR} * s.log_survival AS step,
               (least(q.days, 365) - least(q.previous_days, 365)) / {YEAR} * s.log_survival
                   AS step_12
        FROM (
            SELECT (i.due_date - %(on)s::date)::float8 AS days,
                   (lag(i.due_date - %(on)s::date, 1, 0) OVER w)::float8 AS previous_days,
                   coalesce(sum((i.principal_due - i.principal_paid)::float8)
                                OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
                       AS owed_before
            FROM credit_instalment i
            WHERE i.loan_id = l.id AND i.schedule_version = l.schedule_version
              AND NOT i.superseded AND i.settled_on IS NULL AND i.due_date > %(on)s
            WINDOW w AS (ORDER BY i.due_date)
        ) q
        OFFSET 0
    ) x
) p
"""


# The inputs of every active loan of the chunk's customers, and the sums above. The grade at
# origination is the one stored on the loan, else (a loan that has none: imported) the grade
# the history shows on the disbursement date (the last change on or before it, else the value
# the first later change replaced, else today's grade: never changed). The collateral
# securing the loan's facility is left out of its own: it counts through the facility's share
# (FACILITY_COLLATERAL). Only constants are spliced in (the master scale, the chunk's
# parameter, the statement above).
LOAN_INPUTS = f"""
SELECT l.id, l.customer_id, l.outstanding_principal, l.annual_rate, l.facility_id,
       coalesce(r.final_class, 1), coalesce(r.dpd, 0), c.grade,
       {notches_down_since("l.customer_id", "l.disbursed_on", "l.grade_at_origination")},
       EXISTS (SELECT 1 FROM risk_industrywatch w
               WHERE w.industry_id = c.industry_id AND w.active),
       coalesce(due.unpaid_interest, 0), coalesce(due.last_due, l.disbursed_on),
       coalesce(pledged.kinds, '{{}}'), coalesce(pledged.amounts, '{{}}'),
       s.log_survival, s.log_growth, sums.periods, sums.repeated, sums.lifetime_a,
       sums.lifetime_b, sums.twelve_a, sums.twelve_b, sums.last_days
FROM credit_loan l
JOIN customers_customer c ON c.id = l.customer_id
LEFT JOIN risk_loanrisk r ON r.loan_id = l.id
CROSS JOIN LATERAL (
    SELECT CASE WHEN g.pd < 1 THEN ln(1 - g.pd) END AS log_survival,
           ln(1 + l.annual_rate::float8) AS log_growth
    FROM (SELECT coalesce(
              (%(pd_values)s::float8[])[array_position(%(pd_grades)s::text[], c.grade::text)],
              %(ungraded_pd)s::float8) AS pd) g
    -- A fence: evaluated once per loan, not spliced into every use in the sums below.
    OFFSET 0
) s
LEFT JOIN LATERAL (
    SELECT sum(i.interest_due - i.interest_paid) AS unpaid_interest,
           max(i.due_date) AS last_due
    FROM credit_instalment i
    WHERE i.loan_id = l.id AND i.schedule_version = l.schedule_version AND NOT i.superseded
      AND i.due_date <= %(on)s
) due ON true
CROSS JOIN LATERAL ({PERIODS}) sums
LEFT JOIN LATERAL (
    SELECT array_agg(k.collateral_type ORDER BY k.id) AS kinds,
           array_agg(k.value ORDER BY k.id) AS amounts
    FROM credit_collateral k
    WHERE k.application_id = l.application_id
      AND NOT EXISTS (SELECT 1 FROM lending_creditfacility_collateral fc
                      WHERE fc.collateral_id = k.id AND fc.creditfacility_id = l.facility_id)
) pledged ON true
WHERE l.customer_id {IN_CHUNK} AND l.status = 'active'
ORDER BY l.id
"""

# The remaining schedule, exactly, of the few loans whose figure the sums above leave too near
# a rounding edge (or that the sums cannot take: a PD of 100%, two instalments on one day).
FUTURE_PRINCIPAL = """
SELECT i.loan_id, i.due_date, i.principal_due - i.principal_paid
FROM credit_instalment i JOIN credit_loan l ON l.id = i.loan_id
WHERE i.loan_id = ANY(%(loans)s::bigint[]) AND i.schedule_version = l.schedule_version
  AND NOT i.superseded AND i.settled_on IS NULL AND i.due_date > %(on)s
ORDER BY i.loan_id, i.due_date
"""

# The collateral securing each facility of the chunk's customers (facilities are the
# customer's own: their loans are in the same chunk).
FACILITY_COLLATERAL = f"""
SELECT fc.creditfacility_id, array_agg(k.collateral_type ORDER BY k.id),
       array_agg(k.value ORDER BY k.id)
FROM lending_creditfacility_collateral fc
JOIN lending_creditfacility f ON f.id = fc.creditfacility_id
JOIN credit_collateral k ON k.id = fc.collateral_id
WHERE f.customer_id {IN_CHUNK}
GROUP BY fc.creditfacility_id
"""

# Only rows whose inputs change are written (the nightly), or whose figures change (the
# month-end run): an unchanged book writes nothing. The figures also move with the calendar
# alone (interest accrues, the horizon shortens), and the nightly looks only at customers whose
# inputs changed, so a full night must write no more than an incremental one: the nightly
# remeasures a loan when its inputs change (its stage, class, grade, balance, collateral,
# facility or the setting; days past due count through the stage they decide, and the
# calendar marks the customer on the days the stage thresholds are crossed), and the month-end
# run remeasures every loan as of the month's last day.
UPSERT = """
INSERT INTO risk_loanprovision AS p (
    loan_id, customer_id, computed_on, setting_id, stage, reasons, loan_class, dpd, grade,
    annual_pd, balance, undrawn, collateral_value, pd, lgd, ead, ecl, general_reserve,
    specific_reserve)
SELECT loan_id, customer_id, computed_on, setting_id, stage, reasons::varchar(20)[],
       loan_class, dpd, grade, annual_pd, balance, undrawn, collateral_value, pd, lgd, ead,
       ecl, general_reserve, specific_reserve
FROM unnest(
    %(loan)s::bigint[], %(customer)s::bigint[], %(computed_on)s::date[], %(setting)s::bigint[],
    %(stage)s::smallint[], %(reasons)s::text[], %(loan_class)s::smallint[], %(dpd)s::int[],
    %(grade)s::varchar[], %(annual_pd)s::numeric[], %(balance)s::numeric[],
    %(undrawn)s::numeric[], %(collateral_value)s::numeric[], %(pd)s::numeric[],
    %(lgd)s::numeric[], %(ead)s::numeric[], %(ecl)s::numeric[], %(general_reserve)s::numeric[],
    %(specific_reserve)s::numeric[])
    AS v(loan_id, customer_id, computed_on, setting_id, stage, reasons, loan_class, dpd, grade,
         annual_pd, balance, undrawn, collateral_value, pd, lgd, ead, ecl, general_reserve,
         specific_reserve)
{on_conflict}"""
UPSERT_INPUTS = UPSERT.format(on_conflict=ON_CONFLICT_INPUTS)
UPSERT_FIGURES = UPSERT.format(on_conflict=ON_CONFLICT_FIGURES)

# Loans that left the book (repaid, written off) keep no provision. Found from the chunk's
# loans through the loans' customer index, then their rows by key: bounded by the chunk. The
# customers travel as a value known only when the statement runs (as in
# risk.provision_statement): with the literal list the planner estimated a chunk's share of
# the book high enough to scan every loan and every provision, once per chunk. The loans
# found travel as an array for the same reason: joined, the planner hashed every provision of
# the book to meet a full chunk's range of loans.
# By the loan's customer only, which is the row's: a loan never changes customer (lending 0019).
REMOVE_LEFT = """
DELETE FROM risk_loanprovision p
WHERE p.loan_id = ANY(ARRAY(
    SELECT l.id FROM credit_loan l WHERE l.status <> 'active' AND l.customer_id {customers}))
"""
REMOVE_LEFT_BY_LIST = REMOVE_LEFT.format(
    customers="= ANY(ARRAY(SELECT unnest(%(customers)s::bigint[])))"
)
# A full chunk (every customer of the range): the range of the loans' customer index.
REMOVE_LEFT_BY_RANGE = REMOVE_LEFT.format(customers=IN_RANGE)

RATIO = Decimal("0.000001")
# A double-precision sum of a few hundred positive terms is off by well under 1e-13 of its
# size; a figure nearer a rounding edge (half a cent, half a millionth for the PD) than this
# share of its size is computed exactly by the pure module instead.
RELATIVE_SLACK = 1e-11
ABSOLUTE_SLACK = 1e-9
STAGE_1_HORIZON_DAYS = 365
__all__ = ["NON_PERFORMING_FROM", "grade_pds", "provisions_chunk"]


def grade_pds(ungraded_pd: Decimal) -> dict[str, Decimal]:
    """The annual PD of each grade of the master scale, to the places it is stored with."""
    pds = {row["grade"]: Decimal(str(row["pd"])).quantize(RATIO) for row in master_scale()}
    pds[""] = ungraded_pd
    return pds


def undrawn_by_facility(customers: list[int], on: dt.date) -> dict[int, Decimal]:
    """The available amount of each live facility of the customers that has one (one
    query)."""
    live = CreditFacility.objects.filter(
        customer_id__in=customers, status__in=LIVE_STATUSES, expiry_date__gte=on
    )
    return {
        facility_id: amount
        for facility_id, amount in with_figures(live).values_list("pk", "available")
        if amount
    }


def rounded(value: float, places: int, size: float) -> Decimal | None:
    """`value` rounded half up to `places` decimals, or None when the error of the double
    precision sum behind it (at most RELATIVE_SLACK of `size`, the sum of its terms' sizes)
    could put it on the other side of a rounding edge: the caller then computes it exactly."""
    scaled = value * 10**places
    if not math.isfinite(scaled):
        return None
    slack = ABSOLUTE_SLACK + abs(size) * 10**places * RELATIVE_SLACK
    if abs(scaled - math.floor(scaled) - 0.5) <= slack:
        return None
    return Decimal(math.floor(scaled + 0.5)).scaleb(-places).quantize(Decimal(1).scaleb(-places))


@dataclass
class Loan:
    loan_id: int
    customer_id: int
    facility_id: int | None
    grade: str
    inputs: provisioning.LoanInputs
    # The statement's schedule sums (PERIODS) with the loan's ln(1 − p) and ln(1 + r).
    sums: tuple


def schedule_figures(
    loan: Loan, stage: int, lgd: Decimal, ead: Decimal
) -> tuple[Decimal, Decimal] | None:
    """(PD over the horizon, ECL) of a stage 1 or 2 loan from the schedule sums, as
    risk.provisioning.expected_credit_loss computes them, or None when they cannot say to the
    cent (a rounding edge too near, a PD of 100%, two instalments on one day)."""
    log_survival, log_growth, periods, repeated, life_a, life_b, twelve_a, twelve_b, last = (
        loan.sums
    )
    if log_survival is None or repeated:
        return None
    if not periods:
        # Past its schedule: at risk over one year, exposed throughout.
        horizon = STAGE_1_HORIZON_DAYS
        sum_a = -math.expm1(log_survival) * math.exp(-log_growth)
        sum_b = 0.0
    elif stage == provisioning.STAGE_1:
        horizon, sum_a, sum_b = min(last, STAGE_1_HORIZON_DAYS), twelve_a, twelve_b
    else:
        horizon, sum_a, sum_b = last, life_a, life_b
    pd = rounded(-math.expm1(horizon / 365 * log_survival), 6, 1.0)
    lgd_value, ead_value = float(lgd), float(ead)
    ecl = rounded(
        lgd_value * (ead_value * sum_a - sum_b),
        2,
        lgd_value * (abs(ead_value) * sum_a + abs(sum_b)),
    )
    if pd is None or ecl is None:
        return None
    return pd, ecl


def gather_loans(cursor, customers: list[int], on: dt.date, setting, params) -> list[Loan]:
    """Every active loan of the customers with its inputs (the collateral of its facility
    allocated to it) and its schedule sums: three queries."""
    pds = grade_pds(setting.ungraded_pd)
    cursor.execute(
        LOAN_INPUTS,
        {
            "customers": customers,
            "on": on,
            "pd_grades": list(pds),
            "pd_values": [float(value) for value in pds.values()],
            "ungraded_pd": float(setting.ungraded_pd),
        },
    )
    rows = cursor.fetchall()
    cursor.execute(FACILITY_COLLATERAL, {"customers": customers})
    facility_collateral = {
        facility_id: tuple(zip(kinds, amounts, strict=True))
        for facility_id, kinds, amounts in cursor.fetchall()
    }
    available = undrawn_by_facility(customers, on)
    facility_loans: dict[int, list[int]] = {}
    for row in rows:
        if row[4] is not None:
            facility_loans.setdefault(row[4], []).append(row[0])
    # A facility with several drawings counts its undrawn amount once, with its oldest loan.
    undrawn = {
        min(loans): available[facility_id]
        for facility_id, loans in facility_loans.items()
        if facility_id in available
    }
    loans = []
    for (
        loan_id,
        customer_id,
        outstanding,
        rate,
        facility_id,
        loan_class,
        dpd,
        grade,
        notches_down,
        watch_listed,
        unpaid_interest,
        last_due,
        kinds,
        amounts,
        *sums,
    ) in rows:
        inputs = provisioning.LoanInputs(
            as_of=on,
            outstanding_principal=outstanding,
            annual_rate=rate,
            loan_class=loan_class,
            dpd=dpd,
            annual_pd=pds.get(grade or "", setting.ungraded_pd),
            accrual_start=last_due,
            unpaid_interest_due=unpaid_interest,
            collateral=tuple(zip(kinds, amounts, strict=True)),
            undrawn=undrawn.get(loan_id, Decimal("0.00")),
            notches_down=notches_down,
            watch_listed=watch_listed,
        )
        loans.append(Loan(loan_id, customer_id, facility_id, grade or "", inputs, tuple(sums)))
    drawn: dict[int, list[Loan]] = {}
    for loan in loans:
        if loan.facility_id in facility_collateral:
            drawn.setdefault(loan.facility_id, []).append(loan)
    for facility_id, on_facility in drawn.items():
        shared = provisioning.with_facility_collateral(
            [loan.inputs for loan in on_facility], facility_collateral[facility_id], params
        )
        for loan, inputs in zip(on_facility, shared, strict=True):
            loan.inputs = inputs
    return loans


def loan_figures(cursor, loans: list[Loan], params) -> list[provisioning.Provision]:
    """Each loan's provisions: the stage, EAD, LGD and PRC reserve by the pure module, the ECL
    of stages 1 and 2 from the schedule sums, and by the pure module over the exact schedule
    (one more query) for the few the sums cannot settle."""
    figures: list[provisioning.Provision | None] = []
    exact: list[int] = []
    for index, loan in enumerate(loans):
        inputs = loan.inputs
        stage, reasons = provisioning.stage_of(
            dpd=inputs.dpd,
            loan_class=inputs.loan_class,
            notches_down=inputs.notches_down,
            watch_listed=inputs.watch_listed,
            params=params,
        )
        ead = provisioning.exposure_at_default(inputs, params)
        lgd = provisioning.loss_given_default(ead, inputs.collateral, params)
        if stage == provisioning.STAGE_3:
            # Defaulted: LGD × EAD, no schedule to discount over.
            found = provisioning.expected_credit_loss(inputs, stage, lgd, ead)
        else:
            found = schedule_figures(loan, stage, lgd, ead)
        general, specific = provisioning.prc_reserve(
            inputs.outstanding_principal, inputs.loan_class, params
        )
        pd, ecl = found or (Decimal(0), Decimal(0))
        figures.append(
            provisioning.Provision(
                stage=stage,
                reasons=reasons,
                pd=pd,
                lgd=lgd,
                ead=ead,
                ecl=ecl,
                general_reserve=general,
                specific_reserve=specific,
            )
        )
        if found is None:
            exact.append(index)
    if exact:
        cursor.execute(
            FUTURE_PRINCIPAL,
            {"loans": [loans[index].loan_id for index in exact], "on": loans[0].inputs.as_of},
        )
        schedules: dict[int, list[tuple[dt.date, Decimal]]] = {}
        for loan_id, due_date, principal in cursor.fetchall():
            schedules.setdefault(loan_id, []).append((due_date, principal))
        for index in exact:
            loan, computed = loans[index], figures[index]
            inputs = replace(loan.inputs, future_principal=tuple(schedules.get(loan.loan_id, ())))
            pd, ecl = provisioning.expected_credit_loss(
                inputs, computed.stage, computed.lgd, computed.ead
            )
            figures[index] = replace(computed, pd=pd, ecl=ecl)
    return figures


COLUMNS = (
    "loan",
    "customer",
    "computed_on",
    "setting",
    "stage",
    "reasons",
    "loan_class",
    "dpd",
    "grade",
    "annual_pd",
    "balance",
    "undrawn",
    "collateral_value",
    "pd",
    "lgd",
    "ead",
    "ecl",
    "general_reserve",
    "specific_reserve",
)


def provisions_chunk(
    cursor,
    customers: list[int],
    on: dt.date,
    *,
    remeasure: bool = False,
    id_range: tuple[int, int] | None = None,
) -> tuple[int, int]:
    """Computes the provisions of the customers' active loans and stores those whose inputs
    changed, or with `remeasure` (the month-end run) whose figures changed; (written,
    removed). `id_range` (first, last): `customers` is every customer of that range of ids
    (a full chunk of the nightly), which the statements then read by range."""
    if not customers:
        return 0, 0
    setting = ProvisionSetting.in_force(on)
    params = setting.parameters()
    if id_range:
        sql = STATEMENT_FIGURES_BY_RANGE if remeasure else STATEMENT_INPUTS_BY_RANGE
    else:
        sql = STATEMENT_FIGURES if remeasure else STATEMENT_INPUTS
    # Most loans are computed and written by one statement; it returns the customers it
    # leaves to the per-loan path below (risk.provision_statement).
    cursor.execute(
        sql,
        statement_parameters(
            setting,
            params,
            grade_pds(setting.ungraded_pd),
            customers,
            on,
            (RELATIVE_SLACK, ABSOLUTE_SLACK),
            remeasure=remeasure,
            id_range=id_range,
        ),
    )
    written, per_loan = cursor.fetchone()
    if per_loan:
        written += write_per_loan(cursor, per_loan, on, setting, params, remeasure=remeasure)
    if id_range:
        cursor.execute(REMOVE_LEFT_BY_RANGE, {"first": id_range[0], "last": id_range[1]})
    else:
        cursor.execute(REMOVE_LEFT_BY_LIST, {"customers": customers})
    return written, cursor.rowcount


def write_per_loan(
    cursor, customers: list[int], on: dt.date, setting, params, *, remeasure: bool
) -> int:
    """The customers' loans computed one by one (gather_loans, loan_figures) and the rows
    whose inputs, or with `remeasure` figures, changed written; rows written."""
    loans = gather_loans(cursor, customers, on, setting, params)
    columns: dict[str, list] = {name: [] for name in COLUMNS}
    for loan, figures in zip(loans, loan_figures(cursor, loans, params), strict=True):
        inputs = loan.inputs
        values = {
            "loan": loan.loan_id,
            "customer": loan.customer_id,
            "computed_on": on,
            "setting": setting.pk,
            "stage": figures.stage,
            # An array of arrays cannot be ragged: the reasons travel joined and are split
            # back by the statement's cast of each element.
            "reasons": "{" + ",".join(figures.reasons) + "}",
            "loan_class": inputs.loan_class,
            "dpd": inputs.dpd,
            "grade": loan.grade,
            "annual_pd": inputs.annual_pd,
            "balance": inputs.outstanding_principal,
            "undrawn": inputs.undrawn,
            "collateral_value": sum((value for _kind, value in inputs.collateral), Decimal(0)),
            "pd": figures.pd,
            "lgd": figures.lgd,
            "ead": figures.ead,
            "ecl": figures.ecl,
            "general_reserve": figures.general_reserve,
            "specific_reserve": figures.specific_reserve,
        }
        for name, value in values.items():
            columns[name].append(value)
    if not columns["loan"]:
        return 0
    cursor.execute(UPSERT_FIGURES if remeasure else UPSERT_INPUTS, columns)
    return cursor.rowcount
