# ruff: noqa: S608 -- every SQL string here is built from this module's constants, never from input.
"""Which customers the nightly risk job has to look at: the ones whose inputs changed since
it last did, and the ones whose state changes with the calendar alone.

A book of a million loans changes a little every day: a few thousand repayments,
assessments, statements, signals, contacts. The job recomputes only those customers, plus
the ones the date itself moves (risk/recompute.py builds each chunk's set from this):

- Changed inputs. Statement-level triggers on every table the job reads (customers, loans,
  instalments, assessments, statements, applications, collateral and its valuations, the
  collateral securing a facility, manual signals, alerts, loan risks, interactions, complaints,
  the industry watch list, credit bureau reports, the risk level policy and the early-warning
  rules) upsert the customers a statement touched into `risk_pendingcustomer`, whichever code
  wrote them (a screen, an import, admin, SQL). A nightly chunk deletes its range's rows as its
  first statement and commits that with its results, so a failed chunk leaves them for the next
  run. The upsert takes the row lock, so a change committing while a chunk starts is either
  seen by that chunk or marks the customer again afterwards; never lost. The job's own writes
  set `xindai.risk_job`, which the triggers skip, so a night does not queue itself for the
  next one.
- The calendar. The start of each run marks the customers the dates since the previous run
  moved (`mark_calendar`): an instalment fell due unpaid; a past-due loan's days past due
  reached a threshold something depends on (a class floor, the risk level policy, a
  days-past-due rule, a scorecard bin); an override ended; a late instalment left the 12 or
  36-month window of the repayment record; the last contact became old enough for the
  no-contact rule; a loan entered or left the maturity window; a complaint passed its SLA; a
  tier-1 capital figure entered ahead of its date took effect (risk.exposure).
  Between thresholds a past-due loan is not looked at: the chunk moves its days on from the
  date it is past due since (risk.recompute.AGE_PAST_DUE). Restructured loans stay in every
  night's set (their observation period ends on a computed date).
A run is full (every customer of the range) when no nightly run has completed yet, or when
it is for an earlier date than one already run.
"""

from __future__ import annotations

import datetime as dt
import math

from django.db import connection

from core.db_triggers import drop_trigger_sql, statement_trigger_sql
from lending.facility_models import LIVE_STATUSES as LIVE_FACILITY_STATUSES
from lending.stages import statuses_sql

TABLE = "risk_pendingcustomer"
# Set (SET LOCAL) by the risk job's chunks: their own writes are results, not new inputs.
JOB_SETTING = "xindai.risk_job"

