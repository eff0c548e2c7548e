-- Attribute lookups lead with the selective column (the value hash, the unique key), so no plan can use these
-- indexes to walk every attribute of an adapter. Before the first ANALYZE of a freshly grown table the planner
-- believed an adapter had one object and chose exactly that walk (quadratic Locate by Name).
DROP INDEX kmip_object_attributes_lookup;
DROP INDEX kmip_object_attributes_unique_key;
CREATE INDEX kmip_object_attributes_by_value ON kmip_object_attributes (value_sha256, adapter_id, name);
CREATE INDEX kmip_object_attributes_by_unique_key ON kmip_object_attributes (unique_key, adapter_id, name);
