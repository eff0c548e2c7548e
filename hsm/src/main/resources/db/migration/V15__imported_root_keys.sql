-- Bring your own key: root keys whose versions are key material the HSM unwrapped (or, where the configuration allows
-- it, was handed) instead of generated, and the import tokens their material is wrapped for.
ALTER TABLE root_keys ADD COLUMN imported BOOLEAN NOT NULL DEFAULT FALSE;

-- The current version's AES key length; null when the HSM does not report an imported key's length (SoftHSM2). Every
-- key before this migration was generated AES-256.
ALTER TABLE root_keys ADD COLUMN bit_length SMALLINT;
UPDATE root_keys SET bit_length = 256;

-- An instance's import token (Key Protect's): an RSA transport key pair made by the HSM, whose private half stays on
-- the token under hsm_label and only unwraps; the public half and the nonce are what clients retrieve. A new token
-- supersedes the instance's current one; superseded and expired tokens have their transport key destroyed by the
-- maintenance sweep, which then deletes the row. public_key is null while the HSM makes the pair.
CREATE TABLE import_tokens (
    hsm_label             VARCHAR(128) PRIMARY KEY,
    instance_id           UUID NOT NULL REFERENCES instances (id),
    public_key            BYTEA,
    nonce                 BYTEA NOT NULL,
    created_at            TIMESTAMPTZ NOT NULL,
    created_by            VARCHAR(512) NOT NULL,
    expires_at            TIMESTAMPTZ NOT NULL,
    max_retrievals        INTEGER NOT NULL,
    remaining_retrievals  INTEGER NOT NULL,
    superseded_at         TIMESTAMPTZ
);
CREATE UNIQUE INDEX import_tokens_current ON import_tokens (instance_id) WHERE superseded_at IS NULL;
CREATE INDEX import_tokens_sweep ON import_tokens (expires_at);
