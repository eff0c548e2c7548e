package org.kmipappliance.kmip.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kmipappliance.kmip.server.KmipOperationsTest.attribute;
import static org.kmipappliance.kmip.server.KmipOperationsTest.attributes;
import static org.kmipappliance.kmip.server.KmipOperationsTest.enumeration;
import static org.kmipappliance.kmip.server.KmipOperationsTest.failure;
import static org.kmipappliance.kmip.server.KmipOperationsTest.integer;
import static org.kmipappliance.kmip.server.KmipOperationsTest.locate;
import static org.kmipappliance.kmip.server.KmipOperationsTest.payload;
import static org.kmipappliance.kmip.server.KmipOperationsTest.uid;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kmipappliance.kmip.client.KmipClient;
import org.kmipappliance.kmip.message.KmipEnums;
import org.kmipappliance.kmip.message.Operation;
import org.kmipappliance.kmip.message.ProtocolVersion;
import org.kmipappliance.kmip.message.ResultReason;
import org.kmipappliance.kmip.message.Tag;
import org.kmipappliance.kmip.ttlv.Ttlv;

/**
 * Split Keys (KMIP 1.4 section 2.2.5): a part a client registers is kept, sealed like any key, and served back as
 * registered; a part whose description contradicts itself is refused with Invalid Field.
 */
class KmipSplitKeysTest {
    private static final int XOR = 1;
    private static final int PRIME_FIELD = 3;
    private static KmipTestServer fixture;
    private static SSLContext client;

