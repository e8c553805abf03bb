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
from lending.stages import OPEN_APPLICATION_STATUSES, statuses_sql

# The master scale as an SQL array: array_position() is a grade's place on it, best first.
GRADES = "ARRAY[" + ",".join(f"'{grade}'" for grade in MASTER_SCALE) + "]"
# The customers of the chunk at work: the changed and the calendar-moved ones, or the whole
# range (risk/recompute.py selects them at the start of each chunk). An array parameter, so
# that every statement reads them through its customer index with an exact row estimate.
IN_CHUNK = "= ANY(%(customers)s::bigint[])"
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
# numbered lists makes the planner loop over one of them per row).
LATEST_ASSESSMENT = f"""
    SELECT * FROM (
        SELECT a.customer_id, a.score, a.grade,
               lead(a.score) OVER newest_first AS previous_score,
               lead(a.grade) OVER newest_first AS previous_grade,
               lead(a.assessed_at) OVER newest_first AS previous_assessed_at,
               row_number() OVER newest_first AS position
        FROM credit_assessment a
        WHERE a.customer_id {IN_CHUNK}
        WINDOW newest_first AS (PARTITION BY a.customer_id ORDER BY a.assessed_at DESC, a.id DESC)
    ) numbered WHERE position = 1
"""

# Each customer's latest statement, with the revenue (or income) of the one before it.
LATEST_STATEMENT = f"""
    SELECT * FROM (
        SELECT s.*,
               lead(coalesce(s.revenue, s.annual_income)) OVER newest_first AS previous_income,
               row_number() OVER newest_first AS position
        FROM credit_financialstatement s
        WHERE s.customer_id {IN_CHUNK}
        WINDOW newest_first AS (PARTITION BY s.customer_id ORDER BY s.period_end DESC)
    ) numbered WHERE position = 1
"""

# Each active loan's unpaid instalments past due on the business date: the oldest due date
# and how many, from the loan's current schedule (the same definition as the nightly's
# classification, risk.recompute.CLASSIFY). Read from the schedule, not from the loan's risk
# row, so a scan in the day after a payment finds the days past due the payment left rather
# than those of the night before (partial index instalment_unpaid).
UNPAID_INSTALMENTS = f"""
    SELECT l.customer_id, l.id AS loan_id, min(i.due_date) AS oldest, count(*) AS overdue
    FROM credit_loan l
    JOIN credit_instalment i ON i.loan_id = l.id AND i.schedule_version = l.schedule_version
    WHERE l.customer_id {IN_CHUNK} AND l.status = 'active'
      AND NOT i.superseded AND i.settled_on IS NULL AND i.due_date < %(on)s
    GROUP BY l.customer_id, l.id
"""

# Common table expressions of the scan statement (risk.recompute.SCAN), each computed once
# for all the rules that read it: the two assessment rules, the three statement rules, the
# days-past-due and missed-instalment rules.
SHARED = {
    "latest_assessment": LATEST_ASSESSMENT,
    "latest_statement": LATEST_STATEMENT,
    "unpaid_instalments": UNPAID_INSTALMENTS,
}

# Indicators whose query returns a fifth column, the measure each rule's threshold applies to:
# all the enabled rules of such an indicator are evaluated in one pass, the query run with
# the lowest threshold (the four days-past-due rules read the loans once, not four times).
# Both count something that climbs a ladder of steps (days; instalments missed).
MEASURED = frozenset({"dpd", "missed_instalments"})

# Indicators where a lower value is worse: the step of their ladder with the lowest
# threshold is the top one (a coverage below 1.0 is bad, below 0.8 worse).
FALLING = frozenset({"dscr_limit"})

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
    # Outstanding principal over the current value of the loan's collateral.
    # (The loans read once and joined to their collateral: a loan without any has no ratio.)
    "ltv_limit": f"""
        SELECT l.customer_id, l.id, 'loan:' || l.id,
               round(l.outstanding_principal / sum(c.value), 4)::text
        FROM credit_loan l
        JOIN credit_collateral c ON c.application_id = l.application_id
        WHERE l.customer_id {IN_CHUNK} AND l.status = 'active'
        GROUP BY l.customer_id, l.id, l.outstanding_principal
        HAVING sum(c.value) > 0 AND l.outstanding_principal / sum(c.value) > %(threshold)s
    """,
    # A collateral item revalued down by more than the threshold share.
    "collateral_down": f"""
        SELECT l.customer_id, l.id, 'loan:' || l.id,
               round(max(1 - v.value / v.previous), 4)::text
        FROM credit_loan l
        JOIN credit_collateral c ON c.application_id = l.application_id
        CROSS JOIN LATERAL (
            SELECT cv.value,
                   lag(cv.value) OVER (ORDER BY cv.valued_on, cv.id) AS previous,
                   row_number() OVER (ORDER BY cv.valued_on DESC, cv.id DESC) AS position
            FROM credit_collateralvaluation cv WHERE cv.collateral_id = c.id
        ) v
        WHERE l.customer_id {IN_CHUNK} AND l.status = 'active'
          AND v.position = 1 AND v.previous > 0 AND 1 - v.value / v.previous > %(threshold)s
        GROUP BY l.customer_id, l.id
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
        FROM customers_customer c
        LEFT JOIN LATERAL (SELECT max(i.occurred_at) AS at FROM customers_interaction i
                           WHERE i.customer_id = c.id) last ON true
        WHERE c.id {IN_CHUNK} AND c.risk_level IN ('medium', 'high')
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
    # A loan maturing within `threshold` days while the customer has no application open.
    # The value is the maturity date (the days left are counted when shown).
    "maturity_no_renewal": f"""
        SELECT l.customer_id, l.id, 'loan:' || l.id, l.maturity_date::text
        FROM credit_loan l
        WHERE l.customer_id {IN_CHUNK} AND l.status = 'active'
          AND l.maturity_date BETWEEN %(on)s AND %(on)s + %(threshold)s::int
          AND NOT EXISTS (SELECT 1 FROM credit_application a
                          WHERE a.customer_id = l.customer_id
                            AND a.status IN {statuses_sql(OPEN_APPLICATION_STATUSES)})
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
]
