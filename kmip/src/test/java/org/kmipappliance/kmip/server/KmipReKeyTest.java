package org.kmipappliance.kmip.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kmipappliance.kmip.server.KmipOperationsTest.attribute;
import static org.kmipappliance.kmip.server.KmipOperationsTest.attributes;
import static org.kmipappliance.kmip.server.KmipOperationsTest.create;
import static org.kmipappliance.kmip.server.KmipOperationsTest.date;
import static org.kmipappliance.kmip.server.KmipOperationsTest.enumeration;
import static org.kmipappliance.kmip.server.KmipOperationsTest.failure;
import static org.kmipappliance.kmip.server.KmipOperationsTest.integer;
import static org.kmipappliance.kmip.server.KmipOperationsTest.locate;
import static org.kmipappliance.kmip.server.KmipOperationsTest.name;
import static org.kmipappliance.kmip.server.KmipOperationsTest.payload;
import static org.kmipappliance.kmip.server.KmipOperationsTest.state;
import static org.kmipappliance.kmip.server.KmipOperationsTest.text;
import static org.kmipappliance.kmip.server.KmipOperationsTest.uid;

import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
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
import org.kmipappliance.kmip.message.ResponseMessage;
import org.kmipappliance.kmip.message.ResultReason;
import org.kmipappliance.kmip.message.ResultStatus;
import org.kmipappliance.kmip.message.Tag;
import org.kmipappliance.kmip.ttlv.Ttlv;

/** Re-Key and Re-key Key Pair (KMIP 1.4 sections 4.4, 4.5) over real TLS, custody, SoftHSM2 and PostgreSQL. */
class KmipReKeyTest {
    /** Link Type values as KMIP 1.4 table 308 numbers them (written out here, not taken from the server's code). */
    private static final int REPLACEMENT_OBJECT_LINK = 0x106;
    private static final int REPLACED_OBJECT_LINK = 0x107;
    private static final int PUBLIC_KEY_LINK = 0x102;
    private static final int PRIVATE_KEY_LINK = 0x103;
    private static KmipTestServer fixture;
    private static SSLContext client;

