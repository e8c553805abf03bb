ALTER TABLE customers_customergroupmember DISABLE TRIGGER USER;
UPDATE customers_customergroupmember t SET customer_officer_id = c.officer_id, customer_branch_id = c.branch_id
FROM customers_customer c WHERE c.id = t.customer_id;
ALTER TABLE customers_customergroupmember ENABLE TRIGGER USER;
