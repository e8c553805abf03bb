"""The early-warning indicators: one set-based query each over a range of customers.

Each query returns the subjects that meet the rule now, as rows of
(customer_id, loan_id or NULL, subject, value) (and the measure, for MEASURED indicators);
the scan (risk/recompute.py) runs every enabled rule's query in one statement per chunk,
turns the rows into alerts with one INSERT … ON CONFLICT and clears the alerts of subjects
that no longer match. Parameters: %(first)s and %(last)s bound the customer ids, %(on)s is
the business date, %(threshold)s the rule's threshold, %(now)s the scan time. What several
queries read (each customer's latest assessment and latest statement) is computed once per
scan statement: the queries read it by name (SHARED).

The catalogue itself (severity, risk type, thresholds, SLA, suggested response) is data in
EarlyWarningRule, seeded by migration and tuned in admin.
"""

from customers.grades import GRADES as MASTER_SCALE
from lending.facility_models import LIVE_STATUSES as LIVE_FACILITY_STATUSES
from lending.loan_quality import SUBSTANDARD
from lending.stages import OPEN_APPLICATION_STATUSES, statuses_sql

# The master scale as an SQL array: array_position() is a grade's place on it, best first.
GRADES = "ARRAY[" + ",".join(f"'{grade}'" for grade in MASTER_SCALE) + "]"
# The customers of the chunk at work: the changed and the calendar-moved ones, or the whole
# range (risk/recompute.py selects them at the start of each chunk). An array parameter, so
# that every statement reads them through its customer index with an exact row estimate.
IN_CHUNK = "= ANY(%(customers)s::bigint[])"
# The same customers when the chunk holds every customer of its range, %(first)s to %(last)s
# (a full run): risk.recompute.chunk_sql puts it in IN_CHUNK's place.
IN_RANGE = "BETWEEN %(first)s AND %(last)s"
# The alert severities (risk.models.Severity's values) ranked from the mildest: a worse
# alert, or a policy's "from this severity on", compares by rank.
SEVERITY_RANK = {"yellow": 1, "orange": 2, "red": 3}


def severity_rank_sql(expression: str) -> str:
    """The SQL rank of the severity in `expression` (the mildest for anything else)."""
    mildest = min(SEVERITY_RANK.values())
    worse = sorted((rank, name) for name, rank in SEVERITY_RANK.items() if rank > mildest)
    steps = " ".join(f"WHEN '{name}' THEN {rank}" for rank, name in reversed(worse))
    return f"CASE {expression} {steps} ELSE {mildest} END"


ACTIVE_LOANS = f"""
    SELECT l.id, l.customer_id FROM credit_loan l
    WHERE l.customer_id {IN_CHUNK} AND l.status = 'active'
"""

# Each customer's latest assessment with the one before it, in one pass (a self-join of two
# numbered lists makes the planner loop over one of them per row). Only the customers assessed
# more than once: both rules reading it compare with the assessment before, and counting the
# chunk's assessments by the customer index is cheaper than sorting and numbering them all.
LATEST_ASSESSMENT = f"""
    SELECT * FROM (
        SELECT a.customer_id, a.score, a.grade,
               lead(a.score) OVER newest_first AS previous_score,
               lead(a.grade) OVER newest_first AS previous_grade,
               lead(a.assessed_at) OVER newest_first AS previous_assessed_at,
               row_number() OVER newest_first AS position
        FROM credit_assessment a
        WHERE a.customer_id IN (SELECT r.customer_id FROM credit_assessment r
                                WHERE r.customer_id {IN_CHUNK}
                                GROUP BY r.customer_id HAVING count(*) > 1)
        WINDOW newest_first AS (PARTITION BY a.customer_id ORDER BY a.assessed_at DESC, a.id DESC)
    ) numbered WHERE position = 1
"""

# Each customer's latest statement, with the revenue (or income) of the one before it: the
# statement no later one follows (one per period, statement_one_per_period), numbered in that
# index's own order so that nothing is sorted, and only the columns the rules read.
LATEST_STATEMENT = f"""
    SELECT * FROM (
        SELECT s.customer_id, s.revenue, s.annual_income, s.debt_service,
               s.operating_cash_flow,
               lag(coalesce(s.revenue, s.annual_income)) OVER oldest_first AS previous_income,
               lead(s.period_end) OVER oldest_first AS next_period_end
        FROM credit_financialstatement s
        WHERE s.customer_id {IN_CHUNK}
        WINDOW oldest_first AS (PARTITION BY s.customer_id ORDER BY s.period_end)
    ) numbered WHERE next_period_end IS NULL
"""