    @BeforeAll
    static void start() {
        fixture = new KmipTestServer("rekey-test");
        client = fixture.clientOfNewAdapter();
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    private static String rekey(KmipClient kmip, String id, Ttlv... more) throws Exception {
        List<Ttlv> request = new ArrayList<>(List.of(uid(id)));
        request.addAll(List.of(more));
        return ((Ttlv.TextStringItem) kmip.call(Operation.RE_KEY, new Ttlv.Structure(Tag.REQUEST_PAYLOAD, request))
                .first(Tag.UNIQUE_IDENTIFIER).orElseThrow()).value();
    }

    /** The Linked Object Identifier of the object's one Link of {@code type}. */
    private static List<String> links(KmipClient kmip, String id, int type) throws Exception {
        List<String> targets = new ArrayList<>();
        for (Ttlv value : attributes(kmip, id, "Link").getOrDefault("Link", List.of())) {
            Ttlv.Structure link = (Ttlv.Structure) value;
            if (((Ttlv.EnumerationItem) link.first(Tag.LINK_TYPE).orElseThrow()).value() == type) {
                targets.add(((Ttlv.TextStringItem) link.first(Tag.LINKED_OBJECT_IDENTIFIER).orElseThrow()).value());
            }
        }
        return targets;
    }

    @Test
    void replacement_takesTheNames_copiesAttributes_andLinksBothWays() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            String label = "rekeyed-" + UUID.randomUUID();
            Instant hourAgo = Instant.now().minusSeconds(3600).truncatedTo(ChronoUnit.SECONDS);
            String existing = create(kmip, attribute("Name", name(label)), attribute("Object Group", text("grp")),
                    attribute("x-vendor", text("kept")), attribute("Activation Date", date(hourAgo)));
            String replacement = rekey(kmip, existing);

            assertEquals(List.of(replacement), locate(kmip, attribute("Name", name(label))), "the Name moved");
            assertFalse(attributes(kmip, existing).containsKey("Name"), "the existing key has no Name left");
            Map<String, List<Ttlv>> copied = attributes(kmip, replacement, "Object Group", "x-vendor",
                    "Cryptographic Algorithm", "Cryptographic Length", "Cryptographic Usage Mask", "Activation Date");
            assertEquals(List.of(text("grp")), copied.get("Object Group"));
            assertEquals(List.of(text("kept")), copied.get("x-vendor"));
            assertEquals(List.of(enumeration(KmipEnums.ALGORITHM_AES)), copied.get("Cryptographic Algorithm"));
            assertEquals(List.of(integer(256)), copied.get("Cryptographic Length"));
            assertEquals(List.of(integer(12)), copied.get("Cryptographic Usage Mask"));
            assertEquals(List.of(date(hourAgo)), copied.get("Activation Date"), "no Offset: the date is copied");
            assertEquals(2, state(kmip, replacement), "Active, as its Activation Date has passed");
            assertEquals(2, state(kmip, existing), "the existing key keeps its state");
            assertEquals(List.of(replacement), links(kmip, existing, REPLACEMENT_OBJECT_LINK),
                    "Replacement Object Link");
            assertEquals(List.of(existing), links(kmip, replacement, REPLACED_OBJECT_LINK), "Replaced Object Link");
            assertFalse(Arrays.equals(kmip.getKeyMaterial(existing), kmip.getKeyMaterial(replacement)),
                    "new material from the HSM");

            String again = rekey(kmip, replacement, new Ttlv.IntervalItem(Tag.OFFSET, 3600),
                    Ttlv.Structure.of(Tag.TEMPLATE_ATTRIBUTE, attribute("Cryptographic Usage Mask", integer(4)),
                            attribute("x-vendor", text("changed"))));
            assertEquals(1, state(kmip, again), "Offset of an hour: Pre-Active until then");
            Map<String, List<Ttlv>> overridden = attributes(kmip, again, "Cryptographic Usage Mask", "x-vendor",
                    "Activation Date");
            assertEquals(List.of(integer(4)), overridden.get("Cryptographic Usage Mask"));
            assertEquals(List.of(text("changed")), overridden.get("x-vendor"), "the template's value replaces");
            Instant activation = ((Ttlv.DateTimeItem) overridden.get("Activation Date").getFirst()).instant();
            assertTrue(activation.isAfter(Instant.now().plusSeconds(3500)), "now plus the Offset: " + activation);
            assertEquals(List.of(again), locate(kmip, attribute("Name", name(label))), "the Name moved again");
        }
    }

    @Test
    void deactivationDate_toCome_movesWithTheActivationDate_andOneThatPassedIsNotCarried() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            Instant hourAgo = Instant.now().minusSeconds(3600).truncatedTo(ChronoUnit.SECONDS);
            Instant inTwoHours = hourAgo.plusSeconds(3 * 3600);
            String planned = create(kmip, attribute("Activation Date", date(hourAgo)),
                    attribute("Deactivation Date", date(inTwoHours)));
            String replacement = rekey(kmip, planned, new Ttlv.IntervalItem(Tag.OFFSET, 0));
            Map<String, List<Ttlv>> dates = attributes(kmip, replacement, "Activation Date", "Deactivation Date");
            Instant activation = ((Ttlv.DateTimeItem) dates.get("Activation Date").getFirst()).instant();
            Instant deactivation = ((Ttlv.DateTimeItem) dates.get("Deactivation Date").getFirst()).instant();
            assertEquals(Duration.between(hourAgo, inTwoHours).toSeconds(), Duration.between(activation, deactivation)
                    .toSeconds(), 2, "DT2 = DT1 + (AT2 - AT1): as long between the dates as the existing key had");
            assertTrue(activation.isAfter(hourAgo.plusSeconds(3500)), "Offset 0: activated now");

            kmip.call(Operation.REVOKE, KmipOperationsTest.revokePayload(planned, 1));
            String afterRevoke = rekey(kmip, planned, new Ttlv.IntervalItem(Tag.OFFSET, 0));
            assertFalse(attributes(kmip, afterRevoke).containsKey("Deactivation Date"),
                    "the revoked key's Deactivation Date has passed: not carried");
            assertEquals(2, state(kmip, afterRevoke), "so the replacement is Active, not born deactivated");
        }
    }

    @Test
    void reKey_inABatch_usesTheIdPlaceholder_andRefusalsKeepEverything() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_2)) {
            ResponseMessage answer = kmip.batch(List.of(
                    RequestBatchItem.of(Operation.CREATE, null, KmipOperationsTest.createPayload()),
                    RequestBatchItem.of(Operation.RE_KEY, null, payload()),
                    RequestBatchItem.of(Operation.GET, null, payload())));
            assertTrue(answer.items().stream().allMatch(item -> item.status() == ResultStatus.SUCCESS));
            String created = ((Ttlv.TextStringItem) answer.items().get(0).payload().first(Tag.UNIQUE_IDENTIFIER)
                    .orElseThrow()).value();
            String replaced = ((Ttlv.TextStringItem) answer.items().get(1).payload().first(Tag.UNIQUE_IDENTIFIER)
                    .orElseThrow()).value();
            assertEquals(replaced, ((Ttlv.TextStringItem) answer.items().get(2).payload()
                    .first(Tag.UNIQUE_IDENTIFIER).orElseThrow()).value(), "the Get in the batch got the replacement");
            assertEquals(List.of(replaced), links(kmip, created, REPLACEMENT_OBJECT_LINK));
            for (int i = 0; i < 20; i++) {
                assertEquals(2, state(kmip, rekey(kmip, created, new Ttlv.IntervalItem(Tag.OFFSET, 0))),
                        "Offset 0: active at once, whatever fraction of a millisecond it is made in");
            }

            String label = "taken-" + UUID.randomUUID();
            String named = create(kmip, attribute("Name", name(label)));
            assertEquals(ResultReason.INVALID_FIELD, failure(() -> rekey(kmip, named, Ttlv.Structure.of(
                    Tag.TEMPLATE_ATTRIBUTE, attribute("Name", name(label + "-new"))))), "the Name is taken over");
            assertEquals(ResultReason.INVALID_FIELD, failure(() -> rekey(kmip, named, Ttlv.Structure.of(
                    Tag.TEMPLATE_ATTRIBUTE, attribute("Cryptographic Length", integer(128))))), "same length");
            assertEquals(ResultReason.INVALID_FIELD, failure(() -> rekey(kmip, named,
                    new Ttlv.IntervalItem(Tag.OFFSET, 60), Ttlv.Structure.of(Tag.TEMPLATE_ATTRIBUTE,
                            attribute("Activation Date", date(Instant.now()))))), "an Offset or a date");
            assertEquals(ResultReason.ITEM_NOT_FOUND, failure(() -> rekey(kmip, UUID.randomUUID().toString())));
            assertEquals(List.of(named), locate(kmip, attribute("Name", name(label))), "refusals changed nothing");
            assertEquals(List.of(), links(kmip, named, REPLACEMENT_OBJECT_LINK));

            kmip.call(Operation.DESTROY, payload(uid(named)));
            assertEquals(ResultReason.ILLEGAL_OPERATION, failure(() -> rekey(kmip, named)), "nothing to replace");
            assertEquals(5, kmip.discoverVersions(List.of()).size(), "the connection survives");
        }
    }

    @Test
    void reKeyKeyPair_replacesBothHalves_movingTheirNames_andLinksOldToNew() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            String name = "pair-rekey-" + UUID.randomUUID();
            Ttlv.Structure created = kmip.call(Operation.CREATE_KEY_PAIR, KmipObjectTypesTest.keyPairRequest(
                    KmipEnums.ALGORITHM_EC, 256, name));
            String oldPrivate = KmipObjectTypesTest.text(created, Tag.PRIVATE_KEY_UNIQUE_IDENTIFIER);
            String oldPublic = KmipObjectTypesTest.text(created, Tag.PUBLIC_KEY_UNIQUE_IDENTIFIER);
            Ttlv.Structure rekeyed = kmip.call(Operation.RE_KEY_KEY_PAIR, payload(
                    new Ttlv.TextStringItem(Tag.PRIVATE_KEY_UNIQUE_IDENTIFIER, oldPrivate),
                    new Ttlv.IntervalItem(Tag.OFFSET, 0)));
            String newPrivate = KmipObjectTypesTest.text(rekeyed, Tag.PRIVATE_KEY_UNIQUE_IDENTIFIER);
            String newPublic = KmipObjectTypesTest.text(rekeyed, Tag.PUBLIC_KEY_UNIQUE_IDENTIFIER);

            assertEquals(List.of(newPrivate), locate(kmip, attribute("Name", name(name + "-private"))));
            assertEquals(List.of(newPublic), locate(kmip, attribute("Name", name(name + "-public"))));
            assertEquals(List.of(newPrivate), links(kmip, oldPrivate, REPLACEMENT_OBJECT_LINK));
            assertEquals(List.of(newPublic), links(kmip, oldPublic, REPLACEMENT_OBJECT_LINK));
            assertEquals(List.of(oldPrivate), links(kmip, newPrivate, REPLACED_OBJECT_LINK));
            assertEquals(List.of(oldPublic), links(kmip, newPublic, REPLACED_OBJECT_LINK));
            assertEquals(List.of(newPublic), links(kmip, newPrivate, PUBLIC_KEY_LINK), "the new halves are a pair");
            assertEquals(List.of(newPrivate), links(kmip, newPublic, PRIVATE_KEY_LINK));
            assertEquals(List.of(integer(0x01)), attributes(kmip, newPrivate, "Cryptographic Usage Mask")
                    .get("Cryptographic Usage Mask"), "each half keeps its own usage mask");
            assertEquals(List.of(integer(0x02)), attributes(kmip, newPublic, "Cryptographic Usage Mask")
                    .get("Cryptographic Usage Mask"));
            assertEquals(2, state(kmip, newPrivate), "Offset 0: active at once");
            assertEquals(1, state(kmip, oldPrivate), "the existing pair keeps its state");

            PublicKey publicKey = KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(
                    KmipObjectTypesTest.keyMaterial(KmipObjectTypesTest.get(kmip, newPublic, null), Tag.PUBLIC_KEY)));
            PrivateKey privateKey = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(
                    KmipObjectTypesTest.keyMaterial(KmipObjectTypesTest.get(kmip, newPrivate, null),
                            Tag.PRIVATE_KEY)));
            assertTrue(KmipObjectTypesTest.signs(privateKey, publicKey, "SHA256withECDSA"), "a working pair");
            assertFalse(Arrays.equals(publicKey.getEncoded(), KmipObjectTypesTest.keyMaterial(
                    KmipObjectTypesTest.get(kmip, oldPublic, null), Tag.PUBLIC_KEY)), "new from the HSM");

            assertEquals(ResultReason.INVALID_FIELD, failure(() -> kmip.call(Operation.RE_KEY_KEY_PAIR, payload(
                    new Ttlv.TextStringItem(Tag.PRIVATE_KEY_UNIQUE_IDENTIFIER, oldPublic)))), "named by the private");
            String symmetric = create(kmip);
            assertEquals(ResultReason.INVALID_FIELD, failure(() -> kmip.call(Operation.RE_KEY_KEY_PAIR, payload(
                    new Ttlv.TextStringItem(Tag.PRIVATE_KEY_UNIQUE_IDENTIFIER, symmetric)))));
            assertEquals(ResultReason.INVALID_FIELD, failure(() -> kmip.call(Operation.RE_KEY_KEY_PAIR, payload(
                    new Ttlv.TextStringItem(Tag.PRIVATE_KEY_UNIQUE_IDENTIFIER, newPrivate),
                    new Ttlv.Structure(Tag.PRIVATE_KEY_TEMPLATE_ATTRIBUTE, List.of(attribute("Name",
                            name(name + "-other"))))))), "the Names are taken over");
            assertEquals(ResultReason.ITEM_NOT_FOUND, failure(() -> kmip.call(Operation.RE_KEY_KEY_PAIR, payload(
                    new Ttlv.TextStringItem(Tag.PRIVATE_KEY_UNIQUE_IDENTIFIER, UUID.randomUUID().toString())))));
            assertEquals(List.of(newPrivate), locate(kmip, attribute("Name", name(name + "-private"))),
                    "refusals changed nothing");
        }
    }
}
