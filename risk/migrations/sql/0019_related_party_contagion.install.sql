CREATE OR REPLACE FUNCTION risk_pending_relation_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (
    SELECT r.from_customer_id FROM changed_rows r
    UNION SELECT r.to_customer_id FROM changed_rows r) x (id)
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_relation_insert ON customers_customerrelation;
CREATE TRIGGER risk_pending_relation_insert AFTER INSERT ON customers_customerrelation REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_relation_insert();
CREATE OR REPLACE FUNCTION risk_pending_relation_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (
    SELECT r.from_customer_id FROM changed_rows r
    UNION SELECT r.to_customer_id FROM changed_rows r) x (id)
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_relation_update ON customers_customerrelation;
CREATE TRIGGER risk_pending_relation_update AFTER UPDATE ON customers_customerrelation REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_relation_update();
CREATE OR REPLACE FUNCTION risk_pending_relation_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (
    SELECT r.from_customer_id FROM changed_rows r
    UNION SELECT r.to_customer_id FROM changed_rows r) x (id)
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_relation_delete ON customers_customerrelation;
CREATE TRIGGER risk_pending_relation_delete AFTER DELETE ON customers_customerrelation REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_relation_delete();
