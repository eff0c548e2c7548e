package org.kmipappliance.kmip.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kmipappliance.hsm.testing.TestRequester.TESTER;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kmipappliance.hsm.KmipAdapter;
import org.kmipappliance.hsm.RootKey;
import org.kmipappliance.hsm.pki.PemCertificates;
import org.kmipappliance.hsm.pki.TlsContexts;
import org.kmipappliance.hsm.store.jooq.Tables;
import org.kmipappliance.hsm.testing.TestCertificates;
import org.kmipappliance.hsm.testing.TestHsm;
import org.kmipappliance.kmip.client.KmipClient;
import org.kmipappliance.kmip.message.KmipEnums;
import org.kmipappliance.kmip.message.KmipException;
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
import org.kmipappliance.kmip.server.operations.QueryOperation;
import org.kmipappliance.kmip.ttlv.Ttlv;
import org.kmipappliance.kmip.ttlv.TtlvDecoder;
import org.kmipappliance.kmip.ttlv.TtlvEncoder;

/** Every supported operation's semantics over real TLS, custody, SoftHSM2 and PostgreSQL. */
class KmipOperationsTest {
    private static KmipTestServer fixture;
    private static SSLContext client;
    private static SSLContext otherAdapter;

    @BeforeAll
    static void start() {
        fixture = new KmipTestServer("operations-test");
        client = fixture.clientOfNewAdapter();
        otherAdapter = fixture.clientOfNewAdapter();
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    // ---- request building -------------------------------------------------------------------------------------

    static Ttlv.Structure payload(Ttlv... items) {
        return Ttlv.Structure.of(Tag.REQUEST_PAYLOAD, items);
    }

    static Ttlv uid(String id) {
        return new Ttlv.TextStringItem(Tag.UNIQUE_IDENTIFIER, id);
    }

    static Ttlv.Structure attribute(String name, Ttlv value) {
        return KmipClient.attribute(name, value);
    }

    static Ttlv text(String value) {
        return new Ttlv.TextStringItem(Tag.ATTRIBUTE_VALUE, value);
    }

    static Ttlv integer(int value) {
        return new Ttlv.IntegerItem(Tag.ATTRIBUTE_VALUE, value);
    }

    static Ttlv enumeration(int value) {
        return new Ttlv.EnumerationItem(Tag.ATTRIBUTE_VALUE, value);
    }

    static Ttlv date(Instant instant) {
        return Ttlv.DateTimeItem.of(Tag.ATTRIBUTE_VALUE, instant);
    }

    static Ttlv.Structure name(String value) {
        return Ttlv.Structure.of(Tag.ATTRIBUTE_VALUE, new Ttlv.TextStringItem(Tag.NAME_VALUE, value),
                new Ttlv.EnumerationItem(Tag.NAME_TYPE, 1));
    }

    static Ttlv.Structure createPayload(Ttlv.Structure... extra) {
        List<Ttlv> attributes = new ArrayList<>(List.of(
                attribute("Cryptographic Algorithm", enumeration(KmipEnums.ALGORITHM_AES)),
                attribute("Cryptographic Length", integer(256)),
                attribute("Cryptographic Usage Mask", integer(12))));
        attributes.addAll(List.of(extra));
        return payload(new Ttlv.EnumerationItem(Tag.OBJECT_TYPE, 2), new Ttlv.Structure(Tag.TEMPLATE_ATTRIBUTE,
                attributes));
    }

    static String create(KmipClient kmip, Ttlv.Structure... extra) throws Exception {
        return ((Ttlv.TextStringItem) kmip.call(Operation.CREATE, createPayload(extra)).first(Tag.UNIQUE_IDENTIFIER)
                .orElseThrow()).value();
    }

    /** Get Attributes, as name to values in answer order. */
    static Map<String, List<Ttlv>> attributes(KmipClient kmip, String id, String... names) throws Exception {
        List<Ttlv> request = new ArrayList<>(List.of(uid(id)));
        for (String name : names) {
            request.add(new Ttlv.TextStringItem(Tag.ATTRIBUTE_NAME, name));
        }
        Ttlv.Structure response = kmip.call(Operation.GET_ATTRIBUTES, new Ttlv.Structure(Tag.REQUEST_PAYLOAD,
                request));
        assertEquals(id, ((Ttlv.TextStringItem) response.items().getFirst()).value());
        Map<String, List<Ttlv>> out = new LinkedHashMap<>();
        for (Ttlv item : response.all(Tag.ATTRIBUTE)) {
            Ttlv.Structure attribute = (Ttlv.Structure) item;
            String attributeName = ((Ttlv.TextStringItem) attribute.first(Tag.ATTRIBUTE_NAME).orElseThrow()).value();
            out.computeIfAbsent(attributeName, key -> new ArrayList<>())
                    .add(attribute.first(Tag.ATTRIBUTE_VALUE).orElseThrow());
        }
        return out;
    }

    static int state(KmipClient kmip, String id) throws Exception {
        return ((Ttlv.EnumerationItem) attributes(kmip, id, "State").get("State").getFirst()).value();
    }

    static ResultReason failure(ThrowingCall call) {
        return assertThrows(KmipException.class, call::run).reason();
    }

    interface ThrowingCall {
        void run() throws Exception;
    }

    static Ttlv.Structure revokePayload(String id, int code) {
        return payload(uid(id), Ttlv.Structure.of(Tag.REVOCATION_REASON,
                new Ttlv.EnumerationItem(Tag.REVOCATION_REASON_CODE, code)));
    }

    // ---- Create and Get Attributes ----------------------------------------------------------------------------

    @Test
    void create_storesClientAttributes_andSetsServerAttributes() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            Instant before = Instant.now().minusSeconds(2);
            String id = create(kmip, attribute("Name", name("create-all-" + UUID.randomUUID())),
                    attribute("Object Group", text("group-a")),
                    attribute("Contact Information", text("ops@example.com")),
                    attribute("Description", text("a key")),
                    attribute("x-text", text("v")), attribute("x-int", integer(7)),
                    attribute("x-date", date(Instant.parse("2020-01-01T00:00:00Z"))),
                    attribute("x-struct", Ttlv.Structure.of(Tag.ATTRIBUTE_VALUE,
                            new Ttlv.TextStringItem(Tag.APPLICATION_NAMESPACE, "ns"))));
            Map<String, List<Ttlv>> all = attributes(kmip, id);
            for (String expected : List.of("Unique Identifier", "Object Type", "Cryptographic Algorithm",
                    "Cryptographic Length", "Cryptographic Usage Mask", "Digest", "State", "Initial Date",
                    "Last Change Date", "Fresh", "Original Creation Date", "Name", "Object Group",
                    "Contact Information", "Description", "Sensitive", "Extractable", "Always Sensitive",
                    "Never Extractable", "x-text", "x-int", "x-date", "x-struct")) {
                assertTrue(all.containsKey(expected), expected + " in " + all.keySet());
            }
            assertEquals(KmipEnums.OBJECT_TYPE_SYMMETRIC_KEY,
                    ((Ttlv.EnumerationItem) all.get("Object Type").getFirst()).value());
            assertEquals(1, ((Ttlv.EnumerationItem) all.get("State").getFirst()).value(), "Pre-Active");
            assertTrue(((Ttlv.BooleanItem) all.get("Fresh").getFirst()).value());
            Instant initial = ((Ttlv.DateTimeItem) all.get("Initial Date").getFirst()).instant();
            assertFalse(initial.isBefore(before));
            Ttlv.Structure digest = (Ttlv.Structure) all.get("Digest").getFirst();
            assertEquals(KmipEnums.HASHING_SHA_256,
                    ((Ttlv.EnumerationItem) digest.first(Tag.HASHING_ALGORITHM).orElseThrow()).value());
            assertEquals(32, ((Ttlv.ByteStringItem) digest.first(Tag.DIGEST_VALUE).orElseThrow()).value().length);
            assertFalse(all.containsKey("Activation Date"), "not activated");
        }
    }

    @Test
    void getAttributes_answersOnlyWhatTheRequestsVersionDefines() throws Exception {
        String id;
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            id = create(kmip, attribute("Alternative Name", Ttlv.Structure.of(Tag.ATTRIBUTE_VALUE,
                    new Ttlv.TextStringItem(0x4200C0, "alt"), new Ttlv.EnumerationItem(0x4200C1, 1))),
                    attribute("Comment", text("c")));
        }
        Map<ProtocolVersion, List<String>> absent = Map.of(
                ProtocolVersion.V1_0, List.of("Fresh", "Original Creation Date", "Alternative Name", "Comment",
                        "Sensitive", "Extractable"),
                ProtocolVersion.V1_1, List.of("Original Creation Date", "Alternative Name", "Comment", "Sensitive"),
                ProtocolVersion.V1_2, List.of("Comment", "Sensitive", "Never Extractable"),
                ProtocolVersion.V1_3, List.of("Comment", "Description", "Always Sensitive"));
        for (Map.Entry<ProtocolVersion, List<String>> version : absent.entrySet()) {
            try (KmipClient kmip = fixture.connect(client, version.getKey())) {
                Map<String, List<Ttlv>> all = attributes(kmip, id);
                for (String name : version.getValue()) {
                    assertFalse(all.containsKey(name), name + " must not reach a KMIP " + version.getKey()
                            + " client");
                }
                assertTrue(all.containsKey("State"));
                assertFalse(attributes(kmip, id, "Comment").containsKey("Comment"));
            }
        }
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_2)) {
            assertTrue(attributes(kmip, id).containsKey("Alternative Name"));
            assertTrue(attributes(kmip, id).containsKey("Fresh"));
        }
    }

    @Test
    void getAttributes_omitsMissingOnes_andRefusesDuplicates() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_1)) {
            String id = create(kmip);
            assertEquals(Map.of(), attributes(kmip, id, "x-Product_Version"), "a missing attribute is omitted");
            assertEquals(ResultReason.INVALID_MESSAGE, failure(() -> attributes(kmip, id, "State", "State")));
            assertEquals(ResultReason.ITEM_NOT_FOUND, failure(() -> attributes(kmip, UUID.randomUUID().toString())));
        }
    }

    @Test
    void create_refusesWhatAClientMayNotSet() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            String taken = "taken-" + UUID.randomUUID();
            create(kmip, attribute("Name", name(taken)));
            assertEquals(ResultReason.INVALID_FIELD, failure(() -> create(kmip, attribute("Name", name(taken)))),
                    "a Name already used in the adapter");
            assertEquals(ResultReason.INVALID_FIELD, failure(() -> create(kmip, attribute("State", enumeration(2)))));
            assertEquals(ResultReason.INVALID_FIELD, failure(() -> create(kmip, attribute("Frobnication", text("x")))));
            assertEquals(ResultReason.INVALID_FIELD, failure(() -> create(kmip, attribute("Object Group", integer(1)))));
            assertEquals(ResultReason.ITEM_NOT_FOUND, failure(() -> kmip.call(Operation.CREATE, payload(
                    new Ttlv.EnumerationItem(Tag.OBJECT_TYPE, 2), Ttlv.Structure.of(Tag.TEMPLATE_ATTRIBUTE,
                            Ttlv.Structure.of(Tag.NAME, new Ttlv.TextStringItem(Tag.NAME_VALUE, "template"),
                                    new Ttlv.EnumerationItem(Tag.NAME_TYPE, 1)))))));
        }
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_1)) {
            assertEquals(ResultReason.INVALID_FIELD, failure(() -> create(kmip, attribute("Description", text("x")))),
                    "Description is a 1.4 attribute");
        }
        try (KmipClient kmip = fixture.connect(otherAdapter, ProtocolVersion.V1_4)) {
            create(kmip, attribute("Name", name("shared-name-across-adapters")));
        }
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            create(kmip, attribute("Name", name("shared-name-across-adapters")));
        }
    }

    @Test
    void create_tripleDes_threeOrTwoKeys_withDesParity() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_1)) {
            String id = ((Ttlv.TextStringItem) kmip.call(Operation.CREATE, payload(
                    new Ttlv.EnumerationItem(Tag.OBJECT_TYPE, 2), new Ttlv.Structure(Tag.TEMPLATE_ATTRIBUTE, List.of(
                            attribute("Cryptographic Algorithm", enumeration(KmipEnums.ALGORITHM_TRIPLE_DES)),
                            attribute("Cryptographic Length", integer(168)),
                            attribute("Cryptographic Usage Mask", integer(12))))))
                    .first(Tag.UNIQUE_IDENTIFIER).orElseThrow()).value();
            byte[] material = kmip.getKeyMaterial(id);
            assertEquals(24, material.length, "three DES keys of 8 bytes");
            for (byte b : material) {
                assertEquals(1, Integer.bitCount(b & 0xFF) % 2, "every byte has odd parity");
            }
            assertEquals(List.of(enumeration(KmipEnums.ALGORITHM_TRIPLE_DES)),
                    attributes(kmip, id, "Cryptographic Algorithm").get("Cryptographic Algorithm"));
            assertEquals(List.of(integer(168)), attributes(kmip, id, "Cryptographic Length")
                    .get("Cryptographic Length"));
            assertTrue(locate(kmip, attribute("Cryptographic Algorithm", enumeration(KmipEnums.ALGORITHM_TRIPLE_DES)))
                    .contains(id));
            assertFalse(locate(kmip, attribute("Cryptographic Algorithm", enumeration(KmipEnums.ALGORITHM_AES)))
                    .contains(id));
            String twoKey = ((Ttlv.TextStringItem) kmip.call(Operation.CREATE, payload(
                    new Ttlv.EnumerationItem(Tag.OBJECT_TYPE, 2), new Ttlv.Structure(Tag.TEMPLATE_ATTRIBUTE, List.of(
                            attribute("Cryptographic Algorithm", enumeration(KmipEnums.ALGORITHM_TRIPLE_DES)),
                            attribute("Cryptographic Length", integer(112)),
                            attribute("Cryptographic Usage Mask", integer(12))))))
                    .first(Tag.UNIQUE_IDENTIFIER).orElseThrow()).value();
            assertEquals(16, kmip.getKeyMaterial(twoKey).length, "two DES keys, as the optional profile asks");
            assertEquals(ResultReason.INVALID_FIELD, failure(() -> kmip.call(Operation.CREATE, payload(
                    new Ttlv.EnumerationItem(Tag.OBJECT_TYPE, 2), new Ttlv.Structure(Tag.TEMPLATE_ATTRIBUTE, List.of(
                            attribute("Cryptographic Algorithm", enumeration(KmipEnums.ALGORITHM_TRIPLE_DES)),
                            attribute("Cryptographic Length", integer(192)),
                            attribute("Cryptographic Usage Mask", integer(12))))))), "192 counts the parity bits");
            assertEquals(ResultReason.INVALID_FIELD, failure(() -> kmip.call(Operation.CREATE, payload(
                    new Ttlv.EnumerationItem(Tag.OBJECT_TYPE, 2), new Ttlv.Structure(Tag.TEMPLATE_ATTRIBUTE, List.of(
                            attribute("Cryptographic Algorithm", enumeration(0x01)),
                            attribute("Cryptographic Length", integer(56)),
                            attribute("Cryptographic Usage Mask", integer(12))))))), "single DES");
        }
    }

    // ---- Register ----------------------------------------------------------------------------------------------

    private static Ttlv.Structure symmetricKey(int format, int algorithm, int length, byte[] material) {
        Ttlv keyMaterial = format == KmipEnums.KEY_FORMAT_RAW ? new Ttlv.ByteStringItem(Tag.KEY_MATERIAL, material)
                : Ttlv.Structure.of(Tag.KEY_MATERIAL, new Ttlv.ByteStringItem(Tag.KEY, material));
        return Ttlv.Structure.of(Tag.SYMMETRIC_KEY, Ttlv.Structure.of(Tag.KEY_BLOCK,
                new Ttlv.EnumerationItem(Tag.KEY_FORMAT_TYPE, format), Ttlv.Structure.of(Tag.KEY_VALUE, keyMaterial),
                new Ttlv.EnumerationItem(Tag.CRYPTOGRAPHIC_ALGORITHM, algorithm),
                new Ttlv.IntegerItem(Tag.CRYPTOGRAPHIC_LENGTH, length)));
    }

    private static String register(KmipClient kmip, Ttlv.Structure key, Ttlv.Structure... attributes)
            throws Exception {
        List<Ttlv> template = new ArrayList<>(List.of(attribute("Cryptographic Usage Mask", integer(12))));
        template.addAll(List.of(attributes));
        return ((Ttlv.TextStringItem) kmip.call(Operation.REGISTER, payload(
                new Ttlv.EnumerationItem(Tag.OBJECT_TYPE, KmipEnums.OBJECT_TYPE_SYMMETRIC_KEY),
                new Ttlv.Structure(Tag.TEMPLATE_ATTRIBUTE, template), key))
                .first(Tag.UNIQUE_IDENTIFIER).orElseThrow()).value();
    }

    @Test
    void register_sealsTheClientsKey_andGetAnswersItBack() throws Exception {
        byte[] aes = new byte[32];
        new SecureRandom().nextBytes(aes);
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            String name = "registered-" + UUID.randomUUID();
            String id = register(kmip, symmetricKey(KmipEnums.KEY_FORMAT_RAW, KmipEnums.ALGORITHM_AES, 256,
                    aes.clone()), attribute("Name", name(name)));
            assertArrayEquals(aes, kmip.getKeyMaterial(id));
            assertEquals(1, state(kmip, id), "Pre-Active, as a created key");
            assertEquals(List.of(id), locate(kmip, attribute("Name", name(name))));
            assertEquals(List.of(integer(256)), attributes(kmip, id, "Cryptographic Length")
                    .get("Cryptographic Length"));
            String stored = fixture.database.dsl().fetch("select * from kmip_objects where id = '" + id + "'")
                    .formatCSV() + fixture.database.dsl().fetch("select * from audit_events").formatCSV();
            assertFalse(stored.contains(HexFormat.of().formatHex(aes)), "never in clear in the database");

            byte[] des3 = new byte[24];
            new SecureRandom().nextBytes(des3);
            String transparent = register(kmip, symmetricKey(KmipEnums.KEY_FORMAT_TRANSPARENT_SYMMETRIC,
                    KmipEnums.ALGORITHM_TRIPLE_DES, 168, des3.clone()),
                    attribute("Cryptographic Algorithm", enumeration(KmipEnums.ALGORITHM_TRIPLE_DES)));
            assertArrayEquals(des3, kmip.getKeyMaterial(transparent), "the bytes as given, parity included");

            assertEquals(ResultReason.INVALID_FIELD, failure(() -> register(kmip, symmetricKey(
                    KmipEnums.KEY_FORMAT_RAW, KmipEnums.ALGORITHM_AES, 256, new byte[16]))),
                    "16 bytes are not 256 bits");
            assertEquals(ResultReason.INVALID_FIELD, failure(() -> register(kmip, symmetricKey(
                    KmipEnums.KEY_FORMAT_RAW, KmipEnums.ALGORITHM_AES, 128, new byte[16]),
                    attribute("Cryptographic Length", integer(256)))), "the template and the Key Block disagree");
            assertEquals(ResultReason.INVALID_FIELD, failure(() -> register(kmip, symmetricKey(
                    KmipEnums.KEY_FORMAT_RAW, 0x01, 64, new byte[8]))), "single DES");
            assertEquals(ResultReason.KEY_FORMAT_TYPE_NOT_SUPPORTED, failure(() -> register(kmip, symmetricKey(
                    0x02, KmipEnums.ALGORITHM_AES, 128, new byte[16]))), "Opaque format");
            assertEquals(ResultReason.INVALID_FIELD, failure(() -> register(kmip, symmetricKey(
                    KmipEnums.KEY_FORMAT_RAW, KmipEnums.ALGORITHM_AES, 128, new byte[16]),
                    attribute("Name", name(name)))), "a Name already used");
            assertEquals(ResultReason.INVALID_FIELD, failure(() -> kmip.call(Operation.REGISTER, payload(
                    new Ttlv.EnumerationItem(Tag.OBJECT_TYPE, 0x09),
                    new Ttlv.Structure(Tag.TEMPLATE_ATTRIBUTE, List.of())))), "PGP Key (KMIP 1.2): not kept");
            Ttlv.Structure wrapped = Ttlv.Structure.of(Tag.SYMMETRIC_KEY, Ttlv.Structure.of(Tag.KEY_BLOCK,
                    new Ttlv.EnumerationItem(Tag.KEY_FORMAT_TYPE, KmipEnums.KEY_FORMAT_RAW),
                    new Ttlv.ByteStringItem(Tag.KEY_VALUE, new byte[40]),
                    new Ttlv.EnumerationItem(Tag.CRYPTOGRAPHIC_ALGORITHM, KmipEnums.ALGORITHM_AES),
                    new Ttlv.IntegerItem(Tag.CRYPTOGRAPHIC_LENGTH, 256),
                    Ttlv.Structure.of(Tag.KEY_WRAPPING_DATA, new Ttlv.EnumerationItem(Tag.WRAPPING_METHOD, 2))));
            assertEquals(ResultReason.FEATURE_NOT_SUPPORTED, failure(() -> register(kmip, wrapped)),
                    "wrapped by MAC/sign: not offered");
            assertEquals(5, kmip.discoverVersions(List.of()).size(), "the connection survives");
        }
    }

    @Test
    void activationAndDeactivationDates_moveTheStateWhenTheyCome() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            String tag = UUID.randomUUID().toString();
            String id = create(kmip, attribute("x-tag", text(tag)));
            assertEquals(1, state(kmip, id));
            Instant past = Instant.now().minusSeconds(1).truncatedTo(ChronoUnit.SECONDS);
            kmip.call(Operation.MODIFY_ATTRIBUTE, payload(uid(id), attribute("Activation Date", date(past))));
            assertEquals(2, state(kmip, id), "an Activation Date that has come activates at once");
            assertEquals(ResultReason.PERMISSION_DENIED, failure(() -> kmip.call(Operation.MODIFY_ATTRIBUTE,
                    payload(uid(id), attribute("Activation Date", date(past))))), "only while Pre-Active");

            Instant soon = Instant.now().plusSeconds(2).truncatedTo(ChronoUnit.SECONDS);
            kmip.call(Operation.MODIFY_ATTRIBUTE, payload(uid(id), attribute("Deactivation Date", date(soon))));
            assertEquals(2, state(kmip, id), "Active until its Deactivation Date");
            while (!Instant.now().isAfter(soon)) {
                Thread.sleep(100);
            }
            assertEquals(3, state(kmip, id), "Deactivated when the date came, before any sweep wrote it");
            assertEquals(List.of(id), locate(kmip, attribute("x-tag", text(tag)),
                    attribute("State", enumeration(3))), "Locate by State sees the date too");
            assertEquals(List.of(), locate(kmip, attribute("x-tag", text(tag)), attribute("State", enumeration(2))));
            assertEquals((short) 2, fixture.database.dsl().fetchValue("select state from kmip_objects where id = '"
                    + id + "'", Short.class), "the record still says Active");
            assertTrue(fixture.custody.objects().recordDueTransitions() >= 1);
            assertEquals((short) 3, fixture.database.dsl().fetchValue("select state from kmip_objects where id = '"
                    + id + "'", Short.class), "the sweep recorded it");
            assertEquals(1, fixture.database.dsl().fetchCount(fixture.database.dsl().selectFrom("audit_events")
                    .where("target = '" + id + "' and action = 'kmip.date_reached'")));
            assertEquals(ResultReason.PERMISSION_DENIED, failure(() -> kmip.call(Operation.MODIFY_ATTRIBUTE,
                    payload(uid(id), attribute("Deactivation Date", date(soon))))), "not once Deactivated");

            String future = create(kmip, attribute("Deactivation Date", date(Instant.now().plusSeconds(3600))));
            assertEquals(1, state(kmip, future), "a Deactivation Date alone leaves a new key Pre-Active");
            assertTrue(attributes(kmip, future).containsKey("Deactivation Date"), "given on Create, kept");
        }
    }

    @Test
    void create_withAPastActivationDate_isActive() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            Instant hourAgo = Instant.now().minusSeconds(3600).truncatedTo(ChronoUnit.SECONDS);
            String id = create(kmip, attribute("Activation Date", date(hourAgo)));
            Map<String, List<Ttlv>> found = attributes(kmip, id, "State", "Activation Date");
            assertEquals(2, ((Ttlv.EnumerationItem) found.get("State").getFirst()).value());
            assertEquals(hourAgo, ((Ttlv.DateTimeItem) found.get("Activation Date").getFirst()).instant());
            String later = create(kmip, attribute("Activation Date", date(Instant.now().plusSeconds(3600))));
            assertEquals(1, state(kmip, later));
        }
    }

    // ---- Get ---------------------------------------------------------------------------------------------------

    @Test
    void get_clearsFresh() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            String id = create(kmip);
            kmip.getKeyMaterial(id);
            assertFalse(((Ttlv.BooleanItem) attributes(kmip, id, "Fresh").get("Fresh").getFirst()).value());
        }
    }

    @Test
    void hsmFailure_isACryptographicFailure_withAGenericMessage() throws Exception {
        RootKey root = fixture.custody.rootKeys().create(fixture.instance.id(), "doomed", null,
                TESTER);
        KmipAdapter adapter = fixture.custody.adapters().create(fixture.instance.id(), null,
                null, KmipAdapter.NATIVE_PROFILE, root.id().toString(), TESTER);
        var client = TestCertificates.client("doomed-client");
        fixture.custody.certificates().add(fixture.instance.id(), adapter.name(), null,
                PemCertificates.toPem(client.certificate()), TESTER);
        SSLContext tls = TlsContexts.create(client,
                TestCertificates.authority().certificate());
        try (KmipClient kmip = fixture.connect(tls, ProtocolVersion.V1_4)) {
            String id = create(kmip);
            // The root key's HSM object vanishes behind the appliance's back.
            TestHsm.hsm().destroyRootKey(
                    fixture.custody.rootKeys().hsmLabel(root.id(), 1));
            KmipException e = assertThrows(KmipException.class, () -> kmip.getKeyMaterial(id));
            assertEquals(ResultReason.CRYPTOGRAPHIC_FAILURE, e.reason());
            assertEquals("the HSM could not complete the operation", e.getMessage(), "no internals leak");
            assertEquals(5, kmip.discoverVersions(List.of()).size(), "the connection survives");
        }
    }

    // ---- Add Attribute -----------------------------------------------------------------------------------------

    private static Ttlv.Structure addAttribute(KmipClient kmip, String id, Ttlv.Structure attribute) throws Exception {
        return kmip.call(Operation.ADD_ATTRIBUTE, payload(uid(id), attribute));
    }

    @Test
    void addAttribute_givesMultiInstanceAttributesTheNextIndex() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            String id = create(kmip);
            Ttlv.Structure first = addAttribute(kmip, id, attribute("x-Vendor", text("VMware, Inc.")));
            Ttlv.Structure firstAttribute = (Ttlv.Structure) first.first(Tag.ATTRIBUTE).orElseThrow();
            assertTrue(firstAttribute.first(Tag.ATTRIBUTE_INDEX).isEmpty(), "index 0 is not written");
            Ttlv.Structure second = addAttribute(kmip, id, attribute("x-Vendor", text("other")));
            assertEquals(1, ((Ttlv.IntegerItem) ((Ttlv.Structure) second.first(Tag.ATTRIBUTE).orElseThrow())
                    .first(Tag.ATTRIBUTE_INDEX).orElseThrow()).value());
            assertEquals(List.of(text("VMware, Inc."), text("other")), attributes(kmip, id, "x-Vendor")
                    .get("x-Vendor"));
            addAttribute(kmip, id, attribute("Object Group", text("g1")));
            addAttribute(kmip, id, attribute("Object Group", text("g2")));
            assertEquals(2, attributes(kmip, id, "Object Group").get("Object Group").size());
        }
    }

    @Test
    void addAttribute_refusals() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            String id = create(kmip);
            addAttribute(kmip, id, attribute("Contact Information", text("a")));
            assertEquals(ResultReason.ILLEGAL_OPERATION,
                    failure(() -> addAttribute(kmip, id, attribute("Contact Information", text("b")))),
                    "single-instance attribute already present");
            assertEquals(ResultReason.PERMISSION_DENIED,
                    failure(() -> addAttribute(kmip, id, attribute("State", enumeration(2)))), "read-only");
            assertEquals(ResultReason.PERMISSION_DENIED,
                    failure(() -> addAttribute(kmip, id, attribute("y-server", text("x")))), "y- attribute");
            assertEquals(ResultReason.INVALID_FIELD, failure(() -> addAttribute(kmip, id, Ttlv.Structure.of(
                    Tag.ATTRIBUTE, new Ttlv.TextStringItem(Tag.ATTRIBUTE_NAME, "x-indexed"),
                    new Ttlv.IntegerItem(Tag.ATTRIBUTE_INDEX, 3), text("v")))), "an index in the request");
            assertEquals(ResultReason.INVALID_FIELD,
                    failure(() -> addAttribute(kmip, id, attribute("No Such Attribute", text("x")))));
            String taken = "named-" + UUID.randomUUID();
            create(kmip, attribute("Name", name(taken)));
            assertEquals(ResultReason.ILLEGAL_OPERATION,
                    failure(() -> addAttribute(kmip, id, attribute("Name", name(taken)))), "Name of another object");
            assertEquals(ResultReason.ITEM_NOT_FOUND, failure(() -> addAttribute(kmip, UUID.randomUUID().toString(),
                    attribute("x-a", text("b")))));
        }
    }

    // ---- Get Attribute List, Modify Attribute, Delete Attribute -----------------------------------------------

    private static List<String> attributeNames(KmipClient kmip, String id) throws Exception {
        Ttlv.Structure answer = kmip.call(Operation.GET_ATTRIBUTE_LIST, payload(uid(id)));
        assertEquals(id, ((Ttlv.TextStringItem) answer.first(Tag.UNIQUE_IDENTIFIER).orElseThrow()).value());
        return answer.all(Tag.ATTRIBUTE_NAME).stream().map(name -> ((Ttlv.TextStringItem) name).value()).toList();
    }

    private static Ttlv.Structure modifyAttribute(KmipClient kmip, String id, Ttlv.Structure attribute)
            throws Exception {
        return kmip.call(Operation.MODIFY_ATTRIBUTE, payload(uid(id), attribute));
    }

    private static Ttlv.Structure deleteAttribute(KmipClient kmip, String id, String name, Integer index)
            throws Exception {
        List<Ttlv> fields = new ArrayList<>(List.of(uid(id), new Ttlv.TextStringItem(Tag.ATTRIBUTE_NAME, name)));
        if (index != null) {
            fields.add(new Ttlv.IntegerItem(Tag.ATTRIBUTE_INDEX, index));
        }
        return kmip.call(Operation.DELETE_ATTRIBUTE, new Ttlv.Structure(Tag.REQUEST_PAYLOAD, fields));
    }

    private static Ttlv.Structure indexed(String name, int index, Ttlv value) {
        return Ttlv.Structure.of(Tag.ATTRIBUTE, new Ttlv.TextStringItem(Tag.ATTRIBUTE_NAME, name),
                new Ttlv.IntegerItem(Tag.ATTRIBUTE_INDEX, index), value);
    }

    @Test
    void getAttributeList_namesEachAttributeOnce_asTheVersionDefinesThem() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            String id = create(kmip, attribute("Object Group", text("g1")), attribute("Object Group", text("g2")));
            addAttribute(kmip, id, attribute("x-Vendor", text("VMware, Inc.")));
            List<String> names = attributeNames(kmip, id);
            assertEquals(names.size(), new HashSet<>(names).size(), "each name once: " + names);
            assertTrue(names.containsAll(List.of("Unique Identifier", "Object Type", "Cryptographic Algorithm",
                    "Cryptographic Length", "Cryptographic Usage Mask", "State", "Initial Date", "Digest",
                    "Object Group", "x-Vendor", "Fresh", "Sensitive")), names.toString());
            assertFalse(names.contains("Activation Date"), "a Pre-Active key has none: " + names);
            assertEquals(new HashSet<>(names), attributes(kmip, id).keySet(), "what Get Attributes would answer");
        }
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_1)) {
            List<String> names = attributeNames(kmip, create(kmip));
            assertTrue(names.contains("Fresh") && !names.contains("Sensitive")
                    && !names.contains("Original Creation Date"), "1.1 defines Fresh, not the later ones: " + names);
        }
    }

    @Test
    void modifyAttribute_changesOneExistingInstance() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            String id = create(kmip);
            addAttribute(kmip, id, attribute("x-Vendor", text("first")));
            addAttribute(kmip, id, attribute("x-Vendor", text("second")));
            Ttlv.Structure answer = modifyAttribute(kmip, id, attribute("x-Vendor", text("first, modified")));
            assertEquals(attribute("x-Vendor", text("first, modified")), answer.first(Tag.ATTRIBUTE).orElseThrow(),
                    "index 0 unless named, and not written");
            modifyAttribute(kmip, id, indexed("x-Vendor", 1, text("second, modified")));
            assertEquals(List.of(text("first, modified"), text("second, modified")),
                    attributes(kmip, id, "x-Vendor").get("x-Vendor"));
            String name = "modified-" + UUID.randomUUID();
            addAttribute(kmip, id, attribute("Name", name("before-" + name)));
            modifyAttribute(kmip, id, attribute("Name", name(name)));
            assertEquals(List.of(id), locate(kmip, attribute("Name", name(name))), "Locate finds the new Name");
            assertEquals(List.of(), locate(kmip, attribute("Name", name("before-" + name))), "and not the old");
            modifyAttribute(kmip, id, attribute("Name", name(name))); // its own Name again is no conflict

            assertEquals(ResultReason.INVALID_FIELD, failure(() -> modifyAttribute(kmip, id,
                    attribute("x-never-added", text("v")))), "an attribute must be added first");
            assertEquals(ResultReason.ITEM_NOT_FOUND, failure(() -> modifyAttribute(kmip, id,
                    indexed("x-Vendor", 7, text("v")))), "no such instance");
            assertEquals(ResultReason.PERMISSION_DENIED, failure(() -> modifyAttribute(kmip, id,
                    attribute("Cryptographic Length", integer(128)))), "fixed at creation");
            assertEquals(ResultReason.PERMISSION_DENIED, failure(() -> modifyAttribute(kmip, id,
                    attribute("State", enumeration(2)))), "the server's");
            assertEquals(ResultReason.INVALID_FIELD, failure(() -> modifyAttribute(kmip, id,
                    attribute("x-Vendor", Ttlv.Structure.of(Tag.ATTRIBUTE_VALUE, Ttlv.Structure.of(Tag.NAME,
                            text("nested")))))), "a custom value with a nested structure");
            String other = "other-" + UUID.randomUUID();
            create(kmip, attribute("Name", name(other)));
            assertEquals(ResultReason.ILLEGAL_OPERATION, failure(() -> modifyAttribute(kmip, id,
                    attribute("Name", name(other)))), "another object's Name");
            assertEquals(ResultReason.ITEM_NOT_FOUND, failure(() -> modifyAttribute(kmip,
                    UUID.randomUUID().toString(), attribute("x-Vendor", text("v")))));
        }
    }

    @Test
    void deleteAttribute_removesOneInstance_andAnswersIt() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            String id = create(kmip, attribute("Object Group", text("g1")), attribute("Object Group", text("g2")));
            Ttlv.Structure deleted = deleteAttribute(kmip, id, "Object Group", 1);
            assertEquals(indexed("Object Group", 1, text("g2")), deleted.first(Tag.ATTRIBUTE).orElseThrow());
            assertEquals(List.of(text("g1")), attributes(kmip, id, "Object Group").get("Object Group"));
            assertEquals(attribute("Object Group", text("g1")), deleteAttribute(kmip, id, "Object Group", null)
                    .first(Tag.ATTRIBUTE).orElseThrow(), "index 0 unless named");
            assertFalse(attributeNames(kmip, id).contains("Object Group"));
            String name = "deleted-" + UUID.randomUUID();
            addAttribute(kmip, id, attribute("Name", name(name)));
            deleteAttribute(kmip, id, "Name", null);
            assertEquals(List.of(), locate(kmip, attribute("Name", name(name))));
            create(kmip, attribute("Name", name(name))); // the Name is free again

            assertEquals(ResultReason.ITEM_NOT_FOUND, failure(() -> deleteAttribute(kmip, id, "x-never", null)));
            assertEquals(ResultReason.ITEM_NOT_FOUND, failure(() -> deleteAttribute(kmip, id, "Object Group", 5)));
            assertEquals(ResultReason.ITEM_NOT_FOUND, failure(() -> deleteAttribute(kmip, id, "No Such", null)));
            assertEquals(ResultReason.PERMISSION_DENIED, failure(() -> deleteAttribute(kmip, id, "State", null)));
            assertEquals(ResultReason.PERMISSION_DENIED,
                    failure(() -> deleteAttribute(kmip, id, "Cryptographic Usage Mask", null)), "required");
            assertEquals(ResultReason.INVALID_FIELD, failure(() -> deleteAttribute(kmip, id, "x-a", -1)));
        }
    }

    // ---- Activate, Revoke, Destroy -----------------------------------------------------------------------------

    @Test
    void lifecycle_activateRevokeDestroy() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            String id = create(kmip);
            kmip.call(Operation.ACTIVATE, payload(uid(id)));
            assertEquals(2, state(kmip, id));
            assertTrue(attributes(kmip, id).containsKey("Activation Date"));
            assertEquals(ResultReason.PERMISSION_DENIED, failure(() -> kmip.call(Operation.ACTIVATE,
                    payload(uid(id)))), "only Pre-Active activates");
            assertEquals(ResultReason.PERMISSION_DENIED, failure(() -> kmip.call(Operation.DESTROY,
                    payload(uid(id)))), "an Active key cannot be destroyed");
            kmip.call(Operation.REVOKE, revokePayload(id, 5));
            Map<String, List<Ttlv>> revoked = attributes(kmip, id);
            assertEquals(3, ((Ttlv.EnumerationItem) revoked.get("State").getFirst()).value(), "Deactivated");
            assertTrue(revoked.containsKey("Deactivation Date"));
            assertTrue(revoked.containsKey("Revocation Reason"));
            kmip.call(Operation.DESTROY, payload(uid(id)));
            Map<String, List<Ttlv>> destroyed = attributes(kmip, id);
            assertEquals(5, ((Ttlv.EnumerationItem) destroyed.get("State").getFirst()).value(), "Destroyed");
            assertTrue(destroyed.containsKey("Destroy Date"), "metadata is kept after Destroy");
            assertEquals(ResultReason.ILLEGAL_OPERATION, failure(() -> kmip.getKeyMaterial(id)),
                    "Get of a destroyed key: only attributes remain");
            assertEquals(ResultReason.PERMISSION_DENIED, failure(() -> kmip.call(Operation.DESTROY,
                    payload(uid(id)))), "already destroyed");
            kmip.call(Operation.REVOKE, revokePayload(id, KmipEnums.REVOCATION_KEY_COMPROMISE));
            assertEquals(6, state(kmip, id), "Destroyed Compromised");
        }
    }

    @Test
    void revoke_compromiseRecordsItsDates_otherReasonsNeedAnActiveKey() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            String id = create(kmip);
            assertEquals(ResultReason.ILLEGAL_OPERATION, failure(() -> kmip.call(Operation.REVOKE,
                    revokePayload(id, 1))), "no Pre-Active -> Deactivated transition in section 3.22");
            assertEquals(ResultReason.INVALID_FIELD, failure(() -> kmip.call(Operation.REVOKE,
                    revokePayload(id, 99))));
            Instant occurred = Instant.parse("1970-01-01T00:00:06Z");
            kmip.call(Operation.REVOKE, payload(uid(id), Ttlv.Structure.of(Tag.REVOCATION_REASON,
                            new Ttlv.EnumerationItem(Tag.REVOCATION_REASON_CODE, KmipEnums.REVOCATION_KEY_COMPROMISE),
                            new Ttlv.TextStringItem(Tag.REVOCATION_MESSAGE, "stolen laptop")),
                    Ttlv.DateTimeItem.of(Tag.COMPROMISE_OCCURRENCE_DATE, occurred)));
            Map<String, List<Ttlv>> compromised = attributes(kmip, id);
            assertEquals(4, ((Ttlv.EnumerationItem) compromised.get("State").getFirst()).value());
            assertEquals(occurred, ((Ttlv.DateTimeItem) compromised.get("Compromise Occurrence Date").getFirst())
                    .instant());
            assertTrue(compromised.containsKey("Compromise Date"));
            kmip.call(Operation.DESTROY, payload(uid(id)));
            assertEquals(6, state(kmip, id));
        }
    }

    // ---- Locate ------------------------------------------------------------------------------------------------

    static List<String> locate(KmipClient kmip, Ttlv... fields) throws Exception {
        return kmip.call(Operation.LOCATE, payload(fields)).all(Tag.UNIQUE_IDENTIFIER).stream()
                .map(item -> ((Ttlv.TextStringItem) item).value()).toList();
    }

    @Test
    void locate_matchesAllGivenAttributes_newestFirst() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            String tag = UUID.randomUUID().toString();
            String named = create(kmip, attribute("Name", name("locate-" + tag)), attribute("x-tag", text(tag)));
            String second = create(kmip, attribute("x-tag", text(tag)), attribute("Object Group", text(tag)));
            assertEquals(List.of(named), locate(kmip, attribute("Name", name("locate-" + tag))));
            assertEquals(List.of(second, named), locate(kmip, attribute("x-tag", text(tag))), "newest first");
            assertEquals(List.of(second), locate(kmip, attribute("x-tag", text(tag)),
                    attribute("Object Group", text(tag))), "every attribute must match");
            assertEquals(List.of(), locate(kmip, attribute("Name", name("locate-" + tag + "-no"))), "exact names");
            assertEquals(List.of(second, named), locate(kmip, attribute("x-tag", text(tag)),
                    attribute("Cryptographic Usage Mask", integer(4))), "usage mask: a subset matches");
            assertEquals(List.of(), locate(kmip, attribute("x-tag", text(tag)),
                    attribute("Cryptographic Usage Mask", integer(16))));
            assertEquals(List.of(second, named), locate(kmip, attribute("x-tag", text(tag)),
                    attribute("Object Type", enumeration(2)), attribute("State", enumeration(1)),
                    attribute("Cryptographic Algorithm", enumeration(KmipEnums.ALGORITHM_AES)),
                    attribute("Cryptographic Length", integer(256))));

            Ttlv.Structure paged = kmip.call(Operation.LOCATE, payload(new Ttlv.IntegerItem(Tag.MAXIMUM_ITEMS, 1),
                    new Ttlv.IntegerItem(Tag.OFFSET_ITEMS, 1), attribute("x-tag", text(tag))));
            assertEquals(2, ((Ttlv.IntegerItem) paged.first(Tag.LOCATED_ITEMS).orElseThrow()).value());
            assertEquals(List.of(new Ttlv.TextStringItem(Tag.UNIQUE_IDENTIFIER, named)),
                    paged.all(Tag.UNIQUE_IDENTIFIER));
            Ttlv.Structure pastTheEnd = kmip.call(Operation.LOCATE, payload(new Ttlv.IntegerItem(Tag.OFFSET_ITEMS,
                    5), attribute("x-tag", text(tag))));
            assertEquals(2, ((Ttlv.IntegerItem) pastTheEnd.first(Tag.LOCATED_ITEMS).orElseThrow()).value(),
                    "past the last match, the total is still told");
            assertTrue(pastTheEnd.all(Tag.UNIQUE_IDENTIFIER).isEmpty());

            kmip.call(Operation.DESTROY, payload(uid(named)));
            assertEquals(List.of(second), locate(kmip, attribute("x-tag", text(tag))), "destroyed are not found");
        }
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_2)) {
            Ttlv.Structure answer = kmip.call(Operation.LOCATE, payload(attribute("Object Group",
                    text(UUID.randomUUID().toString()))));
            assertTrue(answer.first(Tag.LOCATED_ITEMS).isEmpty(), "Located Items is a 1.3 field");
        }
    }

    @Test
    void locate_storageStatusAndFreshGroupMembers() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            String group = UUID.randomUUID().toString();
            String served = create(kmip, attribute("Object Group", text(group)));
            String fresh = create(kmip, attribute("Object Group", text(group)));
            kmip.getKeyMaterial(served);
            assertEquals(List.of(fresh, served), locate(kmip, attribute("Object Group", text(group))));
            assertEquals(List.of(fresh), locate(kmip, new Ttlv.EnumerationItem(Tag.OBJECT_GROUP_MEMBER,
                    KmipEnums.GROUP_MEMBER_FRESH), attribute("Object Group", text(group))), "Group Member Fresh");
            assertEquals(List.of(), locate(kmip, new Ttlv.IntegerItem(Tag.STORAGE_STATUS_MASK, 2),
                    attribute("Object Group", text(group))), "nothing is archived");
            assertEquals(List.of(fresh, served), locate(kmip, new Ttlv.IntegerItem(Tag.STORAGE_STATUS_MASK, 3),
                    attribute("Object Group", text(group))));
        }
    }

    @Test
    void customAttributes_ofEveryType_roundTrip() throws Exception {
        List<Ttlv> values = List.of(text("t"), integer(-3), new Ttlv.LongIntegerItem(Tag.ATTRIBUTE_VALUE, 1L << 40),
                new Ttlv.BigIntegerItem(Tag.ATTRIBUTE_VALUE, new BigInteger("-123456789012345678901234")),
                enumeration(0x80000001), new Ttlv.BooleanItem(Tag.ATTRIBUTE_VALUE, true),
                new Ttlv.ByteStringItem(Tag.ATTRIBUTE_VALUE, new byte[] {1, 2, 3}),
                date(Instant.parse("2030-01-01T00:00:00Z")), new Ttlv.IntervalItem(Tag.ATTRIBUTE_VALUE, 86400),
                Ttlv.Structure.of(Tag.ATTRIBUTE_VALUE, new Ttlv.TextStringItem(Tag.APPLICATION_NAMESPACE, "n")));
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_1)) {
            List<Ttlv.Structure> attributes = new ArrayList<>();
            for (int i = 0; i < values.size(); i++) {
                attributes.add(attribute("x-type-" + i, values.get(i)));
            }
            String id = create(kmip, attributes.toArray(Ttlv.Structure[]::new));
            Map<String, List<Ttlv>> all = attributes(kmip, id);
            for (int i = 0; i < values.size(); i++) {
                assertEquals(List.of(values.get(i)), all.get("x-type-" + i), values.get(i).type().name());
                assertEquals(List.of(id), locate(kmip, attribute("x-type-" + i, values.get(i))));
            }
            assertEquals(ResultReason.INVALID_FIELD, failure(() -> create(kmip, attribute("x-nested",
                    Ttlv.Structure.of(Tag.ATTRIBUTE_VALUE, Ttlv.Structure.of(Tag.APPLICATION_SPECIFIC_INFORMATION))))),
                    "a custom structure may not nest");
        }
    }

    @Test
    void headerRules_duplicateFieldIsInvalidMessage_unknownFieldIsInvalidField() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            for (Map.Entry<Ttlv, ResultReason> extra : Map.of(
                    (Ttlv) new Ttlv.IntegerItem(Tag.BATCH_COUNT, 1), ResultReason.INVALID_MESSAGE,
                    new Ttlv.TextStringItem(Tag.NAME_VALUE, "not a header field"), ResultReason.INVALID_FIELD)
                    .entrySet()) {
                byte[] request = TtlvEncoder.encode(Ttlv.Structure.of(Tag.REQUEST_MESSAGE,
                        Ttlv.Structure.of(Tag.REQUEST_HEADER, MessageCodec
                                .encodeVersion(ProtocolVersion.V1_4), new Ttlv.IntegerItem(Tag.BATCH_COUNT, 1),
                                extra.getKey()),
                        Ttlv.Structure.of(Tag.BATCH_ITEM, new Ttlv.EnumerationItem(Tag.OPERATION,
                                Operation.DISCOVER_VERSIONS.code()), payload())));
                ResponseMessage response = MessageCodec.parseResponse(
                        TtlvDecoder.decode(kmip.exchangeRaw(request)));
                assertEquals(extra.getValue(), response.items().getFirst().reason());
            }
        }
    }

    @Test
    void locate_byDates_equalityAndInclusiveRanges() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            String tag = UUID.randomUUID().toString();
            Instant activation = Instant.parse("2021-06-01T12:00:00Z");
            String id = create(kmip, attribute("x-tag", text(tag)), attribute("Activation Date", date(activation)));
            assertEquals(List.of(id), locate(kmip, attribute("x-tag", text(tag)),
                    attribute("Activation Date", date(activation))));
            assertEquals(List.of(id), locate(kmip, attribute("x-tag", text(tag)),
                    attribute("Activation Date", date(activation.plusSeconds(60))),
                    attribute("Activation Date", date(activation.minusSeconds(60)))));
            assertEquals(List.of(), locate(kmip, attribute("x-tag", text(tag)),
                    attribute("Activation Date", date(activation.plusSeconds(1))),
                    attribute("Activation Date", date(activation.plusSeconds(60)))));
            assertEquals(List.of(id), locate(kmip, attribute("x-tag", text(tag)),
                    attribute("Initial Date", date(Instant.now().minusSeconds(600))),
                    attribute("Initial Date", date(Instant.now().plusSeconds(600)))));
        }
    }

    @Test
    void locate_neverFindsAnotherAdaptersObjects_andRefusesUnlocatableAttributes() throws Exception {
        String tag = UUID.randomUUID().toString();
        try (KmipClient kmip = fixture.connect(otherAdapter, ProtocolVersion.V1_4)) {
            create(kmip, attribute("x-tag", text(tag)));
        }
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            assertEquals(List.of(), locate(kmip, attribute("x-tag", text(tag))));
            assertEquals(ResultReason.INVALID_FIELD, failure(() -> locate(kmip, attribute("Digest",
                    Ttlv.Structure.of(Tag.ATTRIBUTE_VALUE)))));
            assertEquals(ResultReason.INVALID_FIELD, failure(() -> locate(kmip, attribute("Nonsense", text("x")))));
        }
    }

    @Test
    void locateThenGet_inOneBatch_usesTheIdPlaceholder() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            String tag = UUID.randomUUID().toString();
            String id = create(kmip, attribute("x-tag", text(tag)));
            ResponseMessage response = kmip.send(new RequestMessage(new RequestHeader(ProtocolVersion.V1_4, null,
                    null, false, KmipEnums.BATCH_STOP, true, null, 2), List.of(
                    RequestBatchItem.of(Operation.LOCATE, new byte[] {1}, payload(attribute("x-tag", text(tag)))),
                    RequestBatchItem.of(Operation.GET, new byte[] {2}, payload()))));
            assertEquals(ResultStatus.SUCCESS, response.items().get(1).status(), response.items().get(1).message());
            assertEquals(id, ((Ttlv.TextStringItem) response.items().get(1).payload().first(Tag.UNIQUE_IDENTIFIER)
                    .orElseThrow()).value());
        }
    }

    @Test
    void check_allowsTheObjectsUsages_andEmptiesThePlaceholderOnARefusal() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            String tag = UUID.randomUUID().toString();
            String id = create(kmip, attribute("x-tag", text(tag))); // usage mask 12: Encrypt | Decrypt
            ResponseMessage allowed = kmip.send(new RequestMessage(new RequestHeader(ProtocolVersion.V1_4, null,
                    null, false, KmipEnums.BATCH_STOP, true, null, 3), List.of(
                    RequestBatchItem.of(Operation.LOCATE, new byte[] {1}, payload(attribute("x-tag", text(tag)))),
                    RequestBatchItem.of(Operation.CHECK, new byte[] {2}, payload(new Ttlv.IntegerItem(
                            Tag.CRYPTOGRAPHIC_USAGE_MASK, 4), new Ttlv.LongIntegerItem(Tag.USAGE_LIMITS_COUNT, 10))),
                    RequestBatchItem.of(Operation.GET, new byte[] {3}, payload()))));
            assertEquals(List.of(ResultStatus.SUCCESS, ResultStatus.SUCCESS, ResultStatus.SUCCESS),
                    allowed.items().stream().map(item -> item.status()).toList());
            assertEquals(id, ((Ttlv.TextStringItem) allowed.items().get(1).payload().first(Tag.UNIQUE_IDENTIFIER)
                    .orElseThrow()).value());

            ResponseMessage refused = kmip.send(new RequestMessage(new RequestHeader(ProtocolVersion.V1_4, null,
                    null, false, KmipEnums.BATCH_CONTINUE, true, null, 3), List.of(
                    RequestBatchItem.of(Operation.LOCATE, new byte[] {1}, payload(attribute("x-tag", text(tag)))),
                    RequestBatchItem.of(Operation.CHECK, new byte[] {2}, payload(new Ttlv.IntegerItem(
                            Tag.CRYPTOGRAPHIC_USAGE_MASK, 1))),
                    RequestBatchItem.of(Operation.GET, new byte[] {3}, payload()))));
            assertEquals(ResultReason.PERMISSION_DENIED, refused.items().get(1).reason(), "Sign (1) is not allowed");
            assertTrue(refused.items().get(1).message().contains("0x1"), refused.items().get(1).message());
            assertEquals(ResultReason.MISSING_DATA, refused.items().get(2).reason(),
                    "the refused Check emptied the ID Placeholder, so Get has no object");

            kmip.call(Operation.DESTROY, payload(uid(id)));
            assertEquals(ResultReason.ILLEGAL_OPERATION, failure(() -> kmip.call(Operation.CHECK, payload(uid(id)))));
            assertEquals(ResultReason.ITEM_NOT_FOUND, failure(() -> kmip.call(Operation.CHECK,
                    payload(uid(UUID.randomUUID().toString())))));
        }
    }

    @Test
    void obtainLease_grantsAnHour_withTheLastChangeDate_andCheckHoldsLeasesToIt() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            String id = create(kmip);
            Ttlv.Structure lease = kmip.call(Operation.OBTAIN_LEASE, payload(uid(id)));
            assertEquals(new Ttlv.IntervalItem(Tag.LEASE_TIME, 3600), lease.first(Tag.LEASE_TIME).orElseThrow());
            assertEquals(((Ttlv.DateTimeItem) attributes(kmip, id, "Last Change Date").get("Last Change Date")
                    .getFirst()).instant(), ((Ttlv.DateTimeItem) lease.first(Tag.LAST_CHANGE_DATE).orElseThrow())
                    .instant());
            assertEquals(List.of(new Ttlv.IntervalItem(Tag.ATTRIBUTE_VALUE, 3600)),
                    attributes(kmip, id, "Lease Time").get("Lease Time"), "the attribute is the lease granted");
            kmip.call(Operation.CHECK, payload(uid(id), new Ttlv.IntervalItem(Tag.LEASE_TIME, 3600)));
            assertEquals(ResultReason.PERMISSION_DENIED, failure(() -> kmip.call(Operation.CHECK, payload(uid(id),
                    new Ttlv.IntervalItem(Tag.LEASE_TIME, 3601)))), "no longer lease than the server grants");

            kmip.call(Operation.ACTIVATE, payload(uid(id)));
            kmip.call(Operation.REVOKE, revokePayload(id, KmipEnums.REVOCATION_KEY_COMPROMISE));
            assertEquals(ResultReason.PERMISSION_DENIED, failure(() -> kmip.call(Operation.OBTAIN_LEASE,
                    payload(uid(id)))), "no lease on a compromised key");
            assertEquals(ResultReason.ITEM_NOT_FOUND, failure(() -> kmip.call(Operation.OBTAIN_LEASE,
                    payload(uid(UUID.randomUUID().toString())))));
        }
    }

    @Test
    void archive_takesTheObjectOffLine_untilRecover() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            String tag = UUID.randomUUID().toString();
            String id = create(kmip, attribute("x-tag", text(tag)));
            byte[] material = kmip.getKeyMaterial(id);
            assertEquals(id, ((Ttlv.TextStringItem) kmip.call(Operation.ARCHIVE, payload(uid(id)))
                    .first(Tag.UNIQUE_IDENTIFIER).orElseThrow()).value());
            for (Operation refused : List.of(Operation.GET, Operation.GET_ATTRIBUTES, Operation.ACTIVATE,
                    Operation.DESTROY, Operation.CHECK, Operation.OBTAIN_LEASE, Operation.ARCHIVE)) {
                assertEquals(ResultReason.OBJECT_ARCHIVED, failure(() -> kmip.call(refused, payload(uid(id)))),
                        refused.name());
            }
            assertEquals(ResultReason.OBJECT_ARCHIVED, failure(() -> kmip.call(Operation.ADD_ATTRIBUTE,
                    payload(uid(id), attribute("x-more", text("value"))))));
            assertEquals(List.of(), locate(kmip, attribute("x-tag", text(tag))), "on-line objects only, by default");
            assertEquals(List.of(id), locate(kmip, new Ttlv.IntegerItem(Tag.STORAGE_STATUS_MASK,
                    KmipEnums.STORAGE_ARCHIVAL), attribute("x-tag", text(tag))));
            assertEquals(List.of(id), locate(kmip, new Ttlv.IntegerItem(Tag.STORAGE_STATUS_MASK,
                    KmipEnums.STORAGE_ON_LINE | KmipEnums.STORAGE_ARCHIVAL), attribute("x-tag", text(tag))));

            kmip.call(Operation.RECOVER, payload(uid(id)));
            assertArrayEquals(material, kmip.getKeyMaterial(id), "the same key, on-line again");
            assertEquals(List.of(id), locate(kmip, attribute("x-tag", text(tag))));
            assertEquals(List.of(), locate(kmip, new Ttlv.IntegerItem(Tag.STORAGE_STATUS_MASK,
                    KmipEnums.STORAGE_ARCHIVAL), attribute("x-tag", text(tag))));
            kmip.call(Operation.RECOVER, payload(uid(id)));
            assertEquals(1, state(kmip, id), "Recover of an on-line object changes nothing");
            assertEquals(ResultReason.ITEM_NOT_FOUND, failure(() -> kmip.call(Operation.ARCHIVE,
                    payload(uid(UUID.randomUUID().toString())))));
        }
    }

    @Test
    void pollAndCancel_findNothingPending_inAServerWithoutAsynchronousOperations() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            Ttlv correlation = new Ttlv.ByteStringItem(Tag.ASYNCHRONOUS_CORRELATION_VALUE, new byte[] {1, 2, 3});
            assertEquals(ResultReason.ITEM_NOT_FOUND, failure(() -> kmip.call(Operation.POLL, payload(correlation))));
            Ttlv.Structure canceled = kmip.call(Operation.CANCEL, payload(correlation));
            assertEquals(correlation, canceled.first(Tag.ASYNCHRONOUS_CORRELATION_VALUE).orElseThrow());
            assertEquals(new Ttlv.EnumerationItem(Tag.CANCELLATION_RESULT, 5),
                    canceled.first(Tag.CANCELLATION_RESULT).orElseThrow(), "Unavailable");
            assertEquals(ResultReason.INVALID_MESSAGE, failure(() -> kmip.call(Operation.CANCEL, payload())));
        }
    }

    // ---- Query, message rules, audit ---------------------------------------------------------------------------

    @Test
    void query_listsOperationsObjectsAndVendor() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_1)) {
            Ttlv.Structure answer = kmip.call(Operation.QUERY, payload(
                    new Ttlv.EnumerationItem(Tag.QUERY_FUNCTION, 1), new Ttlv.EnumerationItem(Tag.QUERY_FUNCTION, 2),
                    new Ttlv.EnumerationItem(Tag.QUERY_FUNCTION, 3), new Ttlv.EnumerationItem(Tag.QUERY_FUNCTION, 4)));
            List<Integer> operations = answer.all(Tag.OPERATION).stream()
                    .map(item -> ((Ttlv.EnumerationItem) item).value()).toList();
            for (Operation expected : Operation.values()) {
                assertTrue(operations.contains(expected.code()), expected.name());
            }
            assertEquals(List.of(1, 2, 3, 4, 5, 6, 7, 8), answer.all(Tag.OBJECT_TYPE).stream()
                    .map(item -> ((Ttlv.EnumerationItem) item).value()).toList(), "every KMIP 1.x object type");
            assertEquals(QueryOperation.VENDOR_IDENTIFICATION, ((Ttlv.TextStringItem) answer.first(
                    Tag.VENDOR_IDENTIFICATION).orElseThrow()).value());
            assertEquals(Ttlv.Structure.of(Tag.SERVER_INFORMATION), answer.first(Tag.SERVER_INFORMATION)
                    .orElseThrow(), "answered, empty, as the OASIS reference server does");
        }
    }

    @Test
    void query_atKmip10_leavesOutWhatKmip11Added() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_0)) {
            List<Integer> operations = kmip.call(Operation.QUERY, payload(new Ttlv.EnumerationItem(
                    Tag.QUERY_FUNCTION, KmipEnums.QUERY_OPERATIONS))).all(Tag.OPERATION).stream()
                    .map(item -> ((Ttlv.EnumerationItem) item).value()).toList();
            assertTrue(operations.contains(Operation.CREATE.code()) && operations.contains(Operation.RE_KEY.code()),
                    operations.toString());
            assertFalse(operations.contains(0x1E), "Discover Versions is a KMIP 1.1 operation");
            assertEquals(5, kmip.discoverVersions(List.of()).size(), "yet answered at 1.0: clients negotiate with it");
        }
    }

    @Test
    void criticalMessageExtension_failsItsItem_nonCriticalIsIgnored() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            byte[] critical = TtlvEncoder.encode(Ttlv.Structure.of(Tag.REQUEST_MESSAGE,
                    Ttlv.Structure.of(Tag.REQUEST_HEADER, MessageCodec
                            .encodeVersion(ProtocolVersion.V1_4), new Ttlv.IntegerItem(Tag.BATCH_COUNT, 2)),
                    batchItemWithExtension(true, 1), batchItemWithExtension(false, 2)));
            ResponseMessage response = MessageCodec.parseResponse(
                    TtlvDecoder.decode(kmip.exchangeRaw(critical)));
            assertEquals(ResultReason.FEATURE_NOT_SUPPORTED, response.items().getFirst().reason());
            assertEquals(1, response.items().size(), "Stop after the failed item");
        }
    }

    private static Ttlv.Structure batchItemWithExtension(boolean critical, int id) {
        return Ttlv.Structure.of(Tag.BATCH_ITEM, new Ttlv.EnumerationItem(Tag.OPERATION, Operation.DISCOVER_VERSIONS
                        .code()), new Ttlv.ByteStringItem(Tag.UNIQUE_BATCH_ITEM_ID, new byte[] {(byte) id}),
                payload(), Ttlv.Structure.of(Tag.MESSAGE_EXTENSION,
                        new Ttlv.TextStringItem(Tag.VENDOR_IDENTIFICATION, "acme"),
                        new Ttlv.BooleanItem(Tag.CRITICALITY_INDICATOR, critical),
                        Ttlv.Structure.of(Tag.VENDOR_EXTENSION)));
    }

    @Test
    void maximumResponseSize_isHonoured() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            String id = create(kmip);
            ResponseMessage response = kmip.send(new RequestMessage(new RequestHeader(ProtocolVersion.V1_4, 64, null,
                    false, KmipEnums.BATCH_STOP, false, null, 1), List.of(RequestBatchItem.of(Operation.GET, null,
                    payload(uid(id))))));
            ResponseBatchItem item = response.items().getFirst();
            assertEquals(ResultReason.RESPONSE_TOO_LARGE, item.reason());
            assertNull(item.payload());
        }
    }

    @Test
    void everyOperation_leavesAnAuditEvent() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            String id = create(kmip);
            kmip.getKeyMaterial(id);
            kmip.call(Operation.ACTIVATE, payload(uid(id)));
            failure(() -> kmip.call(Operation.DESTROY, payload(uid(id))));
            assertEquals(4, fixture.custody.audit().countFor(id), "create, get, activate, failed destroy");
        }
        assertNotEquals(0, fixture.database.dsl().fetchCount(Tables.AUDIT_EVENTS,
                Tables.AUDIT_EVENTS.OUTCOME.like("failed%")));
    }
}
