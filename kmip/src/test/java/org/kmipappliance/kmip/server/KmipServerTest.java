package org.kmipappliance.kmip.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kmipappliance.hsm.pki.TlsContexts;
import org.kmipappliance.hsm.testing.TestCertificates;
import org.kmipappliance.kmip.client.KmipClient;
import org.kmipappliance.kmip.message.KmipEnums;
import org.kmipappliance.kmip.message.KmipException;
import org.kmipappliance.kmip.message.MessageCodec;
import org.kmipappliance.kmip.message.Operation;
import org.kmipappliance.kmip.message.ProtocolVersion;
import org.kmipappliance.kmip.message.RequestBatchItem;
import org.kmipappliance.kmip.message.RequestHeader;
import org.kmipappliance.kmip.message.RequestMessage;
import org.kmipappliance.kmip.message.ResponseMessage;
import org.kmipappliance.kmip.message.ResultReason;
import org.kmipappliance.kmip.message.ResultStatus;
import org.kmipappliance.kmip.message.Tag;
import org.kmipappliance.kmip.ttlv.Ttlv;
import org.kmipappliance.kmip.ttlv.TtlvDecoder;

/** The KMIP tier end to end on real TLS sockets, a real SoftHSM2 token and a real PostgreSQL. */
class KmipServerTest {
    private static KmipTestServer fixture;
    private static SSLContext registeredClient;
    private static SSLContext otherAdapterClient;

