-- Helpers of this migration only (pg_temp: gone with the session, never in the schema).
-- The bank's time zone, which draws the months of a moment column, is set by the migration
-- in crm.partition_zone for this transaction.

-- The months to create: every month a row of `source` falls in, and the year before and the
-- three months after this one, so that tomorrow's rows have their partition already.
CREATE OR REPLACE FUNCTION pg_temp.months_to_partition(source text, key text, moment boolean)
RETURNS SETOF date LANGUAGE plpgsql AS $$
DECLARE
    zone text := current_setting('crm.partition_zone');
    this_month date := date_trunc('month', now() AT TIME ZONE zone)::date;
BEGIN
    RETURN QUERY EXECUTE format(
        'SELECT date_trunc(''month'', %I%s)::date FROM %I UNION '
        'SELECT month::date FROM generate_series($1, $2, interval ''1 month'') AS month',
        key, CASE WHEN moment THEN format(' AT TIME ZONE %L', zone) ELSE '' END, source
    ) USING this_month - interval '12 months', this_month + interval '3 months';
END;
$$;

-- `parent` split by month of `key`, one partition per month of the rows in `source` (see
-- above), named <base>_pYYYYMM, and a default partition <base>_default so that an insert
-- never fails; the maintenance step moves what lands there into its month.
CREATE OR REPLACE FUNCTION pg_temp.create_month_partitions(
    parent text, base text, source text, key text, moment boolean
) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    zone text := current_setting('crm.partition_zone');
    month date;
BEGIN
    FOR month IN SELECT * FROM pg_temp.months_to_partition(source, key, moment) ORDER BY 1 LOOP
        IF moment THEN
            EXECUTE format(
                'CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
                base || to_char(month, '"_p"YYYYMM'), parent,
                month::timestamp AT TIME ZONE zone,
                (month + interval '1 month')::timestamp AT TIME ZONE zone
            );
        ELSE
            EXECUTE format(
                'CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
                base || to_char(month, '"_p"YYYYMM'), parent,
                month, (month + interval '1 month')::date
            );
        END IF;
    END LOOP;
    EXECUTE format('CREATE TABLE %I PARTITION OF %I DEFAULT', base || '_default', parent);
END;
$$;

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

-- risk_riskhistory: split by month of changed_on. The rows are copied in one statement into the new table before
-- it has any index (faster than indexing row by row), ids as they were; then the old table
-- goes, the new one takes its name, its sequence's name and its indexes' names. The primary
-- key holds the partition column, as PostgreSQL requires (risk_riskhistory_pkey: id, changed_on); Django keeps
-- id as the model's primary key (ids are still unique: one sequence gives them).
CREATE TABLE risk_riskhistory_partitioned (
    LIKE risk_riskhistory INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING CONSTRAINTS
) PARTITION BY RANGE (changed_on);
SELECT pg_temp.create_month_partitions('risk_riskhistory_partitioned', 'risk_riskhistory', 'risk_riskhistory', 'changed_on', false);
INSERT INTO risk_riskhistory_partitioned SELECT * FROM risk_riskhistory;
SELECT pg_temp.carry_on_ids('risk_riskhistory', 'risk_riskhistory_partitioned');
DROP TABLE risk_riskhistory;
ALTER TABLE risk_riskhistory_partitioned RENAME TO risk_riskhistory;
ALTER SEQUENCE risk_riskhistory_partitioned_id_seq RENAME TO risk_riskhistory_id_seq;
ALTER TABLE risk_riskhistory ADD CONSTRAINT risk_riskhistory_pkey PRIMARY KEY (id, changed_on);
CREATE INDEX history_by_date ON risk_riskhistory USING btree (kind, changed_on);
CREATE INDEX history_customer ON risk_riskhistory USING btree (kind, customer_id, changed_on);
CREATE INDEX history_loan ON risk_riskhistory USING btree (kind, loan_id, changed_on);
CREATE INDEX history_recent ON risk_riskhistory USING btree (changed_on DESC, id DESC);
CREATE INDEX risk_riskhistory_customer_id_6cad1281 ON risk_riskhistory USING btree (customer_id);
CREATE INDEX risk_riskhistory_loan_id_6a23e3aa ON risk_riskhistory USING btree (loan_id);
ALTER TABLE risk_riskhistory ADD CONSTRAINT risk_riskhistory_customer_id_6cad1281_fk_customers_customer_id FOREIGN KEY (customer_id) REFERENCES customers_customer(id) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE risk_riskhistory ADD CONSTRAINT risk_riskhistory_loan_id_6a23e3aa_fk_credit_loan_id FOREIGN KEY (loan_id) REFERENCES credit_loan(id) DEFERRABLE INITIALLY DEFERRED;

-- risk_alertaction: split by month of taken_at. The rows are copied in one statement into the new table before
-- it has any index (faster than indexing row by row), ids as they were; then the old table
-- goes, the new one takes its name, its sequence's name and its indexes' names. The primary
-- key holds the partition column, as PostgreSQL requires (risk_alertaction_pkey: id, taken_at); Django keeps
-- id as the model's primary key (ids are still unique: one sequence gives them).
CREATE TABLE risk_alertaction_partitioned (
    LIKE risk_alertaction INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING CONSTRAINTS
) PARTITION BY RANGE (taken_at);
SELECT pg_temp.create_month_partitions('risk_alertaction_partitioned', 'risk_alertaction', 'risk_alertaction', 'taken_at', true);
INSERT INTO risk_alertaction_partitioned SELECT * FROM risk_alertaction;
SELECT pg_temp.carry_on_ids('risk_alertaction', 'risk_alertaction_partitioned');
DROP TABLE risk_alertaction;
ALTER TABLE risk_alertaction_partitioned RENAME TO risk_alertaction;
ALTER SEQUENCE risk_alertaction_partitioned_id_seq RENAME TO risk_alertaction_id_seq;
ALTER TABLE risk_alertaction ADD CONSTRAINT risk_alertaction_pkey PRIMARY KEY (id, taken_at);
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
