# ruff: noqa: S608 -- the SQL splices only constants: the master scale, IN_CHUNK, class numbers.
"""The provisions of a nightly chunk's loans in one statement (risk.provisions.provisions_chunk).

At 1,000,000 loans the nightly cannot afford a round trip to Python per loan: the statement
computes every figure of risk/provisioning.py in SQL, with the same arithmetic, and writes the
rows whose inputs (or, at month end, figures) changed. The inputs are read once per chunk: the
loans with their class, grade and grade at origination (stored on the loan), their collateral
and the facilities' undrawn amounts. The
schedule, the costly part, is read per loan through its index, and in the nightly only for the
loans whose inputs changed (a loan whose inputs did not change is not written, so its figures
are not needed): the interest due and unpaid, and the sums of the remaining schedule, as
risk.provisions.PERIODS explains.

- Stage, reasons, EAD, LGD, the PRC reserve and a stage 3 ECL are exact in numeric: the same
  products as the pure module's Decimal, divisions carried to 30 decimal places (a figure that
  is not on a rounding edge is further from it than 1e-20 at the sizes money has, so both round
  it the same way), rounded half up (PostgreSQL rounds numeric half away from zero, as
  ROUND_HALF_UP does).
- The PD and ECL of stages 1 and 2 come from the double precision sums and are settled here
  only when they are clear of a rounding edge, by the test of risk.provisions.rounded.
- A customer any of whose loans the statement cannot settle (a figure near a rounding edge, a
  PD of 100%, two instalments on one day) or who draws on a facility that collateral secures
  (its value is allocated to the drawings cent by cent, provisioning.with_facility_collateral)
  is left to the per-loan path (risk.provisions.gather_loans), which the statement returns.
"""

from __future__ import annotations

from lending.facility_models import LIVE_STATUSES, FacilityKind
from lending.loan_quality import NORMAL, SPECIAL_MENTION, SUBSTANDARD
from lending.stages import statuses_sql
from risk import provisioning
from risk.rules import GRADES, IN_CHUNK, IN_RANGE

YEAR = "365.0::float8"

# The risk rows that are anything but a loan up to date and normal: the condition of the
# partial index loanrisk_of_note (risk.models.LoanRisk). A row outside it holds no days past
# due and the normal class, the values a loan without a row is taken to have, so the
# statements that read only a loan's days past due and class read these rows alone (a few
# hundred of a chunk) instead of every risk row of its customers.
LOAN_RISK_OF_NOTE = f"(r.dpd > 0 OR r.final_class > {NORMAL})"


def expm1_sql(x: str) -> str:
    """SQL for e^x − 1 without the cancellation of exp(x) − 1 near 0 (PostgreSQL has no
    expm1): below |x| = 0.01 the series to x^7 (error under 1e-18 of x), else exp(x) − 1
    (relative error under 1e-14 there)."""
    series = "1"
    for power in range(7, 1, -1):
        series = f"(1 + {x} / {power} * {series})"
    series = f"{x} * {series}"
    return f"(CASE WHEN abs({x}) < 0.01 THEN {series} ELSE exp({x}) - 1 END)"


def notches_down_since(customer_id: str, since: str, stored: str = "NULL") -> str:
    """SQL: how many grades the customer (column `customer_id`, joined as `c`) has dropped
    since origination: from the grade stored on the loan at origination (column `stored`,
    lending's Loan.grade_at_origination), else the grade the history shows on the date in
    column `since` (the last change on or before it, else the value the first later change
    replaced, else today's grade: never changed). Only column names and the master scale are
    spliced in."""
    return f"""coalesce(array_position({GRADES}, nullif(c.grade, ''))
                - array_position({GRADES}, nullif(coalesce(
                    {stored}, {grade_in_history(customer_id, since)}, c.grade), '')), 0)"""


