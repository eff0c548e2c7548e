package org.kmipappliance.kmip.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kmipappliance.kmip.server.KmipOperationsTest.attribute;
import static org.kmipappliance.kmip.server.KmipOperationsTest.payload;
import static org.kmipappliance.kmip.server.KmipOperationsTest.text;
import static org.kmipappliance.kmip.server.KmipOperationsTest.uid;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kmipappliance.kmip.client.KmipClient;
import org.kmipappliance.kmip.message.Operation;
import org.kmipappliance.kmip.message.ProtocolVersion;
import org.kmipappliance.kmip.message.RequestBatchItem;
import org.kmipappliance.kmip.message.ResponseBatchItem;
import org.kmipappliance.kmip.message.ResponseMessage;
import org.kmipappliance.kmip.message.ResultStatus;
import org.kmipappliance.kmip.message.Tag;
import org.kmipappliance.kmip.ttlv.Ttlv;

/**
 * vCenter's documented life of a key (shared/reference/kmip-notes.md, section 0 point 3), at KMIP 1.1 with
 * 8-byte Unique Batch Item IDs, played step by step and checked at every answer.
 */
class VcenterLifeOfAKeyTest {
    private static KmipTestServer fixture;
    private static SSLContext vcenter;
    private static long batchItemCounter = 0x5A5A_0000_0000_0000L;

