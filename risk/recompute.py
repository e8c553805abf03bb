"""The nightly risk recompute and the early-warning scan, as set-based SQL over one range of
customer ids at a time (a chunk: one transaction, one Celery task).

Chunks are by customer, not by loan, because the contagion rule and the risk level look at
all of a debtor's loans together. Within its range a chunk works on the customers whose
inputs changed or whose state the calendar moves (risk/pending.py says which and why), or
on all of them in a full run; its first statement selects them, and every later statement
reads them as an array parameter through its customer index. Every statement writes only
rows whose value changes, so a second run over an unchanged book writes nothing at all.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from risk import contagion, exposure, facility_provisions, hooks, provisions, rule_severity
from risk.classification import (
    CONTAGION_SHARE,
    DOUBTFUL,
    DOUBTFUL_AFTER_DAYS,
    LOSS,
    LOSS_AFTER_DAYS,
    NORMAL,
    OBSERVATION_MONTHS,
    OBSERVATION_PERIODS,
    OVERDUE_FROM_DAYS,
    SPECIAL_MENTION,
    SUBSTANDARD,
    SUBSTANDARD_AFTER_DAYS,
)
from risk.pending import JOB_SETTING
from risk.provision_statement import LOAN_RISK_OF_NOTE
from risk.rules import (
    FALLING,
    GRADES,
    IN_CHUNK,
    IN_RANGE,
    INDICATORS,
    MEASURED,
    SHARED,
    SHARED_CLASSIFIED,
    severity_rank_sql,
)

logger = logging.getLogger(__name__)

# Advisory-lock namespaces, keyed (namespace, first customer id of the chunk). Every chunk
# holds CHUNK_LOCK_NAMESPACE while it works; a nightly chunk first takes
# NIGHTLY_LOCK_NAMESPACE, so that a second nightly worker on the same range skips it (the
# first does the same work) while a scan on that range is only waited for (a scan does less
# than the nightly, so skipping it would lose the night's recompute of the range).
CHUNK_LOCK_NAMESPACE = 7_301
# Not 7_302: beat's leader holds (7_302, 1) all day (crm_site.beat), and the chunk starting at
# customer 1 took it for another nightly worker on its range and was skipped every night.
NIGHTLY_LOCK_NAMESPACE = 7_303
# How long the test hook holds a chunk open (see _hold_before_commit).
HOLD_SECONDS = 60

# The chunk's customers, incremental: those marked pending (a nightly chunk takes the marks
# off in the same transaction; a scan leaves them for the night) and those with a
# restructured loan (its observation period ends on a date). A past-due loan is not looked
# at again every night: AGE_PAST_DUE moves its days on, and risk.pending's calendar marks
# its customer on the days those days reach a threshold something depends on.
PENDING_TAKEN = """
    DELETE FROM risk_pendingcustomer WHERE customer_id BETWEEN %(first)s AND %(last)s
    RETURNING customer_id
"""
PENDING_SEEN = """
    SELECT customer_id FROM risk_pendingcustomer WHERE customer_id BETWEEN %(first)s AND %(last)s
