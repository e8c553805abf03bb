# ruff: noqa: S608 -- the SQL splices only constants: the master scale, the statuses, a kind.
"""The ECL of the undrawn facilities of a nightly chunk's customers (risk.recompute), set-based.

A live facility (approved, active or frozen, not expired) with an available amount and no
active loan drawn on it is an off-balance-sheet loan commitment with no loan to carry its
exposure: it gets a row of its own (risk_facilityprovision). Once a loan is drawn on it, the
loan's EAD takes the undrawn amount over (risk.provisions) and the row goes.

A chunk costs two statements whatever its size. One reads the inputs of the facilities with
an available amount (computed as lending.facilities does) and no active loan: the customer's
worst class and days past due over their active loans, the notches their grade fell since the
facility's start (from the chunk's grade history, read once, as risk.provision_statement reads
it for the loans), the watch list and the collateral securing the facility. Each figure is the
pure module's (risk.provisioning.facility_provision). The other writes the rows whose inputs
changed (or, at month end, whose figures changed) and removes the rows of the customers'
facilities that no longer qualify: a second run over an unchanged book writes nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from lending.facility_models import LIVE_STATUSES, FacilityKind
from lending.loan_quality import NORMAL
from lending.stages import statuses_sql
from risk import provisioning
from risk.provision_models import ProvisionSetting
from risk.provisions import grade_pds
from risk.rules import GRADES, IN_RANGE

# The inputs of the chunk's live, unexpired facilities that have an available amount and no
# active loan drawn on it, in one statement: the available amount as lending.facilities
# computes it (limit less the drawings, by principal for a one-off facility and by balance
# for a revolving one, less the approved applications not disbursed yet; never below zero),
# the customer's worst class and days past due over their active loans, the notches their
# grade fell since the facility's start, the watch list and the collateral securing the
# facility. Only constants are spliced in (the statuses, the master scale, the one-off kind).
FACILITY_INPUTS = f"""
WITH {{drawings}}facility AS MATERIALIZED (
    SELECT f.id, f.customer_id, f.expiry_date, f.start_date, c.grade, c.industry_id,
           greatest(f.limit - CASE WHEN f.kind = '{FacilityKind.ONE_OFF.value}'
                                   THEN coalesce(drawn.principal, 0.00)
                                   ELSE coalesce(drawn.outstanding, 0.00) END
                    - coalesce(pending.amount, 0.00), 0.00) AS available
    FROM lending_creditfacility f
    -- A facility with no drawing has no row among a range's drawings (by range, below).
    {{facility_joins}}
    -- The customers as a value known only when the statement runs (see origin below): the
    -- facilities' customer index, where the literal list planned a scan of every facility.
    -- A full chunk reads the range (facility_inputs).
    WHERE f.customer_id {{facility_customers}}
      AND f.status IN {statuses_sql(LIVE_STATUSES)}
      AND f.expiry_date >= %(on)s AND NOT coalesce(drawn.drawn_on, false)
),
-- The grade at the facility's start (as notches_down_since reads it, and a loan's grade at
-- origination in risk.provision_statement), from the chunk's grade history read once: the
-- last change on or before the start, else the value the first later change replaced.
origin AS (
    SELECT f.id AS facility_id,
           (array_agg(h.new_value ORDER BY h.changed_on DESC, h.id DESC)
                FILTER (WHERE h.changed_on <= f.start_date))[1] AS before,
           (array_agg(nullif(h.old_value, '') ORDER BY h.changed_on, h.id)
                FILTER (WHERE h.changed_on > f.start_date))[1] AS after
    FROM facility f JOIN risk_riskhistory h ON h.customer_id = f.customer_id
    -- The customers as a value known only when the statement runs: estimating the rows of a
    -- literal list of thousands in every monthly partition costs more than the scan.
    WHERE h.kind = 'grade' AND h.customer_id {{history_customers}}
    GROUP BY f.id
)
SELECT f.id, f.customer_id, f.expiry_date, f.grade,
       coalesce(worst.loan_class, 1), coalesce(worst.dpd, 0),
       coalesce(array_position({GRADES}, nullif(f.grade, ''))
                - array_position({GRADES}, nullif(coalesce(o.before, o.after, f.grade), '')),
                0),
       EXISTS (SELECT 1 FROM risk_industrywatch w
               WHERE w.industry_id = f.industry_id AND w.active),
       coalesce(pledged.kinds, '{{{{}}}}'), coalesce(pledged.amounts, '{{{{}}}}'), f.available,
       stored.setting_id, stored.stage, stored.reasons, stored.loan_class, stored.grade,
       stored.annual_pd, stored.expiry_date, stored.undrawn, stored.collateral_value
