package org.kmipappliance.kmip.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kmipappliance.hsm.store.jooq.Tables.AUDIT_EVENTS;
import static org.kmipappliance.hsm.store.jooq.Tables.KMIP_OBJECTS;
import static org.kmipappliance.kmip.server.KmipOperationsTest.attribute;
import static org.kmipappliance.kmip.server.KmipOperationsTest.attributes;
import static org.kmipappliance.kmip.server.KmipOperationsTest.create;
import static org.kmipappliance.kmip.server.KmipOperationsTest.createPayload;
import static org.kmipappliance.kmip.server.KmipOperationsTest.locate;
import static org.kmipappliance.kmip.server.KmipOperationsTest.name;
import static org.kmipappliance.kmip.server.KmipOperationsTest.payload;
import static org.kmipappliance.kmip.server.KmipOperationsTest.state;
import static org.kmipappliance.kmip.server.KmipOperationsTest.text;
import static org.kmipappliance.kmip.server.KmipOperationsTest.uid;

import java.util.List;
import java.util.UUID;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kmipappliance.kmip.client.KmipClient;
import org.kmipappliance.kmip.message.KmipEnums;
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
import org.kmipappliance.kmip.ttlv.Ttlv;

/**
 * The Undo batch error continuation option (KMIP 1.4 section 6.13): a batch runs in one transaction, and when an
 * item fails every earlier item is undone (Operation Undone), on the server's records and in its audit trail.
 */
class KmipUndoBatchTest {
    private static KmipTestServer fixture;
    private static SSLContext client;

