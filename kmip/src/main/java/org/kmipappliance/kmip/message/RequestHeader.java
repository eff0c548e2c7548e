package org.kmipappliance.kmip.message;

import java.time.Instant;

/**
 * The fields of a Request Header that this server acts on.
 *
 * @param maximumResponseSize    null when the client sets no limit
 * @param clientCorrelationValue 1.4; null when absent
 * @param batchErrorContinuation one of {@link KmipEnums#BATCH_CONTINUE}, {@code BATCH_STOP}, {@code BATCH_UNDO}
 */
public record RequestHeader(ProtocolVersion version, Integer maximumResponseSize, String clientCorrelationValue,
                            boolean asynchronous, int batchErrorContinuation, boolean batchOrder, Instant timeStamp,
                            int batchCount) {
    public static RequestHeader simple(ProtocolVersion version, int batchCount) {
        return new RequestHeader(version, null, null, false, KmipEnums.BATCH_STOP, false, null, batchCount);
    }
}
