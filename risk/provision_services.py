"""The month-end provision run: every active loan's provisions recomputed as of the month's
last day (risk.provisions, set-based per batch of customers), then frozen with totals by
stage, class, product and branch and the movement since the previous run. The undrawn
facilities with no loan drawn (risk.facility_provisions) are recomputed and frozen beside the
loans: in the stage totals, the run's ECL and the movement (new, remeasured, derecognised).

One run per month, never replaced: a second run for a month that has one is refused (the
unique month, checked under an advisory lock so that two at once cannot both pass)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from audit.services import audit_log
from core.months import add_months
from risk import facility_provisions, policies, provisions
from risk.provision_models import ProvisionRun, ProvisionSetting

# pg_advisory_xact_lock(namespace, yyyymm): one month-end run of a month at a time.
RUN_LOCK_NAMESPACE = 7_311
CUSTOMER_BATCH = 5_000

FREEZE_LOANS = """
INSERT INTO risk_provisionrunloan (run_id, loan_id, stage, loan_class, product_id, branch_id,
                                   balance, ecl, reserve)
SELECT %(run)s, p.loan_id, p.stage, p.loan_class, l.product_id, c.branch_id, p.balance, p.ecl,
       p.general_reserve + p.specific_reserve
FROM risk_loanprovision p
JOIN credit_loan l ON l.id = p.loan_id AND l.status = 'active'
JOIN customers_customer c ON c.id = l.customer_id
"""

TOTALS = """
INSERT INTO risk_provisionruntotal (run_id, dimension, key, label, loans, balance, ecl, reserve)
SELECT %(run)s, t.dimension, t.key, coalesce(t.label, ''), count(*), sum(t.balance),
       sum(t.ecl), sum(t.reserve)
FROM (
    SELECT unnest(ARRAY['stage', 'class', 'product', 'branch']) AS dimension,
           unnest(ARRAY[r.stage::text, r.loan_class::text, r.product_id::text,
                        r.branch_id::text]) AS key,
           unnest(ARRAY[NULL, NULL, p.name, b.name]) AS label,
           r.balance, r.ecl, r.reserve
    FROM risk_provisionrunloan r
    JOIN credit_loanproduct p ON p.id = r.product_id
    JOIN accounts_branch b ON b.id = r.branch_id
    WHERE r.run_id = %(run)s
) t
GROUP BY t.dimension, t.key, t.label
"""

# Opening (the previous run) + movements = closing (this run), loan by loan: a loan in this
# run only is new; one in the previous only left the book, written off or repaid (every other
# way out counts as repaid); one in both moved stage or was remeasured in its stage.
MOVEMENT = """
INSERT INTO risk_provisionmovement (run_id, kind, loans, ecl, reserve)
SELECT %(run)s, m.kind, count(*), sum(m.ecl), sum(m.reserve)
FROM (
    SELECT CASE
               WHEN old.loan_id IS NULL THEN 'new'
               WHEN new.loan_id IS NULL AND l.status = 'written_off' THEN 'written_off'
               WHEN new.loan_id IS NULL THEN 'repaid'
               WHEN old.stage <> new.stage THEN 'transfer'
               ELSE 'remeasured'
           END AS kind,
           coalesce(new.ecl, 0) - coalesce(old.ecl, 0) AS ecl,
           coalesce(new.reserve, 0) - coalesce(old.reserve, 0) AS reserve
    FROM (SELECT * FROM risk_provisionrunloan WHERE run_id = %(previous)s) old
    FULL JOIN (SELECT * FROM risk_provisionrunloan WHERE run_id = %(run)s) new
        ON new.loan_id = old.loan_id
    JOIN credit_loan l ON l.id = coalesce(new.loan_id, old.loan_id)
) m
GROUP BY m.kind
"""


FREEZE_FACILITIES = """
INSERT INTO risk_provisionrunfacility (run_id, facility_id, stage, branch_id, undrawn, ead, ecl)
SELECT %(run)s, p.facility_id, p.stage, c.branch_id, p.undrawn, p.ead, p.ecl
FROM risk_facilityprovision p
JOIN customers_customer c ON c.id = p.customer_id
"""

# The undrawn facilities beside the loans in the stage totals (a stage with facilities only
# gets a row of its own, with no loans).
FACILITY_STAGE_TOTALS = """
INSERT INTO risk_provisionruntotal (run_id, dimension, key, label, loans, balance, ecl, reserve,
                                    facilities, facility_ecl)
SELECT %(run)s, 'stage', r.stage::text, '', 0, 0, 0, 0, count(*), sum(r.ecl)
FROM risk_provisionrunfacility r
WHERE r.run_id = %(run)s
GROUP BY r.stage
ON CONFLICT (run_id, dimension, key) DO UPDATE
    SET facilities = excluded.facilities, facility_ecl = excluded.facility_ecl
