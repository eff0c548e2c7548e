-- HSM objects being made (a root key's first version, a rotation's new version). The database decides first: an
-- intent with a label used by no other attempt is committed before the object is made on the HSM, and removed in
-- the transaction that records the new version. An intent that outlives its attempt (the node crashed or hung)
-- names an object nothing uses and no other attempt can share; a sweep destroys it on the HSM and drops the intent.
CREATE TABLE hsm_object_intents (
    hsm_label    VARCHAR(128) PRIMARY KEY,
    root_key_id  UUID NOT NULL,
    version      INTEGER NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);
-- One attempt at a time per root key: two rotations at once (one node or two) cannot both reserve a version.
CREATE UNIQUE INDEX hsm_object_intents_one_per_root_key ON hsm_object_intents (root_key_id);
