package org.kmipappliance.kmip.server.operations;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.kmipappliance.hsm.KeyCustody;
import org.kmipappliance.hsm.LocateQuery;
import org.kmipappliance.hsm.ObjectMaterial;
import org.kmipappliance.kmip.message.KmipEnums;
import org.kmipappliance.kmip.message.KmipException;
import org.kmipappliance.kmip.message.ProtocolVersion;
import org.kmipappliance.kmip.message.ResultReason;
import org.kmipappliance.kmip.message.StructureReader;
import org.kmipappliance.kmip.message.Tag;
import org.kmipappliance.kmip.server.BatchContext;
import org.kmipappliance.kmip.ttlv.Ttlv;
import org.kmipappliance.kmip.ttlv.TtlvDecoder;
import org.kmipappliance.kmip.ttlv.TtlvEncoder;
import org.kmipappliance.kmip.ttlv.TtlvException;

/**
 * Templates (KMIP 1.4 sections 2.2.6 and 2.1.8): a named, stored list of attributes for new objects. Deprecated
 * since KMIP 1.3 but still defined there, so served at every version. A Register of one checks the attributes it
 * holds as a Create's would be checked; they are its sealed content, so a Get answers them as registered. A
 * Template-Attribute that names templates (Create, Create Key Pair, Register, Re-Key, Re-key Key Pair) gets their
 * attributes, with section 4.1's precedence.
 */
final class Templates {
    /** Templates one Template-Attribute may name: bounds the reads one request causes. */
    static final int MAX_NAMED = 8;

    private Templates() {
    }

    /**
     * The attributes of the Template structure of a Register, checked (known ones of the right type, none the
     * server sets, a single-instance one once) and encoded as the template's content: each Attribute with its name
     * and value only.
     */
    static byte[] content(Ttlv.Structure template, ProtocolVersion version) throws KmipException {
        List<Ttlv.Structure> attributes = StructureReader.of(template, "Template").structures(Tag.ATTRIBUTE,
                "Attribute");
        if (attributes.isEmpty()) {
            throw new KmipException(ResultReason.INVALID_FIELD, "a Template holds at least one Attribute");
        }
        List<Ttlv> kept = new ArrayList<>();
        for (Ttlv.Structure item : attributes) {
            Attributes.Requested attribute = Attributes.read(item);
            if (KmipAttribute.NAME.attributeName().equals(attribute.name())) {
                throw new KmipException(ResultReason.INVALID_FIELD, "a template's Name is given in the Register's "
                        + "Template-Attribute; the Template holds the attributes of the objects made with it");
            }
            kept.add(Attributes.attribute(attribute.name(), 0, attribute.value()));
        }
        Ttlv.Structure checked = new Ttlv.Structure(Tag.TEMPLATE, kept);
        TemplateAttributes.parse(new Ttlv.Structure(Tag.TEMPLATE_ATTRIBUTE, kept), version);
        return TtlvEncoder.encode(checked);
    }

    /** A template's content as a Get answers it: the Template structure it was registered with. */
    static Ttlv.Structure decode(byte[] content) {
        try {
            return (Ttlv.Structure) TtlvDecoder.decode(content);
        } catch (TtlvException | ClassCastException e) {
            throw new IllegalStateException("a stored template does not decode: " + e.getMessage(), e);
        }
    }

    /**
     * The Template-Attribute {@code given} with the attributes of the templates it names in their place: of a
     * single-instance attribute, a later template's value overrides an earlier one's and the request's overrides
     * any template's; of a multi-instance one, the union. A name that no template of the adapter has is Item Not
     * Found. Unchanged when it names none.
     */
    static Ttlv.Structure expand(Ttlv.Structure given, BatchContext context, KeyCustody custody)
            throws KmipException {
        List<Ttlv> names = given.all(Tag.NAME);
        if (names.isEmpty()) {
            return given;
        }
        if (names.size() > MAX_NAMED) {
            throw new KmipException(ResultReason.INVALID_MESSAGE, "a Template-Attribute may name at most "
                    + MAX_NAMED + " templates");
        }
        List<Ttlv.Structure> merged = new ArrayList<>();
        for (Ttlv name : names) {
            for (Ttlv item : attributesOf(name, context, custody).items()) {
                mergeInto(merged, (Ttlv.Structure) item, context.version());
            }
        }
        for (Ttlv.Structure item : StructureReader.of(given, "Template-Attribute").structures(Tag.ATTRIBUTE,
                "Attribute")) {
            mergeInto(merged, item, context.version());
        }
        return new Ttlv.Structure(Tag.TEMPLATE_ATTRIBUTE, new ArrayList<>(merged));
    }

    private static void mergeInto(List<Ttlv.Structure> merged, Ttlv.Structure item, ProtocolVersion version)
            throws KmipException {
        Attributes.Requested attribute = Attributes.read(item);
        Ttlv.Structure plain = Attributes.attribute(attribute.name(), 0, attribute.value());
        boolean single = KmipAttribute.named(attribute.name(), version)
                .filter(known -> known.owner() != KmipAttribute.Owner.CLIENT_MULTI).isPresent();
        if (single) {
            merged.removeIf(earlier -> nameOf(earlier).equals(attribute.name()));
        } else if (merged.contains(plain)) {
            return;
        }
        merged.add(plain);
    }

    private static String nameOf(Ttlv.Structure attribute) {
        return ((Ttlv.TextStringItem) attribute.first(Tag.ATTRIBUTE_NAME).orElseThrow()).value();
    }

    /** The attributes of the caller's template that {@code name} (a Name structure) names. */
    private static Ttlv.Structure attributesOf(Ttlv name, BatchContext context, KeyCustody custody)
            throws KmipException {
        if (!(name instanceof Ttlv.Structure structure)) {
            throw new KmipException(ResultReason.INVALID_MESSAGE, "a template's Name must be a structure");
        }
        String text = StructureReader.of(structure, "Name").requiredText(Tag.NAME_VALUE, "Name Value");
        byte[] stored = TtlvEncoder.encode(new Ttlv.Structure(Tag.ATTRIBUTE_VALUE, structure.items()));
        List<UUID> found = custody.objects().locate(context.caller(), new LocateQuery(null,
                KmipEnums.OBJECT_TYPE_TEMPLATE, null, null, null, null, null, null, Map.of(),
                List.of(new LocateQuery.AttributeMatch(KmipAttribute.NAME.attributeName(), stored)),
                LocateQuery.Storage.ON_LINE, 1, 0)).items();
        if (found.isEmpty()) {
            throw new KmipException(ResultReason.ITEM_NOT_FOUND, "no template is named '" + text + "'");
        }
        try (ObjectMaterial template = custody.objects().openTemplate(context.caller(), found.getFirst())) {
            return decode(template.material().reveal());
        }
    }
}