    @BeforeAll
    static void start() {
        fixture = new KmipTestServer("split-keys");
        client = fixture.clientOfNewAdapter();
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    static byte[] randomBytes(int length) {
        byte[] bytes = new byte[length];
        new SecureRandom().nextBytes(bytes);
        return bytes;
    }

    /** A Split Key structure: part {@code identifier} of {@code parts}, of a 256-bit AES key, as Raw bytes. */
    static Ttlv.Structure splitKey(int parts, int identifier, int threshold, int method, BigInteger primeField,
                                   int format, byte[] material) {
        List<Ttlv> fields = new ArrayList<>(List.of(
                new Ttlv.IntegerItem(Tag.SPLIT_KEY_PARTS, parts),
                new Ttlv.IntegerItem(Tag.KEY_PART_IDENTIFIER, identifier),
                new Ttlv.IntegerItem(Tag.SPLIT_KEY_THRESHOLD, threshold),
                new Ttlv.EnumerationItem(Tag.SPLIT_KEY_METHOD, method)));
        if (primeField != null) {
            fields.add(new Ttlv.BigIntegerItem(Tag.PRIME_FIELD_SIZE, primeField));
        }
        fields.add(Ttlv.Structure.of(Tag.KEY_BLOCK,
                new Ttlv.EnumerationItem(Tag.KEY_FORMAT_TYPE, format),
                Ttlv.Structure.of(Tag.KEY_VALUE, new Ttlv.ByteStringItem(Tag.KEY_MATERIAL, material.clone())),
                new Ttlv.EnumerationItem(Tag.CRYPTOGRAPHIC_ALGORITHM, KmipEnums.ALGORITHM_AES),
                new Ttlv.IntegerItem(Tag.CRYPTOGRAPHIC_LENGTH, 256)));
        return new Ttlv.Structure(Tag.SPLIT_KEY, fields);
    }

    static String register(KmipClient kmip, Ttlv.Structure splitKey) throws Exception {
        return ((Ttlv.TextStringItem) kmip.call(Operation.REGISTER, payload(
                new Ttlv.EnumerationItem(Tag.OBJECT_TYPE, KmipEnums.OBJECT_TYPE_SPLIT_KEY),
                Ttlv.Structure.of(Tag.TEMPLATE_ATTRIBUTE, attribute("Cryptographic Usage Mask", integer(12))),
                splitKey)).first(Tag.UNIQUE_IDENTIFIER).orElseThrow()).value();
    }

    /** Every kmip_objects row as PostgreSQL prints it (bytea as hex). */
    private static String objectRows() {
        return String.valueOf(fixture.database.dsl().fetchValue(
                "SELECT coalesce(string_agg(t::text, '|'), '') FROM kmip_objects t")).toLowerCase();
    }

    @Test
    void aRegisteredPart_isServedAsRegistered_andNeverStoredInTheClear() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            byte[] material = randomBytes(32);
            Ttlv.Structure registered = splitKey(3, 2, 3, XOR, null, KmipEnums.KEY_FORMAT_RAW, material);
            String id = register(kmip, registered);

            Ttlv.Structure got = kmip.call(Operation.GET, payload(uid(id)));
            assertEquals(new Ttlv.EnumerationItem(Tag.OBJECT_TYPE, KmipEnums.OBJECT_TYPE_SPLIT_KEY),
                    got.first(Tag.OBJECT_TYPE).orElseThrow());
            Ttlv.Structure served = (Ttlv.Structure) got.first(Tag.SPLIT_KEY).orElseThrow();
            assertEquals(registered, served, "parts, identifier, threshold, method and Key Block as registered");
            assertArrayEquals(material, KmipObjectTypesTest.keyMaterial(got, Tag.SPLIT_KEY));

            Map<String, List<Ttlv>> kept = attributes(kmip, id, "Object Type", "Cryptographic Algorithm",
                    "Cryptographic Length", "Cryptographic Usage Mask");
            assertEquals(List.of(enumeration(KmipEnums.OBJECT_TYPE_SPLIT_KEY)), kept.get("Object Type"));
            assertEquals(List.of(enumeration(KmipEnums.ALGORITHM_AES)), kept.get("Cryptographic Algorithm"));
            assertEquals(List.of(integer(256)), kept.get("Cryptographic Length"));
            assertTrue(locate(kmip, attribute("Object Type", enumeration(KmipEnums.OBJECT_TYPE_SPLIT_KEY)))
                    .contains(id));

            String rows = objectRows();
            assertTrue(rows.contains(id), "the row is there (a positive control)");
            assertFalse(rows.contains(HexFormat.of().formatHex(material, 0, 12)), "the part is sealed");
        }
    }

    @Test
    void aPrimeFieldPart_keepsItsPrime_andIsServedOnlyInItsFormat() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_2)) {
            BigInteger prime = BigInteger.ONE.shiftLeft(257).nextProbablePrime();
            Ttlv.Structure registered = splitKey(5, 5, 3, PRIME_FIELD, prime, KmipEnums.KEY_FORMAT_RAW,
                    randomBytes(33));
            String id = register(kmip, registered);
            assertEquals(registered, kmip.call(Operation.GET, payload(uid(id))).first(Tag.SPLIT_KEY).orElseThrow());
            assertEquals(ResultReason.KEY_FORMAT_TYPE_NOT_SUPPORTED, failure(() -> kmip.call(Operation.GET, payload(
                    uid(id), new Ttlv.EnumerationItem(Tag.KEY_FORMAT_TYPE, KmipEnums.KEY_FORMAT_OPAQUE)))));
        }
    }

    @Test
    void aPartThatContradictsItself_isInvalidField_andNothingIsKept() throws Exception {
        BigInteger prime = BigInteger.valueOf(257);
        byte[] material = randomBytes(32);
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            String before = objectRows();
            for (Ttlv.Structure refused : List.of(
                    splitKey(3, 0, 2, PRIME_FIELD, prime, KmipEnums.KEY_FORMAT_RAW, material),
                    splitKey(3, 4, 2, PRIME_FIELD, prime, KmipEnums.KEY_FORMAT_RAW, material),
                    splitKey(3, 1, 4, PRIME_FIELD, prime, KmipEnums.KEY_FORMAT_RAW, material),
                    splitKey(3, 1, 2, XOR, null, KmipEnums.KEY_FORMAT_RAW, material),
                    splitKey(3, 1, 2, PRIME_FIELD, null, KmipEnums.KEY_FORMAT_RAW, material),
                    splitKey(3, 1, 3, XOR, prime, KmipEnums.KEY_FORMAT_RAW, material),
                    splitKey(3, 1, 2, 9, null, KmipEnums.KEY_FORMAT_RAW, material),
                    splitKey(256, 1, 2, PRIME_FIELD, prime, KmipEnums.KEY_FORMAT_RAW, material),
                    splitKey(1, 1, 1, XOR, null, KmipEnums.KEY_FORMAT_RAW, material))) {
                assertEquals(ResultReason.INVALID_FIELD, failure(() -> register(kmip, refused)), refused.toString());
            }
            assertEquals(ResultReason.KEY_FORMAT_TYPE_NOT_SUPPORTED, failure(() -> register(kmip, splitKey(2, 1, 2,
                    XOR, null, KmipEnums.KEY_FORMAT_TRANSPARENT_SYMMETRIC, material))));
            assertEquals(before, objectRows(), "no refused part was kept");
        }
    }
}