# Each active loan's unpaid instalments past due on the business date: the oldest due date
# and how many, from the loan's current schedule (the same definition as the nightly's
# classification, risk.recompute.CLASSIFY). Read from the schedule, not from the loan's risk
# row, so a scan in the day after a payment finds the days past due the payment left rather
# than those of the night before. Per loan through the partial index instalment_unpaid: a
# chunk reads its own loans' unpaid instalments, never every unpaid instalment of the book
# (which a join would, the planner taking most past instalments for unpaid).
UNPAID_INSTALMENTS = f"""
    SELECT l.customer_id, l.id AS loan_id, u.oldest, u.overdue
    FROM credit_loan l
    CROSS JOIN LATERAL (
        SELECT min(i.due_date) AS oldest, count(*) AS overdue
        FROM credit_instalment i
        WHERE i.loan_id = l.id AND i.schedule_version = l.schedule_version
          AND NOT i.superseded AND i.settled_on IS NULL AND i.due_date < %(on)s
    ) u
    WHERE l.customer_id {IN_CHUNK} AND l.status = 'active' AND u.overdue > 0
"""

# The same rows read from the loans' risk rows, for a scan that follows the classification in
# the same transaction (the nightly): CLASSIFY has just stored UNPAID_INSTALMENTS' oldest due
# date and count on every loan of the chunk (overdue_since is set exactly when an active loan
# has an unpaid instalment past due), so one pass over the chunk's past-due rows (partial
# index loanrisk_past_due) replaces a probe of the schedule per active loan.
UNPAID_INSTALMENTS_CLASSIFIED = f"""
    SELECT lr.customer_id, lr.loan_id, lr.overdue_since AS oldest,
           lr.overdue_instalments AS overdue
    FROM risk_loanrisk lr
    JOIN credit_loan l ON l.id = lr.loan_id AND l.status = 'active'
    WHERE lr.customer_id {IN_CHUNK} AND lr.overdue_since IS NOT NULL
      AND lr.overdue_instalments > 0
"""

# Each active loan's collateral items with their current value, for the two collateral rules,
# read once for both: the chunk's items by their customer (lending.collateral_customer: the
# application's, which is the loan's), one stretch of the index collateral_by_customer, joined
# to the chunk's active loans, instead of probing the application index once per loan.
LOAN_COLLATERAL = f"""
    SELECT l.customer_id, l.id AS loan_id, l.outstanding_principal, k.id AS collateral_id,
           k.value
    FROM credit_collateral k
    JOIN credit_loan l ON l.application_id = k.application_id
    WHERE k.customer_id {IN_CHUNK} AND l.customer_id {IN_CHUNK} AND l.status = 'active'
"""

# Each collateral item of the chunk's customers with its latest valuation and the one before
# it, for the collateral revalued down: the valuations by their customer (one stretch of the
# index collateralvaluation_by_cust) rather than probed once per item.
LATEST_VALUATION = f"""
    SELECT * FROM (
        SELECT cv.collateral_id, cv.value,
               lead(cv.value) OVER newest_first AS previous,
               row_number() OVER newest_first AS position
        FROM credit_collateralvaluation cv
        WHERE cv.customer_id {IN_CHUNK}
        WINDOW newest_first AS (PARTITION BY cv.collateral_id
                                ORDER BY cv.valued_on DESC, cv.id DESC)
    ) numbered WHERE position = 1
"""

# Each customer's latest credit bureau report (credit.bureau), with the overdue months of
# the one before it: the report a bureau rule reads is the newest the bank holds.
LATEST_BUREAU_REPORT = f"""
    SELECT * FROM (
        SELECT b.customer_id, b.report_date, b.enquiries_6m,
               b.overdue_m1_24m + b.overdue_m2_24m + b.overdue_m3_plus_24m AS overdue,
               lead(b.overdue_m1_24m + b.overdue_m2_24m + b.overdue_m3_plus_24m)
                   OVER newest_first AS previous_overdue,
               row_number() OVER newest_first AS position
        FROM credit_bureaureport b
        WHERE b.customer_id {IN_CHUNK}
        WINDOW newest_first AS (PARTITION BY b.customer_id ORDER BY b.report_date DESC, b.id DESC)
    ) numbered WHERE position = 1
"""