def grade_in_history(customer_id: str, since: str) -> str:
    """SQL: the grade the history shows for the customer (column `customer_id`) on the date
    in column `since`: the last change on or before it, else the value the first later change
    replaced, else NULL (never changed). Two lookups by the history's customer index, run only
    where a loan has no grade stored at origination (a loan imported from the core banking
    system, made before the grade was stored)."""
    return f"""coalesce(
                    (SELECT h.new_value FROM risk_riskhistory h
                     WHERE h.kind = 'grade' AND h.customer_id = {customer_id}
                       AND h.changed_on <= {since}
                     ORDER BY h.changed_on DESC, h.id DESC LIMIT 1),
                    (SELECT nullif(h.old_value, '') FROM risk_riskhistory h
                     WHERE h.kind = 'grade' AND h.customer_id = {customer_id}
                       AND h.changed_on > {since}
                     ORDER BY h.changed_on, h.id LIMIT 1))"""


def available_sql(facility_id: str) -> str:
    """SQL: the available amount of the facility whose id is in column `facility_id` as
    lending.facilities computes it (the limit less the drawings, by principal for a one-off
    facility and by balance for a revolving one, less the approved applications not disbursed
    yet; never below zero), NULL unless it is live and unexpired on the night's date. Only a
    column name, the statuses and the one-off kind are spliced in."""
    return f"""(SELECT greatest(f.limit - CASE WHEN f.kind = '{FacilityKind.ONE_OFF.value}'
                                          THEN drawn.principal ELSE drawn.outstanding END
                        - pending.amount, 0.00)
        FROM lending_creditfacility f
        CROSS JOIN LATERAL (
            SELECT coalesce(sum(d.principal), 0.00) AS principal,
                   coalesce(sum(d.outstanding_principal), 0.00) AS outstanding
            FROM credit_loan d WHERE d.facility_id = f.id
        ) drawn
        CROSS JOIN LATERAL (
            SELECT coalesce(sum(a.approved_amount), 0.00) AS amount
            FROM credit_application a WHERE a.facility_id = f.id AND a.status = 'approved'
        ) pending
        WHERE f.id = {facility_id} AND f.status IN {statuses_sql(LIVE_STATUSES)}
          AND f.expiry_date >= {ON})"""


def rounded_sql(value: str, places: int, size: str) -> str:
    """SQL for risk.provisions.rounded: `value` (double precision) rounded half up to `places`
    decimals as an exact numeric, or NULL when the error of the sum behind it could put it on
    the other side of a rounding edge (or it is too large to say)."""
    scale = f"{10**places}.0::float8"
    scaled = f"(({value}) * {scale})"
    return f"""(CASE WHEN abs({scaled}) < 1e15::float8
                  AND abs({scaled} - floor({scaled}) - 0.5)
                      > %(absolute_slack)s::float8
                        + abs({size}) * {scale} * %(relative_slack)s::float8
             THEN round(floor({scaled} + 0.5)::bigint * 1e-{places}::numeric, {places}) END)"""


# The columns risk_loanprovision stores, in the order of the INSERT.
STORED = """loan_id, customer_id, computed_on, setting_id, stage, reasons, loan_class, dpd, grade,
    annual_pd, balance, undrawn, collateral_value, pd, lgd, ead, ecl, general_reserve,
    specific_reserve"""

