-- Key Protect aliases: up to five per root key, unique within an instance; a key can be named by id or alias.
CREATE TABLE root_key_aliases (
    instance_id  UUID NOT NULL REFERENCES instances (id),
    alias        VARCHAR(90) NOT NULL,
    root_key_id  UUID NOT NULL REFERENCES root_keys (id),
    created_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (instance_id, alias)
);
CREATE INDEX root_key_aliases_by_key ON root_key_aliases (root_key_id);
