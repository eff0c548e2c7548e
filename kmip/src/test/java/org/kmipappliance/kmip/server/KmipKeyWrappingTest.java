package org.kmipappliance.kmip.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.kmipappliance.hsm.store.jooq.Tables.KMIP_OBJECTS;
import static org.kmipappliance.kmip.server.KmipOperationsTest.attribute;
import static org.kmipappliance.kmip.server.KmipOperationsTest.attributes;
import static org.kmipappliance.kmip.server.KmipOperationsTest.create;
import static org.kmipappliance.kmip.server.KmipOperationsTest.date;
import static org.kmipappliance.kmip.server.KmipOperationsTest.enumeration;
import static org.kmipappliance.kmip.server.KmipOperationsTest.failure;
import static org.kmipappliance.kmip.server.KmipOperationsTest.integer;
import static org.kmipappliance.kmip.server.KmipOperationsTest.payload;
import static org.kmipappliance.kmip.server.KmipOperationsTest.uid;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kmipappliance.hsm.testing.TestCertificates;
import org.kmipappliance.kmip.client.KmipClient;
import org.kmipappliance.kmip.message.KmipEnums;
import org.kmipappliance.kmip.message.Operation;
import org.kmipappliance.kmip.message.ProtocolVersion;
import org.kmipappliance.kmip.message.ResultReason;
import org.kmipappliance.kmip.message.Tag;
import org.kmipappliance.kmip.ttlv.Ttlv;
import org.kmipappliance.kmip.ttlv.TtlvDecoder;
import org.kmipappliance.kmip.ttlv.TtlvEncoder;

/**
 * Get with a Key Wrapping Specification over real TLS, custody, SoftHSM2 and PostgreSQL; every wrapped answer is
 * unwrapped here with the JDK's own RFC 3394 / RFC 5649 ciphers and compared with the key served in clear.
 */
class KmipKeyWrappingTest {
    private static final int WRAP_AND_UNWRAP = 0x10 | 0x20;
    private static KmipTestServer fixture;
    private static SSLContext client;

    @BeforeAll
    static void start() {
        fixture = new KmipTestServer("key-wrapping-test");
        client = fixture.clientOfNewAdapter();
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    /** An AES-256 key with {@code usageMask}, Active, or Pre-Active when {@code active} is false. */
    private static String key(KmipClient kmip, int usageMask, boolean active) throws Exception {
        List<Ttlv> attributes = new ArrayList<>(List.of(
                attribute("Cryptographic Algorithm", enumeration(KmipEnums.ALGORITHM_AES)),
                attribute("Cryptographic Length", integer(256)),
                attribute("Cryptographic Usage Mask", integer(usageMask))));
        if (active) {
            attributes.add(attribute("Activation Date", date(Instant.now().minusSeconds(60))));
        }
        return ((Ttlv.TextStringItem) kmip.call(Operation.CREATE, payload(
                new Ttlv.EnumerationItem(Tag.OBJECT_TYPE, KmipEnums.OBJECT_TYPE_SYMMETRIC_KEY),
                new Ttlv.Structure(Tag.TEMPLATE_ATTRIBUTE, attributes))).first(Tag.UNIQUE_IDENTIFIER).orElseThrow())
                .value();
    }

    private static String activeKey(KmipClient kmip, int usageMask) throws Exception {
        return key(kmip, usageMask, true);
    }

    private static Ttlv.Structure specification(String wrappingKey, Integer blockCipher, Integer encoding) {
        List<Ttlv> information = new ArrayList<>(List.of(uid(wrappingKey)));
        if (blockCipher != null) {
            information.add(Ttlv.Structure.of(Tag.CRYPTOGRAPHIC_PARAMETERS,
                    new Ttlv.EnumerationItem(Tag.BLOCK_CIPHER_MODE, blockCipher)));
        }
        List<Ttlv> fields = new ArrayList<>(List.of(
                new Ttlv.EnumerationItem(Tag.WRAPPING_METHOD, KmipEnums.WRAPPING_METHOD_ENCRYPT),
                new Ttlv.Structure(Tag.ENCRYPTION_KEY_INFORMATION, information)));
        if (encoding != null) {
            fields.add(new Ttlv.EnumerationItem(Tag.ENCODING_OPTION, encoding));
        }
        return new Ttlv.Structure(Tag.KEY_WRAPPING_SPECIFICATION, fields);
    }

    /** The Key Block of a Get answer, whatever object structure holds it. */
    private static Ttlv.Structure keyBlock(Ttlv.Structure answer) {
        Ttlv.Structure object = (Ttlv.Structure) answer.items().get(2);
        return (Ttlv.Structure) object.first(Tag.KEY_BLOCK).orElseThrow();
    }

    private static byte[] unwrap(byte[] wrappingKey, byte[] wrapped, boolean padded) throws Exception {
        Cipher cipher = Cipher.getInstance(padded ? "AES/KWP/NoPadding" : "AES/KW/NoPadding");
        cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(wrappingKey, "AES"));
        return cipher.doFinal(wrapped);
    }

