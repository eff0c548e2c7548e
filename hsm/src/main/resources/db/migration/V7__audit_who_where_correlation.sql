-- Every audit event says who (the actor, its id, and for a KMIP client the identity that registered its
-- certificate), through which channel and from where, and under which correlation id. Values are cut to these
-- sizes before they are written, so a long client-supplied value can never make the insert (and with it the
-- change it records) fail.
ALTER TABLE audit_events ADD COLUMN channel VARCHAR(8) NOT NULL DEFAULT 'system';
ALTER TABLE audit_events ADD COLUMN actor_id VARCHAR(128);
ALTER TABLE audit_events ADD COLUMN registered_by VARCHAR(128);
ALTER TABLE audit_events ADD COLUMN peer VARCHAR(64);
ALTER TABLE audit_events ADD COLUMN correlation_id VARCHAR(128);
ALTER TABLE audit_events ALTER COLUMN channel DROP DEFAULT;
CREATE INDEX audit_events_by_correlation ON audit_events (correlation_id);
