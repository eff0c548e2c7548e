package org.kmipappliance.kmip.server.operations;

import org.kmipappliance.kmip.message.KmipException;
import org.kmipappliance.kmip.message.Operation;
import org.kmipappliance.kmip.message.ResultReason;
import org.kmipappliance.kmip.message.StructureReader;
import org.kmipappliance.kmip.message.Tag;
import org.kmipappliance.kmip.server.BatchContext;
import org.kmipappliance.kmip.server.KmipOperation;
import org.kmipappliance.kmip.ttlv.Ttlv;

/**
 * Poll and Cancel (KMIP 1.4 sections 4.28 and 4.27) as a server without asynchronous operations answers them: it
 * answers every request at once, so no operation is ever pending under an Asynchronous Correlation Value.
 */
public final class AsynchronousOperations {
    /** Cancellation Result (section 9.1.3.2.25): the correlation value matches no pending or completed operation. */
    static final int CANCELLATION_UNAVAILABLE = 0x05;

    private AsynchronousOperations() {
    }

    /** Poll: Item Not Found (table 352), whatever the correlation value. */
    public static KmipOperation poll() {
        return new KmipOperation() {
            @Override
            public Operation operation() {
                return Operation.POLL;
            }

            @Override
            public Ttlv.Structure execute(Ttlv.Structure payload, BatchContext context) throws KmipException {
                correlationValue(payload, "Poll");
                throw new KmipException(ResultReason.ITEM_NOT_FOUND, "no operation is pending: this server answers "
                        + "every request at once");
            }
        };
    }

    /** Cancel: the correlation value back, with the Cancellation Result Unavailable. */
    public static KmipOperation cancel() {
        return new KmipOperation() {
            @Override
            public Operation operation() {
                return Operation.CANCEL;
            }

            @Override
            public Ttlv.Structure execute(Ttlv.Structure payload, BatchContext context) throws KmipException {
                return Ttlv.Structure.of(Tag.RESPONSE_PAYLOAD, new Ttlv.ByteStringItem(
                        Tag.ASYNCHRONOUS_CORRELATION_VALUE, correlationValue(payload, "Cancel")),
                        new Ttlv.EnumerationItem(Tag.CANCELLATION_RESULT, CANCELLATION_UNAVAILABLE));
            }
        };
    }

    private static byte[] correlationValue(Ttlv.Structure payload, String operation) throws KmipException {
        return StructureReader.ofPayload(payload, operation).optionalBytes(Tag.ASYNCHRONOUS_CORRELATION_VALUE,
                "Asynchronous Correlation Value").orElseThrow(() -> new KmipException(ResultReason.INVALID_MESSAGE,
                "the Asynchronous Correlation Value is required")).clone();
    }
}
