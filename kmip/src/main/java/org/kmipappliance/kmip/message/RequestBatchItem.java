package org.kmipappliance.kmip.message;

import java.util.Arrays;
import org.kmipappliance.kmip.ttlv.Ttlv;

/**
 * One Batch Item of a request. When the item itself is malformed, {@code problem} says why and the item fails on
 * its own while the rest of the batch is served.
 *
 * @param operationCode     the Operation enumeration value, or null if the item had none
 * @param uniqueBatchItemId echoed in the response; null when absent
 */
public record RequestBatchItem(Integer operationCode, byte[] uniqueBatchItemId, Ttlv.Structure payload,
                               KmipException problem) {
    public static RequestBatchItem of(Operation operation, byte[] uniqueBatchItemId, Ttlv.Structure payload) {
        return new RequestBatchItem(operation.code(), uniqueBatchItemId, payload, null);
    }

    @Override
    public String toString() {
        return "RequestBatchItem[operation=" + operationCode + ", id="
                + (uniqueBatchItemId == null ? "none" : Arrays.toString(uniqueBatchItemId))
                + (problem == null ? "" : ", problem=" + problem.getMessage()) + "]";
    }
}
