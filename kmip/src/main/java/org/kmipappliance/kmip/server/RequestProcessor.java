package org.kmipappliance.kmip.server;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.kmipappliance.hsm.CustodyException;
import org.kmipappliance.hsm.HsmException;
import org.kmipappliance.hsm.KeyCustody;
import org.kmipappliance.hsm.KmipCaller;
import org.kmipappliance.kmip.message.KmipEnums;
import org.kmipappliance.kmip.message.KmipException;
import org.kmipappliance.kmip.message.MessageCodec;
import org.kmipappliance.kmip.message.Operation;
import org.kmipappliance.kmip.message.ProtocolVersion;
import org.kmipappliance.kmip.message.RequestBatchItem;
import org.kmipappliance.kmip.message.RequestMessage;
import org.kmipappliance.kmip.message.ResponseBatchItem;
import org.kmipappliance.kmip.message.ResponseMessage;
import org.kmipappliance.kmip.message.ResultReason;
import org.kmipappliance.kmip.server.operations.AddAttributeOperation;
import org.kmipappliance.kmip.server.operations.CreateOperation;
import org.kmipappliance.kmip.server.operations.DiscoverVersionsOperation;
import org.kmipappliance.kmip.server.operations.GetAttributesOperation;
import org.kmipappliance.kmip.server.operations.GetOperation;
import org.kmipappliance.kmip.server.operations.LifecycleOperation;
import org.kmipappliance.kmip.server.operations.LocateOperation;
import org.kmipappliance.kmip.server.operations.QueryOperation;
import org.kmipappliance.kmip.ttlv.Ttlv;
import org.kmipappliance.kmip.ttlv.TtlvDecoder;
import org.kmipappliance.kmip.ttlv.TtlvEncoder;
import org.kmipappliance.kmip.ttlv.TtlvException;

/**
 * The batch executor: turns one request frame into one response frame. It runs on a virtual thread, never on
 * the event loop, because operations call the database and the HSM.
 */
public final class RequestProcessor {
    private static final System.Logger LOG = System.getLogger(RequestProcessor.class.getName());
    private static final String GENERIC_FAILURE = "the server could not complete the operation; see its log";

    private final KeyCustody custody;
    private final Clock clock;
    private final Map<Operation, KmipOperation> operations = new EnumMap<>(Operation.class);

    public RequestProcessor(KeyCustody custody, Clock clock) {
        this.custody = custody;
        this.clock = clock;
        register(new DiscoverVersionsOperation());
        register(new CreateOperation(custody));
        register(new GetOperation(custody));
        register(new GetAttributesOperation(custody));
        register(new AddAttributeOperation(custody));
        register(LifecycleOperation.activate(custody));
        register(LifecycleOperation.revoke(custody));
        register(LifecycleOperation.destroy(custody));
        register(new LocateOperation(custody));
        register(new QueryOperation(operations::keySet));
    }

    private void register(KmipOperation operation) {
        operations.put(operation.operation(), operation);
    }

