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

-- audit_auditevent: split by month of created_at. The rows are copied in one statement into the new table before
-- it has any index (faster than indexing row by row), ids as they were; then the old table
-- goes, the new one takes its name, its sequence's name and its indexes' names. The primary
-- key holds the partition column, as PostgreSQL requires (audit_auditevent_pkey: id, created_at); Django keeps
-- id as the model's primary key (ids are still unique: one sequence gives them).
CREATE TABLE audit_auditevent_partitioned (
    LIKE audit_auditevent INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING CONSTRAINTS
) PARTITION BY RANGE (created_at);
SELECT pg_temp.create_month_partitions('audit_auditevent_partitioned', 'audit_auditevent', 'audit_auditevent', 'created_at', true);
INSERT INTO audit_auditevent_partitioned SELECT * FROM audit_auditevent;
SELECT pg_temp.carry_on_ids('audit_auditevent', 'audit_auditevent_partitioned');
DROP TABLE audit_auditevent;
ALTER TABLE audit_auditevent_partitioned RENAME TO audit_auditevent;
ALTER SEQUENCE audit_auditevent_partitioned_id_seq RENAME TO audit_auditevent_id_seq;
ALTER TABLE audit_auditevent ADD CONSTRAINT audit_auditevent_pkey PRIMARY KEY (id, created_at);
CREATE INDEX audit_audit_actor_i_fb4253_idx ON audit_auditevent USING btree (actor_id, created_at DESC);
CREATE INDEX audit_audit_object__88a561_idx ON audit_auditevent USING btree (object_type, object_id, created_at DESC);
CREATE INDEX audit_auditevent_action_2131bb77 ON audit_auditevent USING btree (action);
CREATE INDEX audit_auditevent_action_2131bb77_like ON audit_auditevent USING btree (action varchar_pattern_ops);
CREATE INDEX audit_auditevent_actor_id_270bb4b7 ON audit_auditevent USING btree (actor_id);
CREATE INDEX audit_auditevent_created_at_58e81936 ON audit_auditevent USING btree (created_at);
ALTER TABLE audit_auditevent ADD CONSTRAINT audit_auditevent_actor_id_270bb4b7_fk_accounts_user_id FOREIGN KEY (actor_id) REFERENCES accounts_user(id) DEFERRABLE INITIALLY DEFERRED;
-- The trail stays append-only (audit 0002): the trigger is cloned onto every partition.
CREATE TRIGGER audit_event_append_only
    BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