# Only rows whose inputs change are written (the nightly), or whose figures change (the
# month-end run): an unchanged book writes nothing (risk.provisions explains when).
ON_CONFLICT = """
ON CONFLICT (loan_id) DO UPDATE SET
    computed_on = excluded.computed_on, setting_id = excluded.setting_id,
    stage = excluded.stage, reasons = excluded.reasons, loan_class = excluded.loan_class,
    dpd = excluded.dpd, grade = excluded.grade, annual_pd = excluded.annual_pd,
    balance = excluded.balance, undrawn = excluded.undrawn,
    collateral_value = excluded.collateral_value, pd = excluded.pd, lgd = excluded.lgd,
    ead = excluded.ead, ecl = excluded.ecl, general_reserve = excluded.general_reserve,
    specific_reserve = excluded.specific_reserve
WHERE (p.setting_id, p.stage, p.reasons, p.loan_class, p.grade, p.annual_pd, p.balance,
       p.undrawn, p.collateral_value{figures})
    IS DISTINCT FROM
      (excluded.setting_id, excluded.stage, excluded.reasons, excluded.loan_class,
       excluded.grade, excluded.annual_pd, excluded.balance, excluded.undrawn,
       excluded.collateral_value{excluded_figures})
"""
FIGURES = ("dpd", "pd", "lgd", "ead", "ecl", "general_reserve", "specific_reserve")
ON_CONFLICT_INPUTS = ON_CONFLICT.format(figures="", excluded_figures="")
ON_CONFLICT_FIGURES = ON_CONFLICT.format(
    figures="".join(f", p.{name}" for name in FIGURES),
    excluded_figures="".join(f", excluded.{name}" for name in FIGURES),
)

ON = "%(on)s::date"
STAGE_1, STAGE_2, STAGE_3 = provisioning.STAGES

# Per loan, through the loan's index on its instalments: the interest due and unpaid and the
# last due date, then the sums of the remaining schedule (risk.provisions.PERIODS: the same
# terms; the principal owed before a period is the running total less its own, which lets one
# window give both). A 12-month term differs from the lifetime one only for the period that
# crosses day 365, which alone computes it again.
TERM = f"""exp(x.previous_days / {YEAR} * l.log_survival) * -{expm1_sql("x.step")}
           * exp(-x.days / {YEAR} * l.log_growth)"""
TERM_12 = f"""(CASE WHEN p.days <= 365 THEN p.term
            ELSE exp(p.previous_days / {YEAR} * l.log_survival)
                 * -{expm1_sql(f"(365 - p.previous_days) / {YEAR} * l.log_survival")}
                 * exp(-365 / {YEAR} * l.log_growth) END)"""
SUMS = f"""
SELECT due.unpaid_interest, due.last_due, ahead.*
FROM (
    SELECT sum(i.interest_due - i.interest_paid) AS unpaid_interest,
           max(i.due_date) AS last_due
    FROM credit_instalment i
    WHERE i.loan_id = l.id AND i.schedule_version = l.schedule_version AND NOT i.superseded
      AND i.due_date <= {ON}
) due
CROSS JOIN LATERAL (
    SELECT count(*) AS periods, coalesce(bool_or(p.days = p.previous_days), false) AS repeated,
           sum(p.term) AS lifetime_a, sum(p.term * p.owed_before) AS lifetime_b,
           sum({TERM_12}) FILTER (WHERE p.previous_days < 365) AS twelve_a,
           sum({TERM_12} * p.owed_before) FILTER (WHERE p.previous_days < 365) AS twelve_b,
           max(p.days) AS last_days
    FROM (
        SELECT x.days, x.previous_days, x.owed_before, {TERM} AS term
        FROM (
            SELECT q.days, q.previous_days, q.owed_through - q.owed AS owed_before,
                   (q.days - q.previous_days) / {YEAR} * l.log_survival AS step
            FROM (
                SELECT (i.due_date - {ON})::float8 AS days,
                       (lag(i.due_date - {ON}, 1, 0) OVER w)::float8 AS previous_days,
                       (i.principal_due - i.principal_paid)::float8 AS owed,
                       sum((i.principal_due - i.principal_paid)::float8) OVER w AS owed_through
                FROM credit_instalment i
                WHERE i.loan_id = l.id AND i.schedule_version = l.schedule_version
                  AND NOT i.superseded AND i.settled_on IS NULL AND i.due_date > {ON}
                WINDOW w AS (ORDER BY i.due_date)
            ) q
            -- Fences: each step and term computed once per row, not spliced into every use.
            OFFSET 0
        ) x
        OFFSET 0
    ) p
) ahead
"""

