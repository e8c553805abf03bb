CREATE OR REPLACE FUNCTION risk_loanprovision_fill_scope() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
EXECUTE $statement$
    UPDATE risk_loanprovision p
    SET customer_officer_id = l.customer_officer_id, customer_branch_id = l.customer_branch_id,
        loan_active = l.status = 'active'
    FROM inserted i JOIN credit_loan l ON l.id = i.loan_id
    WHERE p.loan_id = i.loan_id
    $statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_loanprovision_fill_scope ON risk_loanprovision;
CREATE TRIGGER risk_loanprovision_fill_scope AFTER INSERT ON risk_loanprovision REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION risk_loanprovision_fill_scope();
CREATE OR REPLACE FUNCTION risk_facilityprovision_fill_scope() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
EXECUTE $statement$
    UPDATE risk_facilityprovision p
    SET customer_officer_id = c.officer_id, customer_branch_id = c.branch_id
    FROM inserted i JOIN customers_customer c ON c.id = i.customer_id
    WHERE p.facility_id = i.facility_id
    $statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_facilityprovision_fill_scope ON risk_facilityprovision;
CREATE TRIGGER risk_facilityprovision_fill_scope AFTER INSERT ON risk_facilityprovision REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION risk_facilityprovision_fill_scope();

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

CREATE OR REPLACE FUNCTION risk_loanprovision_follow_customer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
EXECUTE $statement$
    UPDATE risk_loanprovision p
    SET customer_officer_id = n.officer_id, customer_branch_id = n.branch_id
    FROM new_rows n JOIN old_rows o ON o.id = n.id JOIN credit_loan l ON l.customer_id = n.id
    WHERE p.loan_id = l.id AND (o.officer_id IS DISTINCT FROM n.officer_id OR o.branch_id IS DISTINCT FROM n.branch_id)
    $statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_loanprovision_follow_customer ON customers_customer;
CREATE TRIGGER risk_loanprovision_follow_customer AFTER UPDATE ON customers_customer REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_loanprovision_follow_customer();
CREATE OR REPLACE FUNCTION risk_facilityprovision_follow_customer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
EXECUTE $statement$
    UPDATE risk_facilityprovision p
    SET customer_officer_id = n.officer_id, customer_branch_id = n.branch_id
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE p.customer_id = n.id AND (o.officer_id IS DISTINCT FROM n.officer_id OR o.branch_id IS DISTINCT FROM n.branch_id)
    $statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_facilityprovision_follow_customer ON customers_customer;
CREATE TRIGGER risk_facilityprovision_follow_customer AFTER UPDATE ON customers_customer REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_facilityprovision_follow_customer();