# (name, table, events, SQL selecting the customer ids of the changed rows `r`)
SOURCES = [
    ("customer", "customers_customer", ("INSERT", "UPDATE"), "SELECT r.id FROM {rows} r"),
    ("loan", "credit_loan", ("INSERT", "UPDATE"), "SELECT r.customer_id FROM {rows} r"),
    (
        "instalment",
        "credit_instalment",
        ("INSERT", "UPDATE"),
        "SELECT l.customer_id FROM {rows} r JOIN credit_loan l ON l.id = r.loan_id",
    ),
    ("assessment", "credit_assessment", ("INSERT",), "SELECT r.customer_id FROM {rows} r"),
    (
        "statement",
        "credit_financialstatement",
        ("INSERT", "UPDATE", "DELETE"),
        "SELECT r.customer_id FROM {rows} r",
    ),
    (
        "application",
        "credit_application",
        ("INSERT", "UPDATE"),
        "SELECT r.customer_id FROM {rows} r",
    ),
    (
        "collateral",
        "credit_collateral",
        ("INSERT", "UPDATE", "DELETE"),
        "SELECT a.customer_id FROM {rows} r JOIN credit_application a ON a.id = r.application_id",
    ),
    (
        "valuation",
        "credit_collateralvaluation",
        ("INSERT",),
        "SELECT a.customer_id FROM {rows} r JOIN credit_collateral c ON c.id = r.collateral_id "
        "JOIN credit_application a ON a.id = c.application_id",
    ),
    # Collateral linked to or unlinked from a facility: the ECL shares it pro rata among the
    # loans drawn on the facility (risk.provisions), so their LGD moves. A revaluation marks
    # the same customer through the two sources above (a facility is secured only by its
    # customer's collateral, lending.services.facilities).
    (
        "facility_collateral",
        "lending_creditfacility_collateral",
        ("INSERT", "UPDATE", "DELETE"),
        "SELECT f.customer_id FROM {rows} r "
        "JOIN lending_creditfacility f ON f.id = r.creditfacility_id",
    ),
    (
        "signal",
        "risk_manualsignal",
        ("INSERT", "UPDATE", "DELETE"),
        "SELECT r.customer_id FROM {rows} r",
    ),
    ("alert", "risk_alert", ("UPDATE", "DELETE"), "SELECT r.customer_id FROM {rows} r"),
    ("loan_risk", "risk_loanrisk", ("UPDATE",), "SELECT r.customer_id FROM {rows} r"),
    (
        "interaction",
        "customers_interaction",
        ("INSERT", "UPDATE", "DELETE"),
        "SELECT r.customer_id FROM {rows} r",
    ),
    (
        "complaint",
        "customers_complaint",
        ("INSERT", "UPDATE"),
        "SELECT r.customer_id FROM {rows} r",
    ),
    (
        "industry_watch",
        "risk_industrywatch",
        ("INSERT", "UPDATE", "DELETE"),
        "SELECT c.id FROM customers_customer c "
        "WHERE c.industry_id IN (SELECT r.industry_id FROM {rows} r)",
    ),
    # A credit bureau report recorded, imported or removed (the bureau rules read them).
    (
        "bureau_report",
        "credit_bureaureport",
        ("INSERT", "UPDATE", "DELETE"),
        "SELECT r.customer_id FROM {rows} r",
    ),
    # A document uploaded or deleted (the document expiry rule reads them).
    (
        "document",
        "customers_document",
        ("INSERT", "UPDATE", "DELETE"),
        "SELECT r.customer_id FROM {rows} r",
    ),
    # A post-loan inspection created or recorded (the inspection overdue rule reads them).
    (
        "inspection",
        "lending_inspection",
        ("INSERT", "UPDATE"),
        "SELECT r.customer_id FROM {rows} r",
    ),
    # A policy or a rule edited in admin can move anyone: the whole book is looked at again.
    (
        "policy",
        "risk_risklevelpolicy",
        ("INSERT", "UPDATE", "DELETE"),
        "SELECT c.id FROM customers_customer c",
    ),
    (
        "rule",
        "risk_earlywarningrule",
        ("INSERT", "UPDATE", "DELETE"),
        "SELECT c.id FROM customers_customer c",
    ),
]

_REFERENCING = {
    "INSERT": "NEW TABLE AS changed_rows",
    "UPDATE": "NEW TABLE AS changed_rows",
    "DELETE": "OLD TABLE AS changed_rows",
}


def _function(name: str, event: str) -> str:
    return f"risk_pending_{name}_{event.lower()}"


def install_sql() -> str:
    """The trigger functions and triggers (for the migration; idempotent)."""
    return "\n".join(
        statement_trigger_sql(
            _function(name, event),
            table,
            event,
            _REFERENCING[event],
            f"INSERT INTO {TABLE} (customer_id, marked_at)\n"
            f"SELECT DISTINCT x.id, now() FROM ({customers.format(rows='changed_rows')}) x (id)\n"
            f"WHERE x.id IS NOT NULL\n"
            f"ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at",
            skip_if=f"current_setting('{JOB_SETTING}', true) = 'on'",
        )
        for name, table, events, customers in SOURCES
        for event in events
    )


def uninstall_sql() -> str:
    return "\n".join(
        drop_trigger_sql(_function(name, event), table)
        for name, table, events, _customers in SOURCES
        for event in events
    )


# The customer of instalment `i`, looked up by the loan's primary key: the calendar finds a
# few thousand instalments by date, and the planner would rather hash-join every loan.
CUSTOMER_OF_INSTALMENT = "(SELECT l.customer_id FROM credit_loan l WHERE l.id = i.loan_id)"

