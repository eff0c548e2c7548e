package org.kmipappliance.kmip.message;

import java.util.List;

public record RequestMessage(RequestHeader header, List<RequestBatchItem> items) {
    public RequestMessage {
        items = List.copyOf(items);
    }
}