"""
CHUNK_CHANGED = """
WITH pending AS ({pending})
SELECT customer_id FROM pending
UNION
SELECT customer_id FROM credit_loan
WHERE customer_id BETWEEN %(first)s AND %(last)s AND restructured_on IS NOT NULL
"""
# Full: every customer of the range (pending marks are taken off all the same).
CHUNK_FULL = """
WITH pending AS ({pending})
SELECT id FROM customers_customer WHERE id BETWEEN %(first)s AND %(last)s
UNION
SELECT customer_id FROM pending
"""

# Days past due, overdue instalments and the five-tier class of every loan in the range,
# then the debtor-level contagion (risk/classification.py states the rules and cites them),
# then the override; only changed rows are written, and each class change leaves a history
# row in the same statement. A live override never puts a loan below the rules' floor: when
# its days past due grew since the override was made, the automatic class wins
# (risk.classification.final_class). A loan without its risk row yet (a new loan) gets it
# here, with its computed values: the chunk's risk rows are read once, by its customers,
# for both (a separate insert first probed the risk row of every loan of the chunk).
CLASSIFY = f"""
WITH observation AS (
    SELECT l.id AS loan_id,
           greatest((l.restructured_on + interval '{OBSERVATION_MONTHS} months')::date,
                    (SELECT i.due_date FROM credit_instalment i
                     WHERE i.loan_id = l.id AND i.schedule_version = l.schedule_version
                       AND NOT i.superseded AND i.due_date > l.restructured_on
                     ORDER BY i.due_date OFFSET {OBSERVATION_PERIODS - 1} LIMIT 1)) AS until,
           (SELECT count(*) FROM credit_restructuring r
            WHERE r.loan_id = l.id
              AND r.restructured_on
                  > l.restructured_on - interval '{OBSERVATION_MONTHS} months') > 1 AS again
    FROM credit_loan l
    WHERE l.customer_id {IN_CHUNK} AND l.restructured_on IS NOT NULL
),
-- Each loan's unpaid instalments past due (the definition of risk.rules.UNPAID_INSTALMENTS),
-- probed per active loan from the same read of the chunk's loans: an inactive loan's probe
-- is not run at all (its condition is the loan's own), and the loans are read once.
per_loan AS (
    SELECT l.id AS loan_id, l.customer_id,
           CASE WHEN l.status = 'active' THEN l.outstanding_principal ELSE 0 END AS exposure,
           coalesce(%(on)s::date - u.oldest, 0) AS dpd,
           u.oldest AS overdue_since,
           coalesce(u.overdue, 0) AS overdue,
           o.until AS observation_until, coalesce(o.again, false) AS again
    FROM credit_loan l
    LEFT JOIN LATERAL (
        SELECT min(i.due_date) AS oldest, count(*) AS overdue
        FROM credit_instalment i
        WHERE l.status = 'active'
          AND i.loan_id = l.id AND i.schedule_version = l.schedule_version
          AND NOT i.superseded AND i.settled_on IS NULL AND i.due_date < %(on)s
        HAVING count(*) > 0
    ) u ON true
    LEFT JOIN observation o ON o.loan_id = l.id
    WHERE l.customer_id {IN_CHUNK}
),
automatic AS (
    SELECT p.*,
           greatest(
               CASE WHEN p.dpd > {LOSS_AFTER_DAYS} THEN {LOSS}
                    WHEN p.dpd > {DOUBTFUL_AFTER_DAYS} THEN {DOUBTFUL}
                    WHEN p.dpd > {SUBSTANDARD_AFTER_DAYS} THEN {SUBSTANDARD}
                    WHEN p.dpd >= {OVERDUE_FROM_DAYS} THEN {SPECIAL_MENTION} ELSE {NORMAL} END,
               CASE WHEN p.observation_until >= %(on)s::date
                    THEN CASE WHEN p.dpd >= {OVERDUE_FROM_DAYS} OR p.again
                              THEN {SUBSTANDARD} ELSE {SPECIAL_MENTION} END
                    ELSE {NORMAL} END
           ) AS class
    FROM per_loan p
),
contagion AS (
    SELECT a.customer_id,
           sum(a.exposure) FILTER (WHERE a.class >= {SUBSTANDARD})
               > {CONTAGION_SHARE} * sum(a.exposure)
               AND sum(a.exposure) > 0 AS infected
    FROM automatic a GROUP BY a.customer_id
),
computed AS (
    SELECT a.loan_id, a.customer_id, a.dpd, a.overdue_since, a.overdue,
           CASE WHEN c.infected THEN greatest(a.class, {SUBSTANDARD}) ELSE a.class END
               AS automatic_class
    FROM automatic a JOIN contagion c ON c.customer_id = a.customer_id
),
-- Each loan beside its risk row as it stands, the chunk's own rows (read by its customer
-- index, not the whole table joined to itself). Materialised: the update below then looks up
-- only the rows that move, where inlined it probed the key of every row of the chunk.
compared AS MATERIALIZED (
    SELECT c.*, r.loan_id IS NOT NULL AS present, r.final_class AS old_class,
           (r.dpd, r.overdue_since, r.overdue_instalments, r.automatic_class, r.final_class)
               IS DISTINCT FROM
               (c.dpd, c.overdue_since, c.overdue, c.automatic_class,
                CASE WHEN r.override_class IS NOT NULL
                          AND (r.override_until IS NULL OR r.override_until >= %(on)s)
                     THEN greatest(r.override_class, c.automatic_class)
                     ELSE c.automatic_class END) AS moved
    FROM computed c
    LEFT JOIN risk_loanrisk r ON r.loan_id = c.loan_id AND r.customer_id {IN_CHUNK}
),
-- A new loan's row, as a row inserted at the rules' defaults (nothing past due, normal) and
-- then classified would stand: computed for the night only when its values are not those.
added AS (
    INSERT INTO risk_loanrisk (loan_id, customer_id, dpd, overdue_since, overdue_instalments,
                               automatic_class, final_class, override_reason, computed_on)
    SELECT c.loan_id, c.customer_id, c.dpd, c.overdue_since, c.overdue, c.automatic_class,
           c.automatic_class, '',
           CASE WHEN (c.dpd, c.overdue_since, c.overdue, c.automatic_class)
                     IS DISTINCT FROM (0, NULL::date, 0, {NORMAL})
                THEN %(on)s::date END
    FROM compared c WHERE NOT c.present
    ON CONFLICT (loan_id) DO NOTHING
    RETURNING loan_id, customer_id, final_class, computed_on IS NOT NULL AS moved
),
-- The update checks again against the row it locks, so an override saved meanwhile is not
-- lost.
changed AS (
    UPDATE risk_loanrisk r
    SET dpd = c.dpd, overdue_since = c.overdue_since, overdue_instalments = c.overdue,
        automatic_class = c.automatic_class,
        final_class = CASE WHEN r.override_class IS NOT NULL
                                AND (r.override_until IS NULL OR r.override_until >= %(on)s)
                           THEN greatest(r.override_class, c.automatic_class)
                           ELSE c.automatic_class END,
        computed_on = %(on)s
    FROM compared c
    WHERE c.present AND c.moved AND r.loan_id = c.loan_id
      AND (r.dpd, r.overdue_since, r.overdue_instalments, r.automatic_class, r.final_class)
          IS DISTINCT FROM
          (c.dpd, c.overdue_since, c.overdue, c.automatic_class,
           CASE WHEN r.override_class IS NOT NULL
                     AND (r.override_until IS NULL OR r.override_until >= %(on)s)
                THEN greatest(r.override_class, c.automatic_class)
                ELSE c.automatic_class END)
    RETURNING r.loan_id, r.customer_id, c.old_class, r.final_class AS new_class
),
history AS (
    INSERT INTO risk_riskhistory (kind, customer_id, loan_id, changed_on, old_value, new_value,
                                  recorded_at)
    SELECT 'classification', customer_id, loan_id, %(on)s, old_class::text, new_class::text,
           %(now)s
    FROM (SELECT customer_id, loan_id, old_class, new_class FROM changed
          UNION ALL
          SELECT customer_id, loan_id, {NORMAL}, final_class FROM added) moves
    WHERE old_class IS DISTINCT FROM new_class
    RETURNING 1
)
SELECT (SELECT count(*) FROM changed) + (SELECT count(*) FROM added WHERE moved),
       (SELECT count(*) FROM history),
       (SELECT count(*) FROM added)
"""

# The days past due of every past-due loan of the range, counted from the date it has been
# past due since (CLASSIFY keeps that date). Its customer's other inputs did not change, or
# the customer would be in the chunk, so nothing but the count moves; what depends on the
# count reaching a threshold was marked by the calendar (risk.pending.mark_calendar), so that
# customer is in the chunk, recomputed in full, and left out here. Runs for every nightly
# chunk, examined customers or not. Same night again: nothing to write. Partial index
# loanrisk_past_due.
AGE_PAST_DUE = """
UPDATE risk_loanrisk
SET dpd = %(on)s::date - overdue_since, computed_on = %(on)s
WHERE customer_id BETWEEN %(first)s AND %(last)s AND overdue_since IS NOT NULL
  AND dpd <> %(on)s::date - overdue_since
  AND NOT customer_id = ANY(%(customers)s::bigint[])