    @BeforeAll
    static void start() {
        fixture = new KmipTestServer("vcenter-test");
        vcenter = fixture.clientOfNewAdapter();
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    /** Sends the items as vCenter does (header: version and batch count only) and checks every item succeeded. */
    private static List<ResponseBatchItem> send(KmipClient kmip, Operation operation, Ttlv.Structure... payloads)
            throws Exception {
        List<RequestBatchItem> items = new ArrayList<>();
        for (Ttlv.Structure payload : payloads) {
            items.add(RequestBatchItem.of(operation, ByteBuffer.allocate(8).putLong(++batchItemCounter).array(),
                    payload));
        }
        ResponseMessage response = kmip.batch(items);
        assertEquals(ProtocolVersion.V1_1, response.version(), "answered in vCenter's version");
        assertEquals(items.size(), response.items().size());
        for (int i = 0; i < items.size(); i++) {
            ResponseBatchItem answer = response.items().get(i);
            assertEquals(ResultStatus.SUCCESS, answer.status(), operation + ": " + answer.message());
            assertEquals(operation.code(), answer.operationCode());
            assertArrayEquals(items.get(i).uniqueBatchItemId(), answer.uniqueBatchItemId(), "batch item id echoed");
        }
        return response.items();
    }

    private static List<Ttlv> attributeItems(ResponseBatchItem answer) {
        return answer.payload().all(Tag.ATTRIBUTE);
    }

    @Test
    void lifeOfAKey() throws Exception {
        try (KmipClient kmip = fixture.connect(vcenter, ProtocolVersion.V1_1)) {
            // Create {Symmetric Key; AES; usage mask 12; length 256; no Name, no Activation Date}
            String id = ((Ttlv.TextStringItem) send(kmip, Operation.CREATE, payload(
                    new Ttlv.EnumerationItem(Tag.OBJECT_TYPE, 2), Ttlv.Structure.of(Tag.TEMPLATE_ATTRIBUTE,
                            attribute("Cryptographic Algorithm", new Ttlv.EnumerationItem(Tag.ATTRIBUTE_VALUE, 3)),
                            attribute("Cryptographic Usage Mask", new Ttlv.IntegerItem(Tag.ATTRIBUTE_VALUE, 12)),
                            attribute("Cryptographic Length", new Ttlv.IntegerItem(Tag.ATTRIBUTE_VALUE, 256)))))
                    .getFirst().payload().first(Tag.UNIQUE_IDENTIFIER).orElseThrow()).value();

            // Get Attributes of x-Product_Version, x-Vendor, x-Product, one request each: absent, so only the UID.
            for (String name : List.of("x-Product_Version", "x-Vendor", "x-Product")) {
                ResponseBatchItem answer = send(kmip, Operation.GET_ATTRIBUTES, payload(uid(id),
                        new Ttlv.TextStringItem(Tag.ATTRIBUTE_NAME, name))).getFirst();
                assertEquals(List.of(new Ttlv.TextStringItem(Tag.UNIQUE_IDENTIFIER, id)), answer.payload().items());
            }

            // One batch of three Add Attribute with Text String values.
            List<ResponseBatchItem> added = send(kmip, Operation.ADD_ATTRIBUTE,
                    payload(uid(id), attribute("x-Product_Version", text("7.0.3 build-19480866"))),
                    payload(uid(id), attribute("x-Vendor", text("VMware, Inc."))),
                    payload(uid(id), attribute("x-Product", text("VMware vSphere"))));
            assertEquals(3, added.size());

            // Later: Get before any Activate.
            ResponseBatchItem got = send(kmip, Operation.GET, payload(uid(id))).getFirst();
            Ttlv.Structure keyBlock = (Ttlv.Structure) ((Ttlv.Structure) got.payload().first(Tag.SYMMETRIC_KEY)
                    .orElseThrow()).first(Tag.KEY_BLOCK).orElseThrow();
            Ttlv.Structure keyValue = (Ttlv.Structure) keyBlock.first(Tag.KEY_VALUE).orElseThrow();
            assertEquals(32, ((Ttlv.ByteStringItem) keyValue.first(Tag.KEY_MATERIAL).orElseThrow()).value().length);

            // Get Attributes(State), then Activate because it is Pre-Active.
            ResponseBatchItem state = send(kmip, Operation.GET_ATTRIBUTES, payload(uid(id),
                    new Ttlv.TextStringItem(Tag.ATTRIBUTE_NAME, "State"))).getFirst();
            assertEquals(new Ttlv.EnumerationItem(Tag.ATTRIBUTE_VALUE, 1),
                    ((Ttlv.Structure) attributeItems(state).getFirst()).first(Tag.ATTRIBUTE_VALUE).orElseThrow());
            send(kmip, Operation.ACTIVATE, payload(uid(id)));

            // Later still: x-Identifier, x-Component, x-Name the same way.
            send(kmip, Operation.ADD_ATTRIBUTE,
                    payload(uid(id), attribute("x-Identifier", text("5003f1b6-9f8e-2b0a-7c1d-0a1b2c3d4e5f"))),
                    payload(uid(id), attribute("x-Component", text("Virtual Machine"))),
                    payload(uid(id), attribute("x-Name", text("prod-db-01"))));

            ResponseBatchItem all = send(kmip, Operation.GET_ATTRIBUTES, payload(uid(id))).getFirst();
            List<String> names = attributeItems(all).stream().map(item -> ((Ttlv.TextStringItem) ((Ttlv.Structure)
                    item).first(Tag.ATTRIBUTE_NAME).orElseThrow()).value()).toList();
            assertTrue(names.containsAll(List.of("x-Product_Version", "x-Vendor", "x-Product", "x-Identifier",
                    "x-Component", "x-Name", "State", "Activation Date", "Fresh")), names.toString());
            for (String newer : List.of("Original Creation Date", "Alternative Name", "Description", "Sensitive",
                    "Extractable")) {
                assertFalse(names.contains(newer), newer + " is not a KMIP 1.1 attribute");
            }

            // vCenter's health checks: Discover Versions with an empty payload, Query Server Information.
            ResponseBatchItem versions = send(kmip, Operation.DISCOVER_VERSIONS, payload()).getFirst();
            assertEquals(5, versions.payload().all(Tag.PROTOCOL_VERSION).size());
            ResponseBatchItem query = send(kmip, Operation.QUERY, payload(new Ttlv.EnumerationItem(
                    Tag.QUERY_FUNCTION, 3))).getFirst();
            assertTrue(query.payload().first(Tag.VENDOR_IDENTIFICATION).isPresent());
            assertNull(query.message());
        }
    }
}