# The stage's reasons, in the pure module's order (provisioning.stage_of).
IMPAIRED = f"""array_remove(ARRAY[
    CASE WHEN l.dpd > %(stage_3_dpd)s THEN '{provisioning.PAST_DUE_STAGE_3}' END,
    CASE WHEN l.loan_class >= {SUBSTANDARD} THEN '{provisioning.NON_PERFORMING_CLASS}' END
]::varchar(20)[], NULL)"""
INCREASED = f"""array_remove(ARRAY[
    CASE WHEN l.dpd > %(stage_2_dpd)s THEN '{provisioning.PAST_DUE_STAGE_2}' END,
    CASE WHEN %(downgrade_notches)s > 0 AND l.notches_down >= %(downgrade_notches)s
         THEN '{provisioning.DOWNGRADE}' END,
    CASE WHEN %(special_mention_stage_2)s AND l.loan_class = {SPECIAL_MENTION}
         THEN '{provisioning.SPECIAL_MENTION_CLASS}' END,
    CASE WHEN %(watch_list_stage_2)s AND l.watch_listed THEN '{provisioning.WATCH_LIST}' END
]::varchar(20)[], NULL)"""

PD_ROUNDED = rounded_sql("v.pd_value", 6, "1.0::float8")
ECL_ROUNDED = rounded_sql("v.ecl_value", 2, "v.ecl_size")

# Exact quotients: carried to 30 decimal places before rounding (see the docstring).
EXACT = "numeric(60, 30)"