# What the calendar moved between the previous run's date and this one's. The windows are
# closed at both ends on purpose: marking a customer twice costs a little, missing one does
# not show until their next change.
CALENDAR = {
    # An unpaid instalment fell due: the loan is past due from today.
    "fell_due": f"""
        SELECT {CUSTOMER_OF_INSTALMENT} FROM credit_instalment i
        WHERE i.settled_on IS NULL AND NOT i.superseded
          AND i.due_date >= %(since_on)s::date - 1 AND i.due_date < %(on)s
    """,
    # A loan reached a number of days past due that something depends on
    # (past_due_thresholds): one window of dates per threshold. The days count from the
    # oldest unpaid instalment of an active loan, which the loan risk keeps (a repaid loan
    # has nothing unpaid).
    "past_due_threshold": """
        SELECT r.customer_id
        FROM unnest(%(window_from)s::date[], %(window_to)s::date[]) w (since, until)
        JOIN risk_loanrisk r ON r.overdue_since BETWEEN w.since AND w.until
    """,
    # An override ended (it holds up to and including its date): the automatic class
    # applies again.
    "override_ends": """
        SELECT r.customer_id FROM risk_loanrisk r
        WHERE r.override_class IS NOT NULL
          AND r.override_until BETWEEN %(since_on)s::date - 1 AND %(on)s::date - 1
    """,
    # A late instalment left the 12 or 36 months the repayment record counts.
    "record_window": f"""
        SELECT {CUSTOMER_OF_INSTALMENT} FROM credit_instalment i
        WHERE i.settled_on > i.due_date AND NOT i.superseded
          AND (i.due_date BETWEEN %(since_on)s::date - 366 AND %(on)s::date - 365
               OR i.due_date BETWEEN %(since_on)s::date - 1096 AND %(on)s::date - 1095)
    """,
    # A complaint passed its SLA.
    "complaint_sla": """
        SELECT p.customer_id FROM customers_complaint p
        WHERE p.status IN ('open', 'in_progress')
          AND p.sla_due_at BETWEEN %(since_at)s AND %(now)s
    """,
    # A live facility passed its expiry date: its undrawn amount leaves the customer's
    # exposure (lending.concentration; it counts up to and including its expiry date).
    "facility_expired": """
        SELECT f.customer_id FROM lending_creditfacility f
        WHERE f.status IN ('approved', 'active', 'frozen')
          AND f.expiry_date BETWEEN %(since_on)s::date - 1 AND %(on)s::date - 1
    """,
}
# Per enabled rule of the indicator, with its threshold in days.
CALENDAR_BY_RULE = {
    # The last contact (or the assignment, for a customer never contacted) of a medium or
    # high-risk customer became old enough. (A customer whose level rises is checked by the
    # same chunk that raises it: risk.recompute._work.)
    "no_contact": """
        SELECT i.customer_id FROM customers_interaction i
        JOIN customers_customer c ON c.id = i.customer_id
        WHERE i.occurred_at BETWEEN %(contact_from)s AND %(contact_to)s
          AND c.risk_level IN ('medium', 'high')
          AND NOT EXISTS (SELECT 1 FROM customers_interaction later
                          WHERE later.customer_id = i.customer_id
                            AND later.occurred_at > i.occurred_at)
        UNION
        SELECT c.id FROM customers_customer c
        WHERE c.assigned_at BETWEEN %(contact_from)s AND %(contact_to)s
          AND c.risk_level IN ('medium', 'high')
          AND NOT EXISTS (SELECT 1 FROM customers_interaction i WHERE i.customer_id = c.id)
    """,
    # A loan entered the window before maturity, or matured.
    "maturity_no_renewal": """
        SELECT l.customer_id FROM credit_loan l
        WHERE l.status = 'active'
          AND (l.maturity_date BETWEEN %(since_on)s::date + %(days)s
                                   AND %(on)s::date + %(days)s
               OR l.maturity_date BETWEEN %(since_on)s::date - 1 AND %(on)s)
    """,
    # A live facility's annual review date fell `days` behind (risk.rules
    # "facility_review_overdue"). A review date moved, or a facility approved, frozen or
    # closed, marks its customer through the facility table's trigger (risk.exposure).
    "facility_review_overdue": f"""
        SELECT f.customer_id FROM lending_creditfacility f
        WHERE f.status IN {statuses_sql(LIVE_FACILITY_STATUSES)}
          AND f.review_date BETWEEN %(since_on)s::date - %(days)s AND %(on)s::date - %(days)s
    """,
    # A document's expiry came within `days` of the business date (risk.rules
    # "document_expiry"). An upload or a deletion marks its customer by the documents'
    # trigger (SOURCES).
    # A promise to pay's date fell `days` behind (risk.rules "broken_promise"). A payment
    # marks its customer by the instalments' trigger; a case closing needs no mark (the
    # alert of a cured loan clears with its customer's repayment).
    "broken_promise": """
        SELECT k.customer_id FROM lending_promisetopay p
        JOIN lending_collectioncase k ON k.id = p.case_id
        WHERE k.status = 'open'
          AND p.promised_on BETWEEN %(since_on)s::date - %(days)s - 1 AND %(on)s::date - %(days)s
    """,
    "document_expiry": """
        SELECT d.customer_id FROM customers_document d
        WHERE d.expires_on BETWEEN %(since_on)s::date + %(days)s AND %(on)s::date + %(days)s
    """,
    # An open post-loan inspection fell `days` behind its due date (risk.rules
    # "inspection_overdue"). One created or recorded marks its customer by the inspections'
    # trigger (SOURCES).
    "inspection_overdue": """
        SELECT i.customer_id FROM lending_inspection i
        WHERE i.status = 'due'
          AND i.due_on BETWEEN %(since_on)s::date - %(days)s AND %(on)s::date - %(days)s
    """,
}


