package org.kmipappliance.hsm;

import java.util.UUID;

/** The identity of a KMIP connection: its registered client certificate and hence its adapter. */
public record KmipCaller(UUID certificateId, String certificateName, UUID adapterId, UUID instanceId) {
    /** The name recorded in created_by / updated_by fields. */
    public String subject() {
        return "kmip-client-cert-" + certificateId;
    }
}
