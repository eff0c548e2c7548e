-- The custody records. No column holds plaintext key material: KMIP keys are stored only as blobs sealed
-- by the HSM under a root-key version, and root keys never leave the HSM at all.

CREATE TABLE instances (
    id          UUID PRIMARY KEY,
    name        VARCHAR(100) NOT NULL UNIQUE,
    created_at  TIMESTAMPTZ NOT NULL
);

-- Bearer API tokens: only the SHA-256 of the secret is kept, so a database dump cannot be replayed.
CREATE TABLE api_tokens (
    id            UUID PRIMARY KEY,
    instance_id   UUID NOT NULL REFERENCES instances (id),
    secret_sha256 CHAR(64) NOT NULL UNIQUE,
    description   VARCHAR(240) NOT NULL,
    roles         VARCHAR(200) NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    expires_at    TIMESTAMPTZ,
    revoked_at    TIMESTAMPTZ
);

-- Root keys, with Key Protect's state numbers (1 Active, 2 Suspended, 3 Deactivated, 5 Destroyed).
CREATE TABLE root_keys (
    id               UUID PRIMARY KEY,
    instance_id      UUID NOT NULL REFERENCES instances (id),
    name             VARCHAR(90) NOT NULL,
    description      VARCHAR(240),
    state            SMALLINT NOT NULL,
    current_version  INTEGER NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    created_by       VARCHAR(128) NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX root_keys_by_instance ON root_keys (instance_id, created_at DESC);

-- Each version is one AES-256 secret-key object on the HSM token, found by its label.
CREATE TABLE root_key_versions (
    root_key_id  UUID NOT NULL REFERENCES root_keys (id),
    version      INTEGER NOT NULL,
    hsm_label    VARCHAR(128) NOT NULL UNIQUE,
    created_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (root_key_id, version)
);

CREATE TABLE kmip_adapters (
    id           UUID PRIMARY KEY,
    instance_id  UUID NOT NULL REFERENCES instances (id),
    name         VARCHAR(40) NOT NULL,
    description  VARCHAR(240) NOT NULL,
    profile      VARCHAR(32) NOT NULL,
    root_key_id  UUID NOT NULL REFERENCES root_keys (id),
    created_at   TIMESTAMPTZ NOT NULL,
    created_by   VARCHAR(128) NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    updated_by   VARCHAR(128) NOT NULL,
    CONSTRAINT kmip_adapters_name_unique UNIQUE (instance_id, name)
);

-- A client certificate is pinned by the SHA-256 of its DER encoding; one certificate, one adapter.
CREATE TABLE kmip_client_certificates (
    id                  UUID PRIMARY KEY,
    adapter_id          UUID NOT NULL REFERENCES kmip_adapters (id),
    name                VARCHAR(40) NOT NULL,
    certificate_pem     TEXT NOT NULL,
    sha256_fingerprint  CHAR(64) NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL,
    created_by          VARCHAR(128) NOT NULL,
    CONSTRAINT kmip_client_certificates_fingerprint_unique UNIQUE (sha256_fingerprint),
    CONSTRAINT kmip_client_certificates_name_unique UNIQUE (adapter_id, name)
);

-- KMIP objects. sealed_material is iv || ciphertext || tag from the HSM's AES-256-GCM under the named
-- root-key version, with the object id and that version as additional authenticated data.
CREATE TABLE kmip_objects (
    id                        UUID PRIMARY KEY,
    adapter_id                UUID NOT NULL REFERENCES kmip_adapters (id),
    object_type               SMALLINT NOT NULL,
    state                     SMALLINT NOT NULL,
    cryptographic_algorithm   VARCHAR(16) NOT NULL,
    cryptographic_length      INTEGER NOT NULL,
    cryptographic_usage_mask  INTEGER NOT NULL,
    sealed_material           BYTEA,
    seal_mechanism            VARCHAR(64) NOT NULL,
    root_key_id               UUID NOT NULL,
    root_key_version          INTEGER NOT NULL,
    created_at                TIMESTAMPTZ NOT NULL,
    created_by_cert_id        UUID,
    created_by                VARCHAR(128) NOT NULL,
    updated_at                TIMESTAMPTZ NOT NULL,
    updated_by_cert_id        UUID,
    updated_by                VARCHAR(128) NOT NULL,
    destroyed_at              TIMESTAMPTZ,
    destroyed_by_cert_id      UUID,
    destroyed_by              VARCHAR(128),
    FOREIGN KEY (root_key_id, root_key_version) REFERENCES root_key_versions (root_key_id, version)
);
CREATE INDEX kmip_objects_by_adapter ON kmip_objects (adapter_id, created_at DESC, id);