    @BeforeAll
    static void start() {
        fixture = new KmipTestServer("undo-batch");
        client = fixture.clientOfNewAdapter();
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    private static ResponseMessage undoBatch(KmipClient kmip, String correlation, RequestBatchItem... items)
            throws Exception {
        return kmip.send(new RequestMessage(new RequestHeader(ProtocolVersion.V1_4, null, correlation, false,
                KmipEnums.BATCH_UNDO, true, null, items.length), List.of(items)));
    }

    private static RequestBatchItem item(Operation operation, int id, Ttlv.Structure payload) {
        return RequestBatchItem.of(operation, new byte[] {(byte) id}, payload);
    }

    private static List<ResultStatus> statuses(ResponseMessage response) {
        return response.items().stream().map(ResponseBatchItem::status).toList();
    }

    private static List<String> trail(String correlation) {
        return fixture.database.dsl().selectFrom(AUDIT_EVENTS).where(AUDIT_EVENTS.CORRELATION_ID.eq(correlation))
                .orderBy(AUDIT_EVENTS.ID).fetch(event -> event.getAction() + " " + event.getOutcome());
    }

    /** Objects in the store: this server has one adapter, so all of them are the test client's. */
    private static int storedObjects() {
        return fixture.database.dsl().fetchCount(KMIP_OBJECTS);
    }

    @Test
    void aFailingItem_undoesEveryEarlierItem_creationsChangesAndDestructionsAlike() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            String existing = create(kmip);
            byte[] existingMaterial = kmip.getKeyMaterial(existing);
            String newName = "undone-" + UUID.randomUUID();
            int objectsBefore = storedObjects();
            String correlation = "undo-" + UUID.randomUUID();

            ResponseMessage response = undoBatch(kmip, correlation,
                    item(Operation.CREATE, 1, createPayload(attribute("Name", name(newName)))),
                    item(Operation.ADD_ATTRIBUTE, 2, payload(attribute("x-undo", text("made")))),
                    item(Operation.GET, 3, payload()),
                    item(Operation.ADD_ATTRIBUTE, 4, payload(uid(existing), attribute("x-undo", text("changed")))),
                    item(Operation.DESTROY, 5, payload(uid(existing))),
                    item(Operation.GET, 6, payload(uid(UUID.randomUUID().toString()))));

            assertEquals(List.of(ResultStatus.OPERATION_UNDONE, ResultStatus.OPERATION_UNDONE,
                    ResultStatus.OPERATION_UNDONE, ResultStatus.OPERATION_UNDONE, ResultStatus.OPERATION_UNDONE,
                    ResultStatus.OPERATION_FAILED), statuses(response));
            for (ResponseBatchItem undone : response.items().subList(0, 5)) {
                assertNull(undone.payload(), "an undone item's answer names nothing that exists: no payload");
                assertTrue(undone.message().contains("item 6 of the batch (get) failed"), undone.message());
            }
            assertEquals(ResultReason.ITEM_NOT_FOUND, response.items().getLast().reason());

            assertEquals(List.of(), locate(kmip, attribute("Name", name(newName))), "the created key is gone");
            assertEquals(objectsBefore, storedObjects(), "no row of it either");
            assertEquals(1, state(kmip, existing), "Pre-Active still: the destruction was undone");
            assertArrayEquals(existingMaterial, kmip.getKeyMaterial(existing), "with its material");
            assertFalse(attributes(kmip, existing, "x-undo").containsKey("x-undo"), "the change was undone");
            assertEquals(List.of("kmip.create undone", "kmip.add_attribute undone", "kmip.get undone",
                    "kmip.add_attribute undone", "kmip.destroy undone", "kmip.get failed: ITEM_NOT_FOUND"),
                    trail(correlation), "the trail tells what happened, and no success that did not last");
        }
    }

    @Test
    void aBatchWhoseItemsAllSucceed_isKeptWhole() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            String keptName = "kept-" + UUID.randomUUID();
            String correlation = "undo-" + UUID.randomUUID();
            ResponseMessage response = undoBatch(kmip, correlation,
                    item(Operation.CREATE, 1, createPayload(attribute("Name", name(keptName)))),
                    item(Operation.ACTIVATE, 2, payload()),
                    item(Operation.GET, 3, payload()));

            assertEquals(List.of(ResultStatus.SUCCESS, ResultStatus.SUCCESS, ResultStatus.SUCCESS),
                    statuses(response));
            String id = ((Ttlv.TextStringItem) response.items().getFirst().payload().first(Tag.UNIQUE_IDENTIFIER)
                    .orElseThrow()).value();
            assertEquals(List.of(id), locate(kmip, attribute("Name", name(keptName))));
            assertEquals(2, state(kmip, id), "Active");
            assertEquals(32, kmip.getKeyMaterial(id).length);
            assertEquals(List.of("kmip.create success", "kmip.activate success", "kmip.get success"),
                    trail(correlation));
        }
    }

    @Test
    void laterItemsSeeEarlierOnes_soAClashWithinTheBatchFailsIt_andUndoesTheFirst() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            String sharedName = "clash-" + UUID.randomUUID();
            ResponseMessage response = undoBatch(kmip, "undo-" + UUID.randomUUID(),
                    item(Operation.CREATE, 1, createPayload(attribute("Name", name(sharedName)))),
                    item(Operation.CREATE, 2, createPayload(attribute("Name", name(sharedName)))));

            assertEquals(List.of(ResultStatus.OPERATION_UNDONE, ResultStatus.OPERATION_FAILED), statuses(response));
            assertEquals(ResultReason.INVALID_FIELD, response.items().getLast().reason(),
                    response.items().getLast().message());
            assertEquals(List.of(), locate(kmip, attribute("Name", name(sharedName))));
            String alone = create(kmip, attribute("Name", name(sharedName)));
            assertEquals(List.of(alone), locate(kmip, attribute("Name", name(sharedName))), "the Name is free again");
        }
    }

    @Test
    void stopAndContinue_stillKeepWhatSucceededBeforeAFailure() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            String keptName = "stop-" + UUID.randomUUID();
            ResponseMessage response = kmip.send(new RequestMessage(new RequestHeader(ProtocolVersion.V1_4, null,
                    null, false, KmipEnums.BATCH_STOP, true, null, 2), List.of(
                    item(Operation.CREATE, 1, createPayload(attribute("Name", name(keptName)))),
                    item(Operation.GET, 2, payload(uid(UUID.randomUUID().toString()))))));
            assertEquals(List.of(ResultStatus.SUCCESS, ResultStatus.OPERATION_FAILED), statuses(response));
            assertEquals(1, locate(kmip, attribute("Name", name(keptName))).size());
        }
    }
}
