package org.kmipappliance.appliance.bench;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.kmipappliance.kmip.client.KmipClient;
import org.kmipappliance.kmip.message.KmipEnums;
import org.kmipappliance.kmip.message.KmipException;
import org.kmipappliance.kmip.message.Operation;
import org.kmipappliance.kmip.message.RequestBatchItem;
import org.kmipappliance.kmip.message.ResponseBatchItem;
import org.kmipappliance.kmip.message.ResultStatus;
import org.kmipappliance.kmip.message.StructureReader;
import org.kmipappliance.kmip.message.Tag;
import org.kmipappliance.kmip.ttlv.Ttlv;
import org.kmipappliance.kmip.ttlv.TtlvEncoder;

/**
 * What one measured operation of the benchmark is, over one client connection. Keys that Get, Get Attributes and
 * Locate work on are made once, before the clock starts, with Names so that Locate finds each by its Name.
 */
enum Workload {
    /** Create an AES-256 key (the HSM generates and seals it, the database commits it). */
    CREATE("create") {
        @Override
        int run(KmipClient client, Keys keys) throws IOException, KmipException {
            client.createAesKey(256, USAGE_ENCRYPT_DECRYPT);
            return 1;
        }
    },
    /** Get the material of a random key (the HSM opens it). */
    GET("get") {
        @Override
        int run(KmipClient client, Keys keys) throws IOException, KmipException {
            client.getKeyMaterial(keys.pick());
            return 1;
        }
    },
    /** Get Attributes, all of them, of a random key (no HSM). */
    GET_ATTRIBUTES("getattr") {
        @Override
        int run(KmipClient client, Keys keys) throws IOException, KmipException {
            client.call(Operation.GET_ATTRIBUTES, Ttlv.Structure.of(Tag.REQUEST_PAYLOAD,
                    new Ttlv.TextStringItem(Tag.UNIQUE_IDENTIFIER, keys.pick())));
            return 1;
        }
    },
    /** Locate a random key by its Name; exactly one must answer (no HSM). */
    LOCATE("locate") {
        @Override
        int run(KmipClient client, Keys keys) throws IOException, KmipException {
            String name = keys.namePrefix() + ThreadLocalRandom.current().nextInt(keys.ids().size());
            Ttlv.Structure found = client.call(Operation.LOCATE, Ttlv.Structure.of(Tag.REQUEST_PAYLOAD,
                    KmipClient.attribute("Name", nameValue(name))));
            if (found.all(Tag.UNIQUE_IDENTIFIER).size() != 1) {
                throw new IOException("Locate by Name " + name + " found " + found.all(Tag.UNIQUE_IDENTIFIER).size()
                        + " objects, not one");
            }
            return 1;
        }
    },
    /**
     * Discover Versions: what every request costs before its operation's own work (TLS, TTLV, the caller's
     * identity, the audit event the server commits before answering); no object read, no HSM. The floor under the
     * other workloads on the same machine.
     */
    DISCOVER("discover") {
        @Override
        int run(KmipClient client, Keys keys) throws IOException, KmipException {
            client.discoverVersions(List.of());
            return 1;
        }
    },
    /** One Create for every four Gets and four Get Attributes, chosen at random in those proportions. */
    MIXED("mixed") {
        @Override
        int run(KmipClient client, Keys keys) throws IOException, KmipException {
            int draw = ThreadLocalRandom.current().nextInt(9);
            return (draw == 0 ? CREATE : draw <= 4 ? GET : GET_ATTRIBUTES).run(client, keys);
        }
    },
    /**
     * vCenter's life of a key (docs: kmip-notes, item 3), counted as one operation of eight requests: Create;
     * Get Attributes of x-Product_Version, x-Vendor and x-Product (one request each); one batch of three Add
     * Attribute; Get; Get Attributes(State); Activate.
     */
    VCENTER("vcenter") {
        @Override
        int run(KmipClient client, Keys keys) throws IOException, KmipException {
            String id = client.createAesKey(256, USAGE_ENCRYPT_DECRYPT);
            for (String attribute : List.of("x-Product_Version", "x-Vendor", "x-Product")) {
                getAttribute(client, id, attribute);
            }
            List<RequestBatchItem> additions = List.of(
                    addAttribute(id, "x-Product_Version", "8.0.3 build-24022515", 1),
                    addAttribute(id, "x-Vendor", "VMware, Inc.", 2),
                    addAttribute(id, "x-Product", "VMware vSphere", 3));
            for (ResponseBatchItem item : client.batch(additions).items()) {
                if (item.status() != ResultStatus.SUCCESS) {
                    throw new KmipException(item.reason(), item.message());
                }
            }
            client.getKeyMaterial(id);
            getAttribute(client, id, "State");
            client.call(Operation.ACTIVATE, Ttlv.Structure.of(Tag.REQUEST_PAYLOAD,
                    new Ttlv.TextStringItem(Tag.UNIQUE_IDENTIFIER, id)));
            return 8;
        }
    };

