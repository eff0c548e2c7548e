-- Key Protect's deletion: a deleted root key (state 5) keeps its HSM objects, so it can be restored within a window;
-- purging it (by request, no sooner than a delay after deletion, or automatically after a longer one) destroys them,
-- the crypto-shredding moment. deleted_by names who deleted it; state_before_deletion is the state restore returns
-- the key to. Keys deleted before this migration were shredded at once: they count as purged.
ALTER TABLE root_keys ADD COLUMN deleted_at TIMESTAMPTZ;
ALTER TABLE root_keys ADD COLUMN deleted_by VARCHAR(128);
ALTER TABLE root_keys ADD COLUMN purged_at TIMESTAMPTZ;
ALTER TABLE root_keys ADD COLUMN state_before_deletion SMALLINT;
UPDATE root_keys SET deleted_at = state_changed_at, purged_at = state_changed_at WHERE state = 5;
CREATE INDEX root_keys_purge_due ON root_keys (deleted_at) WHERE state = 5 AND purged_at IS NULL;
