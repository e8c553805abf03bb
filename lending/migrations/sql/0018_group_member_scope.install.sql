
CREATE OR REPLACE FUNCTION lending_customers_customergroupmember_fill_scope() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT c.officer_id, c.branch_id INTO NEW.customer_officer_id, NEW.customer_branch_id
    FROM customers_customer c WHERE c.id = NEW.customer_id;
    RETURN NEW;
END
$$;
DROP TRIGGER IF EXISTS lending_customers_customergroupmember_fill_scope ON customers_customergroupmember;
CREATE TRIGGER lending_customers_customergroupmember_fill_scope BEFORE INSERT OR UPDATE OF customer_id ON customers_customergroupmember
FOR EACH ROW EXECUTE FUNCTION lending_customers_customergroupmember_fill_scope();

CREATE OR REPLACE FUNCTION lending_customers_customergroupmember_follow_customer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
EXECUTE $statement$
    UPDATE customers_customergroupmember t
    SET customer_officer_id = n.officer_id, customer_branch_id = n.branch_id
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE t.customer_id = n.id
      AND (o.officer_id IS DISTINCT FROM n.officer_id OR o.branch_id IS DISTINCT FROM n.branch_id)
    $statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS lending_customers_customergroupmember_follow_customer ON customers_customer;
CREATE TRIGGER lending_customers_customergroupmember_follow_customer AFTER UPDATE ON customers_customer REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION lending_customers_customergroupmember_follow_customer();