    /**
     * Answers one request from the client holding the certificate with {@code fingerprint}. Returns empty when the
     * connection must be closed instead: the certificate is no longer registered.
     */
    public Optional<byte[]> process(byte[] frame, String fingerprint) {
        Optional<KmipCaller> caller = custody.certificates().identify(fingerprint);
        if (caller.isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "closing a KMIP connection: its certificate is no longer registered");
            return Optional.empty();
        }
        Ttlv tree;
        try {
            tree = TtlvDecoder.decode(frame);
        } catch (TtlvException e) {
            LOG.log(System.Logger.Level.DEBUG, "unparseable KMIP message from {0}: {1}", caller.get().subject(),
                    e.getMessage());
            return Optional.of(encode(messageFailure(ProtocolVersion.V1_0, ResultReason.INVALID_MESSAGE,
                    "the message is not well-formed TTLV: " + e.getMessage())));
        }
        ProtocolVersion requested = MessageCodec.versionOf(tree);
        if (requested.major() != 1) {
            return Optional.of(encode(messageFailure(requested, ResultReason.INVALID_MESSAGE,
                    "this server speaks KMIP 1.0 to 1.4, not " + requested)));
        }
        ProtocolVersion version = requested.atLeast(ProtocolVersion.V1_4) ? ProtocolVersion.V1_4 : requested;
        RequestMessage request;
        try {
            request = MessageCodec.parseRequest(tree);
        } catch (KmipException e) {
            return Optional.of(encode(messageFailure(version, e.reason(), e.getMessage())));
        }
        if (request.header().batchErrorContinuation() == KmipEnums.BATCH_UNDO) {
            return Optional.of(encode(messageFailure(version, ResultReason.FEATURE_NOT_SUPPORTED,
                    "the Undo batch error continuation option is not supported")));
        }
        ResponseMessage response = execute(request, version, caller.get());
        byte[] encoded = encode(response);
        Integer limit = request.header().maximumResponseSize();
        if (limit != null && encoded.length > limit) {
            Arrays.fill(encoded, (byte) 0);
            encoded = encode(tooLarge(response, limit));
        }
        return Optional.of(encoded);
    }

    /** The response with every payload replaced by Response Too Large (KMIP 1.4 table 327). */
    private static ResponseMessage tooLarge(ResponseMessage response, int limit) {
        return new ResponseMessage(response.version(), response.timeStamp(), response.clientCorrelationValue(),
                response.items().stream().map(item -> item.payload() == null ? item
                        : ResponseBatchItem.failure(item.operationCode(), item.uniqueBatchItemId(),
                                ResultReason.RESPONSE_TOO_LARGE, "the response is larger than the Maximum Response "
                                        + "Size of " + limit + " bytes")).toList());
    }

    private ResponseMessage execute(RequestMessage request, ProtocolVersion version, KmipCaller caller) {
        // Items run in order, so a Batch Order Option of true is honoured as well as false.
        BatchContext context = new BatchContext(caller, version);
        boolean stopOnFailure = request.header().batchErrorContinuation() != KmipEnums.BATCH_CONTINUE;
        List<ResponseBatchItem> answers = new ArrayList<>();
        for (RequestBatchItem item : request.items()) {
            ResponseBatchItem answer = executeItem(item, context);
            answers.add(answer);
            if (answer.reason() != null && stopOnFailure) {
                break;
            }
        }
        return new ResponseMessage(version, clock.instant(), request.header().clientCorrelationValue(), answers);
    }

    private ResponseBatchItem executeItem(RequestBatchItem item, BatchContext context) {
        if (item.problem() != null) {
            return ResponseBatchItem.failure(item.operationCode(), item.uniqueBatchItemId(), item.problem().reason(),
                    item.problem().getMessage());
        }
        Optional<KmipOperation> operation = Operation.ofCode(item.operationCode()).map(operations::get);
        if (operation.isEmpty()) {
            return ResponseBatchItem.failure(item.operationCode(), item.uniqueBatchItemId(),
                    ResultReason.OPERATION_NOT_SUPPORTED, "operation 0x" + Integer.toHexString(item.operationCode())
                            + " is not supported by this server");
        }
        String name = operation.get().operation().name();
        try {
            Ttlv.Structure payload = operation.get().execute(item.payload(), context);
            audit(context, name, "success", null);
            return ResponseBatchItem.success(item.operationCode(), item.uniqueBatchItemId(), payload);
        } catch (KmipException e) {
            return failed(item, context, name, e.reason(), e.getMessage());
        } catch (CustodyException e) {
            return failed(item, context, name, CustodyResults.reasonFor(e), e.getMessage());
        } catch (HsmException e) {
            LOG.log(System.Logger.Level.ERROR, "kmip " + name + " failed in the HSM: " + e.getMessage(), e);
            return failed(item, context, name, ResultReason.CRYPTOGRAPHIC_FAILURE,
                    "the HSM could not complete the operation");
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "kmip " + name + " failed unexpectedly", e);
            return failed(item, context, name, ResultReason.GENERAL_FAILURE, GENERIC_FAILURE);
        }
    }

    private ResponseBatchItem failed(RequestBatchItem item, BatchContext context, String name, ResultReason reason,
                                     String message) {
        audit(context, name, "failed: " + reason, message);
        return ResponseBatchItem.failure(item.operationCode(), item.uniqueBatchItemId(), reason, message);
    }

    /** One audit event per batch item; a failure to record it is logged and does not change the answer. */
    private void audit(BatchContext context, String operation, String outcome, String detail) {
        KmipCaller caller = context.caller();
        custody.metrics().increment("kmip_appliance_kmip_operations_total", "KMIP batch items, by operation and result",
                "operation", operation.toLowerCase(Locale.ROOT),
                "result", outcome.startsWith("failed: ") ? outcome.substring("failed: ".length()) : outcome);
        try {
            custody.audit().record(caller.subject(), caller.instanceId(), caller.adapterId(),
                    "kmip." + operation.toLowerCase(Locale.ROOT), context.takeTarget(), outcome, detail);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "could not record the audit event of kmip " + operation, e);
        }
    }

    /** A whole-message failure (KMIP 1.4 table 327): one batch item, no operation. */
    private ResponseMessage messageFailure(ProtocolVersion version, ResultReason reason, String message) {
        return new ResponseMessage(version, clock.instant(), null,
                List.of(ResponseBatchItem.failure(null, null, reason, message)));
    }

    private static byte[] encode(ResponseMessage response) {
        Ttlv.Structure tree = MessageCodec.encodeResponse(response);
        byte[] bytes = TtlvEncoder.encode(tree);
        // Get payloads carry key material; the encoded copy is the only one that should be left.
        response.items().forEach(item -> {
            if (item.payload() != null) {
                Ttlv.wipeByteStrings(item.payload());
            }
        });
        return bytes;
    }
}
