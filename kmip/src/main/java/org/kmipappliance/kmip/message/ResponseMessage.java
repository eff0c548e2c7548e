package org.kmipappliance.kmip.message;

import java.time.Instant;
import java.util.List;

/** A Response Message; {@code clientCorrelationValue} is echoed only to 1.4 clients. */
public record ResponseMessage(ProtocolVersion version, Instant timeStamp, String clientCorrelationValue,
                              List<ResponseBatchItem> items) {
    public ResponseMessage {
        items = List.copyOf(items);
    }
}
