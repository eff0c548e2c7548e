-- KMIP lifecycle dates, the client-supplied attributes of KMIP objects, and the audit trail.

ALTER TABLE kmip_objects ADD COLUMN activation_date TIMESTAMPTZ;
ALTER TABLE kmip_objects ADD COLUMN deactivation_date TIMESTAMPTZ;
ALTER TABLE kmip_objects ADD COLUMN compromise_date TIMESTAMPTZ;
ALTER TABLE kmip_objects ADD COLUMN compromise_occurrence_date TIMESTAMPTZ;
ALTER TABLE kmip_objects ADD COLUMN revocation_reason SMALLINT;
ALTER TABLE kmip_objects ADD COLUMN revocation_message VARCHAR(1024);
-- KMIP "Fresh": true until the key has been served to a client once.
ALTER TABLE kmip_objects ADD COLUMN fresh BOOLEAN DEFAULT TRUE NOT NULL;
-- SHA-256 of the key material (the KMIP Digest attribute): a one-way fingerprint, not the material.
ALTER TABLE kmip_objects ADD COLUMN digest_sha256 BYTEA;

-- Attributes a client set on an object (Name, Object Group, x-..., ...). value is the encoded Attribute Value,
-- opaque to the custody module, and value_sha256 its hex SHA-256 for indexed equality lookups; unique_key, when
-- set, must be unique among the live objects of the adapter for that attribute name (KMIP: a Name names one
-- object).
CREATE TABLE kmip_object_attributes (
    object_id        UUID NOT NULL REFERENCES kmip_objects (id),
    adapter_id       UUID NOT NULL,
    name             VARCHAR(256) NOT NULL,
    attribute_index  INTEGER NOT NULL,
    value            BYTEA NOT NULL,
    value_sha256     CHAR(64) NOT NULL,
    unique_key       VARCHAR(1024),
    PRIMARY KEY (object_id, name, attribute_index)
);
-- Locate by attribute (Name, x-...) within an adapter.
CREATE INDEX kmip_object_attributes_lookup ON kmip_object_attributes (adapter_id, name, value_sha256);
CREATE INDEX kmip_object_attributes_unique_key ON kmip_object_attributes (adapter_id, name, unique_key);

CREATE INDEX kmip_objects_by_adapter_state ON kmip_objects (adapter_id, state);

-- Who did what to which object, and how it ended. Never holds key material.
CREATE TABLE audit_events (
    id           BIGSERIAL PRIMARY KEY,
    occurred_at  TIMESTAMPTZ NOT NULL,
    actor        VARCHAR(128) NOT NULL,
    instance_id  UUID,
    adapter_id   UUID,
    action       VARCHAR(64) NOT NULL,
    target       VARCHAR(128),
    outcome      VARCHAR(64) NOT NULL,
    detail       VARCHAR(1024)
);
CREATE INDEX audit_events_by_time ON audit_events (occurred_at);
