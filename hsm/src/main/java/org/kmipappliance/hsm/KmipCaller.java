package org.kmipappliance.hsm;

import java.util.UUID;

/**
 * The identity of a KMIP request: its registered client certificate (and who registered it), hence its adapter,
 * and the requester its audit events name.
 */
public record KmipCaller(UUID certificateId, String certificateName, UUID adapterId, UUID instanceId,
                         String registeredBy, Requester requester) {
    /** The name recorded in created_by / updated_by fields. */
    public String subject() {
        return requester.actor();
    }

    /** The same caller in one request, from {@code peer}, under {@code correlationId}. */
    public KmipCaller inRequest(String peer, String correlationId) {
        return new KmipCaller(certificateId, certificateName, adapterId, instanceId, registeredBy,
                Requester.kmip(certificateId, certificateName, registeredBy, instanceId, adapterId, peer,
                        correlationId));
    }
}
