package org.kmipappliance.kmip.server;

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
import static org.kmipappliance.kmip.server.KmipOperationsTest.text;
import static org.kmipappliance.kmip.server.KmipOperationsTest.uid;

import java.util.ArrayList;
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
import org.kmipappliance.kmip.message.ResultReason;
import org.kmipappliance.kmip.message.Tag;
import org.kmipappliance.kmip.ttlv.Ttlv;

/**
 * Templates (KMIP 1.4 sections 2.2.6 and 2.1.8): registered, served by Get, Get Attributes, Locate and Destroy, and
 * named in the Template-Attribute of Create and Create Key Pair with the precedence of section 4.1.
 */
class KmipTemplatesTest {
    private static KmipTestServer fixture;
    private static SSLContext client;
    private static SSLContext otherAdapter;

    @BeforeAll
    static void start() {
        fixture = new KmipTestServer("templates");
        client = fixture.clientOfNewAdapter();
        otherAdapter = fixture.clientOfNewAdapter();
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    private static Ttlv.Structure templateName(String value) {
        return Ttlv.Structure.of(Tag.NAME, new Ttlv.TextStringItem(Tag.NAME_VALUE, value),
                new Ttlv.EnumerationItem(Tag.NAME_TYPE, 1));
    }

    /** Registers a template named {@code templateName} holding {@code held}. */
    private static String registerTemplate(KmipClient kmip, String templateName, List<Ttlv> held)
            throws Exception {
        Ttlv.Structure answer = kmip.call(Operation.REGISTER, payload(
                new Ttlv.EnumerationItem(Tag.OBJECT_TYPE, KmipEnums.OBJECT_TYPE_TEMPLATE),
                Ttlv.Structure.of(Tag.TEMPLATE_ATTRIBUTE, attribute("Name", name(templateName))),
                new Ttlv.Structure(Tag.TEMPLATE, held)));
        return ((Ttlv.TextStringItem) answer.first(Tag.UNIQUE_IDENTIFIER).orElseThrow()).value();
    }

    /** Creates an AES key from a Template-Attribute of template names and attributes. */
    private static String createWith(KmipClient kmip, Ttlv... templateAttribute) throws Exception {
        Ttlv.Structure answer = kmip.call(Operation.CREATE, payload(
                new Ttlv.EnumerationItem(Tag.OBJECT_TYPE, KmipEnums.OBJECT_TYPE_SYMMETRIC_KEY),
                new Ttlv.Structure(Tag.TEMPLATE_ATTRIBUTE, List.of(templateAttribute))));
        return ((Ttlv.TextStringItem) answer.first(Tag.UNIQUE_IDENTIFIER).orElseThrow()).value();
    }

    private static List<Ttlv> aes256(String group, String tag) {
        return List.of(
                attribute("Cryptographic Algorithm", enumeration(KmipEnums.ALGORITHM_AES)),
                attribute("Cryptographic Length", integer(256)),
                attribute("Cryptographic Usage Mask", integer(12)),
                attribute("Object Group", text(group)),
                attribute("x-tag", text(tag)));
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID();
    }

    @Test
    void aRegisteredTemplate_isServedAsRegistered_andLocatedByType() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_2)) {
            String templateName = unique("vm-keys");
            List<Ttlv> held = aes256("vm-group", "from-template");
            String id = registerTemplate(kmip, templateName, held);

            Ttlv.Structure got = kmip.call(Operation.GET, payload(uid(id)));
            assertEquals(new Ttlv.EnumerationItem(Tag.OBJECT_TYPE, KmipEnums.OBJECT_TYPE_TEMPLATE),
                    got.first(Tag.OBJECT_TYPE).orElseThrow());
            assertEquals(new Ttlv.Structure(Tag.TEMPLATE, held), got.first(Tag.TEMPLATE).orElseThrow(),
                    "the attributes it holds, as registered");
            Map<String, List<Ttlv>> own = attributes(kmip, id, "Object Type", "Name");
            assertEquals(List.of(enumeration(KmipEnums.OBJECT_TYPE_TEMPLATE)), own.get("Object Type"));
            assertEquals(List.of(name(templateName)), own.get("Name"));
            assertTrue(locate(kmip, attribute("Object Type", enumeration(KmipEnums.OBJECT_TYPE_TEMPLATE)))
                    .contains(id));
            assertEquals(ResultReason.KEY_FORMAT_TYPE_NOT_SUPPORTED, failure(() -> kmip.call(Operation.GET, payload(
                    uid(id), new Ttlv.EnumerationItem(Tag.KEY_FORMAT_TYPE, KmipEnums.KEY_FORMAT_RAW)))),
                    "a template has no Key Block");
        }
    }

    @Test
    void createNamingATemplate_getsItsAttributes_butNotItsName() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_1)) {
            String templateName = unique("vm-keys");
            registerTemplate(kmip, templateName, aes256("vm-group", "from-template"));

            String key = createWith(kmip, templateName(templateName));
            Map<String, List<Ttlv>> made = attributes(kmip, key, "Cryptographic Algorithm", "Cryptographic Length",
                    "Cryptographic Usage Mask", "Object Group", "x-tag", "Name");
            assertEquals(List.of(enumeration(KmipEnums.ALGORITHM_AES)), made.get("Cryptographic Algorithm"));
            assertEquals(List.of(integer(256)), made.get("Cryptographic Length"));
            assertEquals(List.of(integer(12)), made.get("Cryptographic Usage Mask"));
            assertEquals(List.of(text("vm-group")), made.get("Object Group"));
            assertEquals(List.of(text("from-template")), made.get("x-tag"));
            assertFalse(made.containsKey("Name"), "the template's Name names the template, not what it makes");
            assertEquals(32, kmip.getKeyMaterial(key).length);
        }
    }

    @Test
    void theRequestOverridesTemplates_aLaterTemplateAnEarlierOne_andMultiInstanceAttributesAreJoined()
            throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            String first = unique("first");
            String second = unique("second");
            registerTemplate(kmip, first, aes256("group-one", "one"));
            registerTemplate(kmip, second, List.of(attribute("Cryptographic Usage Mask", integer(0x10 | 0x20)),
                    attribute("Object Group", text("group-two"))));

            String key = createWith(kmip, templateName(first), templateName(second),
                    attribute("Cryptographic Length", integer(128)), attribute("Object Group", text("group-one")));
            Map<String, List<Ttlv>> made = attributes(kmip, key, "Cryptographic Length", "Cryptographic Usage Mask",
                    "Object Group");
            assertEquals(List.of(integer(128)), made.get("Cryptographic Length"), "the request's value wins");
            assertEquals(List.of(integer(0x30)), made.get("Cryptographic Usage Mask"), "the later template's wins");
            assertEquals(List.of(text("group-one"), text("group-two")), made.get("Object Group"),
                    "the union, each value once");
            assertEquals(16, kmip.getKeyMaterial(key).length);
        }
    }

    @Test
    void createKeyPair_takesTemplatesInItsCommonTemplateAttribute() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            String rsa = unique("rsa-pair");
            registerTemplate(kmip, rsa, List.of(attribute("Cryptographic Algorithm",
                    enumeration(KmipEnums.ALGORITHM_RSA)), attribute("Cryptographic Length", integer(2048)),
                    attribute("x-owner", text("pki"))));
            Ttlv.Structure pair = kmip.call(Operation.CREATE_KEY_PAIR, payload(
                    Ttlv.Structure.of(Tag.COMMON_TEMPLATE_ATTRIBUTE, templateName(rsa)),
                    Ttlv.Structure.of(Tag.PRIVATE_KEY_TEMPLATE_ATTRIBUTE,
                            attribute("Cryptographic Usage Mask", integer(0x01))),
                    Ttlv.Structure.of(Tag.PUBLIC_KEY_TEMPLATE_ATTRIBUTE,
                            attribute("Cryptographic Usage Mask", integer(0x02)))));
            String privateId = ((Ttlv.TextStringItem) pair.first(Tag.PRIVATE_KEY_UNIQUE_IDENTIFIER).orElseThrow())
                    .value();
            Map<String, List<Ttlv>> made = attributes(kmip, privateId, "Cryptographic Length", "x-owner",
                    "Cryptographic Usage Mask");
            assertEquals(List.of(integer(2048)), made.get("Cryptographic Length"));
            assertEquals(List.of(text("pki")), made.get("x-owner"));
            assertEquals(List.of(integer(0x01)), made.get("Cryptographic Usage Mask"));
        }
    }

    @Test
    void aNameThatIsNoTemplateOfTheAdapter_isItemNotFound_andADestroyedTemplateNamesNothing() throws Exception {
        String shared = unique("elsewhere");
        try (KmipClient other = fixture.connect(otherAdapter, ProtocolVersion.V1_4)) {
            registerTemplate(other, shared, aes256("g", "t"));
        }
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            assertEquals(ResultReason.ITEM_NOT_FOUND, failure(() -> createWith(kmip, templateName(shared))),
                    "another adapter's template is not this one's");
            String keyName = unique("a-key");
            kmip.call(Operation.CREATE, KmipOperationsTest.createPayload(attribute("Name", name(keyName))));
            assertEquals(ResultReason.ITEM_NOT_FOUND, failure(() -> createWith(kmip, templateName(keyName))),
                    "a key's Name names no template");

            String gone = unique("gone");
            String template = registerTemplate(kmip, gone, aes256("g", "t"));
            kmip.call(Operation.DESTROY, payload(uid(template)));
            assertEquals(ResultReason.ITEM_NOT_FOUND, failure(() -> createWith(kmip, templateName(gone))));
        }
    }

    @Test
    void aTemplateIsCheckedAsACreatesAttributesAre() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            assertEquals(ResultReason.INVALID_FIELD, failure(() -> registerTemplate(kmip, unique("named-inside"),
                    List.of(attribute("Name", name("inner"))))), "its Name belongs in the Template-Attribute");
            assertEquals(ResultReason.INVALID_FIELD, failure(() -> registerTemplate(kmip, unique("server-owned"),
                    List.of(attribute("State", enumeration(2))))), "State is the server's");
            assertEquals(ResultReason.INVALID_FIELD, failure(() -> registerTemplate(kmip, unique("mistyped"),
                    List.of(attribute("Cryptographic Length", text("256"))))));
            assertEquals(ResultReason.INVALID_FIELD, failure(() -> registerTemplate(kmip, unique("empty"),
                    List.of())));
            assertEquals(ResultReason.INVALID_FIELD, failure(() -> kmip.call(Operation.REGISTER, payload(
                    new Ttlv.EnumerationItem(Tag.OBJECT_TYPE, KmipEnums.OBJECT_TYPE_TEMPLATE),
                    Ttlv.Structure.of(Tag.TEMPLATE_ATTRIBUTE, attribute("Cryptographic Length", integer(128))),
                    Ttlv.Structure.of(Tag.TEMPLATE, attribute("x-tag", text("t")))))),
                    "what it gives new objects goes in the Template, not the Template-Attribute");
            List<Ttlv> tooMany = new ArrayList<>();
            for (int i = 0; i <= 8; i++) {
                tooMany.add(templateName("t" + i));
            }
            assertEquals(ResultReason.INVALID_MESSAGE, failure(() -> createWith(kmip, tooMany.toArray(Ttlv[]::new))),
                    "the names one request may give are bounded");
        }
    }
}
