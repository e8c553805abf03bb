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

-- audit_auditevent: back to one table, rows and ids as they are.
CREATE TABLE audit_auditevent_unpartitioned (
    LIKE audit_auditevent INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING CONSTRAINTS
);
INSERT INTO audit_auditevent_unpartitioned SELECT * FROM audit_auditevent;
SELECT pg_temp.carry_on_ids('audit_auditevent', 'audit_auditevent_unpartitioned');
DROP TABLE audit_auditevent;
ALTER TABLE audit_auditevent_unpartitioned RENAME TO audit_auditevent;
ALTER SEQUENCE audit_auditevent_unpartitioned_id_seq RENAME TO audit_auditevent_id_seq;
ALTER TABLE audit_auditevent ADD CONSTRAINT audit_auditevent_pkey PRIMARY KEY (id);
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
