"""Every active loan's provisions, for the customers of a nightly chunk (risk.recompute): one
statement gathers the inputs of all their loans, risk/provisioning.py computes the figures,
one statement writes the rows whose figures changed and one removes the rows of loans that
left the book (repaid or written off). A second run over an unchanged book writes nothing.

The arithmetic stays in the pure module so that the stored figures are its figures by
construction (tests/risk/test_provisions.py holds them equal on a generated book).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from credit.default_scorecards import master_scale
from lending.facilities import with_figures
from lending.facility_models import LIVE_STATUSES, CreditFacility
from lending.loan_quality import NON_PERFORMING_FROM
from risk import provisioning
from risk.provision_models import ProvisionSetting
from risk.rules import GRADES, IN_CHUNK

# The inputs of every active loan of the chunk's customers. The grade at origination is the
# grade the history shows on the disbursement date (the last change on or before it, else
# the value the first later change replaced, else today's grade: never changed).
# Only constants are spliced in (the master scale, the chunk's parameter).
LOAN_INPUTS = f"""
SELECT l.id, l.customer_id, l.outstanding_principal, l.annual_rate, l.facility_id,
       coalesce(r.final_class, 1), coalesce(r.dpd, 0), c.grade,
       coalesce(array_position({GRADES}, nullif(c.grade, ''))
                - array_position({GRADES}, nullif(coalesce(
                    (SELECT h.new_value FROM risk_riskhistory h
                     WHERE h.kind = 'grade' AND h.customer_id = l.customer_id
                       AND h.changed_on <= l.disbursed_on
                     ORDER BY h.changed_on DESC, h.id DESC LIMIT 1),
                    (SELECT nullif(h.old_value, '') FROM risk_riskhistory h
                     WHERE h.kind = 'grade' AND h.customer_id = l.customer_id
                       AND h.changed_on > l.disbursed_on
                     ORDER BY h.changed_on, h.id LIMIT 1),
                    c.grade), '')), 0),
       EXISTS (SELECT 1 FROM risk_industrywatch w
               WHERE w.industry_id = c.industry_id AND w.active),
       coalesce(due.unpaid_interest, 0), coalesce(due.last_due, l.disbursed_on),
       coalesce(future.dates, '{{}}'), coalesce(future.principal, '{{}}'),
       coalesce(pledged.kinds, '{{}}'), coalesce(pledged.amounts, '{{}}')
FROM credit_loan l
JOIN customers_customer c ON c.id = l.customer_id
LEFT JOIN risk_loanrisk r ON r.loan_id = l.id
LEFT JOIN LATERAL (
    SELECT sum(i.interest_due - i.interest_paid) AS unpaid_interest,
           max(i.due_date) AS last_due
    FROM credit_instalment i
    WHERE i.loan_id = l.id AND i.schedule_version = l.schedule_version AND NOT i.superseded
      AND i.due_date <= %(on)s
) due ON true
LEFT JOIN LATERAL (
    SELECT array_agg(i.due_date ORDER BY i.due_date) AS dates,
           array_agg(i.principal_due - i.principal_paid ORDER BY i.due_date) AS principal
    FROM credit_instalment i
    WHERE i.loan_id = l.id AND i.schedule_version = l.schedule_version AND NOT i.superseded
      AND i.settled_on IS NULL AND i.due_date > %(on)s
) future ON true
LEFT JOIN LATERAL (
    SELECT array_agg(k.collateral_type ORDER BY k.id) AS kinds,
           array_agg(k.value ORDER BY k.id) AS amounts
    FROM credit_collateral k WHERE k.application_id = l.application_id
) pledged ON true
WHERE l.customer_id {IN_CHUNK} AND l.status = 'active'
ORDER BY l.id
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
UPSERT_INPUTS = UPSERT.format(figures="", excluded_figures="")
UPSERT_FIGURES = UPSERT.format(
    figures="".join(f", p.{name}" for name in FIGURES),
    excluded_figures="".join(f", excluded.{name}" for name in FIGURES),
)

# Loans that left the book (repaid, written off) keep no provision.
REMOVE_LEFT = f"""
DELETE FROM risk_loanprovision p USING credit_loan l
WHERE p.loan_id = l.id AND p.customer_id {IN_CHUNK} AND l.status <> 'active'
"""