"""

# Customers whose repayment record (late instalments in 12 and 36 months, worst days past
# due ever; the same definitions as credit.services.repayment_record) no longer matches
# the inputs of their latest assessment: their score is refreshed.
STALE_SCORES = f"""
WITH latest AS (
    SELECT DISTINCT ON (a.customer_id) a.customer_id, a.inputs, a.scorecard_id
    FROM credit_assessment a
    WHERE a.customer_id {IN_CHUNK}
    ORDER BY a.customer_id, a.assessed_at DESC, a.id DESC
),
-- The chunk's loans, read once for what follows.
chunk_loans AS MATERIALIZED (
    SELECT l.id, l.customer_id, l.status FROM credit_loan l WHERE l.customer_id {IN_CHUNK}
),
-- The chunk's late instalments, unpaid past due or paid after their date, per loan: a loan's
-- count in each window and its worst days late. Not two probes of the schedule per loan of
-- the chunk (20,000 of them), but:
-- - an active loan's unpaid ones from its risk row, which the classification earlier in this
--   transaction (classify_chunk) stored by the same definition (oldest due date, count):
--   the chunk's few past-due rows through their partial index (loanrisk_past_due). The count
--   is each window's when the oldest is within 12 months; the few loans unpaid for longer
--   have their schedule read for the windows (instalment_unpaid);
-- - an inactive loan's (closed, written off) unpaid ones from its schedule, which the
--   classification does not count;
-- - the paid-late ones from the schedule, per loan through their partial index
--   (instalment_paid_late).
late AS (
    SELECT lr.customer_id,
           lr.overdue_instalments AS late_12, lr.overdue_instalments AS late_36,
           lr.dpd AS worst
    FROM risk_loanrisk lr
    WHERE lr.customer_id {IN_CHUNK} AND lr.overdue_since IS NOT NULL
      AND lr.overdue_since >= %(on)s::date - 365
    UNION ALL
    SELECT l.customer_id, u.late_12, u.late_36, u.worst
    FROM chunk_loans l
    CROSS JOIN LATERAL (
        SELECT count(*) FILTER (WHERE i.due_date >= %(on)s::date - 365) AS late_12,
               count(*) FILTER (WHERE i.due_date >= %(on)s::date - 3 * 365) AS late_36,
               max(%(on)s::date - i.due_date) AS worst
        FROM credit_instalment i
        WHERE i.loan_id = l.id AND i.settled_on IS NULL AND NOT i.superseded
          AND i.due_date < %(on)s
        HAVING count(*) > 0
    ) u
    WHERE l.status <> 'active'
       OR l.id IN (SELECT lr.loan_id FROM risk_loanrisk lr
                   WHERE lr.customer_id {IN_CHUNK} AND lr.overdue_since IS NOT NULL
                     AND lr.overdue_since < %(on)s::date - 365)
    UNION ALL
    SELECT l.customer_id, (i.due_date >= %(on)s::date - 365)::int,
           (i.due_date >= %(on)s::date - 3 * 365)::int, i.settled_on - i.due_date
    FROM chunk_loans l
    CROSS JOIN LATERAL (
        SELECT i.due_date, i.settled_on FROM credit_instalment i
        WHERE i.loan_id = l.id AND i.settled_on > i.due_date AND NOT i.superseded
          AND i.due_date < %(on)s
        -- Kept a probe per loan: flattened, the planner hashed every paid-late row of the
        -- book, read from the table.
        OFFSET 0
    ) i
),
record AS (
    SELECT x.customer_id, sum(x.late_12)::int AS late_12, sum(x.late_36)::int AS late_36,
           max(x.worst) AS worst
    FROM late x
    GROUP BY x.customer_id
),
-- A customer with no late instalment has a clean record (0, 0, 0) when something of theirs
-- fell due before today, and none at all when nothing did (then the latest assessment is
-- not compared). Only customers whose inputs differ from their record are asked the
-- question, so it is asked of the few (a customer with nothing due yet) instead of probing
-- the schedule of every loan of the chunk.
differing AS MATERIALIZED (
    SELECT latest.customer_id, coalesce(r.late_12, 0) AS late_12,
           coalesce(r.late_36, 0) AS late_36, coalesce(r.worst, 0) AS worst,
           r.customer_id IS NOT NULL AS late, latest.scorecard_id,
           latest.inputs -> 'late_payments_12m' AS previous_12,
           latest.inputs -> 'late_payments_36m' AS previous_36,
           latest.inputs -> 'worst_dpd_ever' AS previous_worst
    FROM latest
    -- Customers with a loan: the others have no record.
    JOIN (SELECT DISTINCT l.customer_id FROM chunk_loans l) b
        ON b.customer_id = latest.customer_id
    LEFT JOIN record r ON r.customer_id = latest.customer_id
    WHERE (latest.inputs ->> 'late_payments_12m')::numeric
              IS DISTINCT FROM coalesce(r.late_12, 0)
       OR (latest.inputs ->> 'late_payments_36m')::numeric
              IS DISTINCT FROM coalesce(r.late_36, 0)
       OR (latest.inputs ->> 'worst_dpd_ever')::numeric IS DISTINCT FROM coalesce(r.worst, 0)
)
-- With what the latest assessment was scored (its scorecard, the record it held, the
-- customer's kind): credit.services.records_moving_scores keeps the records that can move it.
SELECT d.customer_id, d.late_12, d.late_36, d.worst, c.kind, d.scorecard_id,
       d.previous_12, d.previous_36, d.previous_worst
FROM differing d
JOIN customers_customer c ON c.id = d.customer_id
WHERE d.late
   OR EXISTS (SELECT 1 FROM credit_loan l JOIN credit_instalment i ON i.loan_id = l.id
              WHERE l.customer_id = d.customer_id AND NOT i.superseded
                AND i.due_date < %(on)s)
"""

# Grade and score history from the assessments: a row whenever the latest assessment of a
# customer differs from the last recorded value.
GRADE_AND_SCORE_HISTORY = f"""
WITH latest AS (
    SELECT DISTINCT ON (a.customer_id) a.customer_id, a.grade, a.score::text AS score,
           (a.assessed_at AT TIME ZONE %(tz)s)::date AS assessed_on
    FROM credit_assessment a
    WHERE a.customer_id {IN_CHUNK}
    ORDER BY a.customer_id, a.assessed_at DESC, a.id DESC
),
recorded AS (
    SELECT DISTINCT ON (h.customer_id, h.kind) h.customer_id, h.kind, h.new_value
    FROM risk_riskhistory h
    WHERE h.customer_id {IN_CHUNK} AND h.kind IN ('grade', 'score')
    ORDER BY h.customer_id, h.kind, h.changed_on DESC, h.id DESC
),
values AS (
    SELECT customer_id, 'grade' AS kind, grade AS value, assessed_on FROM latest
    UNION ALL
    SELECT customer_id, 'score', score, assessed_on FROM latest
)
INSERT INTO risk_riskhistory (kind, customer_id, loan_id, changed_on, old_value, new_value,
                              recorded_at)
SELECT v.kind, v.customer_id, NULL, v.assessed_on, coalesce(r.new_value, ''), v.value, %(now)s
FROM values v
LEFT JOIN recorded r ON r.customer_id = v.customer_id AND r.kind = v.kind
WHERE r.new_value IS DISTINCT FROM v.value
"""

# The risk rows that are anything but a loan up to date and normal (LOAN_RISK_OF_NOTE,
# imported from risk.provision_statement: the condition of the partial index
# loanrisk_of_note): the risk levels and the contagion's distress read them instead of every
# risk row of a chunk.

# The customer's risk level by the policy row (see RiskLevelPolicy): the first condition met
# decides, high before medium; only changes are written, each with a history row.
# Each customer's level under the policy row of the CTE `policy`, which the statement defines
# before these: the nightly's is the saved row, a preview's the proposed values
# (risk.rule_preview).
RISK_LEVEL_COMPUTED = f"""
loans AS (
    SELECT r.customer_id, max(r.dpd) AS worst_dpd, max(r.final_class) AS worst_class
    FROM risk_loanrisk r JOIN credit_loan l ON l.id = r.loan_id AND l.status = 'active'
    -- Only the risk rows that can raise a level: a loan with no days past due and a normal
    -- class counts as no loan (the levels below take 0 days and normal for a customer
    -- without one). They are few, read through their partial index (loanrisk_of_note), not
    -- every loan of the chunk.
    WHERE r.customer_id {IN_CHUNK} AND {LOAN_RISK_OF_NOTE}
    GROUP BY r.customer_id
),
alerts AS (
    SELECT a.customer_id,
           max({severity_rank_sql("a.severity")}) AS worst
    FROM risk_alert a
    WHERE a.customer_id {IN_CHUNK}
      AND a.status IN ('open', 'acknowledged', 'in_progress')
    GROUP BY a.customer_id
),
computed AS (
    SELECT c.id AS customer_id,
           CASE
             WHEN array_position({GRADES}, nullif(c.grade, ''))
                  >= array_position({GRADES}, p.high_grade_from)
               OR coalesce(l.worst_dpd, 0) > p.high_dpd_over
               OR coalesce(l.worst_class, {NORMAL}) >= p.high_class_from
               OR coalesce(a.worst, 0) >= {severity_rank_sql("p.high_alert_severity")}
             THEN 'high'
             WHEN array_position({GRADES}, nullif(c.grade, ''))
                  >= array_position({GRADES}, p.medium_grade_from)
               OR coalesce(l.worst_dpd, 0) > p.medium_dpd_over
               OR coalesce(l.worst_class, {NORMAL}) >= p.medium_class_from
               OR coalesce(a.worst, 0) >= {severity_rank_sql("p.medium_alert_severity")}
               OR (c.grade = '' AND p.unassessed_level = 'medium')
             THEN 'medium'
             ELSE 'low'
           END AS level,
           c.risk_level AS old_level
    FROM customers_customer c
    CROSS JOIN policy p
    LEFT JOIN loans l ON l.customer_id = c.id
    LEFT JOIN alerts a ON a.customer_id = c.id
    WHERE c.id {IN_CHUNK}
)"""
RISK_LEVEL = f"""
WITH policy AS (SELECT * FROM risk_risklevelpolicy ORDER BY id LIMIT 1),
{RISK_LEVEL_COMPUTED},
changed AS (
    UPDATE customers_customer c SET risk_level = k.level
    FROM computed k
    -- Only the customers whose level moves, looked up by their key: `computed` read the
    -- chunk's customers once already (and, read a second time by the chunk's range to be
    -- joined, they were half the statement for the few that change).
    WHERE c.id = k.customer_id
      AND c.id = ANY(ARRAY(SELECT m.customer_id FROM computed m WHERE m.level <> m.old_level))
      AND c.risk_level <> k.level
    RETURNING c.id, k.old_level, c.risk_level AS new_level
),
history AS (
    INSERT INTO risk_riskhistory (kind, customer_id, loan_id, changed_on, old_value, new_value,
                                  recorded_at)
    SELECT 'risk_level', id, NULL, %(on)s, old_level, new_level, %(now)s FROM changed
    RETURNING 1
)
SELECT (SELECT count(*) FROM changed),
       (SELECT coalesce(array_agg(id ORDER BY id), '{{}}') FROM changed)
