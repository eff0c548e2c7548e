package org.kmipappliance.kmip.message;

import org.kmipappliance.kmip.ttlv.Ttlv;

/**
 * One Batch Item of a response.
 *
 * @param operationCode echoed when the request named one, else null
 * @param reason        null on success
 * @param message       the Result Message of a failure, or null
 * @param payload       the Response Payload of a success, or null
 */
public record ResponseBatchItem(Integer operationCode, byte[] uniqueBatchItemId, ResultStatus status,
                                ResultReason reason, String message, Ttlv.Structure payload) {
    public static ResponseBatchItem success(Integer operationCode, byte[] uniqueBatchItemId, Ttlv.Structure payload) {
        return new ResponseBatchItem(operationCode, uniqueBatchItemId, ResultStatus.SUCCESS, null, null, payload);
    }

    public static ResponseBatchItem failure(Integer operationCode, byte[] uniqueBatchItemId, ResultReason reason,
                                            String message) {
        return new ResponseBatchItem(operationCode, uniqueBatchItemId, ResultStatus.OPERATION_FAILED, reason, message,
                null);
    }
}
