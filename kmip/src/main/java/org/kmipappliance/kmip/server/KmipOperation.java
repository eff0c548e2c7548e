package org.kmipappliance.kmip.server;

import org.kmipappliance.kmip.message.KmipException;
import org.kmipappliance.kmip.message.Operation;
import org.kmipappliance.kmip.ttlv.Ttlv;

/**
 * One KMIP operation. It reads its request payload and returns its response payload; it never builds batch
 * items. Failures are thrown: {@link KmipException} for a KMIP Result Reason, custody and HSM exceptions for the
 * batch executor to map.
 */
public interface KmipOperation {
    Operation operation();

    Ttlv.Structure execute(Ttlv.Structure requestPayload, BatchContext context) throws KmipException;
}
