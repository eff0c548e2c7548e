package org.kmipappliance.kmip.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kmipappliance.kmip.server.KmipOperationsTest.attribute;
import static org.kmipappliance.kmip.server.KmipOperationsTest.createPayload;
import static org.kmipappliance.kmip.server.KmipOperationsTest.payload;
import static org.kmipappliance.kmip.server.KmipOperationsTest.text;
import static org.kmipappliance.kmip.server.KmipOperationsTest.uid;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.kmipappliance.hsm.KmipObjects;
import org.kmipappliance.kmip.client.KmipClient;
import org.kmipappliance.kmip.message.KmipEnums;
import org.kmipappliance.kmip.message.MessageCodec;
import org.kmipappliance.kmip.message.Operation;
import org.kmipappliance.kmip.message.ProtocolVersion;
import org.kmipappliance.kmip.message.RequestBatchItem;
import org.kmipappliance.kmip.message.RequestHeader;
import org.kmipappliance.kmip.message.RequestMessage;
import org.kmipappliance.kmip.message.ResponseBatchItem;
import org.kmipappliance.kmip.message.ResponseMessage;
import org.kmipappliance.kmip.message.ResultReason;
import org.kmipappliance.kmip.message.ResultStatus;
import org.kmipappliance.kmip.message.Tag;
import org.kmipappliance.kmip.server.operations.LocateOperation;
import org.kmipappliance.kmip.ttlv.Ttlv;
import org.kmipappliance.kmip.ttlv.TtlvDecoder;
import org.kmipappliance.kmip.ttlv.TtlvEncoder;

/**
 * Registered clients sending what no honest client sends: absurd dates and versions, batches built to amplify the
 * response, oversized and non-minimal messages, attributes without end. Each gets a specific Result Reason, the
 * connection survives, and the work and memory of one message stay bounded. Tests named "A.." are entries of the
 * attack catalogue in docs/security.md.
 */
class HostileMessagesTest {
    /** More objects than one Locate answers, so every Locate is cut at the server's maximum. */
    private static final int OBJECTS = LocateOperation.MAX_LOCATED + 100;
    private static KmipTestServer fixture;
    private static SSLContext client;

    @BeforeAll
    static void start() throws Exception {
        fixture = new KmipTestServer("hostile-messages");
        client = fixture.clientOfNewAdapter();
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            for (int made = 0; made < OBJECTS; made += 100) {
                ResponseMessage created = kmip.batch(Collections.nCopies(Math.min(100, OBJECTS - made),
                        RequestBatchItem.of(Operation.CREATE, null, createPayload())));
                created.items().forEach(item -> assertEquals(ResultStatus.SUCCESS, item.status(), item.message()));
            }
        }
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    private static ResponseMessage send(KmipClient kmip, RequestHeader header, List<RequestBatchItem> items)
            throws Exception {
        return kmip.send(new RequestMessage(header, items));
    }

    private static RequestHeader header(ProtocolVersion version, Integer maximumResponseSize, int batchCount) {
        return new RequestHeader(version, maximumResponseSize, null, false, KmipEnums.BATCH_CONTINUE, false, null,
                batchCount);
    }

    private static ResponseMessage exchange(KmipClient kmip, Ttlv.Structure message) throws Exception {
        return MessageCodec.parseResponse(TtlvDecoder.decode(kmip.exchangeRaw(TtlvEncoder.encode(message))));
    }

    private static Ttlv.Structure discoverVersionsItem() {
        return Ttlv.Structure.of(Tag.BATCH_ITEM, new Ttlv.EnumerationItem(Tag.OPERATION,
                Operation.DISCOVER_VERSIONS.code()), payload());
    }

    /** A Request Message with the given header fields and batch items, built by hand so any field can be wrong. */
    private static Ttlv.Structure message(List<Ttlv> headerFields, List<Ttlv.Structure> items) {
        List<Ttlv> fields = new ArrayList<>();
        fields.add(new Ttlv.Structure(Tag.REQUEST_HEADER, headerFields));
        fields.addAll(items);
        return new Ttlv.Structure(Tag.REQUEST_MESSAGE, fields);
    }

