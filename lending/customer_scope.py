# ruff: noqa: S608 -- every SQL string here is built from this module's table names, never from input.
"""A loan, an application, a customer's stored exposure and a group member carry their
customer's officer and branch (`customer_officer` and `customer_branch`, as alerts do:
risk.alert_scope), so that an officer's or a branch's loan list and pipeline report read their
first page from one index in the page's order, instead of walking the whole book newest first
and keeping the rows whose customer is in scope (about one loan in a hundred for an officer);
the dashboard's largest exposures likewise read the scope's first ten rows by exposure, and
its largest groups the groups with a member in scope from one index range (before, each group
of the book, largest first, had its members' customers read until ten groups had one in
scope: 16,000 pages for an officer at 1,000,000 customers).

PostgreSQL keeps them equal to the customer's, whichever code writes: a row trigger fills them
when a loan or an application is inserted (or moved to another customer), and a statement
trigger on customers copies a transfer to the customer's loans and applications in the same
transaction, so no request ever sees a loan under its former officer.
"""

from core.db_triggers import drop_trigger_sql, statement_trigger_sql

TABLES = ("credit_loan", "credit_application", "lending_customerexposure")
# Added later (lending 0018): install_sql(MEMBER_TABLES) and the like for it.
MEMBER_TABLES = ("customers_customergroupmember",)


def _fill(table: str) -> str:
    function = f"lending_{table}_fill_scope"
    return f"""
CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT c.officer_id, c.branch_id INTO NEW.customer_officer_id, NEW.customer_branch_id
    FROM customers_customer c WHERE c.id = NEW.customer_id;
    RETURN NEW;
END
$$;
DROP TRIGGER IF EXISTS {function} ON {table};
CREATE TRIGGER {function} BEFORE INSERT OR UPDATE OF customer_id ON {table}
FOR EACH ROW EXECUTE FUNCTION {function}();
"""


def _follow(table: str) -> str:
    return statement_trigger_sql(
        f"lending_{table}_follow_customer",
        "customers_customer",
        "UPDATE",
        "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        f"""
    UPDATE {table} t
    SET customer_officer_id = n.officer_id, customer_branch_id = n.branch_id
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE t.customer_id = n.id
      AND (o.officer_id IS DISTINCT FROM n.officer_id OR o.branch_id IS DISTINCT FROM n.branch_id)
    """,
    )


def install_sql(tables: tuple[str, ...] = TABLES) -> str:
    return "\n".join(_fill(table) + "\n" + _follow(table) for table in tables)


def uninstall_sql(tables: tuple[str, ...] = TABLES) -> str:
    return " ".join(
        drop_trigger_sql(f"lending_{table}_follow_customer", "customers_customer")
        + f" DROP TRIGGER IF EXISTS lending_{table}_fill_scope ON {table};"
        f" DROP FUNCTION IF EXISTS lending_{table}_fill_scope();"
        for table in tables
    )


def backfill_sql(tables: tuple[str, ...] = TABLES) -> str:
    """A copy, not a change the nightly job or the book figures have to look at: the
    product's own triggers on loans are off for it (risk.pending's, the book figures'), and
    it runs before the fill triggers exist."""
    return "\n".join(
        f"ALTER TABLE {table} DISABLE TRIGGER USER;\n"
        f"UPDATE {table} t SET customer_officer_id = c.officer_id, "
        "customer_branch_id = c.branch_id\n"
        f"FROM customers_customer c WHERE c.id = t.customer_id;\n"
        f"ALTER TABLE {table} ENABLE TRIGGER USER;"
        for table in tables
    )