# Common table expressions of the scan statement (risk.recompute.SCAN), each computed once
# for all the rules that read it: the two assessment rules, the three statement rules, the
# days-past-due and missed-instalment rules, the two bureau rules, the two collateral rules.
SHARED = {
    "latest_assessment": LATEST_ASSESSMENT,
    "latest_statement": LATEST_STATEMENT,
    "unpaid_instalments": UNPAID_INSTALMENTS,
    "latest_bureau_report": LATEST_BUREAU_REPORT,
    "loan_collateral": LOAN_COLLATERAL,
    "latest_valuation": LATEST_VALUATION,
}
# SHARED for a scan after the classification in the same transaction (risk.recompute).
SHARED_CLASSIFIED = {**SHARED, "unpaid_instalments": UNPAID_INSTALMENTS_CLASSIFIED}

# Indicators whose query returns a fifth column, the measure each rule's threshold applies to:
# all the enabled rules of such an indicator are evaluated in one pass, the query run with
# the lowest threshold (the four days-past-due rules read the loans once, not four times).
# Both count something that climbs a ladder of steps (days; instalments missed).
MEASURED = frozenset({"dpd", "missed_instalments"})

# Indicators where a lower value is worse: the step of their ladder with the lowest
# threshold is the top one (a coverage below 1.0 is bad, below 0.8 worse).
FALLING = frozenset({"dscr_limit"})

CONTAGION_INDICATOR = "related_party_distress"


# The two kinds of distress (distressed_sql), each a condition on one table's rows: a loan's
# risk row `lr` joined to its loan `l`, an alert `a`.
DISTRESSED_LOAN = f"l.status = 'active' AND lr.final_class >= {SUBSTANDARD}"
DISTRESSED_ALERT = (
    "a.severity = 'red' AND a.status IN ('open', 'acknowledged', 'in_progress')"
    f" AND a.indicator <> '{CONTAGION_INDICATOR}'"
)


def distressed_sql(customer: str) -> str:
    """The condition that the customer whose id is `customer` is in distress for the contagion
    rule: an active loan non-performing (substandard or worse, after any override), or an open
    red alert of another indicator. A contagion alert itself does not count, so distress
    spreads one link away, not along the whole graph of links. Both read by the customer's
    index (loanrisk_customer, the alerts' customer index)."""
    return f"""(
        EXISTS (SELECT 1 FROM risk_loanrisk lr JOIN credit_loan l ON l.id = lr.loan_id
                WHERE lr.customer_id = {customer} AND {DISTRESSED_LOAN})
        OR EXISTS (SELECT 1 FROM risk_alert a
                   WHERE a.customer_id = {customer} AND {DISTRESSED_ALERT})
    )"""


# The chunk's customers in distress (distressed_sql's condition), in one pass over each of the
# two tables by their customer index instead of two probes per customer of the chunk.
DISTRESSED_IN_CHUNK = f"""
    SELECT lr.customer_id FROM risk_loanrisk lr JOIN credit_loan l ON l.id = lr.loan_id
    WHERE lr.customer_id {IN_CHUNK} AND {DISTRESSED_LOAN}
    UNION
    SELECT a.customer_id FROM risk_alert a
    WHERE a.customer_id {IN_CHUNK} AND {DISTRESSED_ALERT}
"""


# A concentration limit in yuan on the business date: the latest tier-1 capital effective on
# it times the limit's share, rounded to cents as lending.concentration.Limit does; no row
# before any capital is configured.
CONCENTRATION_LIMIT = """
    SELECT round(cap.amount * l.share_of_capital, 2) AS amount, l.warning_share
    FROM lending_concentrationlimit l
    CROSS JOIN (SELECT c.amount FROM lending_tier1capital c WHERE c.effective_on <= %(on)s
                ORDER BY c.effective_on DESC LIMIT 1) cap
    WHERE l.kind = '{kind}' AND cap.amount > 0
"""