"""


def _shared_ctes(shared: dict[str, str]) -> str:
    return ",\n".join(f"{name} AS MATERIALIZED ({query})" for name, query in shared.items())


# The common table expressions several rules read (risk.rules.SHARED); a scan following the
# classification in its transaction reads the loans' past due from the risk rows it just
# wrote (risk.rules.SHARED_CLASSIFIED), the same rows.
SHARED_IN_SCAN = _shared_ctes(SHARED)
SHARED_IN_SCAN_CLASSIFIED = _shared_ctes(SHARED_CLASSIFIED)

# The alerts of every enabled rule, in one statement per chunk. The rules come in groups
# (risk.recompute._rule_groups): all the rules of a measured indicator (risk.rules.MEASURED)
# share one evaluation of its query, every other rule has its own. `found` has each group's
# rows with the measure (NULL when the query applied its single rule's threshold itself) and
# the group's number; a row matches each rule of its group whose threshold its measure
# reaches. One statement rather than one per rule: the chunk's alerts are read once to find
# those that cleared, and the planning is done once. What several rules read is computed
# once per statement (SHARED_IN_SCAN); a part no enabled rule reads is not run.
#
# The rules of one indicator are a ladder (dpd past 1, 30, 60, 90 days): each rule's `step`
# is its place on it, worst last (risk.recompute._steps). A subject gets one active alert per
# indicator, on the highest step it matches (`best`); the alert moves from rule to rule as
# the measure crosses the steps, up or down, taking the rule's severity and risk type (and a
# new acknowledgement deadline when it climbs), and each move leaves a history row
# (`stepped`, read against the alerts as they stood before the statement, `current`). An
# acknowledged alert that climbs is open again (`climbing`): the officer acknowledged a
# better situation, and the new deadline, with its escalation, is for the worse one. When
# no step matches any more the alert clears, resolved or left open as its rule says.
SCAN_BEST = """
WITH rules (rule_id, rule_group, indicator, step, threshold, severity, risk_type, sla_due,
            auto_resolve) AS (
    SELECT * FROM unnest(%(rule_ids)s::bigint[], %(rule_groups)s::int[],
                         %(indicators)s::text[], %(steps)s::int[],
                         %(thresholds)s::numeric[], %(severities)s::text[],
                         %(risk_types)s::text[], %(sla_dues)s::timestamptz[],
                         %(auto_resolves)s::boolean[])
),
-- Every rule's step, the disabled ones' too: an alert standing on a rule switched off since
-- still climbs or descends from its place.
ladder (rule_id, step) AS (
    SELECT * FROM unnest(%(ladder_rule_ids)s::bigint[], %(ladder_steps)s::int[])
),
{shared},
found (customer_id, loan_id, subject, value, measure, rule_group) AS ({query}),
matches AS (
    SELECT r.rule_id, r.indicator, r.step, r.severity, r.risk_type, r.sla_due, f.customer_id,
           f.loan_id, f.subject, f.value, f.measure
    FROM found f JOIN rules r
      ON r.rule_group = f.rule_group AND (f.measure IS NULL OR f.measure >= r.threshold)
),
best AS (
    SELECT DISTINCT ON (m.indicator, m.subject) m.*
    FROM matches m ORDER BY m.indicator, m.subject, m.step DESC
)"""
# (SCAN_BEST, the rules' evaluation, is also what a preview of a rule change reads.)
SCAN = (
    SCAN_BEST
    + """,
