# ruff: noqa: S608 -- every SQL string here is built from this module's table names, never from input.
"""A collateral item and each of its valuations carry the customer of the application the
item secures (`customer`), so that the nightly reads the collateral of a range of customers
(risk.rules.LOAN_COLLATERAL, the provision statement's `pledged`) from one index, instead of
probing each loan's application for its items and each item for its valuations.

PostgreSQL keeps it equal to the application's, whichever code writes: a row trigger fills
it when an item is inserted or pointed at another application (and a valuation when it is
inserted or pointed at another item), whatever value the writer gave; a statement trigger on
applications copies a change of customer to their items, and one on items to their
valuations, in the same transaction.
"""

from core.db_triggers import drop_trigger_sql, statement_trigger_sql

# (table, the column naming its parent, the parent table): each row takes its parent's
# customer.
LINKS = (
    ("credit_collateral", "application_id", "credit_application"),
    ("credit_collateralvaluation", "collateral_id", "credit_collateral"),
)


def _fill(table: str, parent_column: str, parent: str) -> str:
    function = f"lending_{table}_fill_customer"
    return f"""
CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT p.customer_id INTO NEW.customer_id FROM {parent} p WHERE p.id = NEW.{parent_column};
    RETURN NEW;
END
$$;
DROP TRIGGER IF EXISTS {function} ON {table};
CREATE TRIGGER {function} BEFORE INSERT OR UPDATE OF {parent_column}, customer_id ON {table}
FOR EACH ROW EXECUTE FUNCTION {function}();
"""


def _follow(table: str, parent_column: str, parent: str) -> str:
    return statement_trigger_sql(
        f"lending_{table}_follow_customer",
        parent,
        "UPDATE",
        "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        f"""
    UPDATE {table} t SET customer_id = n.customer_id
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE t.{parent_column} = n.id AND o.customer_id IS DISTINCT FROM n.customer_id
    """,
    )


def install_sql() -> str:
    return "\n".join(_fill(*link) + "\n" + _follow(*link) for link in LINKS)


def uninstall_sql() -> str:
    return " ".join(
        drop_trigger_sql(f"lending_{table}_follow_customer", parent)
        + f" DROP TRIGGER IF EXISTS lending_{table}_fill_customer ON {table};"
        f" DROP FUNCTION IF EXISTS lending_{table}_fill_customer();"
        for table, _parent_column, parent in LINKS
    )


def backfill_sql() -> str:
    """Set-based, items first (the valuations copy theirs), before the fill triggers exist.
    A copy, not a change the nightly job or the book figures have to look at: the product's
    own triggers on these tables are off for it (risk.pending's)."""
    return "\n".join(
        f"ALTER TABLE {table} DISABLE TRIGGER USER;\n"
        f"UPDATE {table} t SET customer_id = p.customer_id\n"
        f"FROM {parent} p WHERE p.id = t.{parent_column};\n"
        f"ALTER TABLE {table} ENABLE TRIGGER USER;"
        for table, parent_column, parent in LINKS
    )