FROM facility f
LEFT JOIN origin o ON o.facility_id = f.id
-- The inputs of its stored row: the nightly computes and writes only the facilities whose
-- inputs changed (facility_provisions_chunk).
{{stored_and_worst}}
LEFT JOIN LATERAL (
    SELECT array_agg(k.collateral_type ORDER BY k.id) AS kinds,
           array_agg(k.value ORDER BY k.id) AS amounts
    FROM lending_creditfacility_collateral fc
    JOIN credit_collateral k ON k.id = fc.collateral_id
    WHERE fc.creditfacility_id = f.id
) pledged ON true
WHERE f.available > 0
ORDER BY f.id
"""
# A few customers: each facility's customer, drawings, stored row and the customer's worst
# loan looked up by key (the fences keep them lookups: a list is a small part of the book).
FACILITY_INPUTS_BY_LIST = FACILITY_INPUTS.format(
    drawings="",
    facility_joins="""CROSS JOIN LATERAL (
        SELECT c.grade, c.industry_id FROM customers_customer c WHERE c.id = f.customer_id
        OFFSET 0
    ) c
    CROSS JOIN LATERAL (
        SELECT coalesce(sum(l.principal), 0.00) AS principal,
               coalesce(sum(l.outstanding_principal), 0.00) AS outstanding,
               coalesce(bool_or(l.status = 'active'), false) AS drawn_on
        FROM credit_loan l WHERE l.facility_id = f.id
    ) drawn
    CROSS JOIN LATERAL (
        SELECT coalesce(sum(a.approved_amount), 0.00) AS amount
        FROM credit_application a WHERE a.facility_id = f.id AND a.status = 'approved'
    ) pending""",
    facility_customers="= ANY(ARRAY(SELECT unnest(%(customers)s::bigint[])))",
    history_customers="= ANY(ARRAY(SELECT DISTINCT facility.customer_id FROM facility))",
    stored_and_worst="""LEFT JOIN risk_facilityprovision stored ON stored.facility_id = f.id