current AS MATERIALIZED (
    SELECT a.id, a.indicator, a.subject, a.rule_id, a.severity, a.sla_due_at,
           coalesce(l.step, -1) AS step, a.value, a.cleared_at
    FROM risk_alert a LEFT JOIN ladder l ON l.rule_id = a.rule_id
    WHERE a.customer_id {IN_CHUNK} AND a.status IN ('open', 'acknowledged', 'in_progress')
),
-- The alerts climbing a step, locked and read as they now stand: an officer's acknowledgement
-- committed since the statement began is the status the climb reopens, and the history and
-- audit rows below say what the upsert did. Only these few rows, which the upsert writes
-- anyway, are locked (in id order, as alerts_acknowledge locks a selection); a scan of an
-- unchanged book locks nothing. An alert in progress stays so: someone works it already,
-- and the acknowledgement deadline is met for it (PRODUCT.md: open → acknowledged → in
-- progress); descending, or standing still, never reopens.
climbing AS MATERIALIZED (
    SELECT a.id, a.status, a.acknowledged_at, a.escalated_at
    FROM risk_alert a
    JOIN current cur ON cur.id = a.id
    JOIN best b ON b.indicator = cur.indicator AND b.subject = cur.subject
    -- The chunk's condition again: the planner then has the chunk's part of the customer
    -- index to read, should it expect many climbs, instead of the whole table.
    WHERE b.step > cur.step AND a.customer_id {IN_CHUNK}
    ORDER BY a.id
    FOR UPDATE OF a
),
reopening AS (SELECT id FROM climbing WHERE status = 'acknowledged'),
raised AS (
    INSERT INTO risk_alert (rule_id, indicator, customer_id, loan_id, subject, severity,
                            risk_type, value, value_on, raised_value, raised_on, status,
                            assignee_id, raised_at, last_seen_at, sla_due_at, close_reason)
    SELECT b.rule_id, b.indicator, b.customer_id, b.loan_id, b.subject, b.severity,
           b.risk_type, b.value, %(on)s, b.value, %(on)s, 'open', c.officer_id, %(now)s,
           %(now)s,
           -- A new alert, or one climbing its ladder, is due by its rule's deadline; one
           -- standing still or descending keeps its own.
           CASE WHEN cur.step >= b.step THEN cur.sla_due_at ELSE b.sla_due END, ''
    FROM best b
    JOIN customers_customer c ON c.id = b.customer_id
    LEFT JOIN current cur ON cur.indicator = b.indicator AND cur.subject = b.subject
    -- Only what the update below would change: an alert found again as it stands is not
    -- offered, since a conflicting insert locks, and so writes, the row it meets.
    WHERE cur.id IS NULL OR cur.rule_id IS DISTINCT FROM b.rule_id
       OR cur.value IS DISTINCT FROM b.value OR cur.cleared_at IS NOT NULL
    -- The partial unique index allows one active alert per (indicator, subject): an alert
    -- that is already open takes the rule of the step it stands on now, and the new value
    -- with the business date it was found on, only when one of them changed (the value it
    -- was raised with stays).
    ON CONFLICT (indicator, subject) WHERE status IN ('open', 'acknowledged', 'in_progress')
    DO UPDATE SET rule_id = EXCLUDED.rule_id, severity = EXCLUDED.severity,
                  risk_type = EXCLUDED.risk_type, sla_due_at = EXCLUDED.sla_due_at,
                  value = EXCLUDED.value,
                  value_on = CASE WHEN risk_alert.value IS DISTINCT FROM EXCLUDED.value
                                  THEN EXCLUDED.value_on ELSE risk_alert.value_on END,
                  last_seen_at = EXCLUDED.last_seen_at, cleared_at = NULL,
                  -- Open again, to be acknowledged by the new deadline: the acknowledgement
                  -- and the escalation were for the step it left, and the SLA's escalation
                  -- (risk.services.alerts_escalate_overdue) and breach counts
                  -- (risk.selectors.alert_past_sla_q) read these two for the new one. Whom
                  -- it was escalated to stays on it.
                  status = CASE WHEN risk_alert.id IN (SELECT id FROM reopening)
                                THEN 'open' ELSE risk_alert.status END,
                  acknowledged_at = CASE WHEN risk_alert.id IN (SELECT id FROM reopening)
                                         THEN NULL ELSE risk_alert.acknowledged_at END,
                  escalated_at = CASE WHEN risk_alert.id IN (SELECT id FROM reopening)
                                      THEN NULL ELSE risk_alert.escalated_at END
    WHERE risk_alert.value IS DISTINCT FROM EXCLUDED.value
       OR risk_alert.rule_id IS DISTINCT FROM EXCLUDED.rule_id
       OR risk_alert.cleared_at IS NOT NULL
    RETURNING (xmax = 0) AS inserted, id, rule_id, severity, status
),
-- The step's history row, with the status it moved from and to when it reopened the alert
-- (blank otherwise): the alert's page shows it.
stepped AS (
    INSERT INTO risk_alertaction (alert_id, action, note, taken_at, rule_before_id,
                                  rule_after_id, severity_before, severity_after, measure,
                                  business_date, status_before, status_after)
    SELECT r.id, CASE WHEN b.step > cur.step THEN 'stepped_up' ELSE 'stepped_down' END, '',
           %(now)s, cur.rule_id, r.rule_id, cur.severity, r.severity, b.measure, %(on)s,
           CASE WHEN c.status <> r.status THEN c.status ELSE '' END,
           CASE WHEN c.status <> r.status THEN r.status ELSE '' END
    FROM raised r
    JOIN current cur ON cur.id = r.id
    JOIN best b ON b.indicator = cur.indicator AND b.subject = cur.subject
    LEFT JOIN climbing c ON c.id = r.id
    WHERE NOT r.inserted AND r.rule_id <> cur.rule_id
    RETURNING 1
),
-- The reopening in the audit trail, as a change the system made (no actor), as
-- risk.rule_severity records its moves.
reopened AS (
    INSERT INTO audit_auditevent (created_at, action, object_type, object_id, object_label,
                                  before, after)
    SELECT %(now)s, 'risk.alert.reopened', 'risk.alert', r.id::text, '',
           jsonb_build_object('status', c.status, 'acknowledged_at', c.acknowledged_at,
                              'escalated_at', c.escalated_at),
           jsonb_build_object('status', r.status, 'acknowledged_at', NULL,
                              'escalated_at', NULL)
    FROM raised r JOIN climbing c ON c.id = r.id
    WHERE NOT r.inserted AND c.status <> r.status
    RETURNING 1
),
cleared AS (
    UPDATE risk_alert a
    SET cleared_at = %(now)s,
        status = CASE WHEN r.auto_resolve THEN 'resolved' ELSE a.status END,
        closed_at = CASE WHEN r.auto_resolve THEN %(now)s ELSE a.closed_at END,
        close_reason = CASE WHEN r.auto_resolve THEN 'The condition cleared.'
                            ELSE a.close_reason END
    FROM current cur JOIN risk_earlywarningrule r ON r.id = cur.rule_id
    WHERE a.id = cur.id AND a.cleared_at IS NULL
      -- Only the indicators this scan measured: the alerts of rules all switched off stay.
      AND cur.indicator IN (SELECT indicator FROM rules)
      AND NOT EXISTS (SELECT 1 FROM best b
                      WHERE b.indicator = cur.indicator AND b.subject = cur.subject)
    RETURNING 1
)
SELECT (SELECT count(*) FROM raised WHERE inserted),
       (SELECT count(*) FROM raised r JOIN current cur ON cur.id = r.id
        WHERE NOT r.inserted AND r.rule_id = cur.rule_id),
       (SELECT count(*) FROM cleared),
       (SELECT count(*) FROM stepped),
       (SELECT count(*) FROM reopened),
       -- New red alerts, and alerts that climbed to red: the officer is mailed about both.
       (SELECT coalesce(array_agg(r.id), '{{}}') FROM raised r
        LEFT JOIN current cur ON cur.id = r.id
        WHERE r.severity = 'red' AND (r.inserted OR cur.severity <> 'red'))
