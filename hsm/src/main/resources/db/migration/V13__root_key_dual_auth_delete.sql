-- Key Protect's dual authorization for deletion: with the policy on, one principal authorizes the deletion
-- (setKeyForDeletion) and another deletes, within seven days of the authorization.
ALTER TABLE root_keys ADD COLUMN dual_auth_delete BOOLEAN DEFAULT FALSE NOT NULL;
ALTER TABLE root_keys ADD COLUMN deletion_authorized_by VARCHAR(128);
ALTER TABLE root_keys ADD COLUMN deletion_authorized_at TIMESTAMPTZ;
