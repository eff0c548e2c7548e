-- Activation and Deactivation Dates take effect when they come (KMIP 1.4 section 3.22, transitions 4 and 6): reads
-- apply them at once, and the maintenance sweep records the new state. These partial indexes serve the sweep: only
-- objects waiting for a date are in them.
CREATE INDEX kmip_objects_activation_due ON kmip_objects (activation_date)
    WHERE state = 1 AND activation_date IS NOT NULL;
CREATE INDEX kmip_objects_deactivation_due ON kmip_objects (deactivation_date)
    WHERE state = 2 AND deactivation_date IS NOT NULL;
