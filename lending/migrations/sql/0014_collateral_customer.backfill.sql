ALTER TABLE credit_collateral DISABLE TRIGGER USER;
UPDATE credit_collateral t SET customer_id = p.customer_id
FROM credit_application p WHERE p.id = t.application_id;
ALTER TABLE credit_collateral ENABLE TRIGGER USER;
ALTER TABLE credit_collateralvaluation DISABLE TRIGGER USER;
UPDATE credit_collateralvaluation t SET customer_id = p.customer_id
FROM credit_collateral p WHERE p.id = t.collateral_id;
ALTER TABLE credit_collateralvaluation ENABLE TRIGGER USER;
