-- A root key may expire (Key Protect's expirationDate): when the date comes, the key becomes Deactivated. The
-- partial index serves the sweep that finds the keys whose date has come.
ALTER TABLE root_keys ADD COLUMN expiration_date TIMESTAMPTZ;
CREATE INDEX root_keys_expiring ON root_keys (expiration_date)
    WHERE expiration_date IS NOT NULL AND state IN (1, 2);
