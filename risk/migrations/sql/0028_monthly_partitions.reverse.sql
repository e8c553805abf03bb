-- Helpers of this migration only (pg_temp: gone with the session, never in the schema).
-- The new table's id carries on where the old one's stopped: the next id is the one the old
-- table would have given.
CREATE OR REPLACE FUNCTION pg_temp.carry_on_ids(old_table text, new_table text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    last bigint;
    called boolean;
BEGIN
    EXECUTE format('SELECT last_value, is_called FROM %s',
                   pg_get_serial_sequence(old_table, 'id')) INTO last, called;
    PERFORM setval(pg_get_serial_sequence(new_table, 'id'), last, called);
END;
$$;

-- risk_riskhistory: back to one table, rows and ids as they are.
CREATE TABLE risk_riskhistory_unpartitioned (
    LIKE risk_riskhistory INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING CONSTRAINTS
);
INSERT INTO risk_riskhistory_unpartitioned SELECT * FROM risk_riskhistory;
SELECT pg_temp.carry_on_ids('risk_riskhistory', 'risk_riskhistory_unpartitioned');
DROP TABLE risk_riskhistory;
ALTER TABLE risk_riskhistory_unpartitioned RENAME TO risk_riskhistory;
ALTER SEQUENCE risk_riskhistory_unpartitioned_id_seq RENAME TO risk_riskhistory_id_seq;
ALTER TABLE risk_riskhistory ADD CONSTRAINT risk_riskhistory_pkey PRIMARY KEY (id);
CREATE INDEX history_by_date ON risk_riskhistory USING btree (kind, changed_on);
CREATE INDEX history_customer ON risk_riskhistory USING btree (kind, customer_id, changed_on);
CREATE INDEX history_loan ON risk_riskhistory USING btree (kind, loan_id, changed_on);
CREATE INDEX history_recent ON risk_riskhistory USING btree (changed_on DESC, id DESC);
CREATE INDEX risk_riskhistory_customer_id_6cad1281 ON risk_riskhistory USING btree (customer_id);
CREATE INDEX risk_riskhistory_loan_id_6a23e3aa ON risk_riskhistory USING btree (loan_id);
ALTER TABLE risk_riskhistory ADD CONSTRAINT risk_riskhistory_customer_id_6cad1281_fk_customers_customer_id FOREIGN KEY (customer_id) REFERENCES customers_customer(id) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE risk_riskhistory ADD CONSTRAINT risk_riskhistory_loan_id_6a23e3aa_fk_credit_loan_id FOREIGN KEY (loan_id) REFERENCES credit_loan(id) DEFERRABLE INITIALLY DEFERRED;

-- risk_alertaction: back to one table, rows and ids as they are.
CREATE TABLE risk_alertaction_unpartitioned (
    LIKE risk_alertaction INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING CONSTRAINTS
);
INSERT INTO risk_alertaction_unpartitioned SELECT * FROM risk_alertaction;
SELECT pg_temp.carry_on_ids('risk_alertaction', 'risk_alertaction_unpartitioned');
DROP TABLE risk_alertaction;
ALTER TABLE risk_alertaction_unpartitioned RENAME TO risk_alertaction;
ALTER SEQUENCE risk_alertaction_unpartitioned_id_seq RENAME TO risk_alertaction_id_seq;
ALTER TABLE risk_alertaction ADD CONSTRAINT risk_alertaction_pkey PRIMARY KEY (id);
CREATE INDEX risk_alertaction_alert_id_49c41296 ON risk_alertaction USING btree (alert_id);
CREATE INDEX risk_alertaction_assigned_to_id_9456d9ef ON risk_alertaction USING btree (assigned_to_id);
CREATE INDEX risk_alertaction_follow_up_id_cb70ef4e ON risk_alertaction USING btree (follow_up_id);
CREATE INDEX risk_alertaction_interaction_id_5dbed457 ON risk_alertaction USING btree (interaction_id);
CREATE INDEX risk_alertaction_rule_after_id_3a03da9c ON risk_alertaction USING btree (rule_after_id);
CREATE INDEX risk_alertaction_rule_before_id_63937a03 ON risk_alertaction USING btree (rule_before_id);
CREATE INDEX risk_alertaction_taken_by_id_2b0d6ad4 ON risk_alertaction USING btree (taken_by_id);
ALTER TABLE risk_alertaction ADD CONSTRAINT risk_alertaction_alert_id_49c41296_fk_risk_alert_id FOREIGN KEY (alert_id) REFERENCES risk_alert(id) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE risk_alertaction ADD CONSTRAINT risk_alertaction_assigned_to_id_9456d9ef_fk_accounts_user_id FOREIGN KEY (assigned_to_id) REFERENCES accounts_user(id) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE risk_alertaction ADD CONSTRAINT risk_alertaction_follow_up_id_cb70ef4e_fk_customers_followup_id FOREIGN KEY (follow_up_id) REFERENCES customers_followup(id) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE risk_alertaction ADD CONSTRAINT risk_alertaction_interaction_id_5dbed457_fk_customers FOREIGN KEY (interaction_id) REFERENCES customers_interaction(id) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE risk_alertaction ADD CONSTRAINT risk_alertaction_rule_after_id_3a03da9c_fk_risk_earl FOREIGN KEY (rule_after_id) REFERENCES risk_earlywarningrule(id) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE risk_alertaction ADD CONSTRAINT risk_alertaction_rule_before_id_63937a03_fk_risk_earl FOREIGN KEY (rule_before_id) REFERENCES risk_earlywarningrule(id) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE risk_alertaction ADD CONSTRAINT risk_alertaction_taken_by_id_2b0d6ad4_fk_accounts_user_id FOREIGN KEY (taken_by_id) REFERENCES accounts_user(id) DEFERRABLE INITIALLY DEFERRED;
