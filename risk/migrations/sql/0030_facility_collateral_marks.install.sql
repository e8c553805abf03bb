CREATE OR REPLACE FUNCTION risk_pending_customer_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT r.id FROM changed_rows r) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_customer_insert ON customers_customer;
CREATE TRIGGER risk_pending_customer_insert AFTER INSERT ON customers_customer REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_customer_insert();
CREATE OR REPLACE FUNCTION risk_pending_customer_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT r.id FROM changed_rows r) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_customer_update ON customers_customer;
CREATE TRIGGER risk_pending_customer_update AFTER UPDATE ON customers_customer REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_customer_update();
CREATE OR REPLACE FUNCTION risk_pending_loan_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT r.customer_id FROM changed_rows r) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_loan_insert ON credit_loan;
CREATE TRIGGER risk_pending_loan_insert AFTER INSERT ON credit_loan REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_loan_insert();
CREATE OR REPLACE FUNCTION risk_pending_loan_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT r.customer_id FROM changed_rows r) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_loan_update ON credit_loan;
CREATE TRIGGER risk_pending_loan_update AFTER UPDATE ON credit_loan REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_loan_update();
CREATE OR REPLACE FUNCTION risk_pending_instalment_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT l.customer_id FROM changed_rows r JOIN credit_loan l ON l.id = r.loan_id) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_instalment_insert ON credit_instalment;
CREATE TRIGGER risk_pending_instalment_insert AFTER INSERT ON credit_instalment REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_instalment_insert();
CREATE OR REPLACE FUNCTION risk_pending_instalment_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT l.customer_id FROM changed_rows r JOIN credit_loan l ON l.id = r.loan_id) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_instalment_update ON credit_instalment;
CREATE TRIGGER risk_pending_instalment_update AFTER UPDATE ON credit_instalment REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_instalment_update();
CREATE OR REPLACE FUNCTION risk_pending_assessment_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT r.customer_id FROM changed_rows r) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_assessment_insert ON credit_assessment;
CREATE TRIGGER risk_pending_assessment_insert AFTER INSERT ON credit_assessment REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_assessment_insert();
CREATE OR REPLACE FUNCTION risk_pending_statement_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT r.customer_id FROM changed_rows r) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_statement_insert ON credit_financialstatement;
CREATE TRIGGER risk_pending_statement_insert AFTER INSERT ON credit_financialstatement REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_statement_insert();
CREATE OR REPLACE FUNCTION risk_pending_statement_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT r.customer_id FROM changed_rows r) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_statement_update ON credit_financialstatement;
CREATE TRIGGER risk_pending_statement_update AFTER UPDATE ON credit_financialstatement REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_statement_update();
CREATE OR REPLACE FUNCTION risk_pending_statement_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT r.customer_id FROM changed_rows r) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_statement_delete ON credit_financialstatement;
CREATE TRIGGER risk_pending_statement_delete AFTER DELETE ON credit_financialstatement REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_statement_delete();
CREATE OR REPLACE FUNCTION risk_pending_application_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT r.customer_id FROM changed_rows r) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_application_insert ON credit_application;
CREATE TRIGGER risk_pending_application_insert AFTER INSERT ON credit_application REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_application_insert();
CREATE OR REPLACE FUNCTION risk_pending_application_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT r.customer_id FROM changed_rows r) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_application_update ON credit_application;
CREATE TRIGGER risk_pending_application_update AFTER UPDATE ON credit_application REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_application_update();
CREATE OR REPLACE FUNCTION risk_pending_collateral_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT a.customer_id FROM changed_rows r JOIN credit_application a ON a.id = r.application_id) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_collateral_insert ON credit_collateral;
CREATE TRIGGER risk_pending_collateral_insert AFTER INSERT ON credit_collateral REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_collateral_insert();
CREATE OR REPLACE FUNCTION risk_pending_collateral_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT a.customer_id FROM changed_rows r JOIN credit_application a ON a.id = r.application_id) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_collateral_update ON credit_collateral;
CREATE TRIGGER risk_pending_collateral_update AFTER UPDATE ON credit_collateral REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_collateral_update();
CREATE OR REPLACE FUNCTION risk_pending_collateral_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT a.customer_id FROM changed_rows r JOIN credit_application a ON a.id = r.application_id) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_collateral_delete ON credit_collateral;
CREATE TRIGGER risk_pending_collateral_delete AFTER DELETE ON credit_collateral REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_collateral_delete();
CREATE OR REPLACE FUNCTION risk_pending_valuation_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT a.customer_id FROM changed_rows r JOIN credit_collateral c ON c.id = r.collateral_id JOIN credit_application a ON a.id = c.application_id) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_valuation_insert ON credit_collateralvaluation;
CREATE TRIGGER risk_pending_valuation_insert AFTER INSERT ON credit_collateralvaluation REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_valuation_insert();
CREATE OR REPLACE FUNCTION risk_pending_facility_collateral_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT f.customer_id FROM changed_rows r JOIN lending_creditfacility f ON f.id = r.creditfacility_id) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_facility_collateral_insert ON lending_creditfacility_collateral;
CREATE TRIGGER risk_pending_facility_collateral_insert AFTER INSERT ON lending_creditfacility_collateral REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_facility_collateral_insert();
CREATE OR REPLACE FUNCTION risk_pending_facility_collateral_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT f.customer_id FROM changed_rows r JOIN lending_creditfacility f ON f.id = r.creditfacility_id) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_facility_collateral_update ON lending_creditfacility_collateral;
CREATE TRIGGER risk_pending_facility_collateral_update AFTER UPDATE ON lending_creditfacility_collateral REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_facility_collateral_update();
CREATE OR REPLACE FUNCTION risk_pending_facility_collateral_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT f.customer_id FROM changed_rows r JOIN lending_creditfacility f ON f.id = r.creditfacility_id) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_facility_collateral_delete ON lending_creditfacility_collateral;
CREATE TRIGGER risk_pending_facility_collateral_delete AFTER DELETE ON lending_creditfacility_collateral REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_facility_collateral_delete();
CREATE OR REPLACE FUNCTION risk_pending_signal_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT r.customer_id FROM changed_rows r) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_signal_insert ON risk_manualsignal;
CREATE TRIGGER risk_pending_signal_insert AFTER INSERT ON risk_manualsignal REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_signal_insert();
CREATE OR REPLACE FUNCTION risk_pending_signal_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT r.customer_id FROM changed_rows r) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_signal_update ON risk_manualsignal;
CREATE TRIGGER risk_pending_signal_update AFTER UPDATE ON risk_manualsignal REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_signal_update();
CREATE OR REPLACE FUNCTION risk_pending_signal_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT r.customer_id FROM changed_rows r) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_signal_delete ON risk_manualsignal;
CREATE TRIGGER risk_pending_signal_delete AFTER DELETE ON risk_manualsignal REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_signal_delete();
CREATE OR REPLACE FUNCTION risk_pending_alert_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT r.customer_id FROM changed_rows r) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_alert_update ON risk_alert;
CREATE TRIGGER risk_pending_alert_update AFTER UPDATE ON risk_alert REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_alert_update();
CREATE OR REPLACE FUNCTION risk_pending_alert_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT r.customer_id FROM changed_rows r) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_alert_delete ON risk_alert;
CREATE TRIGGER risk_pending_alert_delete AFTER DELETE ON risk_alert REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_alert_delete();
CREATE OR REPLACE FUNCTION risk_pending_loan_risk_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT r.customer_id FROM changed_rows r) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_loan_risk_update ON risk_loanrisk;
CREATE TRIGGER risk_pending_loan_risk_update AFTER UPDATE ON risk_loanrisk REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_loan_risk_update();
CREATE OR REPLACE FUNCTION risk_pending_interaction_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT r.customer_id FROM changed_rows r) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_interaction_insert ON customers_interaction;
CREATE TRIGGER risk_pending_interaction_insert AFTER INSERT ON customers_interaction REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_interaction_insert();
CREATE OR REPLACE FUNCTION risk_pending_interaction_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT r.customer_id FROM changed_rows r) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_interaction_update ON customers_interaction;
CREATE TRIGGER risk_pending_interaction_update AFTER UPDATE ON customers_interaction REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_interaction_update();
CREATE OR REPLACE FUNCTION risk_pending_interaction_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT r.customer_id FROM changed_rows r) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_interaction_delete ON customers_interaction;
CREATE TRIGGER risk_pending_interaction_delete AFTER DELETE ON customers_interaction REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_interaction_delete();
CREATE OR REPLACE FUNCTION risk_pending_complaint_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT r.customer_id FROM changed_rows r) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_complaint_insert ON customers_complaint;
CREATE TRIGGER risk_pending_complaint_insert AFTER INSERT ON customers_complaint REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_complaint_insert();
CREATE OR REPLACE FUNCTION risk_pending_complaint_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT r.customer_id FROM changed_rows r) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_complaint_update ON customers_complaint;
CREATE TRIGGER risk_pending_complaint_update AFTER UPDATE ON customers_complaint REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_complaint_update();
CREATE OR REPLACE FUNCTION risk_pending_industry_watch_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT c.id FROM customers_customer c WHERE c.industry_id IN (SELECT r.industry_id FROM changed_rows r)) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_industry_watch_insert ON risk_industrywatch;
CREATE TRIGGER risk_pending_industry_watch_insert AFTER INSERT ON risk_industrywatch REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_industry_watch_insert();
CREATE OR REPLACE FUNCTION risk_pending_industry_watch_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT c.id FROM customers_customer c WHERE c.industry_id IN (SELECT r.industry_id FROM changed_rows r)) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_industry_watch_update ON risk_industrywatch;
CREATE TRIGGER risk_pending_industry_watch_update AFTER UPDATE ON risk_industrywatch REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_industry_watch_update();
CREATE OR REPLACE FUNCTION risk_pending_industry_watch_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT c.id FROM customers_customer c WHERE c.industry_id IN (SELECT r.industry_id FROM changed_rows r)) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_industry_watch_delete ON risk_industrywatch;
CREATE TRIGGER risk_pending_industry_watch_delete AFTER DELETE ON risk_industrywatch REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_industry_watch_delete();
CREATE OR REPLACE FUNCTION risk_pending_bureau_report_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT r.customer_id FROM changed_rows r) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_bureau_report_insert ON credit_bureaureport;
CREATE TRIGGER risk_pending_bureau_report_insert AFTER INSERT ON credit_bureaureport REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_bureau_report_insert();
CREATE OR REPLACE FUNCTION risk_pending_bureau_report_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT r.customer_id FROM changed_rows r) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_bureau_report_update ON credit_bureaureport;
CREATE TRIGGER risk_pending_bureau_report_update AFTER UPDATE ON credit_bureaureport REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_bureau_report_update();
CREATE OR REPLACE FUNCTION risk_pending_bureau_report_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT r.customer_id FROM changed_rows r) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_bureau_report_delete ON credit_bureaureport;
CREATE TRIGGER risk_pending_bureau_report_delete AFTER DELETE ON credit_bureaureport REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_bureau_report_delete();
CREATE OR REPLACE FUNCTION risk_pending_document_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT r.customer_id FROM changed_rows r) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_document_insert ON customers_document;
CREATE TRIGGER risk_pending_document_insert AFTER INSERT ON customers_document REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_document_insert();
CREATE OR REPLACE FUNCTION risk_pending_document_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT r.customer_id FROM changed_rows r) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_document_update ON customers_document;
CREATE TRIGGER risk_pending_document_update AFTER UPDATE ON customers_document REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_document_update();
CREATE OR REPLACE FUNCTION risk_pending_document_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT r.customer_id FROM changed_rows r) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_document_delete ON customers_document;
CREATE TRIGGER risk_pending_document_delete AFTER DELETE ON customers_document REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_document_delete();
CREATE OR REPLACE FUNCTION risk_pending_inspection_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT r.customer_id FROM changed_rows r) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_inspection_insert ON lending_inspection;
CREATE TRIGGER risk_pending_inspection_insert AFTER INSERT ON lending_inspection REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_inspection_insert();
CREATE OR REPLACE FUNCTION risk_pending_inspection_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT r.customer_id FROM changed_rows r) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_inspection_update ON lending_inspection;
CREATE TRIGGER risk_pending_inspection_update AFTER UPDATE ON lending_inspection REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_inspection_update();
CREATE OR REPLACE FUNCTION risk_pending_policy_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT c.id FROM customers_customer c) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_policy_insert ON risk_risklevelpolicy;
CREATE TRIGGER risk_pending_policy_insert AFTER INSERT ON risk_risklevelpolicy REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_policy_insert();
CREATE OR REPLACE FUNCTION risk_pending_policy_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT c.id FROM customers_customer c) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_policy_update ON risk_risklevelpolicy;
CREATE TRIGGER risk_pending_policy_update AFTER UPDATE ON risk_risklevelpolicy REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_policy_update();
CREATE OR REPLACE FUNCTION risk_pending_policy_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT c.id FROM customers_customer c) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_policy_delete ON risk_risklevelpolicy;
CREATE TRIGGER risk_pending_policy_delete AFTER DELETE ON risk_risklevelpolicy REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_policy_delete();
CREATE OR REPLACE FUNCTION risk_pending_rule_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT c.id FROM customers_customer c) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_rule_insert ON risk_earlywarningrule;
CREATE TRIGGER risk_pending_rule_insert AFTER INSERT ON risk_earlywarningrule REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_rule_insert();
CREATE OR REPLACE FUNCTION risk_pending_rule_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT c.id FROM customers_customer c) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_rule_update ON risk_earlywarningrule;
CREATE TRIGGER risk_pending_rule_update AFTER UPDATE ON risk_earlywarningrule REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_rule_update();
CREATE OR REPLACE FUNCTION risk_pending_rule_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('xindai.risk_job', true) = 'on' THEN RETURN NULL; END IF;
EXECUTE $statement$INSERT INTO risk_pendingcustomer (customer_id, marked_at)
SELECT DISTINCT x.id, now() FROM (SELECT c.id FROM customers_customer c) x (id)
WHERE x.id IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET marked_at = EXCLUDED.marked_at$statement$;
RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS risk_pending_rule_delete ON risk_earlywarningrule;
CREATE TRIGGER risk_pending_rule_delete AFTER DELETE ON risk_earlywarningrule REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_pending_rule_delete();