def statement(on_conflict: str, *, by_range: bool = False) -> str:
    """The statement, writing through `on_conflict` (ON_CONFLICT_INPUTS or _FIGURES); with
    `by_range` (a full chunk: every customer of the range) it selects the chunk's customers by
    the range of their ids (IN_RANGE), as risk.recompute.chunk_sql does, the same rows: with
    the array of 20,000 ids the planner scanned every loan of the book, filtering by the array,
    where the range reads the chunk's part of the customer indexes."""
    in_chunk = IN_RANGE if by_range else IN_CHUNK
    # A list of customers is a small part of the book (a night's changed customers, a batch
    # of the month-end run): looked up by key (the fences keep them lookups), where a hash
    # join would read the whole of each table. A range is read as a range: the customers, the
    # loans' risk rows and their stored provisions (filed by customer) of a full chunk lie
    # together.
    customer = (
        f"JOIN customers_customer c ON c.id = l.customer_id AND c.id {IN_RANGE}"
        if by_range
        else """CROSS JOIN LATERAL (
        SELECT c.grade, c.industry_id FROM customers_customer c WHERE c.id = l.customer_id
        OFFSET 0
    ) c"""
    )
    # A loan never changes customer (the database refuses it: lending 0019), so its
    # risk row and its stored provision, filed under the loan's customer, are the range's:
    # the range's risk rows read at once through their customer index (materialised: joined,
    # the planner, misjudging the chunk's loans at a few hundred, probed the key of each).
    # Only the rows of note (LOAN_RISK_OF_NOTE, their partial index): any other row says
    # normal and no days past due, what the coalesce below gives a loan without one; all the
    # rows of a chunk lie on a page each (the table is in loan order), 20,000 pages for the
    # few hundred that say anything else. Should one be missed all the same, the loan counts
    # as changed with no class (normal), and the upsert, which compares with the row itself,
    # decides.
    risk_by_range = (
        f"""risk AS MATERIALIZED (
    SELECT r.loan_id, r.final_class, r.dpd FROM risk_loanrisk r
    WHERE r.customer_id {IN_RANGE} AND {LOAN_RISK_OF_NOTE}
),
"""
        if by_range
        else ""
    )
    risk = (
        "LEFT JOIN risk r ON r.loan_id = l.id"
        if by_range
        else """LEFT JOIN LATERAL (
        SELECT r.final_class, r.dpd FROM risk_loanrisk r WHERE r.loan_id = l.id OFFSET 0
    ) r ON true"""
    )
    stored = (
        f"LEFT JOIN risk_loanprovision p ON p.loan_id = c.id AND p.customer_id {IN_RANGE}"
        if by_range
        else """LEFT JOIN LATERAL (
        SELECT p.setting_id, p.stage, p.reasons, p.loan_class, p.grade, p.annual_pd, p.balance,
               p.undrawn, p.collateral_value
        FROM risk_loanprovision p WHERE p.loan_id = c.id
        OFFSET 0
    ) p ON true"""
    )
    return f"""
WITH {risk_by_range}loan AS MATERIALIZED (
    SELECT l.id, l.customer_id, l.outstanding_principal AS balance, l.annual_rate,
           l.facility_id, l.application_id, l.schedule_version, l.disbursed_on,
           l.grade_at_origination, coalesce(r.final_class, 1) AS loan_class,
           coalesce(r.dpd, 0) AS dpd,
           coalesce(c.grade, '') AS grade, g.annual_pd,
           coalesce(c.industry_id = ANY(ARRAY(
               SELECT w.industry_id FROM risk_industrywatch w WHERE w.active)), false)
               AS watch_listed,
           CASE WHEN g.annual_pd < 1 THEN ln(1 - g.annual_pd::float8) END AS log_survival,
           ln(1 + l.annual_rate::float8) AS log_growth,
           -- A facility with several drawings counts its undrawn amount once, with its
           -- oldest loan.
           l.id = min(l.id) OVER (PARTITION BY l.facility_id) AS oldest_drawing,
           l.facility_id IS NOT NULL AND EXISTS (
               SELECT 1 FROM lending_creditfacility_collateral fc
               WHERE fc.creditfacility_id = l.facility_id) AS facility_secured
    FROM credit_loan l
    {customer}
    {risk}
    CROSS JOIN LATERAL (
        SELECT coalesce(
            (%(pd_values)s::numeric[])[array_position(%(pd_grades)s::text[], c.grade::text)],
            %(ungraded_pd)s::numeric) AS annual_pd
    ) g
    WHERE l.customer_id {in_chunk} AND l.status = 'active'
),
-- The loan's own collateral. Loans drawn on a facility that collateral secures are left to
-- the per-loan path, so no item here also secures the loan's facility. The chunk's items are
-- read by their customer (lending.collateral_customer: the application's, which is the
-- loan's), one stretch of the index collateral_by_customer, and summed per application
-- before the join, instead of probing the application index once per loan.
pledged AS (
    SELECT l.id AS loan_id, k.collateral_value, k.recovery
    FROM loan l
    JOIN (
        SELECT k.application_id, sum(k.value) AS collateral_value,
               sum(k.value * (1 - coalesce(
                   (%(haircuts)s::numeric[])[array_position(%(haircut_kinds)s::text[],
                                                           k.collateral_type::text)],
                   %(other_haircut)s::numeric))) AS recovery
        FROM credit_collateral k WHERE k.customer_id {in_chunk}
        GROUP BY k.application_id
    ) k ON k.application_id = l.application_id
),
judged AS (
    SELECT l.*, coalesce(p.collateral_value, 0) AS collateral_value,
           coalesce(p.recovery, 0) AS recovery,
           CASE WHEN l.facility_id IS NOT NULL AND l.oldest_drawing
                THEN coalesce({available_sql("l.facility_id")}, 0) ELSE 0 END AS undrawn,
           coalesce(array_position({GRADES}, nullif(l.grade, ''))
                    - array_position({GRADES}, nullif(coalesce(
                        l.grade_at_origination,
                        {grade_in_history("l.customer_id", "l.disbursed_on")},
                        l.grade), '')),
                    0) AS notches_down
    FROM loan l
    LEFT JOIN pledged p ON p.loan_id = l.id
    OFFSET 0
),
classed AS (
    SELECT l.*, {IMPAIRED} AS impaired, {INCREASED} AS increased FROM judged l
    OFFSET 0
),
-- The nightly measures a loan again only when its inputs changed (risk.provisions, UPSERT):
-- the schedule, the costly part, is read for those alone. The month-end run (remeasure)
-- measures every loan; a loan drawn on a secured facility goes to the per-loan path, whose
-- collateral inputs this statement does not have. Read once (by inputs, below): a fence, not
-- a store of every loan of a chunk, which spilled to a temporary file.
staged AS (
    SELECT c.*, x.stage,
           CASE x.stage WHEN {STAGE_3} THEN c.impaired WHEN {STAGE_2} THEN c.increased
                ELSE '{{}}'::varchar(20)[] END AS reasons,
           %(remeasure)s OR c.facility_secured OR (
               p.setting_id, p.stage, p.reasons, p.loan_class, p.grade, p.annual_pd, p.balance,
               p.undrawn, p.collateral_value)
               IS DISTINCT FROM (
               %(setting)s::bigint, x.stage,
               CASE x.stage WHEN {STAGE_3} THEN c.impaired WHEN {STAGE_2} THEN c.increased
                    ELSE '{{}}'::varchar(20)[] END,
               c.loan_class, c.grade, c.annual_pd, c.balance, c.undrawn, c.collateral_value)
               AS changed
    FROM classed c
    CROSS JOIN LATERAL (
        SELECT CASE WHEN cardinality(c.impaired) > 0 THEN {STAGE_3}
                    WHEN cardinality(c.increased) > 0 THEN {STAGE_2} ELSE {STAGE_1} END AS stage
    ) x
    {stored}
    OFFSET 0
),
inputs AS (
    SELECT l.*, s.periods, s.repeated, s.lifetime_a, s.lifetime_b, s.twelve_a, s.twelve_b,
           s.last_days,
           -- provisioning.accrued_interest
           round(coalesce(s.unpaid_interest, 0)
                 + (l.balance * l.annual_rate
                    * greatest({ON} - coalesce(s.last_due, l.disbursed_on), 0))::{EXACT} / 365,
                 2) AS accrued
    -- Per loan (staged l, above), and only for the loans whose inputs changed: the loans are
    -- read once, where the schedule's sums joined back to them kept every loan's row in a
    -- store read twice (spilling to a temporary file at a full chunk).
    FROM staged l CROSS JOIN LATERAL ({SUMS}) s
    WHERE l.changed
    OFFSET 0
),
exposed AS (
    SELECT i.*,
           -- provisioning.exposure_at_default
           round(i.balance + i.accrued + %(ccf)s::numeric * i.undrawn, 2) AS ead
    FROM inputs i
    OFFSET 0
),
measured AS (
    SELECT s.*,
           -- provisioning.loss_given_default
           CASE WHEN s.ead <= 0 THEN %(lgd_floor)s::numeric
                ELSE round(greatest(%(lgd_floor)s::numeric,
                                    (%(unsecured_lgd)s::numeric
                                     * greatest(s.ead - s.recovery, 0))::{EXACT} / s.ead), 6)
           END AS lgd,
           -- risk.provisions.schedule_figures: the horizon and the sums of the stage.
           CASE WHEN s.periods = 0 THEN 365
                WHEN s.stage = {STAGE_1} THEN least(s.last_days, 365)
                ELSE s.last_days END AS horizon,
           CASE WHEN s.periods = 0 THEN -{expm1_sql("s.log_survival")} * exp(-s.log_growth)
                WHEN s.stage = {STAGE_1} THEN s.twelve_a ELSE s.lifetime_a END AS sum_a,
           CASE WHEN s.periods = 0 THEN 0::float8
                WHEN s.stage = {STAGE_1} THEN s.twelve_b ELSE s.lifetime_b END AS sum_b
    FROM exposed s
    OFFSET 0
),
valued AS (
    SELECT m.*, -{expm1_sql("m.horizon / 365.0::float8 * m.log_survival")} AS pd_value,
           m.lgd::float8 * (m.ead::float8 * m.sum_a - m.sum_b) AS ecl_value,
           m.lgd::float8 * (abs(m.ead::float8) * m.sum_a + abs(m.sum_b)) AS ecl_size
    FROM measured m
    OFFSET 0
),
figured AS (
    SELECT v.*,
           CASE WHEN v.stage = {STAGE_3} THEN 1::numeric ELSE {PD_ROUNDED} END AS pd,
           CASE WHEN v.stage = {STAGE_3} THEN round(v.lgd * v.ead, 2) ELSE {ECL_ROUNDED} END
               AS ecl
    FROM valued v
    OFFSET 0
),
settled AS MATERIALIZED (
    SELECT f.*,
           bool_or(f.facility_secured
                   OR (f.stage <> {STAGE_3}
                       AND (f.log_survival IS NULL OR f.repeated
                            OR f.pd IS NULL OR f.ecl IS NULL)))
               OVER (PARTITION BY f.customer_id) AS per_loan
    FROM figured f
),
written AS (
    INSERT INTO risk_loanprovision AS p ({STORED})
    SELECT s.id, s.customer_id, {ON}, %(setting)s::bigint, s.stage,
           s.reasons,
           s.loan_class, s.dpd, s.grade, s.annual_pd, s.balance, s.undrawn,
           s.collateral_value, s.pd, s.lgd, s.ead, s.ecl,
           round(s.balance * %(general_rate)s::numeric, 2),
           round(s.balance * coalesce((%(specific_rates)s::numeric[])[s.loan_class], 0), 2)
    FROM settled s
    WHERE NOT s.per_loan
    {on_conflict}
    RETURNING 1
)
SELECT (SELECT count(*) FROM written),
       coalesce((SELECT array_agg(DISTINCT s.customer_id) FROM settled s WHERE s.per_loan),
                '{{}}')
"""


