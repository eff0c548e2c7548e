package org.kmipappliance.kmip.message;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.kmipappliance.kmip.ttlv.ItemType;
import org.kmipappliance.kmip.ttlv.Ttlv;

/** Maps KMIP request and response messages to and from the TTLV tree, in the field order of KMIP 1.4 section 7. */
public final class MessageCodec {
    /**
     * Most batch items accepted in one request. Every item costs a database and often an HSM call; the limit
     * keeps one message from monopolising the appliance.
     */
    public static final int MAX_BATCH_ITEMS = 1_000;

    private MessageCodec() {
    }

    /** The protocol version of a request, read as leniently as possible, for answering even a broken message. */
    public static ProtocolVersion versionOf(Ttlv message) {
        try {
            if (message instanceof Ttlv.Structure request && request.tag() == Tag.REQUEST_MESSAGE) {
                Ttlv.Structure header = (Ttlv.Structure) request.first(Tag.REQUEST_HEADER).orElseThrow();
                return parseVersion(StructureReader.of(header, "Request Header")
                        .requiredStructure(Tag.PROTOCOL_VERSION, "Protocol Version"));
            }
        } catch (KmipException | RuntimeException e) {
            // fall through: nothing better is known
        }
        return ProtocolVersion.V1_0;
    }

    /**
     * Parses a request. A broken message or header fails as a whole ({@link ResultReason#INVALID_MESSAGE}); a
     * broken batch item is returned with its {@code problem} set.
     */
    public static RequestMessage parseRequest(Ttlv message) throws KmipException {
        if (!(message instanceof Ttlv.Structure request) || request.tag() != Tag.REQUEST_MESSAGE) {
            throw new KmipException(ResultReason.INVALID_MESSAGE, "the message is not a Request Message");
        }
        StructureReader reader = StructureReader.of(request, "Request Message");
        RequestHeader header = parseHeader(reader.requiredStructure(Tag.REQUEST_HEADER, "Request Header"));
        List<Ttlv> batchItems = request.all(Tag.BATCH_ITEM);
        if (batchItems.isEmpty()) {
            throw new KmipException(ResultReason.INVALID_MESSAGE, "the request has no Batch Item");
        }
        if (batchItems.size() > MAX_BATCH_ITEMS) {
            throw new KmipException(ResultReason.INVALID_MESSAGE, "a request may carry at most " + MAX_BATCH_ITEMS
                    + " batch items");
        }
        if (batchItems.size() != header.batchCount()) {
            throw new KmipException(ResultReason.INVALID_MESSAGE, "Batch Count says " + header.batchCount()
                    + " but the request has " + batchItems.size() + " batch items");
        }
        List<RequestBatchItem> items = new ArrayList<>(batchItems.size());
        for (Ttlv item : batchItems) {
            items.add(parseBatchItem(item));
        }
        return new RequestMessage(header, items);
    }

    /** Every Request Header field KMIP 1.0 to 1.4 defines. */
    private static final Set<Integer> HEADER_FIELDS = Set.of(Tag.PROTOCOL_VERSION,
            Tag.MAXIMUM_RESPONSE_SIZE, Tag.CLIENT_CORRELATION_VALUE, Tag.SERVER_CORRELATION_VALUE,
            Tag.ASYNCHRONOUS_INDICATOR, Tag.ATTESTATION_CAPABLE_INDICATOR, Tag.ATTESTATION_TYPE, Tag.AUTHENTICATION,
            Tag.BATCH_ERROR_CONTINUATION_OPTION, Tag.BATCH_ORDER_OPTION, Tag.TIME_STAMP, Tag.BATCH_COUNT);

    private static RequestHeader parseHeader(Ttlv.Structure header) throws KmipException {
        StructureReader reader = StructureReader.of(header, "Request Header");
        ProtocolVersion version = parseVersion(reader.requiredStructure(Tag.PROTOCOL_VERSION, "Protocol Version"));
        Integer maximumResponseSize = reader.optionalInteger(Tag.MAXIMUM_RESPONSE_SIZE, "Maximum Response Size")
                .orElse(null);
        String correlation = reader.optionalText(Tag.CLIENT_CORRELATION_VALUE, "Client Correlation Value")
                .orElse(null);
        boolean asynchronous = reader.optionalBoolean(Tag.ASYNCHRONOUS_INDICATOR, "Asynchronous Indicator")
                .orElse(false);
        // Authentication is accepted and not used: the pinned client certificate is the identity.
        reader.optionalStructure(Tag.AUTHENTICATION, "Authentication");
        int continuation = reader.optionalEnumeration(Tag.BATCH_ERROR_CONTINUATION_OPTION,
                "Batch Error Continuation Option").orElse(KmipEnums.BATCH_STOP);
        boolean order = reader.optionalBoolean(Tag.BATCH_ORDER_OPTION, "Batch Order Option").orElse(false);
        var timeStamp = reader.optionalDateTime(Tag.TIME_STAMP, "Time Stamp").orElse(null);
        int batchCount = reader.requiredInteger(Tag.BATCH_COUNT, "Batch Count");
        // A field the request's own version does not define is Invalid Field; one from a newer minor version
        // is ignored (KMIP 1.4 table 327).
        if (!version.atLeast(new ProtocolVersion(1, 5))) {
            for (Ttlv field : header.items()) {
                if (!HEADER_FIELDS.contains(field.tag())) {
                    throw new KmipException(ResultReason.INVALID_FIELD, "the Request Header has an unknown field "
                            + Ttlv.tagName(field.tag()));
                }
            }
        }
        if (batchCount < 1) {
            throw new KmipException(ResultReason.INVALID_MESSAGE, "Batch Count must be at least 1");
        }
        return new RequestHeader(version, maximumResponseSize, correlation, asynchronous, continuation, order,
                timeStamp, batchCount);
    }