LEFT JOIN LATERAL (
    SELECT max(r.final_class) AS loan_class, max(r.dpd) AS dpd
    FROM credit_loan l JOIN risk_loanrisk r ON r.loan_id = l.id
    WHERE l.customer_id = f.customer_id AND l.status = 'active'
) worst ON true""",
)
# A full chunk (every customer of the range): the range of each customer index, the same rows
# (as risk.recompute.chunk_sql); the array probed the history's months once per customer.
# Five lookups per facility (its customer, its loans, its applications, its stored row, its
# customer's loans with their risk rows) cost more than reading the chunk's rows once (about
# 30,000 probes a chunk of 20,000 customers, most of the statement's time):
# - the drawings from the chunk's loans and applications on a facility, grouped by facility.
#   A loan or an application draws only on its own customer's facility
#   (lending.services.facilities refuses another customer's; a loan is its application's
#   customer's, and the database refuses to move one: lending 0019), so the chunk's rows are
#   every drawing on the chunk's facilities. The loans are found through their partial index
#   of loans drawn on a facility (loan_on_facility), not by reading every loan of the chunk;
# - the stored rows filed under the chunk's customers (a row filed under another customer,
#   the facility moved, is missed: the facility counts as changed and the upsert, which
#   compares with the row itself, decides);
# - the customers' grades and industries from the chunk's customers read once;
# - the worst class and days past due from the risk rows that can raise them, looked up in
#   their small partial index (loanrisk_of_note, as the risk levels read them) by customer: a
#   loan up to date and normal counts as none, which the defaults of the select (normal, 0
#   days) stand for. (Read by range, the planner chose a parallel scan of every risk row of
#   the chunk instead, which the partial index is too small for.)
FACILITY_INPUTS_BY_RANGE = FACILITY_INPUTS.format(
    drawings=f"""drawn_by_facility AS MATERIALIZED (
    SELECT l.facility_id, sum(l.principal) AS principal,
           sum(l.outstanding_principal) AS outstanding, bool_or(l.status = 'active') AS drawn_on
    FROM credit_loan l
    WHERE l.customer_id {IN_RANGE} AND l.facility_id IS NOT NULL
    GROUP BY l.facility_id
),
pending_by_facility AS MATERIALIZED (
    SELECT a.facility_id, sum(a.approved_amount) AS amount
    FROM credit_application a
    WHERE a.customer_id {IN_RANGE} AND a.status = 'approved' AND a.facility_id IS NOT NULL
    GROUP BY a.facility_id
),
chunk_customer AS MATERIALIZED (
    SELECT c.id, c.grade, c.industry_id FROM customers_customer c WHERE c.id {IN_RANGE}
),
""",
    facility_joins="""JOIN chunk_customer c ON c.id = f.customer_id
    LEFT JOIN drawn_by_facility drawn ON drawn.facility_id = f.id
    LEFT JOIN pending_by_facility pending ON pending.facility_id = f.id""",
    facility_customers=IN_RANGE,
    history_customers=IN_RANGE,
    stored_and_worst=f"""LEFT JOIN risk_facilityprovision stored
    ON stored.facility_id = f.id AND stored.customer_id {IN_RANGE}
LEFT JOIN LATERAL (
    SELECT max(r.final_class) AS loan_class, max(r.dpd) AS dpd
    FROM risk_loanrisk r JOIN credit_loan l ON l.id = r.loan_id AND l.status = 'active'
    WHERE r.customer_id = f.customer_id AND (r.dpd > 0 OR r.final_class > {NORMAL})
) worst ON true""",
)

# The nightly writes a row when its inputs change (as the loans' rows: the calendar alone
# moves the horizon, and the nightly looks only at customers whose inputs changed); the
# month-end run also when its figures change (it remeasures every facility as of the month's
# last day).
UPSERT = """
INSERT INTO risk_facilityprovision AS p (
    facility_id, customer_id, computed_on, setting_id, stage, reasons, loan_class, dpd, grade,
    annual_pd, expiry_date, undrawn, collateral_value, pd, lgd, ead, ecl)
SELECT facility_id, customer_id, computed_on, setting_id, stage, reasons::varchar(20)[],
       loan_class, dpd, grade, annual_pd, expiry_date, undrawn, collateral_value, pd, lgd, ead,
       ecl
FROM unnest(
    %(facility)s::bigint[], %(customer)s::bigint[], %(computed_on)s::date[],
    %(setting)s::bigint[], %(stage)s::smallint[], %(reasons)s::text[],
    %(loan_class)s::smallint[], %(dpd)s::int[], %(grade)s::varchar[], %(annual_pd)s::numeric[],
    %(expiry_date)s::date[], %(undrawn)s::numeric[], %(collateral_value)s::numeric[],
    %(pd)s::numeric[], %(lgd)s::numeric[], %(ead)s::numeric[], %(ecl)s::numeric[])
    AS v(facility_id, customer_id, computed_on, setting_id, stage, reasons, loan_class, dpd,
         grade, annual_pd, expiry_date, undrawn, collateral_value, pd, lgd, ead, ecl)
