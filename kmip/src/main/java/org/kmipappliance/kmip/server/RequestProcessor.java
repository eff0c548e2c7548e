package org.kmipappliance.kmip.server;

import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import org.kmipappliance.hsm.AuditLog;
import org.kmipappliance.hsm.CustodyException;
import org.kmipappliance.hsm.HsmException;
import org.kmipappliance.hsm.KeyCustody;
import org.kmipappliance.hsm.KmipCaller;
import org.kmipappliance.hsm.Requester;
import org.kmipappliance.hsm.store.DatabaseUnavailable;
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
import org.kmipappliance.kmip.message.ResultStatus;
import org.kmipappliance.kmip.server.operations.AddAttributeOperation;
import org.kmipappliance.kmip.server.operations.AsynchronousOperations;
import org.kmipappliance.kmip.server.operations.CheckOperation;
import org.kmipappliance.kmip.server.operations.CreateKeyPairOperation;
import org.kmipappliance.kmip.server.operations.CreateOperation;
import org.kmipappliance.kmip.server.operations.DeleteAttributeOperation;
import org.kmipappliance.kmip.server.operations.DiscoverVersionsOperation;
import org.kmipappliance.kmip.server.operations.GetAttributeListOperation;
import org.kmipappliance.kmip.server.operations.GetAttributesOperation;
import org.kmipappliance.kmip.server.operations.GetOperation;
import org.kmipappliance.kmip.server.operations.GetUsageAllocationOperation;
import org.kmipappliance.kmip.server.operations.LifecycleOperation;
import org.kmipappliance.kmip.server.operations.LocateOperation;
import org.kmipappliance.kmip.server.operations.ModifyAttributeOperation;
import org.kmipappliance.kmip.server.operations.ObtainLeaseOperation;
import org.kmipappliance.kmip.server.operations.QueryOperation;
import org.kmipappliance.kmip.server.operations.ReKeyKeyPairOperation;
import org.kmipappliance.kmip.server.operations.ReKeyOperation;
import org.kmipappliance.kmip.server.operations.RegisterOperation;
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
    private static final String DATABASE_UNAVAILABLE = "the key store is unavailable for a moment; try again";
    /** The audit outcome of an item of an Undo batch that succeeded and was undone when a later one failed. */
    static final String UNDONE = "undone";

    /**
     * The largest response this server writes, whatever the client's Maximum Response Size: a batch of Locates or
     * Gets could otherwise make one request of 64 KiB answer with hundreds of MiB. A full Locate answer (1,000
     * identifiers) is about 50 KiB, so this leaves room for any batch a real client sends.
     */
    public static final int MAX_RESPONSE_BYTES = 1024 * 1024;
    /**
     * Request messages processed at once, across all connections; the others wait their turn. With the response
     * budget this bounds the heap requests can hold: 64 messages of at most 1 MiB of response (about 4 MiB on the
     * heap while it is built) is 256 MiB, whatever the number of connections. The HSM's own session limit is lower,
     * so this costs no throughput.
     */
    public static final int MAX_MESSAGES_AT_ONCE = 64;
    /** The response message, its header and its framing, before any batch item: a generous estimate. */
    private static final int RESPONSE_HEADER_BYTES = 256;

    private final KeyCustody custody;
    private final Clock clock;
    private final Semaphore messagesAtOnce = new Semaphore(MAX_MESSAGES_AT_ONCE);
    private final Map<Operation, KmipOperation> operations = new EnumMap<>(Operation.class);

    public RequestProcessor(KeyCustody custody, Clock clock) {
        this.custody = custody;
        this.clock = clock;
        register(new DiscoverVersionsOperation());
        register(new CreateOperation(custody));
        register(new CreateKeyPairOperation(custody));
        register(new RegisterOperation(custody));
        register(new ReKeyOperation(custody));
        register(new ReKeyKeyPairOperation(custody));
        register(new GetOperation(custody));
        register(new GetAttributesOperation(custody));
        register(new GetAttributeListOperation(custody));
        register(new AddAttributeOperation(custody));
        register(new ModifyAttributeOperation(custody));
        register(new DeleteAttributeOperation(custody));
        register(LifecycleOperation.activate(custody));
        register(LifecycleOperation.revoke(custody));
        register(LifecycleOperation.destroy(custody));
        register(LifecycleOperation.archive(custody));
        register(LifecycleOperation.recover(custody));
        register(new LocateOperation(custody));
        register(new CheckOperation(custody));
        register(new ObtainLeaseOperation(custody));
        register(new GetUsageAllocationOperation(custody));
        register(AsynchronousOperations.poll());
        register(AsynchronousOperations.cancel());
        register(new QueryOperation(operations::keySet));
    }

    private void register(KmipOperation operation) {
        operations.put(operation.operation(), operation);
    }

    /**
     * Answers one request from {@code peer}, the client holding the certificate with {@code fingerprint}. Returns
     * empty when the connection must be closed instead: the certificate is no longer registered.
     */
    public Optional<byte[]> process(byte[] frame, String fingerprint, String peer) {
        messagesAtOnce.acquireUninterruptibly();
        try {
            return processAdmitted(frame, fingerprint, peer);
        } finally {
            messagesAtOnce.release();
        }
    }

    private Optional<byte[]> processAdmitted(byte[] frame, String fingerprint, String peer) {
        Optional<KmipCaller> registered;
        try {
            registered = custody.certificates().identifyRecent(fingerprint);
        } catch (RuntimeException e) {
            if (!DatabaseUnavailable.is(e)) {
                throw e;
            }
            // Without the database neither the certificate nor anything else can be checked: answer, unaudited.
            DatabaseUnavailable.report(e, clock);
            return Optional.of(encode(new ResponseMessage(versionOrDefault(frame), clock.instant(), null,
                    List.of(ResponseBatchItem.failure(null, null, ResultReason.GENERAL_FAILURE,
                            DATABASE_UNAVAILABLE)))));
        }
        if (registered.isEmpty()) {
            refuseUnregistered(fingerprint, peer);
            return Optional.empty();
        }
        KmipCaller caller = registered.get();
        Ttlv tree;
        try {
            tree = TtlvDecoder.decode(frame);
        } catch (TtlvException e) {
            return Optional.of(encode(messageFailure(caller, peer, ProtocolVersion.V1_0,
                    ResultReason.INVALID_MESSAGE, "the message is not well-formed TTLV: " + e.getMessage())));
        }
        ProtocolVersion requested = MessageCodec.versionOf(tree);
        ProtocolVersion version = requested.answeredAs();
        if (!requested.isServed()) {
            return Optional.of(encode(messageFailure(caller, peer, version, ResultReason.INVALID_MESSAGE,
                    "this server speaks KMIP 1.0 to 1.4, not " + requested)));
        }
        RequestMessage request;
        try {
            request = MessageCodec.parseRequest(tree);
        } catch (KmipException e) {
            return Optional.of(encode(messageFailure(caller, peer, version, e.reason(), e.getMessage())));
        }
        String correlationId = correlationIdOf(request);
        return Optional.of(encode(execute(request, version, caller, peer, correlationId)));
    }

    /**
     * Answers a request message that was too long to read ({@code bytes} long), with Invalid Message in KMIP 1.0
     * (its own version is unknown); empty, to close the connection, when the certificate is no longer registered.
     */
    public Optional<byte[]> refuseOversized(long bytes, String fingerprint, String peer) {
        Optional<KmipCaller> registered = custody.certificates().identifyRecent(fingerprint);
        if (registered.isEmpty()) {
            refuseUnregistered(fingerprint, peer);
            return Optional.empty();
        }
        return Optional.of(encode(messageFailure(registered.get(), peer, ProtocolVersion.V1_0,
                ResultReason.INVALID_MESSAGE, "the request message is " + bytes + " bytes; this server reads "
                        + "messages of at most " + KmipServer.MAX_FRAME_BYTES + " bytes (and at most "
                        + MessageCodec.MAX_BATCH_ITEMS + " batch items)")));
    }

    /** The protocol version to answer a frame in, if it can be read at all; else 1.0, which every client reads. */
    private static ProtocolVersion versionOrDefault(byte[] frame) {
        try {
            return MessageCodec.versionOf(TtlvDecoder.decode(frame)).answeredAs();
        } catch (TtlvException | RuntimeException e) {
            return ProtocolVersion.V1_0;
        }
    }

    /**
     * The correlation id of a request's audit events: the client's Client Correlation Value (KMIP 1.4) when it sent
     * a usable one, else one made here.
     */
    private static String correlationIdOf(RequestMessage request) {
        String sent = request.header().clientCorrelationValue();
        return sent != null && !sent.isEmpty() && sent.length() <= 128 ? sent : UUID.randomUUID().toString();
    }

    private void refuseUnregistered(String fingerprint, String peer) {
        try {
            custody.audit().recordUnidentified(Requester.unidentified(Requester.Channel.KMIP, "sha256:"
                    + fingerprint, peer, null), "kmip.request", null, "refused", "the connection's certificate is no "
                    + "longer registered to any adapter; the connection is closed");
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "could not record a refused KMIP request from " + peer, e);
        }
    }

    /**
     * Runs the batch. With the Undo option (KMIP 1.4 section 6.13) it runs in one transaction: if an item fails,
     * every earlier item is undone with it and answers Operation Undone; otherwise it is committed whole.
     */
    private ResponseMessage execute(RequestMessage request, ProtocolVersion version, KmipCaller caller, String peer,
                                    String correlationId) {
        List<ItemRun> runs;
        if (request.header().batchErrorContinuation() == KmipEnums.BATCH_UNDO) {
            runs = executeUndoable(request, version, caller, peer, correlationId);
        } else {
            runs = executeItems(request, new BatchContext(version, false), caller, peer, correlationId);
        }
        return new ResponseMessage(version, clock.instant(), request.header().clientCorrelationValue(),
                runs.stream().map(ItemRun::answer).toList());
    }

    /** A batch item that ran: its answer, and whom and what its audit event names. */
    private record ItemRun(String name, Requester requester, String target, ResponseBatchItem answer) {
        boolean failed() {
            return answer.reason() != null;
        }
    }

    /**
     * Runs the batch within its response budget: the client's Maximum Response Size, and never more than
     * {@link #MAX_RESPONSE_BYTES}. Each answer is measured as it is made; one that would overrun the budget is
     * replaced by Response Too Large (its payload wiped), and the items after it are answered so without being run,
     * so neither the work of a batch nor the memory of its response can grow past the budget.
     */
    private List<ItemRun> executeItems(RequestMessage request, BatchContext context, KmipCaller caller, String peer,
                                       String correlationId) {
        // Items run in order, so a Batch Order Option of true is honoured as well as false.
        boolean stopOnFailure = request.header().batchErrorContinuation() != KmipEnums.BATCH_CONTINUE;
        Integer clientLimit = request.header().maximumResponseSize();
        long budget = clientLimit == null || clientLimit <= 0 ? MAX_RESPONSE_BYTES
                : Math.min(clientLimit, MAX_RESPONSE_BYTES);
        long used = RESPONSE_HEADER_BYTES;
        boolean exhausted = false;
        List<ItemRun> runs = new ArrayList<>();
        for (RequestBatchItem item : request.items()) {
            context.beginItem(caller.inRequest(peer, correlationId));
            long started = System.nanoTime();
            String name = nameOf(item.operationCode());
            ResponseBatchItem answer = exhausted
                    ? failed(item, context, name, ResultReason.RESPONSE_TOO_LARGE,
                            tooLarge(clientLimit, "earlier items used all of it; this item was not run"))
                    : executeItem(item, context);
            long size = encodedSize(answer);
            if (answer.payload() != null && used + size > budget) {
                Ttlv.wipeByteStrings(answer.payload());
                answer = ResponseBatchItem.failure(item.operationCode(), item.uniqueBatchItemId(),
                        ResultReason.RESPONSE_TOO_LARGE, tooLarge(clientLimit, "this item's answer would exceed it"));
                size = encodedSize(answer);
                exhausted = true;
            }
            used += size;
            measure(name, answer.reason(), started);
            ItemRun run = new ItemRun(name, context.caller().requester(), context.target(), answer);
            runs.add(run);
            if (run.failed() && stopOnFailure) {
                break;
            }
        }
        return runs;
    }

    /**
     * Runs an Undo batch in one transaction, kept only if every item succeeds. When one fails, the transaction is
     * rolled back (with the audit events of what the earlier items changed) and then the trail records each earlier
     * item as undone and the failure itself; the earlier items answer Operation Undone, without their payloads:
     * what they made no longer exists.
     */
    private List<ItemRun> executeUndoable(RequestMessage request, ProtocolVersion version, KmipCaller caller,
                                          String peer, String correlationId) {
        BatchContext context = new BatchContext(version, true);
        List<ItemRun> runs;
        try {
            runs = custody.inOneTransaction(() -> executeItems(request, context, caller, peer, correlationId),
                    done -> done.stream().noneMatch(ItemRun::failed));
        } catch (RuntimeException e) {
            return unkept(request, caller, peer, correlationId, e);
        }
        if (runs.stream().noneMatch(ItemRun::failed)) {
            return runs;
        }
        ItemRun failure = runs.getLast();
        int failedItem = runs.size();
        String detail = "item " + failedItem + " of the batch (" + failure.name() + ") failed and the batch asked "
                + "for Undo";
        List<ItemRun> answered = new ArrayList<>();
        for (ItemRun run : runs.subList(0, failedItem - 1)) {
            if (run.answer().payload() != null) {
                Ttlv.wipeByteStrings(run.answer().payload());
            }
            audit(run.requester(), run.name(), run.target(), UNDONE, detail);
            answered.add(new ItemRun(run.name(), run.requester(), run.target(), new ResponseBatchItem(
                    run.answer().operationCode(), run.answer().uniqueBatchItemId(), ResultStatus.OPERATION_UNDONE,
                    null, "undone: " + detail, null)));
        }
        audit(failure.requester(), failure.name(), failure.target(), "failed: " + failure.answer().reason(),
                failure.answer().message());
        answered.add(failure);
        return answered;
    }

    /**
     * The answers of an Undo batch whose transaction could not begin or be committed: nothing it did was kept, so
     * every item fails, with the reason.
     */
    private List<ItemRun> unkept(RequestMessage request, KmipCaller caller, String peer, String correlationId,
                                 RuntimeException cause) {
        String message;
        if (DatabaseUnavailable.is(cause)) {
            DatabaseUnavailable.report(cause, clock);
            message = DATABASE_UNAVAILABLE;
        } else {
            LOG.log(System.Logger.Level.ERROR, "a KMIP batch with the Undo option could not be committed", cause);
            message = "the batch could not be committed, so nothing it did was kept; " + GENERIC_FAILURE;
        }
        List<ItemRun> runs = new ArrayList<>();
        for (RequestBatchItem item : request.items()) {
            Requester requester = caller.inRequest(peer, correlationId).requester();
            String name = nameOf(item.operationCode());
            audit(requester, name, null, "failed: " + ResultReason.GENERAL_FAILURE, message);
            runs.add(new ItemRun(name, requester, null, ResponseBatchItem.failure(item.operationCode(),
                    item.uniqueBatchItemId(), ResultReason.GENERAL_FAILURE, message)));
        }
        return runs;
    }

    private static String tooLarge(Integer clientLimit, String what) {
        return "the response may be at most " + (clientLimit != null && clientLimit > 0 && clientLimit
                < MAX_RESPONSE_BYTES ? clientLimit + " bytes (the Maximum Response Size)" : MAX_RESPONSE_BYTES
                + " bytes (this server's maximum)") + ": " + what;
    }

    private static long encodedSize(ResponseBatchItem answer) {
        return TtlvEncoder.encodedLength(MessageCodec.encodeBatchItem(answer));
    }

    private ResponseBatchItem executeItem(RequestBatchItem item, BatchContext context) {
        String name = nameOf(item.operationCode());
        if (item.problem() != null) {
            return failed(item, context, name, item.problem().reason(), item.problem().getMessage());
        }
        Optional<KmipOperation> operation = Operation.ofCode(item.operationCode()).map(operations::get);
        if (operation.isEmpty()) {
            return failed(item, context, name, ResultReason.OPERATION_NOT_SUPPORTED, "operation 0x"
                    + Integer.toHexString(item.operationCode()) + " is not supported by this server");
        }
        Ttlv.Structure payload;
        try {
            payload = operation.get().execute(item.payload(), context);
        } catch (KmipException e) {
            return failed(item, context, name, e.reason(), e.getMessage());
        } catch (CustodyException e) {
            return failed(item, context, name, CustodyResults.reasonFor(e), e.getMessage());
        } catch (HsmException e) {
            LOG.log(System.Logger.Level.ERROR, "kmip " + name + " failed in the HSM: " + e.getMessage(), e);
            return failed(item, context, name, ResultReason.CRYPTOGRAPHIC_FAILURE,
                    "the HSM could not complete the operation");
        } catch (RuntimeException e) {
            if (DatabaseUnavailable.is(e)) {
                DatabaseUnavailable.report(e, clock);
                return failed(item, context, name, ResultReason.GENERAL_FAILURE, DATABASE_UNAVAILABLE);
            }
            LOG.log(System.Logger.Level.ERROR, "kmip " + name + " failed unexpectedly", e);
            return failed(item, context, name, ResultReason.GENERAL_FAILURE, GENERIC_FAILURE);
        }
        Requester requester = context.caller().requester();
        if (!requester.recorded()) {
            // Custody recorded every change it made in the change's transaction; a read is recorded here, and if
            // it cannot be, the client gets no answer that the trail does not show.
            try {
                custody.audit().record(requester, "kmip." + name, context.target(), AuditLog.SUCCESS, null);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "could not record the audit event of kmip " + name, e);
                Ttlv.wipeByteStrings(payload);
                return failed(item, context, name, ResultReason.GENERAL_FAILURE, GENERIC_FAILURE);
            }
        }
        AuditLog.log(requester, "kmip." + name, context.target(), AuditLog.SUCCESS, null);
        return ResponseBatchItem.success(item.operationCode(), item.uniqueBatchItemId(), payload);
    }

    /** An operation as the audit trail and the metrics name it: its KMIP name, or its code if it has none. */
    private static String nameOf(Integer code) {
        if (code == null) {
            return "unknown";
        }
        return Operation.ofCode(code).map(operation -> operation.name().toLowerCase(Locale.ROOT))
                .orElse("0x" + Integer.toHexString(code));
    }

    /**
     * A failed item's answer, its failure recorded; in an Undo batch the record waits until the batch is undone,
     * or the rollback would take it too.
     */
    private ResponseBatchItem failed(RequestBatchItem item, BatchContext context, String name, ResultReason reason,
                                     String message) {
        if (!context.undoable()) {
            audit(context.caller().requester(), name, context.target(), "failed: " + reason, message);
        }
        return ResponseBatchItem.failure(item.operationCode(), item.uniqueBatchItemId(), reason, message);
    }

    /** Records an item's outcome other than success, in the trail and the log. */
    private void audit(Requester requester, String name, String target, String outcome, String message) {
        try {
            custody.audit().record(requester, "kmip." + name, target, outcome, message);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "could not record the audit event of kmip " + name + " (" + outcome
                    + ")", e);
        }
        AuditLog.log(requester, "kmip." + name, target, outcome, message);
    }

    /** Counts a batch item by operation and result, and times it by operation. */
    private void measure(String operation, ResultReason failure, long startedNanos) {
        // Codes that name no operation come from the client: one label value for all keeps the series bounded.
        String label = operation.startsWith("0x") ? "unknown" : operation;
        count(label, failure);
        custody.metrics().observe("kmip_appliance_kmip_operation_seconds", "Time KMIP batch items take, by "
                + "operation", (System.nanoTime() - startedNanos) / 1e9, "operation", label);
    }

    private void count(String operation, ResultReason failure) {
        custody.metrics().increment("kmip_appliance_kmip_operations_total", "KMIP batch items, by operation and "
                + "result (success, or the KMIP Result Reason)", "operation", operation, "result", resultOf(failure));
    }

    /** "success", or the Result Reason as a label value: "item_not_found". */
    private static String resultOf(ResultReason failure) {
        return failure == null ? "success" : failure.name().toLowerCase(Locale.ROOT);
    }

    /** A whole-message failure (KMIP 1.4 table 327): one batch item, no operation; audited like any other. */
    private ResponseMessage messageFailure(KmipCaller caller, String peer, ProtocolVersion version,
                                           ResultReason reason, String message) {
        Requester requester = caller.inRequest(peer, UUID.randomUUID().toString()).requester();
        try {
            custody.audit().record(requester, "kmip.message", null, "failed: " + reason, message);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "could not record the audit event of a refused KMIP message", e);
        }
        count("message", reason);
        AuditLog.log(requester, "kmip.message", null, "failed: " + reason, message);
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