    /**
     * The keys a run works on, made before its clock starts, and the prefix of their Names (each run has its own,
     * since Names are unique in an adapter): key {@code i} is named {@code namePrefix + i}.
     */
    record Keys(List<String> ids, String namePrefix) {
        static final Keys NONE = new Keys(List.of(), "");

        String pick() {
            return ids.get(ThreadLocalRandom.current().nextInt(ids.size()));
        }
    }

    static final int USAGE_ENCRYPT_DECRYPT = 12;

    private final String option;

    Workload(String option) {
        this.option = option;
    }

    /** Runs one operation and returns how many KMIP requests it sent. */
    abstract int run(KmipClient client, Keys keys) throws IOException, KmipException;

    /** Whether it needs keys made before the clock starts. */
    boolean needsKeys() {
        return this != CREATE && this != VCENTER && this != DISCOVER;
    }

    String option() {
        return option;
    }

    static Workload of(String option) {
        for (Workload workload : values()) {
            if (workload.option.equals(option)) {
                return workload;
            }
        }
        throw new IllegalArgumentException("--op is one of create, get, getattr, locate, discover, mixed, vcenter; "
                + "not " + option);
    }

    /** Makes a key with Name {@code name} for the read workloads. */
    static String createNamedKey(KmipClient client, String name) throws IOException, KmipException {
        Ttlv.Structure template = Ttlv.Structure.of(Tag.TEMPLATE_ATTRIBUTE,
                KmipClient.attribute("Cryptographic Algorithm",
                        new Ttlv.EnumerationItem(Tag.ATTRIBUTE_VALUE, KmipEnums.ALGORITHM_AES)),
                KmipClient.attribute("Cryptographic Length", new Ttlv.IntegerItem(Tag.ATTRIBUTE_VALUE, 256)),
                KmipClient.attribute("Cryptographic Usage Mask",
                        new Ttlv.IntegerItem(Tag.ATTRIBUTE_VALUE, USAGE_ENCRYPT_DECRYPT)),
                KmipClient.attribute("Name", nameValue(name)));
        Ttlv.Structure response = client.call(Operation.CREATE, Ttlv.Structure.of(Tag.REQUEST_PAYLOAD,
                new Ttlv.EnumerationItem(Tag.OBJECT_TYPE, KmipEnums.OBJECT_TYPE_SYMMETRIC_KEY), template));
        return StructureReader.of(response, "Create response").requiredText(Tag.UNIQUE_IDENTIFIER,
                "Unique Identifier");
    }

    /** A Name's Attribute Value as the custody module stores it: its TTLV encoding. */
    static byte[] nameAttributeValue(String value) {
        return TtlvEncoder.encode(nameValue(value));
    }

    private static Ttlv.Structure nameValue(String value) {
        return Ttlv.Structure.of(Tag.ATTRIBUTE_VALUE, new Ttlv.TextStringItem(Tag.NAME_VALUE, value),
                new Ttlv.EnumerationItem(Tag.NAME_TYPE, 1));
    }

    private static void getAttribute(KmipClient client, String id, String attribute) throws IOException,
            KmipException {
        client.call(Operation.GET_ATTRIBUTES, Ttlv.Structure.of(Tag.REQUEST_PAYLOAD,
                new Ttlv.TextStringItem(Tag.UNIQUE_IDENTIFIER, id),
                new Ttlv.TextStringItem(Tag.ATTRIBUTE_NAME, attribute)));
    }

    private static RequestBatchItem addAttribute(String id, String name, String value, int itemId) {
        return RequestBatchItem.of(Operation.ADD_ATTRIBUTE, new byte[] {0, 0, 0, 0, 0, 0, 0, (byte) itemId},
                Ttlv.Structure.of(Tag.REQUEST_PAYLOAD, new Ttlv.TextStringItem(Tag.UNIQUE_IDENTIFIER, id),
                        KmipClient.attribute(name, new Ttlv.TextStringItem(Tag.ATTRIBUTE_VALUE, value))));
    }
}
