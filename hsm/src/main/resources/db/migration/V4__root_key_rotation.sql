-- Root-key rotation: when each key was last rotated and changed state (Key Protect's one-rotation-per-hour and
-- 30-second enable rules), destroyed versions, and the re-wrap jobs that move KMIP keys to a new version.
ALTER TABLE root_keys ADD COLUMN last_rotated_at TIMESTAMPTZ;
ALTER TABLE root_keys ADD COLUMN state_changed_at TIMESTAMPTZ;
ALTER TABLE root_key_versions ADD COLUMN destroyed_at TIMESTAMPTZ;

-- One job per rotation. Progress is derived from the objects themselves (how many are still on an older version),
-- so a job resumes after a crash without any counter to repair.
CREATE TABLE rewrap_jobs (
    id           BIGSERIAL PRIMARY KEY,
    root_key_id  UUID NOT NULL REFERENCES root_keys (id),
    to_version   INTEGER NOT NULL,
    total        INTEGER NOT NULL,
    state        VARCHAR(16) NOT NULL,
    started_at   TIMESTAMPTZ NOT NULL,
    finished_at  TIMESTAMPTZ
);
CREATE INDEX rewrap_jobs_by_state ON rewrap_jobs (state);

-- Objects a job could not re-seal (their blob failed its integrity check, say): they stay on their version, which
-- is then kept on the HSM.
CREATE TABLE rewrap_failures (
    job_id     BIGINT NOT NULL REFERENCES rewrap_jobs (id),
    object_id  UUID NOT NULL,
    reason     VARCHAR(512) NOT NULL,
    PRIMARY KEY (job_id, object_id)
);

CREATE INDEX kmip_objects_by_root_key_version ON kmip_objects (root_key_id, root_key_version);