    private static byte[] wrappedValue(Ttlv.Structure keyBlock) {
        return ((Ttlv.ByteStringItem) keyBlock.first(Tag.KEY_VALUE).orElseThrow()).value();
    }

    @Test
    void symmetricKey_isWrappedUnderAnotherKeyOfTheAdapter_asTtlvOrBareMaterial() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            String wrapping = activeKey(kmip, WRAP_AND_UNWRAP);
            String key = create(kmip);
            Ttlv.Structure block = keyBlock(kmip.call(Operation.GET, payload(uid(key),
                    specification(wrapping, KmipEnums.BLOCK_CIPHER_MODE_NIST_KEY_WRAP, null))));
            Ttlv.Structure wrappingData = (Ttlv.Structure) block.first(Tag.KEY_WRAPPING_DATA).orElseThrow();
            assertEquals(new Ttlv.EnumerationItem(Tag.WRAPPING_METHOD, KmipEnums.WRAPPING_METHOD_ENCRYPT),
                    wrappingData.first(Tag.WRAPPING_METHOD).orElseThrow());
            assertEquals(uid(wrapping), ((Ttlv.Structure) wrappingData.first(Tag.ENCRYPTION_KEY_INFORMATION)
                    .orElseThrow()).first(Tag.UNIQUE_IDENTIFIER).orElseThrow());
            assertEquals(new Ttlv.IntegerItem(Tag.CRYPTOGRAPHIC_LENGTH, 256),
                    block.first(Tag.CRYPTOGRAPHIC_LENGTH).orElseThrow());

            byte[] wrappingKey = kmip.getKeyMaterial(wrapping);
            byte[] material = kmip.getKeyMaterial(key);
            Ttlv.Structure keyValue = (Ttlv.Structure) TtlvDecoder.decode(unwrap(wrappingKey, wrappedValue(block),
                    false));
            assertEquals(Tag.KEY_VALUE, keyValue.tag(), "TTLV Encoding: the Key Value structure was wrapped");
            assertArrayEquals(material, ((Ttlv.ByteStringItem) keyValue.first(Tag.KEY_MATERIAL).orElseThrow())
                    .value());