INDICATORS: dict[str, str] = {
    # Days past due at or beyond the threshold (1, 30, 60, 90: four rules, see MEASURED).
    # The value is the date the loan has been past due since (the days are counted when
    # shown), so an open alert is not rewritten every night as the days grow; a payment that
    # moves that date moves the value at the next scan, day or night.
    "dpd": """
        SELECT u.customer_id, u.loan_id, 'loan:' || u.loan_id, u.oldest::text,
               %(on)s::date - u.oldest
        FROM unpaid_instalments u
        WHERE %(on)s::date - u.oldest >= %(threshold)s
    """,
    # Instalments missed: at least `threshold` instalments past due and unpaid (a ladder of
    # counts, see MEASURED).
    "missed_instalments": """
        SELECT u.customer_id, u.loan_id, 'loan:' || u.loan_id, u.overdue::text, u.overdue
        FROM unpaid_instalments u
        WHERE u.overdue >= %(threshold)s
    """,
    # The latest assessment scored `threshold` points or more below the one before. The value
    # is the points and the day of the assessment before ("44;2026-10-01", read by
    # risk.alert_values), so the officer sees what the score dropped from.
    "score_drop": """
        SELECT latest.customer_id, NULL::bigint, 'customer:' || latest.customer_id,
               (latest.previous_score - latest.score)::text || ';'
               || ((latest.previous_assessed_at AT TIME ZONE %(tz)s)::date)::text
        FROM latest_assessment latest
        WHERE latest.previous_score - latest.score >= %(threshold)s
    """,
    # The latest grade is `threshold` notches or more below the one before.
    "grade_downgrade": f"""
        SELECT latest.customer_id, NULL::bigint, 'customer:' || latest.customer_id,
               latest.previous_grade || '→' || latest.grade
        FROM latest_assessment latest
        WHERE array_position({GRADES}, latest.grade)
              - array_position({GRADES}, latest.previous_grade) >= %(threshold)s
    """,
    # Individuals: yearly debt service over yearly income on the latest statement.
    "dti_limit": """
        SELECT s.customer_id, NULL::bigint, 'customer:' || s.customer_id,
               round(s.debt_service / s.annual_income, 4)::text
        FROM latest_statement s
        WHERE s.annual_income > 0
          AND s.debt_service / s.annual_income > %(threshold)s
    """,
    # Enterprises: cash from operations over debt service below the limit.
    "dscr_limit": """
        SELECT s.customer_id, NULL::bigint, 'customer:' || s.customer_id,
               round(s.operating_cash_flow / s.debt_service, 4)::text
        FROM latest_statement s
        WHERE s.debt_service > 0
          AND s.operating_cash_flow / s.debt_service < %(threshold)s
    """,
    # Revenue (enterprises) or income (individuals) down by more than the threshold share.
    "revenue_drop": """
        SELECT latest.customer_id, NULL::bigint, 'customer:' || latest.customer_id,
               round(1 - coalesce(latest.revenue, latest.annual_income)
                         / latest.previous_income, 4)::text
        FROM latest_statement latest
        WHERE latest.previous_income > 0
          AND 1 - coalesce(latest.revenue, latest.annual_income)
                  / latest.previous_income > %(threshold)s
    """,
    # Outstanding principal over the current value of the loan's collateral (LOAN_COLLATERAL):
    # a loan without any has no ratio.
    "ltv_limit": """
        SELECT c.customer_id, c.loan_id, 'loan:' || c.loan_id,
               round(c.outstanding_principal / sum(c.value), 4)::text
        FROM loan_collateral c
        GROUP BY c.customer_id, c.loan_id, c.outstanding_principal
        HAVING sum(c.value) > 0 AND c.outstanding_principal / sum(c.value) > %(threshold)s
    """,
    # A collateral item of the loan (LOAN_COLLATERAL) whose latest valuation
    # (LATEST_VALUATION) is down on the one before by more than the threshold share.
    # The items revalued down past the threshold first, each fall computed once (`fell`):
    # joined as they stood, the planner looped over every valuation of the chunk for each
    # item, dividing again each time (11 ms for the 300 items of an incremental chunk).
    "collateral_down": """
        WITH fell AS MATERIALIZED (
            SELECT v.collateral_id, 1 - v.value / v.previous AS fall
            FROM latest_valuation v
            WHERE v.previous > 0 AND 1 - v.value / v.previous > %(threshold)s
        )
        SELECT c.customer_id, c.loan_id, 'loan:' || c.loan_id, round(max(f.fall), 4)::text
        FROM fell f
        JOIN loan_collateral c ON c.collateral_id = f.collateral_id
        GROUP BY c.customer_id, c.loan_id
    """,
    # An enterprise borrower in an industry on the watch list.
    "industry_watch": f"""
        SELECT DISTINCT c.id, NULL::bigint, 'customer:' || c.id, i.code
        FROM customers_customer c
        JOIN customers_industry i ON i.id = c.industry_id
        JOIN risk_industrywatch w ON w.industry_id = i.id AND w.active
        WHERE c.id IN (SELECT customer_id FROM ({ACTIVE_LOANS}) loans)
    """,
    # Active manual signals, one indicator per kind.
    **{
        f"signal_{kind}": f"""
            SELECT s.customer_id, NULL::bigint, 'customer:' || s.customer_id,
                   count(*)::text
            FROM risk_manualsignal s
            WHERE s.customer_id {IN_CHUNK} AND s.active
              AND s.kind = '{kind}'
            GROUP BY s.customer_id
        """
        for kind in ("lawsuit", "negative_news", "ownership_change", "covenant_breach")
    },
    # A medium or high-risk customer nobody has contacted for `threshold` days. The value is
    # the date of the last contact (or of the assignment), so it changes only with a contact.
    "no_contact": f"""
        SELECT c.id, NULL::bigint, 'customer:' || c.id,
               ((coalesce(last.at, c.assigned_at) AT TIME ZONE %(tz)s)::date)::text
        -- The chunk's customers by the primary key, the level tested on each (OFFSET 0): with
        -- the level's condition beside the range, the planner read every medium and
        -- high-risk customer of the book in the officers' index.
        FROM (SELECT k.id, k.risk_level, k.assigned_at FROM customers_customer k
              WHERE k.id {IN_CHUNK} OFFSET 0) c
        LEFT JOIN LATERAL (SELECT max(i.occurred_at) AS at FROM customers_interaction i
                           WHERE i.customer_id = c.id) last ON true
        WHERE c.risk_level IN ('medium', 'high')
          AND %(on)s - (coalesce(last.at, c.assigned_at) AT TIME ZONE %(tz)s)::date
              >= %(threshold)s
    """,
    # A complaint still open past its SLA.
    "complaint_sla": f"""
        SELECT p.customer_id, NULL::bigint, 'customer:' || p.customer_id, count(*)::text
        FROM customers_complaint p
        WHERE p.customer_id {IN_CHUNK}
          AND p.status IN ('open', 'in_progress') AND p.sla_due_at < %(now)s
        GROUP BY p.customer_id
    """,
    # New overdue at other lenders: the latest bureau report counts `threshold` or more
    # overdue months (in its 24) beyond the report before it (a first report: beyond none).
    # The value is the months added and the report's date ("2;2026-11-01").
    "external_overdue": """
        SELECT r.customer_id, NULL::bigint, 'customer:' || r.customer_id,
               (r.overdue - coalesce(r.previous_overdue, 0))::text || ';' || r.report_date::text
        FROM latest_bureau_report r
        WHERE r.overdue - coalesce(r.previous_overdue, 0) >= %(threshold)s
    """,
    # Lenders' enquiries in the six months before the latest bureau report at or above the
    # threshold: the customer is asking for credit in many places at once. The value is the
    # count and the report's date ("7;2026-11-01").
    "enquiry_spike": """
        SELECT r.customer_id, NULL::bigint, 'customer:' || r.customer_id,
               r.enquiries_6m::text || ';' || r.report_date::text
        FROM latest_bureau_report r
        WHERE r.enquiries_6m >= %(threshold)s
    """,
    # A loan maturing within `threshold` days while the customer has no application open.
    # The value is the maturity date (the days left are counted when shown). The chunk's loans
    # in the window come from its customers' part of the index loan_maturing_by_customer, not
    # from all the book's loans in the window (loan_maturing) filtered by customer.
    "maturity_no_renewal": f"""
        SELECT l.customer_id, l.id, 'loan:' || l.id, l.maturity_date::text
        FROM credit_loan l
        WHERE l.customer_id {IN_CHUNK} AND l.status = 'active'
          AND l.maturity_date BETWEEN %(on)s AND %(on)s + %(threshold)s::int
          AND NOT EXISTS (SELECT 1 FROM credit_application a
                          WHERE a.customer_id = l.customer_id
                            AND a.status IN {statuses_sql(OPEN_APPLICATION_STATUSES)})
    """,
    # A credit facility still lending (approved, active or frozen, not past its expiry) whose
    # annual review date is `threshold` days or more behind the business date: the limit is
    # lent on a review nobody has done. One alert per facility; the value is the review date
    # (the days overdue are counted when shown), so it changes only when the review is moved.
    "facility_review_overdue": f"""
        SELECT f.customer_id, NULL::bigint, 'facility:' || f.id, f.review_date::text
        FROM lending_creditfacility f
        WHERE f.customer_id {IN_CHUNK}
          AND f.status IN {statuses_sql(LIVE_FACILITY_STATUSES)}
          AND f.expiry_date >= %(on)s
          AND %(on)s::date - f.review_date >= %(threshold)s
    """,
    # A document with an expiry (ID card, licence, collateral insurance) expiring within
    # `threshold` days or already expired, and no later one of the same type on the same owner
    # (a renewed card uploaded clears it). One alert per owner and type; the value is the
    # latest expiry date (the days left are counted when shown). A document of a loan that
    # has left the book (repaid or written off), or of collateral that no longer secures a
    # live loan or an open application, needs no renewal: it raises nothing.
    "document_expiry": f"""
        SELECT d.customer_id,
               CASE WHEN d.owner_kind = 'loan' THEN d.owner_id END,
               'document:' || d.owner_kind || ':' || d.owner_id || ':' || d.document_type_id,
               max(d.expires_on)::text
        FROM customers_document d
        WHERE d.customer_id {IN_CHUNK} AND d.expires_on IS NOT NULL
          AND CASE d.owner_kind
                WHEN 'loan' THEN EXISTS (
                    SELECT 1 FROM credit_loan l WHERE l.id = d.owner_id AND l.status = 'active')
                WHEN 'collateral' THEN EXISTS (
                    SELECT 1
                    FROM credit_collateral c
                    JOIN credit_application a ON a.id = c.application_id
                    LEFT JOIN credit_loan l ON l.application_id = a.id
                    WHERE c.id = d.owner_id
                      AND (l.status = 'active' OR (
                          l.id IS NULL
                          AND a.status IN {statuses_sql(OPEN_APPLICATION_STATUSES)})))
                ELSE TRUE
              END
        GROUP BY d.customer_id, d.owner_kind, d.owner_id, d.document_type_id
        HAVING max(d.expires_on) - %(on)s::date <= %(threshold)s
    """,
    # A post-loan inspection (lending.inspection_models) of an active loan still open
    # `threshold` days or more after its due date. One alert per inspection; the value is the
    # due date (the days overdue are counted when shown); recording it clears the alert.
    "inspection_overdue": f"""
        SELECT i.customer_id, i.loan_id, 'inspection:' || i.id, i.due_on::text
        FROM lending_inspection i
        JOIN credit_loan l ON l.id = i.loan_id AND l.status = 'active'
        WHERE i.customer_id {IN_CHUNK} AND i.status = 'due'
          AND %(on)s::date - i.due_on >= %(threshold)s
    """,
    # A promise to pay (lending.collection_models.PromiseToPay) on an open collection case
    # whose date passed `threshold` days ago or more without the payments from the day it
    # was made reaching its amount. One alert per promise; the value is the promised date.
    # It clears when the case closes (the loan cured or written off).
    "broken_promise": f"""
        SELECT k.customer_id, k.loan_id, 'promise:' || p.id, p.promised_on::text
        FROM lending_collectioncase k
        JOIN lending_promisetopay p ON p.case_id = k.id
        JOIN credit_loan l ON l.id = k.loan_id AND l.status = 'active'
        WHERE k.customer_id {IN_CHUNK} AND k.status = 'open'
          AND %(on)s::date - p.promised_on >= %(threshold)s
          -- Still past due now (a scan after the payment clears it before the night closes
          -- the case).
          AND EXISTS (SELECT 1 FROM credit_instalment i
                      WHERE i.loan_id = l.id AND i.schedule_version = l.schedule_version
                        AND NOT i.superseded AND i.settled_on IS NULL AND i.due_date < %(on)s)
          AND p.amount > (SELECT coalesce(sum(r.amount), 0) FROM credit_repayment r
                          WHERE r.loan_id = k.loan_id AND r.reversed_at IS NULL
                            AND r.paid_on BETWEEN p.made_on AND p.promised_on)
    """,
    # Contagion: an active related-party link (either end in the chunk) to a customer in
    # distress (DISTRESSED_PARTY). The value is how many such parties; the officer sees which
    # on the customer's related-party panel, as far as their view reaches.
    CONTAGION_INDICATOR: f"""
        SELECT links.customer_id, NULL::bigint, 'customer:' || links.customer_id,
               count(DISTINCT links.party_id)::text
        FROM (
            SELECT r.from_customer_id AS customer_id, r.to_customer_id AS party_id
            FROM customers_customerrelation r
            WHERE r.from_customer_id {IN_CHUNK} AND r.ended_on IS NULL
            UNION ALL
            SELECT r.to_customer_id, r.from_customer_id
            FROM customers_customerrelation r
            WHERE r.to_customer_id {IN_CHUNK} AND r.ended_on IS NULL
        ) links
        WHERE {distressed_sql("links.party_id")}
        GROUP BY links.customer_id
    """,
    # Concentration (lending.concentration): the customer's stored exposure at or above the
    # early-warning share of the single-customer limit (a share of tier-1 capital). The
    # thresholds are the limits' own (admin), so the rule has none. The value is the share of
    # the limit used ("0.9250").
    "single_concentration": f"""
        SELECT e.customer_id, NULL::bigint, 'customer:' || e.customer_id,
               round(e.exposure / lim.amount, 4)::text
        FROM lending_customerexposure e
        CROSS JOIN ({CONCENTRATION_LIMIT.format(kind="single_customer")}) lim
        WHERE e.customer_id {IN_CHUNK}
          AND e.exposure >= round(lim.amount * lim.warning_share, 2)
    """,
    # The same for the group of connected customers: an alert on each member, the value the
    # share of the group limit the group's exposure uses.
    "group_concentration": f"""
        SELECT m.customer_id, NULL::bigint, 'customer:' || m.customer_id,
               round(g.exposure / lim.amount, 4)::text
        FROM customers_customergroupmember m
        JOIN lending_groupexposure g ON g.group_id = m.group_id
        CROSS JOIN ({CONCENTRATION_LIMIT.format(kind="group")}) lim
        WHERE m.customer_id {IN_CHUNK}
          AND g.exposure >= round(lim.amount * lim.warning_share, 2)
    """,
}