    private static List<Ttlv> headerFields(int major, int minor, int batchCount, Ttlv... more) {
        List<Ttlv> fields = new ArrayList<>(List.of(Ttlv.Structure.of(Tag.PROTOCOL_VERSION,
                new Ttlv.IntegerItem(Tag.PROTOCOL_VERSION_MAJOR, major),
                new Ttlv.IntegerItem(Tag.PROTOCOL_VERSION_MINOR, minor))));
        fields.addAll(List.of(more));
        fields.add(new Ttlv.IntegerItem(Tag.BATCH_COUNT, batchCount));
        return fields;
    }

    private static void assertMessageRefused(ResponseMessage response, ResultReason reason) {
        assertEquals(1, response.items().size());
        assertEquals(ResultStatus.OPERATION_FAILED, response.items().getFirst().status());
        assertEquals(reason, response.items().getFirst().reason(), response.items().getFirst().message());
    }

    private static void assertStillServes(KmipClient kmip) throws Exception {
        assertEquals(5, kmip.discoverVersions(List.of()).size(), "the connection survives");
    }

    @Test
    @DisplayName("A14 a Time Stamp of 2^63-1 seconds is Invalid Field, answered")
    void timeStampAtTheEndOfLong_isInvalidField() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            ResponseMessage response = exchange(kmip, message(headerFields(1, 4, 1,
                    new Ttlv.DateTimeItem(Tag.TIME_STAMP, Long.MAX_VALUE)), List.of(discoverVersionsItem())));
            assertMessageRefused(response, ResultReason.INVALID_FIELD);
            assertTrue(response.items().getFirst().message().contains("years 1 to 9999"));
            assertStillServes(kmip);
        }
    }

    @Test
    @DisplayName("A15 dates beyond year 9999 or before year 1 in Create and Locate are Invalid Field")
    void extremeDatesInAttributes_areInvalidField() throws Exception {
        long yearOneBillion = 31_556_952L * 1_000_000_000L;
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            for (long seconds : new long[] {yearOneBillion, Long.MIN_VALUE, 253_402_300_800L}) {
                ResponseMessage created = send(kmip, header(ProtocolVersion.V1_4, null, 2), List.of(
                        RequestBatchItem.of(Operation.CREATE, null, createPayload(attribute("Activation Date",
                                new Ttlv.DateTimeItem(Tag.ATTRIBUTE_VALUE, seconds)))),
                        RequestBatchItem.of(Operation.LOCATE, null, payload(attribute("Initial Date",
                                new Ttlv.DateTimeItem(Tag.ATTRIBUTE_VALUE, seconds))))));
                for (ResponseBatchItem item : created.items()) {
                    assertEquals(ResultReason.INVALID_FIELD, item.reason(), seconds + ": " + item.message());
                }
            }
            assertStillServes(kmip);
        }
    }

    @Test
    @DisplayName("A16 Protocol Version 1.-5 is Invalid Message, answered in 1.0 rather than echoed")
    void negativeProtocolVersion_isRefused() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            ResponseMessage response = exchange(kmip, message(headerFields(1, -5, 1),
                    List.of(discoverVersionsItem())));
            assertMessageRefused(response, ResultReason.INVALID_MESSAGE);
            assertEquals(ProtocolVersion.V1_0, response.version());
            assertStillServes(kmip);
        }
    }

    @Test
    @DisplayName("A17 1000 Locates without Maximum Items: the response stays within the server's 1 MiB budget")
    void locateAmplification_isBoundedByTheResponseBudget() throws Exception {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        System.gc();
        long heapBefore = memory.getHeapMemoryUsage().getUsed();
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            List<RequestBatchItem> locates = Collections.nCopies(1_000, RequestBatchItem.of(Operation.LOCATE, null,
                    payload()));
            byte[] request = TtlvEncoder.encode(MessageCodec.encodeRequest(new RequestMessage(header(
                    ProtocolVersion.V1_4, null, locates.size()), locates)));
            byte[] raw = kmip.exchangeRaw(request);
            long heapPeak = memory.getHeapMemoryUsage().getUsed();
            ResponseMessage response = MessageCodec.parseResponse(TtlvDecoder.decode(raw,
                    KmipClient.MAX_RESPONSE_ITEMS));
            long answered = response.items().stream().filter(item -> item.status() == ResultStatus.SUCCESS).count();
            long cut = response.items().stream().filter(item -> item.reason() == ResultReason.RESPONSE_TOO_LARGE)
                    .count();
            System.out.printf("HostileMessagesTest: %d-byte request, %d-byte response, %d Locates answered, %d Response"
                    + " Too Large; heap %d MB before, %d MB after%n", request.length, raw.length, answered, cut,
                    heapBefore >> 20, heapPeak >> 20);
            assertTrue(request.length < KmipServer.MAX_FRAME_BYTES);
            assertTrue(raw.length <= RequestProcessor.MAX_RESPONSE_BYTES + 256 * 1024, raw.length + " bytes");
            assertEquals(1_000, answered + cut);
            assertTrue(answered >= 1 && cut >= 1, answered + " answered, " + cut + " cut");
            assertTrue(response.items().getLast().message().contains("was not run"));
            assertStillServes(kmip);
        }
    }

    @Test
    @DisplayName("A18 a Maximum Items of 2^31-1 gets the server's maximum, and Located Items says how many matched")
    void hugeMaximumItems_isCutToTheServersMaximum() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            Ttlv.Structure answer = kmip.call(Operation.LOCATE, payload(new Ttlv.IntegerItem(Tag.MAXIMUM_ITEMS,
                    Integer.MAX_VALUE)));
            assertEquals(LocateOperation.MAX_LOCATED, answer.all(Tag.UNIQUE_IDENTIFIER).size());
            assertEquals(OBJECTS, ((Ttlv.IntegerItem) answer.first(Tag.LOCATED_ITEMS).orElseThrow()).value());
            Ttlv.Structure unbounded = kmip.call(Operation.LOCATE, payload());
            assertEquals(LocateOperation.MAX_LOCATED, unbounded.all(Tag.UNIQUE_IDENTIFIER).size());
            assertEquals(OBJECTS, ((Ttlv.IntegerItem) unbounded.first(Tag.LOCATED_ITEMS).orElseThrow()).value(),
                    "a cut answer says so");
        }
    }

    @Test
    @DisplayName("A19 a 10,000-item batch (320 KB) is Invalid Message, read past and answered; 1,001 items too")
    void hugeBatches_areRefused_andTheConnectionSurvives() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            ResponseMessage tenThousand = exchange(kmip, message(headerFields(1, 4, 10_000),
                    Collections.nCopies(10_000, discoverVersionsItem())));
            assertMessageRefused(tenThousand, ResultReason.INVALID_MESSAGE);
            assertTrue(tenThousand.items().getFirst().message().contains("at most " + KmipServer.MAX_FRAME_BYTES));
            assertStillServes(kmip);
            ResponseMessage overTheCount = exchange(kmip, message(headerFields(1, 4, 1_001),
                    Collections.nCopies(1_001, discoverVersionsItem())));
            assertMessageRefused(overTheCount, ResultReason.INVALID_MESSAGE);
            assertTrue(overTheCount.items().getFirst().message().contains("at most " + MessageCodec.MAX_BATCH_ITEMS));
            assertStillServes(kmip);
        }
    }

    @Test
    @DisplayName("A20 a message claiming more than 1 MiB closes only its own connection")
    void messageClaimingMoreThanAMebibyte_closesItsConnection() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            kmip.exchangeRaw(ByteBuffer.allocate(16).putInt(0x42007801).putInt(2 * 1024 * 1024).array());
            throw new AssertionError("the server answered instead of closing");
        } catch (java.io.IOException expected) {
            // closed
        }
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            assertStillServes(kmip);
        }
    }

    @Test
    @DisplayName("A21 non-minimal and mistyped encodings are Invalid Message, answered")
    void nonMinimalEncodings_areRefused() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            List<Ttlv> batchCountAsLong = headerFields(1, 4, 1);
            batchCountAsLong.set(batchCountAsLong.size() - 1, new Ttlv.LongIntegerItem(Tag.BATCH_COUNT, 1));
            assertMessageRefused(exchange(kmip, message(batchCountAsLong, List.of(discoverVersionsItem()))),
                    ResultReason.INVALID_MESSAGE);
            Ttlv.Structure operationAsInteger = Ttlv.Structure.of(Tag.BATCH_ITEM, new Ttlv.IntegerItem(Tag.OPERATION,
                    Operation.DISCOVER_VERSIONS.code()), payload());
            ResponseMessage mistyped = exchange(kmip, message(headerFields(1, 4, 1), List.of(operationAsInteger)));
            assertEquals(ResultReason.INVALID_MESSAGE, mistyped.items().getFirst().reason());
            // A Batch Count padded with a second zero integer: the structure's length covers bytes no field owns.
            byte[] padded = TtlvEncoder.encode(message(headerFields(1, 4, 1), List.of(discoverVersionsItem())));
            byte[] longer = ByteBuffer.allocate(padded.length + 16).put(padded).array();
            ByteBuffer.wrap(longer).putInt(4, padded.length + 8);
            ResponseMessage trailing = MessageCodec.parseResponse(TtlvDecoder.decode(kmip.exchangeRaw(longer)));
            assertEquals(ResultReason.INVALID_MESSAGE, trailing.items().getFirst().reason());
            assertStillServes(kmip);
        }
    }

    @Test
    @DisplayName("A22 Maximum Response Size is enforced item by item: what fits is answered, the rest is cut")
    void maximumResponseSize_isEnforcedItemByItem() throws Exception {
        try (KmipClient kmip = fixture.connect(fixture.clientOfNewAdapter(), ProtocolVersion.V1_4)) {
            String id = kmip.createAesKey(256, 12);
            RequestBatchItem get = RequestBatchItem.of(Operation.GET, null, payload(uid(id)));
            ResponseMessage one = send(kmip, header(ProtocolVersion.V1_4, 64, 1), List.of(get));
            assertEquals(ResultReason.RESPONSE_TOO_LARGE, one.items().getFirst().reason());
            assertNull(one.items().getFirst().payload());
            ResponseMessage three = send(kmip, header(ProtocolVersion.V1_4, 700, 3), List.of(get, get, get));
            assertEquals(ResultStatus.SUCCESS, three.items().get(0).status());
            assertEquals(ResultReason.RESPONSE_TOO_LARGE, three.items().get(1).reason());
            assertEquals(ResultReason.RESPONSE_TOO_LARGE, three.items().get(2).reason());
        }
    }

    @Test
    @DisplayName("A23 an object holds at most 256 client attributes; the next is refused and the object unharmed")
    void attributesWithoutEnd_stopAtThePerObjectLimit() throws Exception {
        try (KmipClient kmip = fixture.connect(fixture.clientOfNewAdapter(), ProtocolVersion.V1_4)) {
            String id = kmip.createAesKey(256, 12);
            int added = 0;
            while (added < KmipObjects.MAX_ATTRIBUTES_PER_OBJECT) {
                List<RequestBatchItem> adds = new ArrayList<>();
                for (int i = 0; i < 100 && added + i < KmipObjects.MAX_ATTRIBUTES_PER_OBJECT; i++) {
                    adds.add(RequestBatchItem.of(Operation.ADD_ATTRIBUTE, null, payload(uid(id),
                            attribute("x-flood-" + (added + i), text("v")))));
                }
                ResponseMessage response = send(kmip, header(ProtocolVersion.V1_4, null, adds.size()), adds);
                response.items().forEach(item -> assertEquals(ResultStatus.SUCCESS, item.status(), item.message()));
                added += adds.size();
            }
            ResponseMessage over = send(kmip, header(ProtocolVersion.V1_4, null, 1), List.of(RequestBatchItem.of(
                    Operation.ADD_ATTRIBUTE, null, payload(uid(id), attribute("x-one-more", text("v"))))));
            assertEquals(ResultReason.ILLEGAL_OPERATION, over.items().getFirst().reason());
            assertTrue(over.items().getFirst().message().contains("at most") || over.items().getFirst().message()
                    .contains("the most"), over.items().getFirst().message());
            assertEquals(32, kmip.getKeyMaterial(id).length, "the object is unharmed");
        }
    }
}