    private static ProtocolVersion parseVersion(Ttlv.Structure version) throws KmipException {
        StructureReader reader = StructureReader.of(version, "Protocol Version");
        return new ProtocolVersion(reader.requiredInteger(Tag.PROTOCOL_VERSION_MAJOR, "Protocol Version Major"),
                reader.requiredInteger(Tag.PROTOCOL_VERSION_MINOR, "Protocol Version Minor"));
    }

    private static RequestBatchItem parseBatchItem(Ttlv item) {
        Integer operation = null;
        byte[] batchItemId = null;
        try {
            if (!(item instanceof Ttlv.Structure structure)) {
                throw new KmipException(ResultReason.INVALID_MESSAGE, "a Batch Item must be a structure");
            }
            StructureReader reader = StructureReader.of(structure, "Batch Item");
            batchItemId = reader.optionalBytes(Tag.UNIQUE_BATCH_ITEM_ID, "Unique Batch Item ID").orElse(null);
            operation = reader.requiredEnumeration(Tag.OPERATION, "Operation");
            Ttlv.Structure payload = reader.requiredStructure(Tag.REQUEST_PAYLOAD, "Request Payload");
            var extension = reader.optionalStructure(Tag.MESSAGE_EXTENSION, "Message Extension");
            if (extension.isPresent()) {
                StructureReader fields = StructureReader.of(extension.get(), "Message Extension");
                String vendor = fields.optionalText(Tag.VENDOR_IDENTIFICATION, "Vendor Identification").orElse("?");
                if (fields.optionalBoolean(Tag.CRITICALITY_INDICATOR, "Criticality Indicator").orElse(false)) {
                    // A critical extension we do not understand must not be ignored (KMIP 1.4 section 6.16).
                    throw new KmipException(ResultReason.FEATURE_NOT_SUPPORTED, "the critical message extension of "
                            + "vendor '" + vendor + "' is not supported");
                }
            }
            return new RequestBatchItem(operation, batchItemId, payload, null);
        } catch (KmipException e) {
            return new RequestBatchItem(operation, batchItemId, null, e);
        }
    }

    public static Ttlv.Structure encodeResponse(ResponseMessage response) {
        List<Ttlv> header = new ArrayList<>();
        header.add(encodeVersion(response.version()));
        header.add(Ttlv.DateTimeItem.of(Tag.TIME_STAMP, response.timeStamp()));
        if (response.clientCorrelationValue() != null && response.version().atLeast(ProtocolVersion.V1_4)) {
            header.add(new Ttlv.TextStringItem(Tag.CLIENT_CORRELATION_VALUE, response.clientCorrelationValue()));
        }
        header.add(new Ttlv.IntegerItem(Tag.BATCH_COUNT, response.items().size()));
        List<Ttlv> message = new ArrayList<>();
        message.add(new Ttlv.Structure(Tag.RESPONSE_HEADER, header));
        for (ResponseBatchItem item : response.items()) {
            message.add(encodeBatchItem(item));
        }
        return new Ttlv.Structure(Tag.RESPONSE_MESSAGE, message);
    }

    /** One response batch item, as it is encoded into the response message. */
    public static Ttlv.Structure encodeBatchItem(ResponseBatchItem item) {
        List<Ttlv> fields = new ArrayList<>();
        if (item.operationCode() != null) {
            fields.add(new Ttlv.EnumerationItem(Tag.OPERATION, item.operationCode()));
        }
        if (item.uniqueBatchItemId() != null) {
            fields.add(new Ttlv.ByteStringItem(Tag.UNIQUE_BATCH_ITEM_ID, item.uniqueBatchItemId()));
        }
        fields.add(new Ttlv.EnumerationItem(Tag.RESULT_STATUS, item.status().code()));
        if (item.reason() != null) {
            fields.add(new Ttlv.EnumerationItem(Tag.RESULT_REASON, item.reason().code()));
        }
        if (item.message() != null) {
            fields.add(new Ttlv.TextStringItem(Tag.RESULT_MESSAGE, item.message()));
        }
        if (item.payload() != null) {
            fields.add(item.payload());
        }
        return new Ttlv.Structure(Tag.BATCH_ITEM, fields);
    }