# The seeded catalogue: code, indicator, name, threshold, severity, risk type, response,
# hours to acknowledge, resolve when cleared.
CATALOGUE = [
    (
        "dpd_1",
        "dpd",
        "Payment overdue",
        1,
        "yellow",
        "credit",
        "Call the customer the same day and agree a payment date.",
        48,
        True,
    ),
    (
        "dpd_30",
        "dpd",
        "More than 30 days past due",
        30,
        "orange",
        "credit",
        "Visit the customer; start collections; review the collateral.",
        24,
        True,
    ),
    (
        "dpd_60",
        "dpd",
        "More than 60 days past due",
        60,
        "orange",
        "credit",
        "Escalate to collections and consider restructuring.",
        24,
        True,
    ),
    (
        "dpd_90",
        "dpd",
        "More than 90 days past due",
        90,
        "red",
        "credit",
        "Non-performing: asset preservation, legal review, provision.",
        8,
        True,
    ),
    (
        "missed_instalments",
        "missed_instalments",
        "Two or more instalments missed",
        2,
        "orange",
        "credit",
        "Closer contact; check for financial difficulty.",
        24,
        True,
    ),
    (
        "score_drop",
        "score_drop",
        "Score dropped",
        30,
        "orange",
        "credit",
        "Review the assessment and the customer's situation.",
        48,
        False,
    ),
    (
        "grade_downgrade",
        "grade_downgrade",
        "Grade downgraded two notches or more",
        2,
        "orange",
        "credit",
        "Adjust the credit policy and limits for this customer.",
        48,
        False,
    ),
    (
        "dti_limit",
        "dti_limit",
        "Debt-to-income above the limit",
        "0.55",
        "yellow",
        "credit",
        "Discuss the household budget; avoid new exposure.",
        72,
        True,
    ),
    (
        "dscr_limit",
        "dscr_limit",
        "Debt-service coverage below the limit",
        "1.0",
        "orange",
        "credit",
        "Analyse the cash flow; ask for extra collateral.",
        48,
        True,
    ),
    (
        "ltv_limit",
        "ltv_limit",
        "Loan to value above the limit",
        "0.80",
        "orange",
        "market",
        "Ask for extra collateral or a partial prepayment.",
        48,
        True,
    ),
    (
        "collateral_down",
        "collateral_down",
        "Collateral revalued down",
        "0.20",
        "orange",
        "market",
        "Reassess the collateral and the loan to value.",
        48,
        False,
    ),
    (
        "revenue_drop",
        "revenue_drop",
        "Revenue or income down on the latest statement",
        "0.20",
        "orange",
        "credit",
        "Visit the business; review the outlook.",
        48,
        False,
    ),
    (
        "industry_watch",
        "industry_watch",
        "Industry on the watch list",
        None,
        "yellow",
        "industry",
        "Review the exposure and the borrower's position in the industry.",
        72,
        True,
    ),
    (
        "covenant_breach",
        "signal_covenant_breach",
        "Covenant breach",
        None,
        "red",
        "credit",
        "Apply the covenant's remedies; adjust the credit policy.",
        8,
        True,
    ),
    (
        "lawsuit",
        "signal_lawsuit",
        "Lawsuit against the customer",
        None,
        "red",
        "legal",
        "Legal review; consider asset preservation.",
        8,
        True,
    ),
    (
        "negative_news",
        "signal_negative_news",
        "Negative news",
        None,
        "orange",
        "operational",
        "Contact the customer and verify the facts.",
        24,
        True,
    ),
    (
        "ownership_change",
        "signal_ownership_change",
        "Ownership change",
        None,
        "yellow",
        "operational",
        "Meet the new owners; review guarantees.",
        72,
        True,
    ),
    (
        "no_contact",
        "no_contact",
        "No contact with a medium or high-risk customer",
        90,
        "yellow",
        "operational",
        "Call or visit the customer.",
        72,
        True,
    ),
    (
        "complaint_sla",
        "complaint_sla",
        "Complaint past its SLA",
        None,
        "orange",
        "operational",
        "Resolve the complaint and call the customer back.",
        24,
        True,
    ),
    (
        "maturity_no_renewal",
        "maturity_no_renewal",
        "Loan maturing with no renewal plan",
        30,
        "yellow",
        "credit",
        "Discuss repayment or renewal with the customer.",
        72,
        True,
    ),
    (
        "related_party_distress",
        "related_party_distress",
        "A related party is non-performing or has a red alert",
        None,
        "orange",
        "credit",
        "Review the exposure to the group; check guarantees and cross-defaults.",
        48,
        True,
    ),
    (
        "external_overdue",
        "external_overdue",
        "New overdue at other lenders",
        1,
        "orange",
        "credit",
        "Call the customer about the overdue at the other lender; review the exposure.",
        24,
        False,
    ),
    (
        "enquiry_spike",
        "enquiry_spike",
        "Credit enquiries spiking",
        6,
        "yellow",
        "credit",
        "Ask the customer where else they applied; check for over-borrowing.",
        72,
        True,
    ),
    (
        "facility_review_overdue",
        "facility_review_overdue",
        "Credit facility's annual review overdue",
        1,
        "yellow",
        "credit",
        "Complete the facility's annual review; freeze the limit if the customer has weakened.",
        72,
        True,
    ),
    (
        "document_expiry",
        "document_expiry",
        "Document expiring",
        30,
        "yellow",
        "operational",
        "Ask the customer for the renewed document and upload it before the old one expires.",
        72,
        True,
    ),
    (
        "inspection_overdue",
        "inspection_overdue",
        "Post-loan inspection overdue",
        1,
        "yellow",
        "operational",
        "Visit the customer, check the use of funds and the business, and record the inspection.",
        72,
        True,
    ),
    (
        "broken_promise",
        "broken_promise",
        "Promise to pay broken",
        1,
        "orange",
        "credit",
        "Call the customer about the broken promise; move the case on if it happens again.",
        24,
        True,
    ),
    (
        "single_concentration",
        "single_concentration",
        "Exposure near the single-customer concentration limit",
        None,
        "orange",
        "credit",
        "Hold new credit to the customer; bring large decisions to the head-office committee.",
        48,
        True,
    ),
    (
        "group_concentration",
        "group_concentration",
        "Group exposure near the group concentration limit",
        None,
        "orange",
        "credit",
        "Review the group's facilities together; hold new credit to its members.",
        48,
        True,
    ),
]
