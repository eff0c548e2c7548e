-- Every KMIP object type, not only symmetric keys. Secret Data and Opaque Objects have no algorithm or length;
-- data_type is the object's Secret Data Type, Opaque Data Type or Certificate Type; key_format_type is the KMIP Key
-- Format Type the sealed material is kept in (Raw for symmetric keys; PKCS#1, PKCS#8 or X.509 for asymmetric keys,
-- as registered or generated), so Get answers in it without a conversion. Certificates and public keys are sealed
-- like every other object: one custody for all.
ALTER TABLE kmip_objects ALTER COLUMN cryptographic_algorithm DROP NOT NULL;
ALTER TABLE kmip_objects ALTER COLUMN cryptographic_length DROP NOT NULL;
ALTER TABLE kmip_objects ADD COLUMN data_type INTEGER;
ALTER TABLE kmip_objects ADD COLUMN key_format_type SMALLINT;
