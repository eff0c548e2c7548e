package org.kmipappliance.kmip.server.operations;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.kmipappliance.hsm.KmipObject;
import org.kmipappliance.hsm.ObjectAttribute;
import org.kmipappliance.kmip.message.KmipDates;
import org.kmipappliance.kmip.message.KmipException;
import org.kmipappliance.kmip.message.ProtocolVersion;
import org.kmipappliance.kmip.message.ResultReason;
import org.kmipappliance.kmip.message.StructureReader;
import org.kmipappliance.kmip.message.Tag;
import org.kmipappliance.kmip.ttlv.Ttlv;
import org.kmipappliance.kmip.ttlv.TtlvDecoder;
import org.kmipappliance.kmip.ttlv.TtlvEncoder;
import org.kmipappliance.kmip.ttlv.TtlvException;

/** Attributes between the wire and the custody store: checking, encoding, and listing them for a version. */
final class Attributes {
    /** Longest attribute name accepted; the store's column holds 256 characters. */
    static final int MAX_NAME_LENGTH = 256;
    /** Largest encoded client attribute value; vCenter's are tens of bytes. */
    static final int MAX_VALUE_BYTES = 4096;

    private Attributes() {
    }

    /**
     * A Link attribute the server sets (Link Type, Linked Object Identifier), encoded as the store keeps client
     * attributes: what the custody module asks for when it links a key pair or a key and its replacement.
     */
    static ObjectAttribute link(int linkType, UUID target, int index) {
        Ttlv value = Ttlv.Structure.of(Tag.ATTRIBUTE_VALUE, new Ttlv.EnumerationItem(Tag.LINK_TYPE, linkType),
                new Ttlv.TextStringItem(Tag.LINKED_OBJECT_IDENTIFIER, target.toString()));
        return new ObjectAttribute(KmipAttribute.LINK.attributeName(), index, TtlvEncoder.encode(value), null);
    }

    /** A client's attribute as the custody module stores it, checked against the catalogue. */
    static ObjectAttribute toStored(String name, Ttlv value, int index, ProtocolVersion version)
            throws KmipException {
        checkClientValue(name, value, version);
        // A client sets the Usage Limits Total and Unit; the Count is the server's (KMIP 1.4 section 3.21).
        byte[] encoded = TtlvEncoder.encode(KmipAttribute.USAGE_LIMITS.attributeName().equals(name)
                ? UsageLimits.initial(value) : value);
        if (encoded.length > MAX_VALUE_BYTES) {
            throw new KmipException(ResultReason.INVALID_FIELD, "the value of " + name + " is larger than "
                    + MAX_VALUE_BYTES + " bytes");
        }
        return new ObjectAttribute(name, index, encoded, uniqueKey(name, value));
    }

    /**
     * Checks that a client may set {@code name} to {@code value}: a known client attribute of the right type, or a
     * custom {@code x-} attribute whose value holds no nested structure.
     */
    static void checkClientValue(String name, Ttlv value, ProtocolVersion version) throws KmipException {
        if (name.length() > MAX_NAME_LENGTH) {
            throw new KmipException(ResultReason.INVALID_FIELD, "attribute names are at most " + MAX_NAME_LENGTH
                    + " characters");
        }
        if (KmipAttribute.isClientCustom(name)) {
            if (value instanceof Ttlv.Structure structure
                    && structure.items().stream().anyMatch(item -> item instanceof Ttlv.Structure)) {
                throw new KmipException(ResultReason.INVALID_FIELD, "a custom attribute's structure may not "
                        + "contain structures");
            }
            return;
        }
        if (name.startsWith(KmipAttribute.SERVER_CUSTOM_PREFIX)) {
            throw new KmipException(ResultReason.PERMISSION_DENIED, name + ": y- attributes are set by the server "
                    + "only");
        }
        KmipAttribute attribute = KmipAttribute.named(name, version).orElseThrow(() -> new KmipException(
                ResultReason.INVALID_FIELD, "attribute '" + name + "' is not supported in KMIP " + version));
        if (!attribute.stored()) {
            throw new KmipException(ResultReason.PERMISSION_DENIED, name + " is set by the server and is read-only");
        }
        requireType(attribute, value);
    }

    static void requireType(KmipAttribute attribute, Ttlv value) throws KmipException {
        if (value.type() != attribute.type()) {
            throw new KmipException(ResultReason.INVALID_FIELD, attribute.attributeName() + " must be of type "
                    + attribute.type() + ", not " + value.type());
        }
        if (value instanceof Ttlv.DateTimeItem date) {
            KmipDates.instantOf(date, attribute.attributeName());
        }
    }

