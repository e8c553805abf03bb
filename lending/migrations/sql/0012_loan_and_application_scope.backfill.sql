SET CONSTRAINTS ALL IMMEDIATE;
ALTER TABLE credit_loan DISABLE TRIGGER USER;
UPDATE credit_loan t SET customer_officer_id = c.officer_id, customer_branch_id = c.branch_id
FROM customers_customer c WHERE c.id = t.customer_id;
ALTER TABLE credit_loan ENABLE TRIGGER USER;
-- Four eyes was added NOT VALID (credit 0013), keeping the history that broke the rule before
-- it existed: the copy's rewrite of such a row would be refused, so the constraint is dropped
-- for the copy and added back as it was, NOT VALID.
ALTER TABLE credit_application DROP CONSTRAINT application_maker_checker;
ALTER TABLE credit_application DISABLE TRIGGER USER;
UPDATE credit_application t SET customer_officer_id = c.officer_id, customer_branch_id = c.branch_id
FROM customers_customer c WHERE c.id = t.customer_id;
ALTER TABLE credit_application ENABLE TRIGGER USER;
ALTER TABLE credit_application ADD CONSTRAINT application_maker_checker
    CHECK ((((decided_by_id IS NULL) OR ((decided_by_id <> created_by_id) AND (decided_by_id IS DISTINCT FROM submitted_by_id) AND (NOT (decided_by_id = ANY (editor_ids))))) AND ((reviewer_id IS NULL) OR ((reviewer_id <> created_by_id) AND (reviewer_id IS DISTINCT FROM submitted_by_id) AND (NOT (reviewer_id = ANY (editor_ids))))))) NOT VALID;