STATEMENT_INPUTS = statement(ON_CONFLICT_INPUTS)
STATEMENT_FIGURES = statement(ON_CONFLICT_FIGURES)
STATEMENT_INPUTS_BY_RANGE = statement(ON_CONFLICT_INPUTS, by_range=True)
STATEMENT_FIGURES_BY_RANGE = statement(ON_CONFLICT_FIGURES, by_range=True)


def statement_parameters(
    setting,
    params,
    pds,
    customers,
    on,
    slack,
    *,
    remeasure: bool,
    id_range: tuple[int, int] | None = None,
) -> dict:
    """The statement's parameters: the setting's, as exact numerics where the pure module
    uses Decimal (travelling as text), and the chunk's (its customers, and the range of their
    ids that a statement built `by_range` reads)."""
    kinds = [kind for kind in params.haircuts if kind != "other"]
    first, last = id_range or (None, None)
    return {
        "customers": customers,
        "first": first,
        "last": last,
        "on": on,
        "remeasure": remeasure,
        "setting": setting.pk,
        "pd_grades": list(pds),
        "pd_values": [str(value) for value in pds.values()],
        "ungraded_pd": str(setting.ungraded_pd),
        "haircut_kinds": kinds,
        "haircuts": [str(params.haircuts[kind]) for kind in kinds],
        "other_haircut": str(params.haircuts.get("other", provisioning.ONE)),
        "stage_2_dpd": params.stage_2_dpd,
        "stage_3_dpd": params.stage_3_dpd,
        "downgrade_notches": params.downgrade_notches,
        "special_mention_stage_2": params.special_mention_stage_2,
        "watch_list_stage_2": params.watch_list_stage_2,
        "ccf": str(params.ccf),
        "lgd_floor": str(params.lgd_floor),
        "unsecured_lgd": str(params.unsecured_lgd),
        "general_rate": str(params.general_rate),
        # Indexed by class (1 = normal … 5 = loss), the float chosen applied.
        "specific_rates": [
            str(provisioning.specific_rate(loan_class, params))
            for loan_class in range(1, max(params.specific_rates, default=0) + 1)
        ],
        "relative_slack": slack[0],
        "absolute_slack": slack[1],
    }
