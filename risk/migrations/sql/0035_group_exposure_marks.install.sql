CREATE OR REPLACE FUNCTION risk_pending_facility_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT r.customer_id FROM changed_rows r) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_facility_insert ON lending_creditfacility;
CREATE TRIGGER risk_pending_facility_insert AFTER INSERT ON lending_creditfacility REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_facility_insert();
CREATE OR REPLACE FUNCTION risk_pending_facility_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT r.customer_id FROM changed_rows r) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_facility_update ON lending_creditfacility;
CREATE TRIGGER risk_pending_facility_update AFTER UPDATE ON lending_creditfacility REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_facility_update();
CREATE OR REPLACE FUNCTION risk_pending_group_member_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT r.customer_id FROM changed_rows r) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_group_member_insert ON customers_customergroupmember;
CREATE TRIGGER risk_pending_group_member_insert AFTER INSERT ON customers_customergroupmember REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_group_member_insert();
CREATE OR REPLACE FUNCTION risk_pending_group_member_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT r.customer_id FROM changed_rows r) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_group_member_update ON customers_customergroupmember;
CREATE TRIGGER risk_pending_group_member_update AFTER UPDATE ON customers_customergroupmember REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_group_member_update();
CREATE OR REPLACE FUNCTION risk_pending_group_member_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT r.customer_id FROM changed_rows r) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_group_member_delete ON customers_customergroupmember;
CREATE TRIGGER risk_pending_group_member_delete AFTER DELETE ON customers_customergroupmember REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_group_member_delete();
CREATE OR REPLACE FUNCTION risk_pending_group_exposure_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT m.customer_id FROM changed_rows r JOIN customers_customergroupmember m ON m.group_id = r.group_id) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_group_exposure_insert ON lending_groupexposure;
CREATE TRIGGER risk_pending_group_exposure_insert AFTER INSERT ON lending_groupexposure REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_group_exposure_insert();
CREATE OR REPLACE FUNCTION risk_pending_group_exposure_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT m.customer_id FROM changed_rows r JOIN customers_customergroupmember m ON m.group_id = r.group_id) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_group_exposure_update ON lending_groupexposure;
CREATE TRIGGER risk_pending_group_exposure_update AFTER UPDATE ON lending_groupexposure REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_group_exposure_update();
CREATE OR REPLACE FUNCTION risk_pending_tier1_capital_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT e.customer_id FROM lending_customerexposure e WHERE e.exposure > 0 OR e.group_id IS NOT NULL) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_tier1_capital_insert ON lending_tier1capital;
CREATE TRIGGER risk_pending_tier1_capital_insert AFTER INSERT ON lending_tier1capital REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_tier1_capital_insert();
CREATE OR REPLACE FUNCTION risk_pending_tier1_capital_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT e.customer_id FROM lending_customerexposure e WHERE e.exposure > 0 OR e.group_id IS NOT NULL) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_tier1_capital_update ON lending_tier1capital;
CREATE TRIGGER risk_pending_tier1_capital_update AFTER UPDATE ON lending_tier1capital REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_tier1_capital_update();
CREATE OR REPLACE FUNCTION risk_pending_tier1_capital_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT e.customer_id FROM lending_customerexposure e WHERE e.exposure > 0 OR e.group_id IS NOT NULL) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_tier1_capital_delete ON lending_tier1capital;
CREATE TRIGGER risk_pending_tier1_capital_delete AFTER DELETE ON lending_tier1capital REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_tier1_capital_delete();
CREATE OR REPLACE FUNCTION risk_pending_concentration_limit_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT e.customer_id FROM lending_customerexposure e WHERE e.exposure > 0 OR e.group_id IS NOT NULL) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_concentration_limit_insert ON lending_concentrationlimit;
CREATE TRIGGER risk_pending_concentration_limit_insert AFTER INSERT ON lending_concentrationlimit REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_concentration_limit_insert();
CREATE OR REPLACE FUNCTION risk_pending_concentration_limit_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT e.customer_id FROM lending_customerexposure e WHERE e.exposure > 0 OR e.group_id IS NOT NULL) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_concentration_limit_update ON lending_concentrationlimit;
CREATE TRIGGER risk_pending_concentration_limit_update AFTER UPDATE ON lending_concentrationlimit REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_concentration_limit_update();
CREATE OR REPLACE FUNCTION risk_pending_concentration_limit_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT e.customer_id FROM lending_customerexposure e WHERE e.exposure > 0 OR e.group_id IS NOT NULL) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_concentration_limit_delete ON lending_concentrationlimit;
CREATE TRIGGER risk_pending_concentration_limit_delete AFTER DELETE ON lending_concentrationlimit REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_concentration_limit_delete();