ON CONFLICT (facility_id) DO UPDATE SET
    computed_on = excluded.computed_on, setting_id = excluded.setting_id,
    stage = excluded.stage, reasons = excluded.reasons, loan_class = excluded.loan_class,
    dpd = excluded.dpd, grade = excluded.grade, annual_pd = excluded.annual_pd,
    expiry_date = excluded.expiry_date, undrawn = excluded.undrawn,
    collateral_value = excluded.collateral_value, pd = excluded.pd, lgd = excluded.lgd,
    ead = excluded.ead, ecl = excluded.ecl
WHERE (p.setting_id, p.stage, p.reasons, p.loan_class, p.grade, p.annual_pd, p.expiry_date,
       p.undrawn, p.collateral_value{figures})
    IS DISTINCT FROM
      (excluded.setting_id, excluded.stage, excluded.reasons, excluded.loan_class,
       excluded.grade, excluded.annual_pd, excluded.expiry_date, excluded.undrawn,
       excluded.collateral_value{excluded_figures})
"""
FIGURES = ("dpd", "pd", "lgd", "ead", "ecl")

# The rows of the customers' facilities that no longer qualify: drawn, fully used, expired,
# frozen out of the live statuses, closed (every row of theirs but the qualifying ones,
# `kept`, written or not).
REMOVE_GONE = """
DELETE FROM risk_facilityprovision p
WHERE p.customer_id {{customers}}
  AND NOT p.facility_id = ANY(%(kept)s::bigint[])
