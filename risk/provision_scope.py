# ruff: noqa: S608 -- every SQL string here is built from this module's table names, never from input.
"""A loan's provision carries its loan's officer and branch and whether the loan is active
(`customer_officer`, `customer_branch`, `loan_active`), and an undrawn facility's provision its
customer's officer and branch, so that a branch's or an officer's provision sums (the
dashboard's cards) read one range of a covering index instead of finding every active loan of
the scope and then its provision by key, one probe per loan.

PostgreSQL keeps them equal to their source, whichever code writes:
- on insert, a statement trigger fills the rows just inserted. Not a row trigger before
  insert: the nightly writes by INSERT ... ON CONFLICT DO UPDATE, which runs such a trigger for
  every row it proposes, each of the book's rows every full night, while the statement
  trigger's table holds only the rows really inserted, none on a night that changes nothing;
- a loan leaving the book (repaid, written off) or coming back to it (a reversed repayment)
  updates its provision's copy (a row trigger on loans that runs only when the loan's status
  changes, or its customer, which the database refuses: lending 0019);
- a customer transferred to another officer or branch: a statement trigger on customers copies
  the transfer to their loans' and facilities' provisions in the same transaction, so no
  request ever sees a provision under its former officer.
"""

from core.db_triggers import drop_trigger_sql, statement_trigger_sql

# The loan's own copies (lending.customer_scope) are its customer's: read them.
_FILL_LOANS = statement_trigger_sql(
    "risk_loanprovision_fill_scope",
    "risk_loanprovision",
    "INSERT",
    "NEW TABLE AS inserted",
    """
    UPDATE risk_loanprovision p
    SET customer_officer_id = l.customer_officer_id, customer_branch_id = l.customer_branch_id,
        loan_active = l.status = 'active'
    FROM inserted i JOIN credit_loan l ON l.id = i.loan_id
    WHERE p.loan_id = i.loan_id
    """,
)

_FILL_FACILITIES = statement_trigger_sql(
    "risk_facilityprovision_fill_scope",
    "risk_facilityprovision",
    "INSERT",
    "NEW TABLE AS inserted",
    """
    UPDATE risk_facilityprovision p
    SET customer_officer_id = c.officer_id, customer_branch_id = c.branch_id
    FROM inserted i JOIN customers_customer c ON c.id = i.customer_id
    WHERE p.facility_id = i.facility_id
    """,
)

# After the loan's own fill trigger (BEFORE): NEW holds the loan's new copies.
_FOLLOW_LOAN = """
CREATE OR REPLACE FUNCTION risk_loanprovision_follow_loan() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE risk_loanprovision
    SET customer_officer_id = NEW.customer_officer_id,
        customer_branch_id = NEW.customer_branch_id,
        loan_active = NEW.status = 'active'
    WHERE loan_id = NEW.id;
    RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_loanprovision_follow_loan ON credit_loan;
CREATE TRIGGER risk_loanprovision_follow_loan AFTER UPDATE OF customer_id, status ON credit_loan
FOR EACH ROW
WHEN (OLD.customer_id IS DISTINCT FROM NEW.customer_id OR OLD.status IS DISTINCT FROM NEW.status)
EXECUTE FUNCTION risk_loanprovision_follow_loan();
"""

_TRANSFERRED = (
    "(o.officer_id IS DISTINCT FROM n.officer_id OR o.branch_id IS DISTINCT FROM n.branch_id)"
)

# From the customers' rows, not the loans' copies: the statement triggers on customers run in
# the order of their names, and the loans' may come after this one.
_FOLLOW_CUSTOMER_LOANS = statement_trigger_sql(
    "risk_loanprovision_follow_customer",
    "customers_customer",
    "UPDATE",
    "OLD TABLE AS old_rows NEW TABLE AS new_rows",
    f"""
    UPDATE risk_loanprovision p
    SET customer_officer_id = n.officer_id, customer_branch_id = n.branch_id
    FROM new_rows n JOIN old_rows o ON o.id = n.id JOIN credit_loan l ON l.customer_id = n.id
    WHERE p.loan_id = l.id AND {_TRANSFERRED}
    """,
)

_FOLLOW_CUSTOMER_FACILITIES = statement_trigger_sql(
    "risk_facilityprovision_follow_customer",
    "customers_customer",
    "UPDATE",
    "OLD TABLE AS old_rows NEW TABLE AS new_rows",
    f"""
    UPDATE risk_facilityprovision p
    SET customer_officer_id = n.officer_id, customer_branch_id = n.branch_id
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE p.customer_id = n.id AND {_TRANSFERRED}
    """,
)

# Before the triggers exist; a copy, not a change anything else has to look at (no trigger of
# the product's reads these tables' updates).
BACKFILL = """
UPDATE risk_loanprovision p
SET customer_officer_id = l.customer_officer_id, customer_branch_id = l.customer_branch_id,
    loan_active = l.status = 'active'
FROM credit_loan l WHERE l.id = p.loan_id;
UPDATE risk_facilityprovision p
SET customer_officer_id = c.officer_id, customer_branch_id = c.branch_id
FROM customers_customer c WHERE c.id = p.customer_id;
"""


def install_sql() -> str:
    return "\n".join(
        [
            _FILL_LOANS,
            _FILL_FACILITIES,
            _FOLLOW_LOAN,
            _FOLLOW_CUSTOMER_LOANS,
            _FOLLOW_CUSTOMER_FACILITIES,
        ]
    )


def uninstall_sql() -> str:
    return " ".join(
        [
            drop_trigger_sql("risk_loanprovision_fill_scope", "risk_loanprovision"),
            drop_trigger_sql("risk_facilityprovision_fill_scope", "risk_facilityprovision"),
            drop_trigger_sql("risk_loanprovision_follow_loan", "credit_loan"),
            drop_trigger_sql("risk_loanprovision_follow_customer", "customers_customer"),
            drop_trigger_sql("risk_facilityprovision_follow_customer", "customers_customer"),
        ]
    )
