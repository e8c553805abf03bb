CREATE OR REPLACE FUNCTION lending_credit_loan_keeps_its_customer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'loan % is customer %''s and cannot move to customer %', OLD.id, OLD.customer_id, NEW.customer_id
        USING ERRCODE = 'integrity_constraint_violation',
              CONSTRAINT = 'loan_keeps_its_customer',
              HINT = 'A loan never changes its debtor: a transfer of the debt is a new loan to the new debtor.';
END
$$;
DROP TRIGGER IF EXISTS lending_credit_loan_keeps_its_customer ON credit_loan;
CREATE TRIGGER lending_credit_loan_keeps_its_customer BEFORE UPDATE OF customer_id ON credit_loan
FOR EACH ROW
WHEN (OLD.customer_id IS DISTINCT FROM NEW.customer_id)
EXECUTE FUNCTION lending_credit_loan_keeps_its_customer();