    @BeforeAll
    static void start() {
        fixture = new KmipTestServer("kmip-test");
        registeredClient = fixture.clientOfNewAdapter();
        otherAdapterClient = fixture.clientOfNewAdapter();
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    private static KmipClient connect(SSLContext tls, ProtocolVersion version) throws IOException {
        return fixture.connect(tls, version);
    }

    @Test
    void createThenGet_returnsTheSameMaterialTwice() throws Exception {
        try (KmipClient client = connect(registeredClient, ProtocolVersion.V1_4)) {
            String id = client.createAesKey(256, 12);
            byte[] first = client.getKeyMaterial(id);
            byte[] second = client.getKeyMaterial(id);
            assertEquals(32, first.length);
            assertArrayEquals(first, second);
        }
    }

    @Test
    void everyVersion_isAnsweredInTheRequestsVersion() throws Exception {
        for (ProtocolVersion version : ProtocolVersion.SUPPORTED) {
            try (KmipClient client = connect(registeredClient, version)) {
                ResponseMessage response = client.batch(List.of(RequestBatchItem.of(Operation.DISCOVER_VERSIONS,
                        null, new Ttlv.Structure(Tag.REQUEST_PAYLOAD, List.of()))));
                assertEquals(version, response.version());
                assertEquals(16, client.getKeyMaterial(client.createAesKey(128, 12)).length);
            }
        }
    }

    @Test
    void discoverVersions_listsTheCommonOnesNewestFirst() throws Exception {
        try (KmipClient client = connect(registeredClient, ProtocolVersion.V1_1)) {
            assertEquals(ProtocolVersion.SUPPORTED, client.discoverVersions(List.of()));
            assertEquals(List.of(ProtocolVersion.V1_2, ProtocolVersion.V1_1), client.discoverVersions(
                    List.of(new ProtocolVersion(2, 0), ProtocolVersion.V1_1, ProtocolVersion.V1_2)));
            assertEquals(List.of(), client.discoverVersions(List.of(new ProtocolVersion(3, 0))));
        }
    }

    @Test
    void unregisteredCertificate_cannotCompleteAnExchange() {
        SSLContext stranger = TlsContexts.create(TestCertificates.client("stranger"),
                TestCertificates.authority().certificate());
        assertThrows(IOException.class, () -> {
            try (KmipClient client = connect(stranger, ProtocolVersion.V1_4)) {
                client.discoverVersions(List.of());
            }
        });
    }

    @Test
    void clientWithoutCertificate_cannotCompleteAnExchange() {
        SSLContext anonymous = TlsContexts.create(null, TestCertificates.authority().certificate());
        assertThrows(IOException.class, () -> {
            try (KmipClient client = connect(anonymous, ProtocolVersion.V1_4)) {
                client.discoverVersions(List.of());
            }
        });
    }

    @Test
    void keyOfAnotherAdapter_isNotFound() throws Exception {
        String id;
        try (KmipClient owner = connect(registeredClient, ProtocolVersion.V1_4)) {
            id = owner.createAesKey(256, 12);
        }
        try (KmipClient stranger = connect(otherAdapterClient, ProtocolVersion.V1_4)) {
            KmipException e = assertThrows(KmipException.class, () -> stranger.getKeyMaterial(id));
            assertEquals(ResultReason.ITEM_NOT_FOUND, e.reason());
        }
    }

    @Test
    void malformedMessage_getsInvalidMessage_andTheConnectionKeepsWorking() throws Exception {
        try (KmipClient client = connect(registeredClient, ProtocolVersion.V1_4)) {
            // A Request Message whose only child claims more bytes than the structure holds.
            byte[] broken = HexFormat.of().parseHex("42007801000000104200770100000100" + "0000000000000000");
            ResponseMessage response = MessageCodec.parseResponse(TtlvDecoder.decode(client.exchangeRaw(broken)));
            assertEquals(1, response.items().size());
            assertEquals(ResultStatus.OPERATION_FAILED, response.items().getFirst().status());
            assertEquals(ResultReason.INVALID_MESSAGE, response.items().getFirst().reason());
            assertNull(response.items().getFirst().operationCode());
            assertEquals(32, client.getKeyMaterial(client.createAesKey(256, 12)).length);
        }
    }

    @Test
    void oversizedFrame_closesOnlyThatConnection() throws Exception {
        SSLSocket socket = (SSLSocket) registeredClient.getSocketFactory().createSocket("localhost",
                fixture.server.port());
        socket.setSoTimeout((int) KmipTestServer.TIMEOUT.toMillis());
        socket.startHandshake();
        ByteBuffer header = ByteBuffer.allocate(8).putInt(0x42007801).putInt(0x7FFF_FFF8);
        socket.getOutputStream().write(header.array());
        socket.getOutputStream().flush();
        InputStream in = socket.getInputStream();
        assertEquals(-1, in.read(), "the server closes the connection instead of buffering 2 GiB");
        socket.close();
        try (KmipClient client = connect(registeredClient, ProtocolVersion.V1_4)) {
            assertEquals(ProtocolVersion.SUPPORTED, client.discoverVersions(List.of()));
        }
    }

    @Test
    void unsupportedOperation_failsOnlyItsOwnItem_whenTheBatchContinues() throws Exception {
        try (KmipClient client = connect(registeredClient, ProtocolVersion.V1_4)) {
            // Derive Key (0x05), a cryptographic service this server does not offer.
            RequestBatchItem unsupported = new RequestBatchItem(0x05, new byte[] {1}, Ttlv.Structure.of(
                    Tag.REQUEST_PAYLOAD), null);
            RequestBatchItem discover = new RequestBatchItem(Operation.DISCOVER_VERSIONS.code(), new byte[] {2},
                    new Ttlv.Structure(Tag.REQUEST_PAYLOAD, List.of()), null);
            ResponseMessage continued = client.send(new RequestMessage(new RequestHeader(ProtocolVersion.V1_4, null,
                    null, false, KmipEnums.BATCH_CONTINUE, false, null, 2), List.of(unsupported, discover)));
            assertEquals(2, continued.items().size());
            assertEquals(ResultReason.OPERATION_NOT_SUPPORTED, continued.items().get(0).reason());
            assertArrayEquals(new byte[] {1}, continued.items().get(0).uniqueBatchItemId());
            assertEquals(ResultStatus.SUCCESS, continued.items().get(1).status());
            assertArrayEquals(new byte[] {2}, continued.items().get(1).uniqueBatchItemId());

            ResponseMessage stopped = client.batch(List.of(unsupported, discover));
            assertEquals(1, stopped.items().size(), "with Stop, items after the failure are not returned");
        }
    }

    @Test
    void getWithoutIdentifier_usesTheIdPlaceholderOfCreate() throws Exception {
        try (KmipClient client = connect(registeredClient, ProtocolVersion.V1_4)) {
            Ttlv.Structure template = Ttlv.Structure.of(Tag.TEMPLATE_ATTRIBUTE,
                    KmipClient.attribute("Cryptographic Algorithm", new Ttlv.EnumerationItem(Tag.ATTRIBUTE_VALUE, 3)),
                    KmipClient.attribute("Cryptographic Length", new Ttlv.IntegerItem(Tag.ATTRIBUTE_VALUE, 192)),
                    KmipClient.attribute("Cryptographic Usage Mask", new Ttlv.IntegerItem(Tag.ATTRIBUTE_VALUE, 12)));
            ResponseMessage response = client.batch(List.of(
                    RequestBatchItem.of(Operation.CREATE, new byte[] {1}, Ttlv.Structure.of(Tag.REQUEST_PAYLOAD,
                            new Ttlv.EnumerationItem(Tag.OBJECT_TYPE, 2), template)),
                    RequestBatchItem.of(Operation.GET, new byte[] {2}, new Ttlv.Structure(Tag.REQUEST_PAYLOAD,
                            List.of()))));
            assertEquals(ResultStatus.SUCCESS, response.items().get(1).status(), response.items().get(1).message());
            assertNotNull(response.items().get(1).payload());
        }
    }

    @Test
    void createOfAnythingButAes_isAnInvalidField() throws Exception {
        try (KmipClient client = connect(registeredClient, ProtocolVersion.V1_4)) {
            KmipException e = assertThrows(KmipException.class, () -> client.createAesKey(512, 12));
            assertEquals(ResultReason.INVALID_FIELD, e.reason());
            KmipException missing = assertThrows(KmipException.class, () -> client.call(Operation.CREATE,
                    Ttlv.Structure.of(Tag.REQUEST_PAYLOAD, new Ttlv.EnumerationItem(Tag.OBJECT_TYPE, 2),
                            new Ttlv.Structure(Tag.TEMPLATE_ATTRIBUTE, List.of()))));
            assertEquals(ResultReason.INVALID_FIELD, missing.reason());
            assertTrue(missing.getMessage().contains("Cryptographic Algorithm"), missing.getMessage());
        }
    }

    @Test
    void getInAnUnsupportedFormat_saysSo() throws Exception {
        try (KmipClient client = connect(registeredClient, ProtocolVersion.V1_4)) {
            String id = client.createAesKey(256, 12);
            KmipException e = assertThrows(KmipException.class, () -> client.call(Operation.GET,
                    Ttlv.Structure.of(Tag.REQUEST_PAYLOAD, new Ttlv.TextStringItem(Tag.UNIQUE_IDENTIFIER, id),
                            new Ttlv.EnumerationItem(Tag.KEY_FORMAT_TYPE, 2))));
            assertEquals(ResultReason.KEY_FORMAT_TYPE_NOT_SUPPORTED, e.reason());
            Ttlv.Structure transparent = client.call(Operation.GET, Ttlv.Structure.of(Tag.REQUEST_PAYLOAD,
                    new Ttlv.TextStringItem(Tag.UNIQUE_IDENTIFIER, id),
                    new Ttlv.EnumerationItem(Tag.KEY_FORMAT_TYPE, KmipEnums.KEY_FORMAT_TRANSPARENT_SYMMETRIC)));
            assertNotNull(transparent.first(Tag.SYMMETRIC_KEY).orElse(null));
        }
    }

    @Test
    void majorVersionTwo_isAnInvalidMessage() throws Exception {
        try (KmipClient client = connect(registeredClient, new ProtocolVersion(2, 0))) {
            ResponseMessage response = client.batch(List.of(RequestBatchItem.of(Operation.DISCOVER_VERSIONS, null,
                    new Ttlv.Structure(Tag.REQUEST_PAYLOAD, List.of()))));
            assertEquals(ResultReason.INVALID_MESSAGE, response.items().getFirst().reason());
        }
    }
}
