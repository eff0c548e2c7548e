package org.kmipappliance.hsm;

import java.util.UUID;

/**
 * The identity of a KMIP request: its registered client certificate (and who registered it), hence its adapter,
 * and the requester its audit events name.
 */
public record KmipCaller(UUID certificateId, String certificateName, UUID adapterId, UUID instanceId,
                         String registeredBy, Requester requester) {
    /**
     * The name recorded in the created_by / updated_by / destroyed_by fields of the objects it changes: the identity
     * that registered its certificate, as Key Protect names it (the certificate itself is recorded beside, in the
     * *_by_cert_id fields, and in the audit trail).
     */
    public String subject() {
        return registeredBy != null ? registeredBy : requester.actor();
    }

    /** The same caller in one request, from {@code peer}, under {@code correlationId}. */
    public KmipCaller inRequest(String peer, String correlationId) {
        return new KmipCaller(certificateId, certificateName, adapterId, instanceId, registeredBy,
                Requester.kmip(certificateId, certificateName, registeredBy, instanceId, adapterId, peer,
                        correlationId));
    }
}