"""
)


@dataclass
class ChunkResult:
    counts: dict[str, int] = field(default_factory=dict)
    new_red_alerts: list[int] = field(default_factory=list)
    skipped: bool = False
    # The customers the chunk works on (select_chunk), bound into every statement.
    customers: list[int] = field(default_factory=list)
    # Every customer of the range (a full run): the statements read the range (chunk_sql).
    whole_range: bool = False

    def add(self, key: str, value: int) -> None:
        self.counts[key] = self.counts.get(key, 0) + value


def _params(first: int, last: int, on: dt.date, result: ChunkResult) -> dict:
    return {
        "first": first,
        "last": last,
        "on": on,
        "now": timezone.now(),
        "tz": settings.TIME_ZONE,
        "customers": result.customers,
    }


def select_chunk(
    cursor, first: int, last: int, *, full: bool, take_pending: bool, result: ChunkResult
) -> None:
    """The customers the chunk works on (see CHUNK_CHANGED), into `result.customers`."""
    pending = PENDING_TAKEN if take_pending else PENDING_SEEN
    template = CHUNK_FULL if full else CHUNK_CHANGED
    cursor.execute(template.format(pending=pending), {"first": first, "last": last})
    result.customers = sorted(row[0] for row in cursor.fetchall())
    result.whole_range = full
    result.add("customers_examined", len(result.customers))


def chunk_sql(sql: str, result: ChunkResult) -> str:
    """`sql` as the chunk runs it: a full chunk's statements select its customers by the
    range of ids (IN_RANGE) instead of the array of every one of them, the same rows (a full
    chunk holds every customer of its range). With thousands of ids bound into each of
    its customer conditions, a statement spent more time planning than running (an estimate
    per id and per partition of the history), and the planner scanned whole tables, filtering
    by the array, where the range reads the chunk's part of the customer index."""
    return sql.replace(IN_CHUNK, IN_RANGE) if result.whole_range else sql


def recompute_chunk(cursor, first: int, last: int, on: dt.date, result: ChunkResult) -> None:
    classify_chunk(cursor, first, last, on, result)
    scores_chunk(cursor, first, last, on, result)


def age_past_due(cursor, first: int, last: int, on: dt.date, result: ChunkResult) -> None:
    cursor.execute(AGE_PAST_DUE, _params(first, last, on, result))
    result.add("loans_aged", cursor.rowcount)


def classify_chunk(cursor, first: int, last: int, on: dt.date, result: ChunkResult) -> None:
    cursor.execute(chunk_sql(CLASSIFY, result), _params(first, last, on, result))
    loans_changed, class_changes, loans_added = cursor.fetchone()
    result.add("loans_added", loans_added)
    result.add("loans_changed", loans_changed)
    result.add("class_changes", class_changes)