"""

# Both in one statement, the same whatever the chunk holds (nothing to write included): the
# two touch different rows, the kept facilities' and the others'. (written, removed)
WRITE = f"""
WITH written AS ({UPSERT} RETURNING 1),
removed AS ({REMOVE_GONE} RETURNING 1)
SELECT (SELECT count(*) FROM written), (SELECT count(*) FROM removed)
"""
FIGURES_COMPARED = {
    "figures": "".join(f", p.{name}" for name in FIGURES),
    "excluded_figures": "".join(f", excluded.{name}" for name in FIGURES),
}
INPUTS_COMPARED = {"figures": "", "excluded_figures": ""}
BY_LIST = "= ANY(ARRAY(SELECT unnest(%(customers)s::bigint[])))"
# (remeasure, by range) → the statement.
WRITES = {
    (remeasure, by_range): WRITE.format(
        **(FIGURES_COMPARED if remeasure else INPUTS_COMPARED)
    ).format(customers=IN_RANGE if by_range else BY_LIST)
    for remeasure in (False, True)
    for by_range in (False, True)
}

# Every customer with a live facility or a stored row (the month-end run's batches).
FACILITY_CUSTOMERS = f"""
SELECT customer_id FROM lending_creditfacility WHERE status IN {statuses_sql(LIVE_STATUSES)}
UNION
SELECT customer_id FROM risk_facilityprovision
"""
CUSTOMER_BATCH = 5_000

COLUMNS = (
    "facility",
    "customer",
    "computed_on",
    "setting",
    "stage",
    "reasons",
    "loan_class",
    "dpd",
    "grade",
    "annual_pd",
    "expiry_date",
    "undrawn",
    "collateral_value",
    "pd",
    "lgd",
    "ead",
    "ecl",
)


def gather_facilities(
    cursor,
    customers: list[int],
    on: dt.date,
    setting,
    *,
    id_range: tuple[int, int] | None = None,
) -> list[tuple[int, int, str, provisioning.FacilityInputs, tuple]]:
    """(facility, customer, grade, inputs, stored) of each of the customers' undrawn facilities
    with no active loan drawn on it, `stored` the inputs its stored row holds (all None
    without one): one statement, whatever the number of customers (read by the range
    `id_range` when they are all of its customers)."""
    pds = grade_pds(setting.ungraded_pd)
    if id_range:
        cursor.execute(
            FACILITY_INPUTS_BY_RANGE, {"first": id_range[0], "last": id_range[1], "on": on}
        )
    else:
        cursor.execute(FACILITY_INPUTS_BY_LIST, {"customers": customers, "on": on})
    gathered = []
    for (
        facility_id,
        customer_id,
        expiry,
        grade,
        loan_class,
        dpd,
        notches_down,
        watch_listed,
        kinds,
        amounts,
        available,
        *stored,
    ) in cursor.fetchall():
        inputs = provisioning.FacilityInputs(
            as_of=on,
            expiry=expiry,
            undrawn=available,
            annual_pd=pds.get(grade or "", setting.ungraded_pd),
            loan_class=loan_class,
            dpd=dpd,
            notches_down=notches_down,
            watch_listed=watch_listed,
            collateral=tuple(zip(kinds, amounts, strict=True)),
        )
        gathered.append((facility_id, customer_id, grade or "", inputs, tuple(stored)))
    return gathered


def facility_provisions_chunk(
    cursor,
    customers: list[int],
    on: dt.date,
    *,
    remeasure: bool = False,
    id_range: tuple[int, int] | None = None,
) -> tuple[int, int]:
    """Computes the ECL of the customers' undrawn facilities and stores the rows whose inputs
    changed, or with `remeasure` (the month-end run) whose figures changed; removes the rows
    that no longer qualify. (written, removed). `id_range` (first, last): `customers` is every
    customer of that range of ids (a full chunk of the nightly), read by range."""
    if not customers:
        return 0, 0
    setting = ProvisionSetting.in_force(on)
    params = setting.parameters()
    columns: dict[str, list] = {name: [] for name in COLUMNS}
    kept = []
    for facility_id, customer_id, grade, inputs, stored in gather_facilities(
        cursor, customers, on, setting, id_range=id_range
    ):
        kept.append(facility_id)
        collateral_value = sum((value for _kind, value in inputs.collateral), Decimal(0))
        if not remeasure:
            stage, reasons = provisioning.stage_of(
                dpd=inputs.dpd,
                loan_class=inputs.loan_class,
                notches_down=inputs.notches_down,
                watch_listed=inputs.watch_listed,
                params=params,
            )
            # The upsert would leave the row as it is (its inputs did not change, UPSERT):
            # its figures, the costly part in Python, are not needed.
            if stored == (
                setting.pk,
                stage,
                list(reasons),
                inputs.loan_class,
                grade,
                inputs.annual_pd,
                inputs.expiry,
                inputs.undrawn,
                collateral_value,
            ):
                continue
        figures = provisioning.facility_provision(inputs, params)
        values = {
            "facility": facility_id,
            "customer": customer_id,
            "computed_on": on,
            "setting": setting.pk,
            "stage": figures.stage,
            # Joined, as the loans' reasons: an array of arrays cannot be ragged.
            "reasons": "{" + ",".join(figures.reasons) + "}",
            "loan_class": inputs.loan_class,
            "dpd": inputs.dpd,
            "grade": grade,
            "annual_pd": inputs.annual_pd,
            "expiry_date": inputs.expiry,
            "undrawn": inputs.undrawn,
            "collateral_value": collateral_value,
            "pd": figures.pd,
            "lgd": figures.lgd,
            "ead": figures.ead,
            "ecl": figures.ecl,
        }
        for name, value in values.items():
            columns[name].append(value)
    first, last = id_range or (None, None)
    cursor.execute(
        WRITES[remeasure, id_range is not None],
        {**columns, "kept": kept, "customers": customers, "first": first, "last": last},
    )
    written, removed = cursor.fetchone()
    return written, removed


def facility_provisions_refresh_all(cursor, *, on: dt.date) -> int:
    """Every undrawn facility's ECL as of `on` (the month-end run), by batches of customers;
    rows written."""
    cursor.execute(FACILITY_CUSTOMERS)
    customers = sorted(row[0] for row in cursor.fetchall())
    written = 0
    for start in range(0, len(customers), CUSTOMER_BATCH):
        batch_written, _removed = facility_provisions_chunk(
            cursor, customers[start : start + CUSTOMER_BATCH], on, remeasure=True
        )
        written += batch_written
    return written
