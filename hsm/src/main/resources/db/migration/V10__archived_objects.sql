-- KMIP Archive and Recover: an archived object is off-line (every operation on it but Recover answers Object
-- Archived, and Locate finds it only when asked for archived objects); its sealed material stays in place, under the
-- same custody, so Recover is immediate.
ALTER TABLE kmip_objects ADD COLUMN archived_at TIMESTAMPTZ;
