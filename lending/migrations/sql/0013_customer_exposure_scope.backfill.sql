ALTER TABLE lending_customerexposure DISABLE TRIGGER USER;
UPDATE lending_customerexposure t SET customer_officer_id = c.officer_id, customer_branch_id = c.branch_id
FROM customers_customer c WHERE c.id = t.customer_id;
ALTER TABLE lending_customerexposure ENABLE TRIGGER USER;