def scores_chunk(cursor, first: int, last: int, on: dt.date, result: ChunkResult) -> None:
    """The customers whose repayment record moved are scored again, and the grade and score
    history follows the latest assessments. Runs after classify_chunk in the same transaction:
    the record reads the unpaid instalments the classification stored on the risk rows."""
    params = _params(first, last, on, result)
    cursor.execute(chunk_sql(STALE_SCORES, result), params)
    from credit.services import (
        ScoredRecord,
        assessments_refresh_many,
        record_inputs,
        records_moving_scores,
    )

    moved = [
        ScoredRecord(
            customer_id=customer_id,
            kind=kind,
            scorecard_id=scorecard_id,
            previous=record_inputs(*previous),
            record=record_inputs(late_12, late_36, worst),
        )
        for customer_id, late_12, late_36, worst, kind, scorecard_id, *previous in (
            cursor.fetchall()
        )
    ]
    if moved:
        # Scoring is Python (the scorecard engine): the customers whose record moved, found
        # by the set-based query above with their new record, are scored in one batch, but
        # only those whose record can move their score (most borrowers in arrears have their
        # worst days past due grow by a day, and stay in its bin).
        stale = records_moving_scores(moved)
        if stale:
            result.add("scores_refreshed", assessments_refresh_many(stale, on=on))
    # The chunk's history rows are read by bitmap, each page of a partition once. The rows of
    # a range of customers lie in a few pages of each monthly partition, but not in the
    # customer index's order; the planner, seeing the index and the table in the same order,
    # costs a plain index scan far below the bitmap, and that scan visits a page per row
    # (46,000 buffers for the 40,000 rows of 20,000 customers at 1,000,000 loans; 530 by
    # bitmap). Only this statement's plan: the setting ends with it.
    cursor.execute("SET LOCAL enable_indexscan = off")
    cursor.execute(chunk_sql(GRADE_AND_SCORE_HISTORY, result), params)
    result.add("grade_history", cursor.rowcount)
    cursor.execute("RESET enable_indexscan")


def risk_levels_chunk(cursor, first: int, last: int, on: dt.date, result: ChunkResult) -> list[int]:
    """The chunk's customers' risk levels; the customers whose level moved."""
    cursor.execute(chunk_sql(RISK_LEVEL, result), _params(first, last, on, result))
    changes, moved = cursor.fetchone()
    result.add("risk_level_changes", changes)
    return moved


def scan_chunk(
    cursor, first: int, last: int, on: dt.date, result: ChunkResult, *, classified: bool = False
) -> None:
    """The early-warning scan of the chunk; `classified` when the chunk's loans were classified
    earlier in the same transaction (their risk rows hold tonight's days past due)."""
    from risk.models import EarlyWarningRule

    now = timezone.now()
    # Open alerts whose rule's severity was edited take it first: the scan and the risk
    # levels then read them as they now stand (risk.rule_severity).
    result.add(
        "alert_severities_followed",
        rule_severity.follow_rule_severity(
            cursor,
            customers=result.customers,
            on=on,
            now=now,
            whole_range=(first, last) if result.whole_range else None,
        ),
    )
    evaluation = scan_evaluation(list(EarlyWarningRule.objects.all()), now=now)
    if evaluation is None:
        return
    query, rule_params = evaluation
    params = {**_params(first, last, on, result), "now": now, **rule_params}
    shared = SHARED_IN_SCAN_CLASSIFIED if classified else SHARED_IN_SCAN
    statement = SCAN.format(query=query, IN_CHUNK=IN_CHUNK, shared=shared)
    cursor.execute(chunk_sql(statement, result), params)
    raised, updated, cleared, stepped, reopened, red = cursor.fetchone()
    result.add("alerts_raised", raised)
    result.add("alerts_updated", updated)
    result.add("alerts_cleared", cleared)
    result.add("alerts_stepped", stepped)
    result.add("alerts_reopened", reopened)
    result.new_red_alerts.extend(red)


def scan_evaluation(every_rule, *, now: dt.datetime) -> tuple[str, dict] | None:
    """The `found` query of SCAN_BEST for the enabled rules among `every_rule`, with the
    parameters describing the rules; None when none is enabled. `every_rule` holds whole
    ladders (every rule of an indicator, enabled or not): the scan passes the catalogue, a
    preview (risk.rule_preview) one indicator's rules with the proposed one in its place."""
    groups = _rule_groups([rule for rule in every_rule if rule.enabled])
    if not groups:
        return None
    steps = _steps(every_rule)
    params = {}
    parts, rules, rule_groups = [], [], []
    for number, (query, group) in enumerate(groups):
        # Each group's query with its own threshold parameter, its rows tagged with its number.
        params[f"threshold_{number}"] = min(rule.threshold for rule in group)
        own_threshold = query.replace("%(threshold)s", f"%(threshold_{number})s")
        parts.append(f"SELECT g.*, {number} FROM ({own_threshold}) g")
        rules += group
        rule_groups += [number] * len(group)
    params.update(
        {
            "rule_ids": [rule.pk for rule in rules],
            "rule_groups": rule_groups,
            "indicators": [rule.indicator for rule in rules],
            "steps": [steps[rule.pk] for rule in rules],
            "thresholds": [rule.threshold for rule in rules],
            "severities": [rule.severity for rule in rules],
            "risk_types": [rule.risk_type for rule in rules],
            "sla_dues": [now + dt.timedelta(hours=rule.sla_hours) for rule in rules],
            "auto_resolves": [rule.auto_resolve for rule in rules],
            "ladder_rule_ids": list(steps),
            "ladder_steps": list(steps.values()),
        }
    )
    return "\nUNION ALL\n".join(parts), params


def _steps(rules) -> dict[int, int]:
    """Each rule's place on its indicator's ladder, from 0, worst last: by threshold, the
    highest worst, or the lowest for an indicator where a lower value is worse
    (risk.rules.FALLING); then by severity; rules without a threshold (a signal) by severity
    alone."""
    from risk.models import Severity

    severity_rank = {value: rank for rank, value in enumerate(Severity.values)}

    def worse_last(rule):
        threshold = rule.threshold
        if threshold is not None and rule.indicator in FALLING:
            threshold = -threshold
        return (threshold is not None, threshold or 0, severity_rank.get(rule.severity, 0), rule.pk)

    by_indicator: dict[str, list] = {}
    for rule in rules:
        by_indicator.setdefault(rule.indicator, []).append(rule)
    return {
        rule.pk: step
        for ladder in by_indicator.values()
        for step, rule in enumerate(sorted(ladder, key=worse_last))
    }