def mark_calendar(since_on: dt.date, on: dt.date, since_at: dt.datetime, now: dt.datetime) -> int:
    """Marks the customers whose state the dates from `since_on` to `on` (and the clock from
    `since_at` to `now`) moved; the number of rows marked. Set-based and idempotent (an
    upsert); each query is a range scan of an index over a few days of dates."""
    from django.utils import timezone

    # risk.exposure reads this module's table and setting: imported here, not at the top.
    from risk.exposure import CAPITAL_TAKING_EFFECT
    from risk.models import EarlyWarningRule

    zone = timezone.get_current_timezone()
    params = {"since_on": since_on, "on": on, "since_at": since_at, "now": now}
    queries = [(CALENDAR["complaint_sla"], params)]
    if on == since_on:
        # The same day again: only the clock moved, not the date.
        return _mark(queries)
    queries += [(CALENDAR[name], params) for name in ("fell_due", "override_ends", "record_window")]
    # Every concentration limit moves with the capital on the day a figure takes effect.
    queries.append((CAPITAL_TAKING_EFFECT, params))
    # A loan past due since D is N days past due on D + N: the dates that reach each
    # threshold on one of the days after the previous run's, up to this one's (each
    # threshold comes with the day after it, which is the margin here).
    thresholds = sorted(past_due_thresholds())
    windows = {
        **params,
        "window_from": [since_on - dt.timedelta(days=days - 1) for days in thresholds],
        "window_to": [on - dt.timedelta(days=days) for days in thresholds],
    }
    queries.append((CALENDAR["past_due_threshold"], windows))
    rules = EarlyWarningRule.objects.filter(enabled=True, indicator__in=list(CALENDAR_BY_RULE))
    for rule in rules:
        days = int(rule.threshold or 0)
        window = {**params, "days": days}
        if rule.indicator == "no_contact":
            # Local days: a contact on day D is `days` old on D + days. The contacts reaching
            # it after the previous run's date up to this one's, and one day more as margin.
            first = dt.datetime.combine(since_on - dt.timedelta(days=days), dt.time.min)
            last = dt.datetime.combine(on - dt.timedelta(days=days - 1), dt.time.min)
            window["contact_from"] = timezone.make_aware(first, zone)
            window["contact_to"] = timezone.make_aware(last, zone)
        queries.append((CALENDAR_BY_RULE[rule.indicator], window))
    return _mark(queries)


def past_due_thresholds() -> set[int]:
    """The days past due at which a customer's risk can change without any other input:
    the five-tier floors (risk.classification), the risk level policy's limits, the enabled
    days-past-due rules and the bins of worst days past due in the scorecards in force. Each
    is taken with the day after it, so "over N" and "N or more" are both caught."""
    from credit.models import ScorecardStatus, ScorecardVersion
    from risk.classification import DPD_FLOORS
    from risk.models import EarlyWarningRule, RiskLevelPolicy

    days = set(DPD_FLOORS)
    policy = RiskLevelPolicy.objects.order_by("id").first()
    if policy is not None:
        days |= {policy.high_dpd_over, policy.medium_dpd_over}
    rules = EarlyWarningRule.objects.filter(enabled=True, indicator="dpd")
    days |= {int(rule.threshold or 0) for rule in rules}
    published = ScorecardVersion.objects.filter(status=ScorecardStatus.PUBLISHED)
    edges = [
        bin_[bound]
        for definition in published.values_list("definition", flat=True)
        for factor in definition.get("factors", [])
        if factor.get("key") == "worst_dpd_ever"
        for bin_ in factor.get("bins", [])
        for bound in ("lower", "upper")
        if bound in bin_
    ]
    days |= {math.floor(float(edge)) for edge in edges}
    # The provisioning stages (risk.provisions): every setting's, the later ones included.
    from risk.provision_models import ProvisionSetting

    for stage_2, stage_3 in ProvisionSetting.objects.values_list("stage_2_dpd", "stage_3_dpd"):
        days |= {stage_2, stage_3}
    return {day + step for day in days if day >= 0 for step in (0, 1)}


def _mark(queries: list[tuple[str, dict]]) -> int:
    marked = 0
    with connection.cursor() as cursor:
        for sql, query_params in queries:
            cursor.execute(
                f"INSERT INTO {TABLE} (customer_id, marked_at) "
                f"SELECT DISTINCT x.id, now() FROM ({sql}) x (id) "
                f"ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at",
                query_params,
            )
            marked += cursor.rowcount
    return marked
