-- Usage metering: per instance and day (UTC), the most KMIP keys and root-key versions held at once, as Key Protect
-- bills key versions (each KMIP key counts as one). Kept 400 days.
CREATE TABLE usage_daily (
    instance_id        UUID NOT NULL REFERENCES instances (id),
    day                DATE NOT NULL,
    kmip_keys          INTEGER NOT NULL,
    root_key_versions  INTEGER NOT NULL,
    PRIMARY KEY (instance_id, day)
);