RATIO = Decimal("0.000001")
__all__ = ["NON_PERFORMING_FROM", "grade_pds", "provisions_chunk"]


def grade_pds(ungraded_pd: Decimal) -> dict[str, Decimal]:
    """The annual PD of each grade of the master scale, to the places it is stored with."""
    pds = {row["grade"]: Decimal(str(row["pd"])).quantize(RATIO) for row in master_scale()}
    pds[""] = ungraded_pd
    return pds


def undrawn_by_loan(facility_loans: dict[int, list[int]], on: dt.date) -> dict[int, Decimal]:
    """The available amount of each live facility, given to its oldest active loan (so that
    a facility with several drawings counts its undrawn amount once). One query."""
    if not facility_loans:
        return {}
    available = dict(
        with_figures(
            CreditFacility.objects.filter(
                pk__in=list(facility_loans), status__in=LIVE_STATUSES, expiry_date__gte=on
            )
        ).values_list("pk", "available")
    )
    return {
        min(loans): amount
        for facility_id, loans in facility_loans.items()
        if (amount := available.get(facility_id))
    }


def gather_inputs(cursor, customers: list[int], on: dt.date, setting: ProvisionSetting):
    """(loan id, customer id, grade, collateral value, LoanInputs) of every active loan."""
    cursor.execute(LOAN_INPUTS, {"customers": customers, "on": on})
    rows = cursor.fetchall()
    pds = grade_pds(setting.ungraded_pd)
    facility_loans: dict[int, list[int]] = {}
    for row in rows:
        if row[4] is not None:
            facility_loans.setdefault(row[4], []).append(row[0])
    undrawn = undrawn_by_loan(facility_loans, on)
    gathered = []
    for (
        loan_id,
        customer_id,
        outstanding,
        rate,
        _facility,
        loan_class,
        dpd,
        grade,
        notches_down,
        watch_listed,
        unpaid_interest,
        last_due,
        due_dates,
        principal,
        kinds,
        amounts,
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
            future_principal=tuple(zip(due_dates, principal, strict=True)),
            collateral=tuple(zip(kinds, amounts, strict=True)),
            undrawn=undrawn.get(loan_id, Decimal("0.00")),
            notches_down=notches_down,
            watch_listed=watch_listed,
        )
        gathered.append((loan_id, customer_id, grade or "", sum(amounts, Decimal(0)), inputs))
    return gathered


def provisions_chunk(
    cursor, customers: list[int], on: dt.date, *, remeasure: bool = False
) -> tuple[int, int]:
    """Computes the provisions of the customers' active loans and stores those whose inputs
    changed, or with `remeasure` (the month-end run) whose figures changed; (written,
    removed)."""
    if not customers:
        return 0, 0
    setting = ProvisionSetting.in_force(on)
    params = setting.parameters()
    columns: dict[str, list] = {
        name: []
        for name in (
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
    }
    for loan_id, customer_id, grade, collateral_value, inputs in gather_inputs(
        cursor, customers, on, setting
    ):
        figures = provisioning.provision(inputs, params)
        values = {
            "loan": loan_id,
            "customer": customer_id,
            "computed_on": on,
            "setting": setting.pk,
            "stage": figures.stage,
            # An array of arrays cannot be ragged: the reasons travel joined and are split
            # back by the statement's cast of each element.
            "reasons": "{" + ",".join(figures.reasons) + "}",
            "loan_class": inputs.loan_class,
            "dpd": inputs.dpd,
            "grade": grade,
            "annual_pd": inputs.annual_pd,
            "balance": inputs.outstanding_principal,
            "undrawn": inputs.undrawn,
            "collateral_value": collateral_value,
            "pd": figures.pd,
            "lgd": figures.lgd,
            "ead": figures.ead,
            "ecl": figures.ecl,
            "general_reserve": figures.general_reserve,
            "specific_reserve": figures.specific_reserve,
        }
        for name, value in values.items():
            columns[name].append(value)
    written = 0
    if columns["loan"]:
        cursor.execute(UPSERT_FIGURES if remeasure else UPSERT_INPUTS, columns)
        written = cursor.rowcount
    cursor.execute(REMOVE_LEFT, {"customers": customers})
    return written, cursor.rowcount