"""

# Opening + movements = closing for the undrawn facilities too, facility by facility: one in
# this run only is new, one in the previous only was derecognised (drawn: its undrawn amount
# moved into the loan's EAD; expired, closed or fully used), one in both was remeasured (a
# stage transfer included). No PRC reserve: they are off the balance sheet.
FACILITY_MOVEMENT = """
INSERT INTO risk_provisionmovement (run_id, kind, loans, ecl, reserve)
SELECT %(run)s, m.kind, count(*), sum(m.ecl), 0
FROM (
    SELECT CASE
               WHEN old.facility_id IS NULL THEN 'facility_new'
               WHEN new.facility_id IS NULL THEN 'facility_derecognised'
               ELSE 'facility_remeasured'
           END AS kind,
           coalesce(new.ecl, 0) - coalesce(old.ecl, 0) AS ecl
    FROM (SELECT * FROM risk_provisionrunfacility WHERE run_id = %(previous)s) old
    FULL JOIN (SELECT * FROM risk_provisionrunfacility WHERE run_id = %(run)s) new
        ON new.facility_id = old.facility_id
) m
GROUP BY m.kind
"""


def month_end(month: dt.date) -> dt.date:
    return add_months(month.replace(day=1), 1) - dt.timedelta(days=1)


def last_closed_month(on: dt.date) -> dt.date:
    """The first day of the last month that has ended by `on`."""
    return add_months(on.replace(day=1), -1)


def provisions_refresh_all(*, on: dt.date) -> int:
    """Every active loan's provisions as of `on`, by batches of customers; rows written."""
    written = 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT customer_id FROM credit_loan WHERE status = 'active'")
        customers = sorted(row[0] for row in cursor.fetchall())
        for start in range(0, len(customers), CUSTOMER_BATCH):
            batch = customers[start : start + CUSTOMER_BATCH]
            batch_written, _removed = provisions.provisions_chunk(cursor, batch, on, remeasure=True)
            written += batch_written
        # Loans that left the book since their customer was last looked at.
        cursor.execute(
            "DELETE FROM risk_loanprovision p USING credit_loan l "
            "WHERE p.loan_id = l.id AND l.status <> 'active'"
        )
        written += facility_provisions.facility_provisions_refresh_all(cursor, on=on)
    return written


@transaction.atomic
def provision_run_create(*, month: dt.date, on: dt.date, actor=None) -> ProvisionRun:
    """Freezes `month` (any date in it). `actor` None is beat; a person needs the policy."""
    if actor is not None and not policies.may_run_month_end_provisions(actor):
        raise PermissionDenied
    month = month.replace(day=1)
    as_of = month_end(month)
    if as_of >= on:
        raise ValidationError(
            {
                "month": _("A month is frozen once it has ended; %(month)s has not.")
                % {"month": month.strftime("%Y-%m")}
            }
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, %s)",
            [RUN_LOCK_NAMESPACE, month.year * 100 + month.month],
        )
    if ProvisionRun.objects.filter(month=month).exists():
        raise ValidationError(
            {
                "month": _(
                    "The provisions of %(month)s are already frozen; a run is never replaced."
                )
                % {"month": month.strftime("%Y-%m")}
            }
        )
    provisions_refresh_all(on=as_of)
    setting = ProvisionSetting.in_force(as_of)
    previous = ProvisionRun.objects.filter(month__lt=month).order_by("-month").first()
    run = ProvisionRun.objects.create(
        month=month,
        as_of=as_of,
        setting=setting if setting.pk else None,
        run_by=actor,
        previous=previous,
        loans=0,
        balance=Decimal(0),
        non_performing=Decimal(0),
        reserve=Decimal(0),
        ecl=Decimal(0),
        min_coverage=setting.min_coverage,
        min_provision_rate=setting.min_provision_rate,
    )
    with connection.cursor() as cursor:
        cursor.execute(FREEZE_LOANS, {"run": run.pk})
        cursor.execute(TOTALS, {"run": run.pk})
        cursor.execute(MOVEMENT, {"run": run.pk, "previous": previous.pk if previous else None})
        cursor.execute(FREEZE_FACILITIES, {"run": run.pk})
        cursor.execute(FACILITY_STAGE_TOTALS, {"run": run.pk})
        cursor.execute(
            FACILITY_MOVEMENT, {"run": run.pk, "previous": previous.pk if previous else None}
        )
        cursor.execute(
            """
            SELECT count(*), coalesce(sum(balance), 0),
                   coalesce(sum(balance) FILTER (WHERE loan_class >= %(npl)s), 0),
                   coalesce(sum(reserve), 0), coalesce(sum(ecl), 0)
            FROM risk_provisionrunloan WHERE run_id = %(run)s
            """,
            {"run": run.pk, "npl": provisions.NON_PERFORMING_FROM},
        )
        run.loans, run.balance, run.non_performing, run.reserve, run.ecl = cursor.fetchone()
        cursor.execute(
            "SELECT count(*), coalesce(sum(undrawn), 0), coalesce(sum(ecl), 0) "
            "FROM risk_provisionrunfacility WHERE run_id = %(run)s",
            {"run": run.pk},
        )
        run.facilities, run.undrawn, run.facility_ecl = cursor.fetchone()
    # The run's ECL is the loans' and the undrawn facilities' (of which facility_ecl).
    run.ecl += run.facility_ecl
    run.save(
        update_fields=[
            "loans",
            "balance",
            "non_performing",
            "reserve",
            "ecl",
            "facilities",
            "undrawn",
            "facility_ecl",
        ]
    )
    audit_log(
        actor=actor,
        action="risk.provision_run.created",
        obj=run,
        after={
            "month": str(run),
            "loans": run.loans,
            "reserve": run.reserve,
            "ecl": run.ecl,
            "facilities": run.facilities,
            "facility_ecl": run.facility_ecl,
        },
    )
    return run
