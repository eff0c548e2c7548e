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
import static org.kmipappliance.kmip.server.KmipOperationsTest.name;
import static org.kmipappliance.kmip.server.KmipOperationsTest.payload;
import static org.kmipappliance.kmip.server.KmipOperationsTest.revokePayload;
import static org.kmipappliance.kmip.server.KmipOperationsTest.state;
import static org.kmipappliance.kmip.server.KmipOperationsTest.uid;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.pkcs.RSAPrivateKey;
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

/**
 * Every object type besides symmetric keys, over real TLS, custody, SoftHSM2 and PostgreSQL: Register and Get of
 * Secret Data, Opaque Objects, certificates, public and private keys (formats converted where the server offers
 * it, checked against BouncyCastle's and the JDK's own parsers), and Create Key Pair in the HSM with the pair's
 * Links; nothing registered is ever in clear in the database.
 */
class KmipObjectTypesTest {
    private static KmipTestServer fixture;
    private static SSLContext client;

    @BeforeAll
    static void start() {
        fixture = new KmipTestServer("object-types-test");
        client = fixture.clientOfNewAdapter();
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    private static String register(KmipClient kmip, int objectType, Ttlv.Structure object, Ttlv.Structure... extra)
            throws Exception {
        return ((Ttlv.TextStringItem) kmip.call(Operation.REGISTER, payload(
                new Ttlv.EnumerationItem(Tag.OBJECT_TYPE, objectType),
                new Ttlv.Structure(Tag.TEMPLATE_ATTRIBUTE, List.of(extra)), object))
                .first(Tag.UNIQUE_IDENTIFIER).orElseThrow()).value();
    }

    static Ttlv.Structure get(KmipClient kmip, String id, Integer format) throws Exception {
        List<Ttlv> request = new ArrayList<>(List.of(uid(id)));
        if (format != null) {
            request.add(new Ttlv.EnumerationItem(Tag.KEY_FORMAT_TYPE, format));
        }
        return kmip.call(Operation.GET, new Ttlv.Structure(Tag.REQUEST_PAYLOAD, request));
    }

    private static Ttlv.Structure keyBlock(int tag, int format, byte[] material, int algorithm, int length) {
        return Ttlv.Structure.of(tag, Ttlv.Structure.of(Tag.KEY_BLOCK,
                new Ttlv.EnumerationItem(Tag.KEY_FORMAT_TYPE, format),
                Ttlv.Structure.of(Tag.KEY_VALUE, new Ttlv.ByteStringItem(Tag.KEY_MATERIAL, material)),
                new Ttlv.EnumerationItem(Tag.CRYPTOGRAPHIC_ALGORITHM, algorithm),
                new Ttlv.IntegerItem(Tag.CRYPTOGRAPHIC_LENGTH, length)));
    }

    /** The Key Material byte string of a Get answer's object structure {@code tag}. */
    static byte[] keyMaterial(Ttlv.Structure answer, int tag) {
        Ttlv.Structure keyBlock = (Ttlv.Structure) ((Ttlv.Structure) answer.first(tag).orElseThrow())
                .first(Tag.KEY_BLOCK).orElseThrow();
        return ((Ttlv.ByteStringItem) ((Ttlv.Structure) keyBlock.first(Tag.KEY_VALUE).orElseThrow())
                .first(Tag.KEY_MATERIAL).orElseThrow()).value();
    }

    private static int enumerationOf(Ttlv.Structure structure, int tag) {
        return ((Ttlv.EnumerationItem) structure.first(tag).orElseThrow()).value();
    }

    private static byte[] bytesOf(Ttlv.Structure structure, int tag) {
        return ((Ttlv.ByteStringItem) structure.first(tag).orElseThrow()).value();
    }

    private static String storedRows(String id) {
        return fixture.database.dsl().fetch("select * from kmip_objects where id = '" + id + "'").formatCSV()
                + fixture.database.dsl().fetch("select * from kmip_object_attributes where object_id = '" + id + "'")
                .formatCSV() + fixture.database.dsl().fetch("select * from audit_events").formatCSV();
    }

    private static void assertNeverInClear(String id, byte[] material) {
        String stored = storedRows(id);
        assertFalse(stored.toLowerCase().contains(HexFormat.of().formatHex(material)), "never in clear (hex)");
        assertFalse(stored.contains(new String(material, StandardCharsets.ISO_8859_1)), "never in clear (text)");
    }

    @Test
    void secretData_andOpaqueObjects_areSealed_andServedAsRegistered() throws Exception {
        byte[] password = ("correct horse battery staple " + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8);
        byte[] opaque = ("opaque " + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8);
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_2)) {
            String name = "secret-" + UUID.randomUUID();
            String secret = register(kmip, KmipEnums.OBJECT_TYPE_SECRET_DATA, Ttlv.Structure.of(Tag.SECRET_DATA,
                    new Ttlv.EnumerationItem(Tag.SECRET_DATA_TYPE, 1), Ttlv.Structure.of(Tag.KEY_BLOCK,
                            new Ttlv.EnumerationItem(Tag.KEY_FORMAT_TYPE, KmipEnums.KEY_FORMAT_OPAQUE),
                            Ttlv.Structure.of(Tag.KEY_VALUE, new Ttlv.ByteStringItem(Tag.KEY_MATERIAL,
                                    password.clone())))),
                    attribute("Name", name(name)));
            Ttlv.Structure got = get(kmip, secret, null);
            assertEquals(KmipEnums.OBJECT_TYPE_SECRET_DATA, enumerationOf(got, Tag.OBJECT_TYPE));
            Ttlv.Structure secretData = (Ttlv.Structure) got.first(Tag.SECRET_DATA).orElseThrow();
            assertEquals(1, enumerationOf(secretData, Tag.SECRET_DATA_TYPE), "Password");
            assertArrayEquals(password, keyMaterial(got, Tag.SECRET_DATA));
            assertEquals(List.of(secret), locate(kmip, attribute("Name", name(name))));
            assertEquals(List.of(secret), locate(kmip, attribute("Name", name(name)),
                    attribute("Object Type", enumeration(KmipEnums.OBJECT_TYPE_SECRET_DATA))));
            assertEquals(List.of(), locate(kmip, attribute("Name", name(name)),
                    attribute("Object Type", enumeration(KmipEnums.OBJECT_TYPE_SYMMETRIC_KEY))));
            assertFalse(attributes(kmip, secret).containsKey("Cryptographic Algorithm"), "Secret Data has none");
            assertEquals(1, state(kmip, secret), "Pre-Active");
            assertNeverInClear(secret, password);

            String opaqueId = register(kmip, KmipEnums.OBJECT_TYPE_OPAQUE_OBJECT, Ttlv.Structure.of(
                    Tag.OPAQUE_OBJECT, new Ttlv.EnumerationItem(Tag.OPAQUE_DATA_TYPE, 0x80000001),
                    new Ttlv.ByteStringItem(Tag.OPAQUE_DATA_VALUE, opaque.clone())));
            Ttlv.Structure opaqueObject = (Ttlv.Structure) get(kmip, opaqueId, null).first(Tag.OPAQUE_OBJECT)
                    .orElseThrow();
            assertEquals(0x80000001, enumerationOf(opaqueObject, Tag.OPAQUE_DATA_TYPE));
            assertArrayEquals(opaque, bytesOf(opaqueObject, Tag.OPAQUE_DATA_VALUE));
            assertNeverInClear(opaqueId, opaque);
            assertEquals(ResultReason.KEY_FORMAT_TYPE_NOT_SUPPORTED, failure(() -> get(kmip, opaqueId,
                    KmipEnums.KEY_FORMAT_RAW)), "an Opaque Object has no Key Block");

            kmip.call(Operation.DESTROY, payload(uid(opaqueId)));
            assertEquals(ResultReason.ILLEGAL_OPERATION, failure(() -> get(kmip, opaqueId, null)), "shredded");
            assertEquals(ResultReason.INVALID_FIELD, failure(() -> register(kmip, KmipEnums.OBJECT_TYPE_SECRET_DATA,
                    Ttlv.Structure.of(Tag.SECRET_DATA, new Ttlv.EnumerationItem(Tag.SECRET_DATA_TYPE, 9),
                            Ttlv.Structure.of(Tag.KEY_BLOCK, new Ttlv.EnumerationItem(Tag.KEY_FORMAT_TYPE,
                                    KmipEnums.KEY_FORMAT_OPAQUE), Ttlv.Structure.of(Tag.KEY_VALUE,
                                    new Ttlv.ByteStringItem(Tag.KEY_MATERIAL, new byte[4])))))),
                    "an undefined Secret Data Type");
        }
    }

    /** The GeneralNames DER inside the extension value the JDK returns (an OCTET STRING around it). */
    private static byte[] extensionContent(byte[] octetString) {
        return java.util.Arrays.copyOfRange(octetString, 2, octetString.length);
    }

    @Test
    void certificates_carryTheIdentifiersTheServerReadsFromThem_asEachVersionNamesThem() throws Exception {
        X509Certificate issued = TestCertificates.localhostServer().certificate();
        byte[] der = issued.getEncoded();
        byte[] issuer = issued.getIssuerX500Principal().getEncoded();
        String id;
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            id = register(kmip, KmipEnums.OBJECT_TYPE_CERTIFICATE, Ttlv.Structure.of(Tag.CERTIFICATE,
                    new Ttlv.EnumerationItem(Tag.CERTIFICATE_TYPE, KmipEnums.CERTIFICATE_TYPE_X509),
                    new Ttlv.ByteStringItem(Tag.CERTIFICATE_VALUE, der.clone())));
            var found = attributes(kmip, id);
            assertEquals(List.of(new Ttlv.IntegerItem(Tag.ATTRIBUTE_VALUE, der.length)),
                    found.get("Certificate Length"));
            assertEquals(List.of(Ttlv.Structure.of(Tag.ATTRIBUTE_VALUE,
                    new Ttlv.ByteStringItem(Tag.ISSUER_DISTINGUISHED_NAME, issuer),
                    new Ttlv.ByteStringItem(Tag.CERTIFICATE_SERIAL_NUMBER, issued.getSerialNumber().toByteArray()))),
                    found.get("X.509 Certificate Identifier"));
            Ttlv.Structure subject = Ttlv.Structure.of(Tag.ATTRIBUTE_VALUE,
                    new Ttlv.ByteStringItem(Tag.SUBJECT_DISTINGUISHED_NAME, issued.getSubjectX500Principal()
                            .getEncoded()),
                    new Ttlv.ByteStringItem(Tag.SUBJECT_ALTERNATIVE_NAME,
                            extensionContent(issued.getExtensionValue("2.5.29.17"))));
            assertEquals(List.of(subject), found.get("X.509 Certificate Subject"), "with its alternative names");
            assertEquals(List.of(Ttlv.Structure.of(Tag.ATTRIBUTE_VALUE,
                    new Ttlv.ByteStringItem(Tag.ISSUER_DISTINGUISHED_NAME, issuer))),
                    found.get("X.509 Certificate Issuer"));
            int expectedSignature = switch (issued.getSigAlgName()) {
                case "SHA256withRSA" -> 0x05;
                case "SHA256withECDSA" -> 0x0E;
                case "SHA384withECDSA" -> 0x0F;
                default -> throw new AssertionError("the test CA signs with " + issued.getSigAlgName());
            };
            assertEquals(List.of(enumeration(expectedSignature)), found.get("Digital Signature Algorithm"));
            assertFalse(found.containsKey("Certificate Identifier"), "KMIP 1.0's names are not answered at 1.4");

            assertEquals(List.of(id), locate(kmip, attribute("X.509 Certificate Subject", subject)),
                    "located by its subject");
            assertEquals(ResultReason.PERMISSION_DENIED, failure(() -> kmip.call(Operation.MODIFY_ATTRIBUTE,
                    payload(uid(id), attribute("Certificate Length", integer(1))))), "read-only");
            assertEquals(ResultReason.PERMISSION_DENIED, failure(() -> kmip.call(Operation.DELETE_ATTRIBUTE,
                    payload(uid(id), new Ttlv.TextStringItem(Tag.ATTRIBUTE_NAME, "X.509 Certificate Subject")))));
        }
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_0)) {
            var found = attributes(kmip, id);
            assertEquals(List.of(Ttlv.Structure.of(Tag.ATTRIBUTE_VALUE,
                    new Ttlv.TextStringItem(Tag.ISSUER, issued.getIssuerX500Principal().getName()),
                    new Ttlv.TextStringItem(Tag.SERIAL_NUMBER, issued.getSerialNumber().toString()))),
                    found.get("Certificate Identifier"));
            assertEquals(List.of(Ttlv.Structure.of(Tag.ATTRIBUTE_VALUE,
                    new Ttlv.TextStringItem(Tag.CERTIFICATE_SUBJECT_DISTINGUISHED_NAME,
                            issued.getSubjectX500Principal().getName()),
                    new Ttlv.TextStringItem(Tag.CERTIFICATE_SUBJECT_ALTERNATIVE_NAME, "dNSName:localhost"),
                    new Ttlv.TextStringItem(Tag.CERTIFICATE_SUBJECT_ALTERNATIVE_NAME, "iPAddress:127.0.0.1"))),
                    found.get("Certificate Subject"));
            assertFalse(found.containsKey("Certificate Length"), "a KMIP 1.1 attribute");
            assertFalse(found.containsKey("X.509 Certificate Subject"), "a KMIP 1.1 attribute");
        }
    }

    @Test
    void certificates_areKeptAsDer_andLocatedByCertificateType() throws Exception {
        X509Certificate issued = TestCertificates.client("registered " + UUID.randomUUID()).certificate();
        byte[] der = issued.getEncoded();
        int certifiedAlgorithm = issued.getPublicKey().getAlgorithm().equals("RSA") ? KmipEnums.ALGORITHM_RSA
                : KmipEnums.ALGORITHM_EC;
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            String tag = UUID.randomUUID().toString();
            String id = register(kmip, KmipEnums.OBJECT_TYPE_CERTIFICATE, Ttlv.Structure.of(Tag.CERTIFICATE,
                    new Ttlv.EnumerationItem(Tag.CERTIFICATE_TYPE, KmipEnums.CERTIFICATE_TYPE_X509),
                    new Ttlv.ByteStringItem(Tag.CERTIFICATE_VALUE, der.clone())), attribute("x-tag",
                    KmipOperationsTest.text(tag)));
            Ttlv.Structure certificate = (Ttlv.Structure) get(kmip, id, null).first(Tag.CERTIFICATE).orElseThrow();
            assertEquals(KmipEnums.CERTIFICATE_TYPE_X509, enumerationOf(certificate, Tag.CERTIFICATE_TYPE));
            assertArrayEquals(der, bytesOf(certificate, Tag.CERTIFICATE_VALUE));
            var found = attributes(kmip, id, "Certificate Type", "Cryptographic Algorithm", "Object Type");
            assertEquals(List.of(enumeration(KmipEnums.CERTIFICATE_TYPE_X509)), found.get("Certificate Type"));
            assertEquals(List.of(enumeration(certifiedAlgorithm)), found.get("Cryptographic Algorithm"),
                    "the algorithm of the certified key");
            assertEquals(List.of(id), locate(kmip, attribute("x-tag", KmipOperationsTest.text(tag)),
                    attribute("Certificate Type", enumeration(KmipEnums.CERTIFICATE_TYPE_X509))));
            assertEquals(List.of(), locate(kmip, attribute("x-tag", KmipOperationsTest.text(tag)),
                    attribute("Certificate Type", enumeration(2))), "no PGP certificate");

            byte[] truncated = java.util.Arrays.copyOf(der, der.length - 10);
            assertEquals(ResultReason.INVALID_FIELD, failure(() -> register(kmip, KmipEnums.OBJECT_TYPE_CERTIFICATE,
                    Ttlv.Structure.of(Tag.CERTIFICATE, new Ttlv.EnumerationItem(Tag.CERTIFICATE_TYPE, 1),
                            new Ttlv.ByteStringItem(Tag.CERTIFICATE_VALUE, truncated)))), "a damaged certificate");
        }
    }

    @Test
    void rsaKeys_registeredInOneFormat_areServedInTheOther() throws Exception {
        KeyPair pair = TestCertificates.keyPair("RSA", 2048);
        RSAPrivateCrtKey rsa = (RSAPrivateCrtKey) pair.getPrivate();
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            String publicId = register(kmip, KmipEnums.OBJECT_TYPE_PUBLIC_KEY, keyBlock(Tag.PUBLIC_KEY,
                    KmipEnums.KEY_FORMAT_X509, pair.getPublic().getEncoded(), KmipEnums.ALGORITHM_RSA, 2048));
            assertArrayEquals(pair.getPublic().getEncoded(), keyMaterial(get(kmip, publicId, null), Tag.PUBLIC_KEY),
                    "served as registered");
            org.bouncycastle.asn1.pkcs.RSAPublicKey pkcs1 = org.bouncycastle.asn1.pkcs.RSAPublicKey.getInstance(
                    keyMaterial(get(kmip, publicId, KmipEnums.KEY_FORMAT_PKCS1), Tag.PUBLIC_KEY));
            assertEquals(((RSAPublicKey) pair.getPublic()).getModulus(), pkcs1.getModulus(), "PKCS#1 on request");

            byte[] privatePkcs1 = RSAPrivateKey.getInstance(org.bouncycastle.asn1.pkcs.PrivateKeyInfo.getInstance(
                    pair.getPrivate().getEncoded()).parsePrivateKey()).getEncoded();
            String privateId = register(kmip, KmipEnums.OBJECT_TYPE_PRIVATE_KEY, keyBlock(Tag.PRIVATE_KEY,
                    KmipEnums.KEY_FORMAT_PKCS1, privatePkcs1.clone(), KmipEnums.ALGORITHM_RSA, 2048));
            assertArrayEquals(privatePkcs1, keyMaterial(get(kmip, privateId, null), Tag.PRIVATE_KEY));
            PrivateKey asPkcs8 = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(
                    keyMaterial(get(kmip, privateId, KmipEnums.KEY_FORMAT_PKCS8), Tag.PRIVATE_KEY)));
            assertEquals(rsa.getPrivateExponent(), ((RSAPrivateCrtKey) asPkcs8).getPrivateExponent(),
                    "PKCS#8 on request, the same key");
            assertNeverInClear(privateId, privatePkcs1);
            assertNeverInClear(privateId, rsa.getPrivateExponent().toByteArray());

            assertEquals(ResultReason.INVALID_FIELD, failure(() -> register(kmip, KmipEnums.OBJECT_TYPE_PUBLIC_KEY,
                    keyBlock(Tag.PUBLIC_KEY, KmipEnums.KEY_FORMAT_X509, pair.getPublic().getEncoded(),
                            KmipEnums.ALGORITHM_RSA, 3072))), "the Key Block's length is not the key's");
            assertEquals(ResultReason.INVALID_FIELD, failure(() -> register(kmip, KmipEnums.OBJECT_TYPE_PUBLIC_KEY,
                    keyBlock(Tag.PUBLIC_KEY, KmipEnums.KEY_FORMAT_X509, pair.getPublic().getEncoded(),
                            KmipEnums.ALGORITHM_EC, 2048))), "not an EC key");
            assertEquals(ResultReason.INVALID_FIELD, failure(() -> register(kmip, KmipEnums.OBJECT_TYPE_PRIVATE_KEY,
                    keyBlock(Tag.PRIVATE_KEY, KmipEnums.KEY_FORMAT_PKCS8, new byte[] {0x30, 0x03, 0x02, 0x01, 0x00},
                            KmipEnums.ALGORITHM_RSA, 2048))), "not a key at all");
            assertEquals(ResultReason.KEY_FORMAT_TYPE_NOT_SUPPORTED, failure(() -> register(kmip,
                    KmipEnums.OBJECT_TYPE_PUBLIC_KEY, keyBlock(Tag.PUBLIC_KEY, KmipEnums.KEY_FORMAT_PKCS8,
                            pair.getPublic().getEncoded(), KmipEnums.ALGORITHM_RSA, 2048))),
                    "PKCS#8 is for private keys");
            assertEquals(5, kmip.discoverVersions(List.of()).size(), "the connection survives every refusal");
        }
    }

    static Ttlv.Structure keyPairRequest(int algorithm, int length, String name) {
        return payload(
                new Ttlv.Structure(Tag.COMMON_TEMPLATE_ATTRIBUTE, List.of(
                        attribute("Cryptographic Algorithm", enumeration(algorithm)),
                        attribute("Cryptographic Length", integer(length)))),
                new Ttlv.Structure(Tag.PRIVATE_KEY_TEMPLATE_ATTRIBUTE, List.of(
                        attribute("Cryptographic Usage Mask", integer(0x01)),
                        attribute("Name", name(name + "-private")))),
                new Ttlv.Structure(Tag.PUBLIC_KEY_TEMPLATE_ATTRIBUTE, List.of(
                        attribute("Cryptographic Usage Mask", integer(0x02)),
                        attribute("Name", name(name + "-public")))));
    }

    static String text(Ttlv.Structure answer, int tag) {
        return ((Ttlv.TextStringItem) answer.first(tag).orElseThrow()).value();
    }

    /** The Link of {@code type} an object carries. */
    private static String link(KmipClient kmip, String id, int type) throws Exception {
        for (Ttlv value : attributes(kmip, id, "Link").get("Link")) {
            Ttlv.Structure link = (Ttlv.Structure) value;
            if (enumerationOf(link, Tag.LINK_TYPE) == type) {
                return text(link, Tag.LINKED_OBJECT_IDENTIFIER);
            }
        }
        throw new AssertionError("object " + id + " has no link of type " + type);
    }

    @Test
    void createKeyPair_makesBothHalvesInTheHsm_linkedToEachOther() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            String name = "pair-" + UUID.randomUUID();
            Ttlv.Structure created = kmip.call(Operation.CREATE_KEY_PAIR, keyPairRequest(KmipEnums.ALGORITHM_RSA,
                    2048, name));
            String privateId = text(created, Tag.PRIVATE_KEY_UNIQUE_IDENTIFIER);
            String publicId = text(created, Tag.PUBLIC_KEY_UNIQUE_IDENTIFIER);
            assertEquals(privateId, link(kmip, publicId, 0x103), "the public key's Private Key Link");
            assertEquals(publicId, link(kmip, privateId, 0x102), "the private key's Public Key Link");
            assertEquals(List.of(integer(0x02)), attributes(kmip, publicId, "Cryptographic Usage Mask")
                    .get("Cryptographic Usage Mask"), "each half has its own template's mask");
            assertEquals(List.of(privateId), locate(kmip, attribute("Name", name(name + "-private"))));

            PublicKey publicKey = KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(keyMaterial(
                    get(kmip, publicId, null), Tag.PUBLIC_KEY)));
            byte[] privatePkcs8 = keyMaterial(get(kmip, privateId, null), Tag.PRIVATE_KEY);
            PrivateKey privateKey = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(
                    privatePkcs8));
            assertEquals(2048, ((RSAPublicKey) publicKey).getModulus().bitLength());
            assertTrue(signs(privateKey, publicKey, "SHA256withRSA"), "the two halves are one pair");
            assertNeverInClear(privateId, privatePkcs8);
            assertNeverInClear(privateId, ((RSAPrivateCrtKey) privateKey).getPrivateExponent().toByteArray());
            BigInteger modulus = RSAPrivateKey.getInstance(keyMaterial(get(kmip, privateId,
                    KmipEnums.KEY_FORMAT_PKCS1), Tag.PRIVATE_KEY)).getModulus();
            assertEquals(((RSAPublicKey) publicKey).getModulus(), modulus, "PKCS#1 of the same key");

            Ttlv.Structure ec = kmip.call(Operation.CREATE_KEY_PAIR, keyPairRequest(KmipEnums.ALGORITHM_EC, 384,
                    name + "-ec"));
            PublicKey ecPublic = KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(keyMaterial(
                    get(kmip, text(ec, Tag.PUBLIC_KEY_UNIQUE_IDENTIFIER), null), Tag.PUBLIC_KEY)));
            PrivateKey ecPrivate = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(keyMaterial(
                    get(kmip, text(ec, Tag.PRIVATE_KEY_UNIQUE_IDENTIFIER), null), Tag.PRIVATE_KEY)));
            assertEquals(384, ((ECPublicKey) ecPublic).getParams().getOrder().bitLength());
            assertTrue(signs(ecPrivate, ecPublic, "SHA384withECDSA"));
            assertEquals(ResultReason.KEY_FORMAT_TYPE_NOT_SUPPORTED, failure(() -> get(kmip,
                    text(ec, Tag.PRIVATE_KEY_UNIQUE_IDENTIFIER), KmipEnums.KEY_FORMAT_PKCS1)), "PKCS#1 is RSA's");

            assertEquals(ResultReason.INVALID_FIELD, failure(() -> kmip.call(Operation.CREATE_KEY_PAIR,
                    keyPairRequest(KmipEnums.ALGORITHM_RSA, 1024, name + "-weak"))), "RSA-1024 is not made");
            assertEquals(ResultReason.INVALID_FIELD, failure(() -> kmip.call(Operation.CREATE_KEY_PAIR,
                    keyPairRequest(KmipEnums.ALGORITHM_AES, 256, name + "-aes"))), "AES is not a key pair");
            int objectsBefore = fixture.database.dsl().fetchCount(fixture.database.dsl().selectFrom("kmip_objects"));
            // The private half's Name is taken; the public half's is free: the public half must not stay alone.
            Ttlv.Structure halfTaken = payload(
                    new Ttlv.Structure(Tag.COMMON_TEMPLATE_ATTRIBUTE, List.of(
                            attribute("Cryptographic Algorithm", enumeration(KmipEnums.ALGORITHM_RSA)),
                            attribute("Cryptographic Length", integer(2048)))),
                    new Ttlv.Structure(Tag.PRIVATE_KEY_TEMPLATE_ATTRIBUTE, List.of(
                            attribute("Name", name(name + "-private")))),
                    new Ttlv.Structure(Tag.PUBLIC_KEY_TEMPLATE_ATTRIBUTE, List.of(
                            attribute("Name", name(name + "-public-again")))));
            assertEquals(ResultReason.INVALID_FIELD, failure(() -> kmip.call(Operation.CREATE_KEY_PAIR, halfTaken)),
                    "a Name already used");
            assertEquals(objectsBefore, fixture.database.dsl().fetchCount(fixture.database.dsl()
                    .selectFrom("kmip_objects")), "neither half of the refused pair was kept");
            assertEquals(List.of(), locate(kmip, attribute("Name", name(name + "-public-again"))));

            kmip.call(Operation.REVOKE, revokePayload(privateId, KmipEnums.REVOCATION_KEY_COMPROMISE));
            kmip.call(Operation.DESTROY, payload(uid(privateId)));
            assertEquals(ResultReason.ILLEGAL_OPERATION, failure(() -> get(kmip, privateId, null)));
            assertEquals(ResultReason.PERMISSION_DENIED, failure(() -> kmip.call(Operation.DESTROY,
                    payload(uid(privateId)))), "destroyed once");
        }
    }

    static boolean signs(PrivateKey privateKey, PublicKey publicKey, String algorithm) throws Exception {
        byte[] message = "a message".getBytes(StandardCharsets.UTF_8);
        Signature signer = Signature.getInstance(algorithm);
        signer.initSign(privateKey);
        signer.update(message);
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance(algorithm);
        verifier.initVerify(publicKey);
        verifier.update(message);
        return verifier.verify(signature);
    }

    @Test
    void createKeyPair_isRecordedInTheAuditTrail_withoutMaterial() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_2)) {
            Ttlv.Structure created = kmip.call(Operation.CREATE_KEY_PAIR, keyPairRequest(KmipEnums.ALGORITHM_RSA,
                    2048, "audited-" + UUID.randomUUID()));
            String privateId = text(created, Tag.PRIVATE_KEY_UNIQUE_IDENTIFIER);
            List<String> details = fixture.database.dsl().fetch("select action, detail from audit_events where "
                    + "target = '" + privateId + "'").map(row -> row.get(0) + " " + row.get(1));
            assertTrue(details.stream().anyMatch(line -> line.startsWith("kmip.create_key_pair RSA-2048 sealed")),
                    details.toString());
        }
    }
}
