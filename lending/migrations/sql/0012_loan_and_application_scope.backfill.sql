ALTER TABLE credit_loan DISABLE TRIGGER USER;
UPDATE credit_loan t SET customer_officer_id = c.officer_id, customer_branch_id = c.branch_id
FROM customers_customer c WHERE c.id = t.customer_id;
ALTER TABLE credit_loan ENABLE TRIGGER USER;
ALTER TABLE credit_application DISABLE TRIGGER USER;
UPDATE credit_application t SET customer_officer_id = c.officer_id, customer_branch_id = c.branch_id
FROM customers_customer c WHERE c.id = t.customer_id;
ALTER TABLE credit_application ENABLE TRIGGER USER;