def _rule_groups(rules) -> list[tuple[str, list]]:
    """(query, rules) to evaluate together: all the rules of a measured indicator in one
    group, every other rule on its own with its query given an empty measure."""
    measured: dict[str, list] = {}
    groups = []
    for rule in sorted(rules, key=lambda rule: rule.code):
        query = INDICATORS.get(rule.indicator)
        if query is None:
            continue
        if rule.indicator in MEASURED:
            measured.setdefault(rule.indicator, []).append(rule)
        else:
            groups.append((f"SELECT q.*, NULL::numeric FROM ({query}) q", [rule]))
    return [(INDICATORS[indicator], group) for indicator, group in measured.items()] + groups


def _notify_red(alert_ids: list[int]) -> None:
    """Mail about new red alerts; a mail failure never undoes or repeats the chunk."""
    from risk import notifications

    try:
        notifications.red_alerts_raised(alert_ids)
    except Exception:
        logger.exception("red alert mail failed")


def process_chunk(
    first: int,
    last: int,
    on: dt.date,
    *,
    scan: bool = True,
    recompute: bool = True,
    full: bool = True,
) -> ChunkResult:
    """One chunk, one transaction. Transaction-level advisory locks make two workers given
    the same range at once do it once: a second nightly (or a scan while anything works on
    the range) skips it and says so in the log; a nightly finding a scan on the range waits
    for it, then does its whole work. A scan never waits, so the two cannot deadlock."""
    result = ChunkResult()
    with transaction.atomic(), connection.cursor() as cursor:
        skip_if_held = NIGHTLY_LOCK_NAMESPACE if recompute else CHUNK_LOCK_NAMESPACE
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [skip_if_held, first])
        if not cursor.fetchone()[0]:
            logger.info(
                "risk chunk skipped: another worker is already processing this range",
                extra={"first": first, "last": last, "on": on.isoformat(), "recompute": recompute},
            )
            result.skipped = True
            return result
        if recompute:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [CHUNK_LOCK_NAMESPACE, first])
        # What this transaction writes are results, not new inputs (risk.pending's triggers).
        cursor.execute("SELECT set_config(%s, 'on', true)", [JOB_SETTING])
        # The dashboards' book figures start collecting the chunk's differences (risk.hooks).
        hooks.chunk_begun(cursor)
        select_chunk(cursor, first, last, full=full, take_pending=recompute, result=result)
        # A full chunk holds every customer of its range: none is left for the ageing (and
        # its condition bound every id of the range into the statement, to match nothing).
        if recompute and not result.whole_range:
            age_past_due(cursor, first, last, on, result)
        if result.customers:
            _work(cursor, first, last, on, result, scan=scan, recompute=recompute)
        if result.new_red_alerts:
            alert_ids = list(result.new_red_alerts)
            transaction.on_commit(lambda: _notify_red(alert_ids))
        # The dashboard's book figures take the chunk's differences last, so a concurrent
        # chunk waits for those rows only for as long as this one takes to commit.
        hooks.chunk_ending(cursor)
        # The chunk's writes are done: whatever else this transaction writes (when the
        # chunk runs inside a wider one) is input again.
        cursor.execute("SELECT set_config(%s, 'off', true)", [JOB_SETTING])
        if settings.RISK_CHUNK_HOLD_FILE:
            _hold_before_commit(settings.RISK_CHUNK_HOLD_FILE)
    return result


def _work(cursor, first, last, on, result: ChunkResult, *, scan: bool, recompute: bool) -> None:
    # The stored exposures first: the concentration rules of the scan read them, and the
    # members of a group they moved in the chunk's range join its customers (risk.exposure).
    exposure.exposure_chunk(cursor, first, last, on, result)
    # The contagion rule reads the related parties' distress: whose distress this chunk moves,
    # their parties are marked to be looked at again (risk.contagion). Read after the exposures,
    # which move no distress, so that it covers the members they added.
    distressed_before = contagion.distressed_among(cursor, first, last, result)
    _work_chunk(cursor, first, last, on, result, scan=scan, recompute=recompute)
    contagion.mark_parties_of_changed(
        cursor, distressed_before, contagion.distressed_among(cursor, first, last, result)
    )


def _work_chunk(
    cursor, first, last, on, result: ChunkResult, *, scan: bool, recompute: bool
) -> None:
    if recompute:
        recompute_chunk(cursor, first, last, on, result)
        # Provisions read the classes and grades just recomputed (risk.provisions).
        # A full chunk's provisions read its range, as chunk_sql's statements do.
        id_range = (first, last) if result.whole_range else None
        written, removed = provisions.provisions_chunk(
            cursor, result.customers, on, id_range=id_range
        )
        result.add("provisions_written", written)
        result.add("provisions_removed", removed)
        written, removed = facility_provisions.facility_provisions_chunk(
            cursor, result.customers, on, id_range=id_range
        )
        result.add("facility_provisions_written", written)
        result.add("facility_provisions_removed", removed)
    if scan:
        scan_chunk(cursor, first, last, on, result, classified=recompute)
    # The level reads the alerts, so it comes after the scan. One rule reads the level (no
    # contact with a medium or high-risk customer): when levels moved, one more pass over
    # the customers whose level moved lets both settle tonight instead of in tomorrow's run.
    # Only over them: no rule reads another customer's level, and on a working night a few
    # customers of a chunk move, where the pass over the whole chunk scanned it twice.
    moved = risk_levels_chunk(cursor, first, last, on, result)
    if scan and moved:
        examined, whole_range = result.customers, result.whole_range
        result.customers, result.whole_range = moved, False
        try:
            scan_chunk(cursor, first, last, on, result, classified=recompute)
            risk_levels_chunk(cursor, first, last, on, result)
        finally:
            result.customers, result.whole_range = examined, whole_range


def _hold_before_commit(path: str) -> None:
    """Test hook (RISK_CHUNK_HOLD_FILE): all of the chunk is written but not committed; say
    so in the file and wait, bounded, for the test to kill this process, or to let the chunk
    commit by removing the file (the next chunk then holds again)."""
    with open(path, "w") as marker:
        marker.write(str(os.getpid()))
    deadline = time.monotonic() + HOLD_SECONDS
    while os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.05)
