"""An alert carries its customer's officer and branch (Alert.customer_officer and
customer_branch), so that an officer's or a branch's open alerts are read from one index in
the order of their SLA instead of joining every open alert of the bank to its customer.

PostgreSQL keeps them equal to the customer's, whichever code writes: a row trigger fills them
when an alert is inserted (or moved to another customer), and a statement trigger on
customers copies a transfer to the customer's alerts in the same transaction, so no request
ever sees an alert under its former officer.
"""

from core.db_triggers import drop_trigger_sql, statement_trigger_sql

FILL = """
CREATE OR REPLACE FUNCTION risk_alert_fill_scope() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT c.officer_id, c.branch_id INTO NEW.customer_officer_id, NEW.customer_branch_id
    FROM customers_customer c WHERE c.id = NEW.customer_id;
    RETURN NEW;
END
$$;
DROP TRIGGER IF EXISTS risk_alert_fill_scope ON risk_alert;
CREATE TRIGGER risk_alert_fill_scope BEFORE INSERT OR UPDATE OF customer_id ON risk_alert
FOR EACH ROW EXECUTE FUNCTION risk_alert_fill_scope();
"""

FOLLOW_TRANSFERS = statement_trigger_sql(
    "risk_alert_follow_customer",
    "customers_customer",
    "UPDATE",
    "OLD TABLE AS old_rows NEW TABLE AS new_rows",
    """
    UPDATE risk_alert a
    SET customer_officer_id = n.officer_id, customer_branch_id = n.branch_id
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE a.customer_id = n.id
      AND (o.officer_id IS DISTINCT FROM n.officer_id OR o.branch_id IS DISTINCT FROM n.branch_id)
    """,
)

# A copy, not a change the nightly job has to look at (risk.pending's triggers skip it).
BACKFILL = """
SELECT set_config('xindai.risk_job', 'on', true);
UPDATE risk_alert a SET customer_officer_id = c.officer_id, customer_branch_id = c.branch_id
FROM customers_customer c WHERE c.id = a.customer_id;
SELECT set_config('xindai.risk_job', 'off', true);
"""


def install_sql() -> str:
    return FILL + "\n" + FOLLOW_TRANSFERS


def uninstall_sql() -> str:
    return drop_trigger_sql("risk_alert_follow_customer", "customers_customer") + (
        " DROP TRIGGER IF EXISTS risk_alert_fill_scope ON risk_alert;"
        " DROP FUNCTION IF EXISTS risk_alert_fill_scope();"
    )
