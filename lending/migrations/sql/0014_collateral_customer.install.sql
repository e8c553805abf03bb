CREATE OR REPLACE FUNCTION lending_credit_collateral_fill_customer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT p.customer_id INTO NEW.customer_id FROM credit_application p WHERE p.id = NEW.application_id;
    RETURN NEW;
END
$$;
DROP TRIGGER IF EXISTS lending_credit_collateral_fill_customer ON credit_collateral;
CREATE TRIGGER lending_credit_collateral_fill_customer BEFORE INSERT OR UPDATE OF application_id, customer_id ON credit_collateral
FOR EACH ROW EXECUTE FUNCTION lending_credit_collateral_fill_customer();

CREATE OR REPLACE FUNCTION lending_credit_collateral_follow_customer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
EXECUTE $statement$
    UPDATE credit_collateral t SET customer_id = n.customer_id
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE t.application_id = n.id AND o.customer_id IS DISTINCT FROM n.customer_id
    $statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS lending_credit_collateral_follow_customer ON credit_application;
CREATE TRIGGER lending_credit_collateral_follow_customer AFTER UPDATE ON credit_application REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION lending_credit_collateral_follow_customer();

CREATE OR REPLACE FUNCTION lending_credit_collateralvaluation_fill_customer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT p.customer_id INTO NEW.customer_id FROM credit_collateral p WHERE p.id = NEW.collateral_id;
    RETURN NEW;
END
$$;
DROP TRIGGER IF EXISTS lending_credit_collateralvaluation_fill_customer ON credit_collateralvaluation;
CREATE TRIGGER lending_credit_collateralvaluation_fill_customer BEFORE INSERT OR UPDATE OF collateral_id, customer_id ON credit_collateralvaluation
FOR EACH ROW EXECUTE FUNCTION lending_credit_collateralvaluation_fill_customer();

CREATE OR REPLACE FUNCTION lending_credit_collateralvaluation_follow_customer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
EXECUTE $statement$
    UPDATE credit_collateralvaluation t SET customer_id = n.customer_id
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE t.collateral_id = n.id AND o.customer_id IS DISTINCT FROM n.customer_id
    $statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS lending_credit_collateralvaluation_follow_customer ON credit_collateral;
CREATE TRIGGER lending_credit_collateralvaluation_follow_customer AFTER UPDATE ON credit_collateral REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION lending_credit_collateralvaluation_follow_customer();