    /** A Name's Name Value must name one live object of the adapter. */
    private static String uniqueKey(String name, Ttlv value) throws KmipException {
        if (!KmipAttribute.NAME.attributeName().equals(name)) {
            return null;
        }
        String nameValue = StructureReader.of((Ttlv.Structure) value, "Name").requiredText(Tag.NAME_VALUE,
                "Name Value");
        if (nameValue.isEmpty() || nameValue.length() > 1024) {
            throw new KmipException(ResultReason.INVALID_FIELD, "a Name Value is 1 to 1024 characters");
        }
        return nameValue;
    }

    static Ttlv decode(ObjectAttribute stored) {
        try {
            return TtlvDecoder.decode(stored.value());
        } catch (TtlvException e) {
            throw new IllegalStateException("stored attribute " + stored.name() + " is not valid TTLV: "
                    + e.getMessage(), e);
        }
    }

    /** An Attribute structure; the index is written only when it is not 0. */
    static Ttlv.Structure attribute(String name, int index, Ttlv value) {
        List<Ttlv> fields = new ArrayList<>();
        fields.add(new Ttlv.TextStringItem(Tag.ATTRIBUTE_NAME, name));
        if (index != 0) {
            fields.add(new Ttlv.IntegerItem(Tag.ATTRIBUTE_INDEX, index));
        }
        fields.add(value);
        return new Ttlv.Structure(Tag.ATTRIBUTE, fields);
    }

    /** Every attribute of the object that {@code version} defines, server ones first, in catalogue order. */
    static List<Ttlv.Structure> all(KmipObject object, List<ObjectAttribute> stored, ProtocolVersion version) {
        List<Ttlv.Structure> out = new ArrayList<>();
        for (KmipAttribute attribute : KmipAttribute.values()) {
            if (attribute.definedIn(version)) {
                out.addAll(instances(attribute.attributeName(), object, stored, version));
            }
        }
        for (ObjectAttribute custom : stored) {
            if (KmipAttribute.isClientCustom(custom.name())) {
                out.add(attribute(custom.name(), custom.index(), decode(custom)));
            }
        }
        return out;
    }

    /** The instances of one attribute; empty when the object has none or the version does not define it. */
    static List<Ttlv.Structure> instances(String name, KmipObject object, List<ObjectAttribute> stored,
                                          ProtocolVersion version) {
        Optional<KmipAttribute> known = KmipAttribute.named(name, version);
        if (known.isPresent() && !known.get().kept()) {
            return known.get().derive(object).map(value -> List.of(attribute(name, 0, value))).orElse(List.of());
        }
        if (known.isEmpty() && !KmipAttribute.isClientCustom(name)) {
            return List.of();
        }
        return stored.stream().filter(attribute -> attribute.name().equals(name))
                .map(attribute -> attribute(name, attribute.index(), decode(attribute))).toList();
    }

    /** The Attribute Index a request names, 0 when it names none (KMIP 1.4 sections 4.15 and 4.16). */
    static int index(Integer requested) throws KmipException {
        if (requested == null) {
            return 0;
        }
        if (requested < 0) {
            throw new KmipException(ResultReason.INVALID_FIELD, "an Attribute Index is 0 or more, not " + requested);
        }
        return requested;
    }

    /**
     * Whether a client may delete instances of {@code name}: its custom attributes and the client attributes of the
     * catalogue; the server's, and those fixed at creation, are refused (Permission Denied).
     *
     * @throws KmipException Item Not Found for a name no object can have in {@code version}
     */
    static boolean clientOwned(String name, ProtocolVersion version) throws KmipException {
        if (KmipAttribute.isClientCustom(name)) {
            return true;
        }
        if (name.startsWith(KmipAttribute.SERVER_CUSTOM_PREFIX)) {
            return false;
        }
        return KmipAttribute.named(name, version).orElseThrow(() -> new KmipException(ResultReason.ITEM_NOT_FOUND,
                "no attribute named '" + name + "' in KMIP " + version)).stored();
    }

    /** Reads an Attribute structure of a request into its name and value; an index is returned too. */
    record Requested(String name, Integer index, Ttlv value) {
    }

    static Requested read(Ttlv.Structure attribute) throws KmipException {
        StructureReader reader = StructureReader.of(attribute, "Attribute");
        String name = reader.requiredText(Tag.ATTRIBUTE_NAME, "Attribute Name");
        Integer index = reader.optionalInteger(Tag.ATTRIBUTE_INDEX, "Attribute Index").orElse(null);
        List<Ttlv> values = attribute.all(Tag.ATTRIBUTE_VALUE);
        if (values.size() != 1) {
            throw new KmipException(ResultReason.INVALID_MESSAGE, "attribute " + name
                    + " must have exactly one Attribute Value");
        }
        return new Requested(name, index, values.getFirst());
    }
}