            Ttlv.Structure bare = keyBlock(kmip.call(Operation.GET, payload(uid(key), specification(wrapping, null,
                    KmipEnums.ENCODING_NONE))));
            assertArrayEquals(material, unwrap(wrappingKey, wrappedValue(bare), false),
                    "No Encoding: the Key Material alone, NIST Key Wrap by default");
        }
    }

    @Test
    void secretData_ofAnyLength_isWrappedWithPadding() throws Exception {
        byte[] password = ("pass " + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8);
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            String wrapping = activeKey(kmip, WRAP_AND_UNWRAP);
            String secret = ((Ttlv.TextStringItem) kmip.call(Operation.REGISTER, payload(
                    new Ttlv.EnumerationItem(Tag.OBJECT_TYPE, KmipEnums.OBJECT_TYPE_SECRET_DATA),
                    new Ttlv.Structure(Tag.TEMPLATE_ATTRIBUTE, List.of()),
                    Ttlv.Structure.of(Tag.SECRET_DATA, new Ttlv.EnumerationItem(Tag.SECRET_DATA_TYPE, 1),
                            Ttlv.Structure.of(Tag.KEY_BLOCK, new Ttlv.EnumerationItem(Tag.KEY_FORMAT_TYPE,
                                            KmipEnums.KEY_FORMAT_OPAQUE), Ttlv.Structure.of(Tag.KEY_VALUE,
                                            new Ttlv.ByteStringItem(Tag.KEY_MATERIAL, password.clone()))))))
                    .first(Tag.UNIQUE_IDENTIFIER).orElseThrow()).value();
            Ttlv.Structure block = keyBlock(kmip.call(Operation.GET, payload(uid(secret), specification(wrapping,
                    KmipEnums.BLOCK_CIPHER_MODE_AES_KEY_WRAP_PADDING, KmipEnums.ENCODING_NONE))));
            assertArrayEquals(password, unwrap(kmip.getKeyMaterial(wrapping), wrappedValue(block), true));
            if (password.length % 8 != 0) {
                assertEquals(ResultReason.INVALID_FIELD, failure(() -> kmip.call(Operation.GET, payload(uid(secret),
                        specification(wrapping, KmipEnums.BLOCK_CIPHER_MODE_NIST_KEY_WRAP, KmipEnums.ENCODING_NONE)))),
                        "NIST Key Wrap needs whole 8-byte blocks");
            }
        }
    }

    @Test
    void splitKeyPart_isWrappedLikeAnyKeyBlock_itsDescriptionStayingInTheClear() throws Exception {
        byte[] part = KmipSplitKeysTest.randomBytes(32);
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            String wrapping = activeKey(kmip, WRAP_AND_UNWRAP);
            String splitKey = KmipSplitKeysTest.register(kmip, KmipSplitKeysTest.splitKey(2, 1, 2, 1, null,
                    KmipEnums.KEY_FORMAT_RAW, part));
            Ttlv.Structure answer = kmip.call(Operation.GET, payload(uid(splitKey), specification(wrapping,
                    KmipEnums.BLOCK_CIPHER_MODE_NIST_KEY_WRAP, KmipEnums.ENCODING_NONE)));
            Ttlv.Structure served = (Ttlv.Structure) answer.first(Tag.SPLIT_KEY).orElseThrow();
            assertEquals(new Ttlv.IntegerItem(Tag.KEY_PART_IDENTIFIER, 1),
                    served.first(Tag.KEY_PART_IDENTIFIER).orElseThrow());
            assertArrayEquals(part, unwrap(kmip.getKeyMaterial(wrapping), wrappedValue(keyBlock(answer)), false));
        }
    }

    private static byte[] wrap(byte[] wrappingKey, byte[] plain, boolean padded) throws Exception {
        Cipher cipher = Cipher.getInstance(padded ? "AES/KWP/NoPadding" : "AES/KW/NoPadding");
        cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(wrappingKey, "AES"));
        return cipher.doFinal(plain);
    }

    /** An AES-256 Symmetric Key whose Key Value is {@code wrappedValue}, wrapped as {@code specification} says. */
    private static Ttlv.Structure wrappedAesKey(byte[] wrappedValue, Ttlv.Structure specification) {
        List<Ttlv> wrappingData = new ArrayList<>(specification.items());
        return Ttlv.Structure.of(Tag.SYMMETRIC_KEY, Ttlv.Structure.of(Tag.KEY_BLOCK,
                new Ttlv.EnumerationItem(Tag.KEY_FORMAT_TYPE, KmipEnums.KEY_FORMAT_RAW),
                new Ttlv.ByteStringItem(Tag.KEY_VALUE, wrappedValue),
                new Ttlv.EnumerationItem(Tag.CRYPTOGRAPHIC_ALGORITHM, KmipEnums.ALGORITHM_AES),
                new Ttlv.IntegerItem(Tag.CRYPTOGRAPHIC_LENGTH, 256),
                new Ttlv.Structure(Tag.KEY_WRAPPING_DATA, wrappingData)));
    }

    private static String register(KmipClient kmip, int objectType, Ttlv.Structure object) throws Exception {
        return ((Ttlv.TextStringItem) kmip.call(Operation.REGISTER, payload(
                new Ttlv.EnumerationItem(Tag.OBJECT_TYPE, objectType),
                Ttlv.Structure.of(Tag.TEMPLATE_ATTRIBUTE, attribute("Cryptographic Usage Mask", integer(12))),
                object)).first(Tag.UNIQUE_IDENTIFIER).orElseThrow()).value();
    }

    @Test
    void aKeyRegisteredWrapped_isUnwrappedWithTheAdaptersKey_andSealedLikeAnyOther() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            String unwrapping = activeKey(kmip, WRAP_AND_UNWRAP);
            byte[] kek = kmip.getKeyMaterial(unwrapping);
            byte[] material = KmipSplitKeysTest.randomBytes(32);

            byte[] ttlvWrapped = wrap(kek, TtlvEncoder.encode(Ttlv.Structure.of(Tag.KEY_VALUE,
                    new Ttlv.ByteStringItem(Tag.KEY_MATERIAL, material.clone()))), false);
            String fromTtlv = register(kmip, KmipEnums.OBJECT_TYPE_SYMMETRIC_KEY, wrappedAesKey(ttlvWrapped,
                    specification(unwrapping, KmipEnums.BLOCK_CIPHER_MODE_NIST_KEY_WRAP, null)));
            assertArrayEquals(material, kmip.getKeyMaterial(fromTtlv), "TTLV Encoding: the Key Value was wrapped");

            String fromBytes = register(kmip, KmipEnums.OBJECT_TYPE_SYMMETRIC_KEY, wrappedAesKey(wrap(kek, material,
                    true), specification(unwrapping, KmipEnums.BLOCK_CIPHER_MODE_AES_KEY_WRAP_PADDING,
                    KmipEnums.ENCODING_NONE)));
            assertArrayEquals(material, kmip.getKeyMaterial(fromBytes), "No Encoding: the Key Material alone");

            byte[] password = ("pass " + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8);
            String secret = register(kmip, KmipEnums.OBJECT_TYPE_SECRET_DATA, Ttlv.Structure.of(Tag.SECRET_DATA,
                    new Ttlv.EnumerationItem(Tag.SECRET_DATA_TYPE, 1), Ttlv.Structure.of(Tag.KEY_BLOCK,
                            new Ttlv.EnumerationItem(Tag.KEY_FORMAT_TYPE, KmipEnums.KEY_FORMAT_OPAQUE),
                            new Ttlv.ByteStringItem(Tag.KEY_VALUE, wrap(kek, password, true)),
                            Ttlv.Structure.of(Tag.KEY_WRAPPING_DATA, specification(unwrapping,
                                    KmipEnums.BLOCK_CIPHER_MODE_AES_KEY_WRAP_PADDING, KmipEnums.ENCODING_NONE)
                                    .items().toArray(Ttlv[]::new)))));
            Ttlv.Structure got = kmip.call(Operation.GET, payload(uid(secret)));
            assertArrayEquals(password, KmipObjectTypesTest.keyMaterial(got, Tag.SECRET_DATA));
            assertEquals(List.of(new Ttlv.BooleanItem(Tag.ATTRIBUTE_VALUE, false)), attributes(kmip, unwrapping,
                    "Fresh").get("Fresh"), "handed out once above, to compute the test's wrapping");
        }
    }

    @Test
    void aWrappedKeyThatCannotBeUnwrapped_isRefused_andNothingIsKept() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            String unwrapping = activeKey(kmip, WRAP_AND_UNWRAP);
            String wrapOnly = activeKey(kmip, 0x10);
            byte[] material = KmipSplitKeysTest.randomBytes(32);
            byte[] wrapped = wrap(kmip.getKeyMaterial(unwrapping), material, false);
            int before = fixture.database.dsl().fetchCount(KMIP_OBJECTS);

            assertEquals(ResultReason.PERMISSION_DENIED, failure(() -> register(kmip,
                    KmipEnums.OBJECT_TYPE_SYMMETRIC_KEY, wrappedAesKey(wrapped, specification(wrapOnly, null,
                            KmipEnums.ENCODING_NONE)))), "its usage mask lacks Unwrap Key");
            assertEquals(ResultReason.ITEM_NOT_FOUND, failure(() -> register(kmip,
                    KmipEnums.OBJECT_TYPE_SYMMETRIC_KEY, wrappedAesKey(wrapped, specification("42", null,
                            KmipEnums.ENCODING_NONE)))), "a key outside the adapter (PyKMIP's test names '42')");
            byte[] altered = wrapped.clone();
            altered[5] ^= 1;
            assertEquals(ResultReason.CRYPTOGRAPHIC_FAILURE, failure(() -> register(kmip,
                    KmipEnums.OBJECT_TYPE_SYMMETRIC_KEY, wrappedAesKey(altered, specification(unwrapping, null,
                            KmipEnums.ENCODING_NONE)))), "altered: AES Key Wrap's integrity check fails");
            assertEquals(ResultReason.INVALID_FIELD, failure(() -> register(kmip,
                    KmipEnums.OBJECT_TYPE_SYMMETRIC_KEY, wrappedAesKey(wrapped, specification(unwrapping, null,
                            null)))), "it says TTLV Encoding, but the bare material was wrapped");
            assertEquals(before, fixture.database.dsl().fetchCount(KMIP_OBJECTS), "nothing was kept");
        }
    }

    @Test
    void wrappingKeys_mustAllowWrapKey_andBeActive_andTheKeyAskedForStaysFresh() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            String key = create(kmip);
            String encryptOnly = activeKey(kmip, 0x04 | 0x08);
            String preActive = key(kmip, WRAP_AND_UNWRAP, false);
            assertEquals(ResultReason.PERMISSION_DENIED, failure(() -> kmip.call(Operation.GET, payload(uid(key),
                    specification(encryptOnly, null, null)))), "no Wrap Key in its usage mask");
            assertEquals(ResultReason.PERMISSION_DENIED, failure(() -> kmip.call(Operation.GET, payload(uid(key),
                    specification(preActive, null, null)))), "not Active");
            assertEquals(ResultReason.ITEM_NOT_FOUND, failure(() -> kmip.call(Operation.GET, payload(uid(key),
                    specification(UUID.randomUUID().toString(), null, null)))));
            assertEquals(List.of(new Ttlv.BooleanItem(Tag.ATTRIBUTE_VALUE, true)), attributes(kmip, key, "Fresh")
                    .get("Fresh"), "a refused wrap hands nothing out: the key is still Fresh");

            String wrapping = activeKey(kmip, WRAP_AND_UNWRAP);
            assertEquals(ResultReason.FEATURE_NOT_SUPPORTED, failure(() -> kmip.call(Operation.GET, payload(uid(key),
                    Ttlv.Structure.of(Tag.KEY_WRAPPING_SPECIFICATION,
                            new Ttlv.EnumerationItem(Tag.WRAPPING_METHOD, 0x02),
                            Ttlv.Structure.of(Tag.ENCRYPTION_KEY_INFORMATION, uid(wrapping)))))), "MAC/sign");
            assertEquals(ResultReason.FEATURE_NOT_SUPPORTED, failure(() -> kmip.call(Operation.GET, payload(uid(key),
                    specification(wrapping, 0x01, null)))), "CBC is not a key wrap mode");
            assertEquals(List.of(new Ttlv.BooleanItem(Tag.ATTRIBUTE_VALUE, true)), attributes(kmip, wrapping, "Fresh")
                    .get("Fresh"), "the wrapping key was never handed out");

            byte[] certificate = TestCertificates.client("wrapped " + UUID.randomUUID()).certificate().getEncoded();
            String certificateId = ((Ttlv.TextStringItem) kmip.call(Operation.REGISTER, payload(
                    new Ttlv.EnumerationItem(Tag.OBJECT_TYPE, KmipEnums.OBJECT_TYPE_CERTIFICATE),
                    new Ttlv.Structure(Tag.TEMPLATE_ATTRIBUTE, List.of()), Ttlv.Structure.of(Tag.CERTIFICATE,
                            new Ttlv.EnumerationItem(Tag.CERTIFICATE_TYPE, KmipEnums.CERTIFICATE_TYPE_X509),
                            new Ttlv.ByteStringItem(Tag.CERTIFICATE_VALUE, certificate))))
                    .first(Tag.UNIQUE_IDENTIFIER).orElseThrow()).value();
            assertEquals(ResultReason.INVALID_FIELD, failure(() -> kmip.call(Operation.GET, payload(
                    uid(certificateId), specification(wrapping, null, null)))), "a certificate has no Key Block");
            assertEquals(5, kmip.discoverVersions(List.of()).size(), "the connection survives");
        }
    }
}