    /** Encodes a request, for the KMIP client. */
    public static Ttlv.Structure encodeRequest(RequestMessage request) {
        RequestHeader header = request.header();
        List<Ttlv> headerFields = new ArrayList<>();
        headerFields.add(encodeVersion(header.version()));
        if (header.maximumResponseSize() != null) {
            headerFields.add(new Ttlv.IntegerItem(Tag.MAXIMUM_RESPONSE_SIZE, header.maximumResponseSize()));
        }
        if (header.clientCorrelationValue() != null && header.version().atLeast(ProtocolVersion.V1_4)) {
            headerFields.add(new Ttlv.TextStringItem(Tag.CLIENT_CORRELATION_VALUE, header.clientCorrelationValue()));
        }
        if (header.batchErrorContinuation() != KmipEnums.BATCH_STOP) {
            headerFields.add(new Ttlv.EnumerationItem(Tag.BATCH_ERROR_CONTINUATION_OPTION,
                    header.batchErrorContinuation()));
        }
        if (header.batchOrder()) {
            headerFields.add(new Ttlv.BooleanItem(Tag.BATCH_ORDER_OPTION, true));
        }
        headerFields.add(new Ttlv.IntegerItem(Tag.BATCH_COUNT, header.batchCount()));
        List<Ttlv> message = new ArrayList<>();
        message.add(new Ttlv.Structure(Tag.REQUEST_HEADER, headerFields));
        for (RequestBatchItem item : request.items()) {
            List<Ttlv> fields = new ArrayList<>();
            fields.add(new Ttlv.EnumerationItem(Tag.OPERATION, item.operationCode()));
            if (item.uniqueBatchItemId() != null) {
                fields.add(new Ttlv.ByteStringItem(Tag.UNIQUE_BATCH_ITEM_ID, item.uniqueBatchItemId()));
            }
            fields.add(item.payload());
            message.add(new Ttlv.Structure(Tag.BATCH_ITEM, fields));
        }
        return new Ttlv.Structure(Tag.REQUEST_MESSAGE, message);
    }

    /** Parses a response, for the KMIP client. */
    public static ResponseMessage parseResponse(Ttlv message) throws KmipException {
        if (!(message instanceof Ttlv.Structure response) || response.tag() != Tag.RESPONSE_MESSAGE) {
            throw new KmipException(ResultReason.INVALID_MESSAGE, "the message is not a Response Message");
        }
        StructureReader reader = StructureReader.of(response, "Response Message");
        StructureReader header = StructureReader.of(reader.requiredStructure(Tag.RESPONSE_HEADER, "Response Header"),
                "Response Header");
        ProtocolVersion version = parseVersion(header.requiredStructure(Tag.PROTOCOL_VERSION, "Protocol Version"));
        var timeStamp = ((Ttlv.DateTimeItem) header.required(Tag.TIME_STAMP, ItemType.DATE_TIME, "Time Stamp"))
                .instant();
        String correlation = header.optionalText(Tag.CLIENT_CORRELATION_VALUE, "Client Correlation Value")
                .orElse(null);
        List<ResponseBatchItem> items = new ArrayList<>();
        for (Ttlv.Structure item : reader.structures(Tag.BATCH_ITEM, "Batch Item")) {
            StructureReader fields = StructureReader.of(item, "Batch Item");
            Integer operation = fields.optionalEnumeration(Tag.OPERATION, "Operation").orElse(null);
            byte[] id = fields.optionalBytes(Tag.UNIQUE_BATCH_ITEM_ID, "Unique Batch Item ID").orElse(null);
            ResultStatus status = ResultStatus.ofCode(fields.requiredEnumeration(Tag.RESULT_STATUS, "Result Status"));
            ResultReason reason = fields.optionalEnumeration(Tag.RESULT_REASON, "Result Reason")
                    .flatMap(ResultReason::ofCode).orElse(null);
            String text = fields.optionalText(Tag.RESULT_MESSAGE, "Result Message").orElse(null);
            Ttlv.Structure payload = fields.optionalStructure(Tag.RESPONSE_PAYLOAD, "Response Payload").orElse(null);
            items.add(new ResponseBatchItem(operation, id, status, reason, text, payload));
        }
        return new ResponseMessage(version, timeStamp, correlation, items);
    }

    public static Ttlv.Structure encodeVersion(ProtocolVersion version) {
        return Ttlv.Structure.of(Tag.PROTOCOL_VERSION,
                new Ttlv.IntegerItem(Tag.PROTOCOL_VERSION_MAJOR, version.major()),
                new Ttlv.IntegerItem(Tag.PROTOCOL_VERSION_MINOR, version.minor()));
    }

    public static ProtocolVersion decodeVersion(Ttlv.Structure version) throws KmipException {
        return parseVersion(version);
    }
}
