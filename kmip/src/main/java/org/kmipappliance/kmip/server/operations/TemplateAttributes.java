package org.kmipappliance.kmip.server.operations;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.kmipappliance.kmip.message.KmipException;
import org.kmipappliance.kmip.message.ResultReason;
import org.kmipappliance.kmip.message.StructureReader;
import org.kmipappliance.kmip.message.Tag;
import org.kmipappliance.kmip.ttlv.ItemType;
import org.kmipappliance.kmip.ttlv.Ttlv;

/** The attributes of a Template-Attribute structure (KMIP 1.4 section 2.1.8), by attribute name. */
final class TemplateAttributes {
    /**
     * Most attributes accepted in one Template-Attribute. Real clients send under ten; the limit bounds the work
     * one request can cause.
     */
    static final int MAX_ATTRIBUTES = 64;

    private record Attribute(String name, int index, Ttlv value) {
    }

    private final List<Attribute> attributes;

    private TemplateAttributes(List<Attribute> attributes) {
        this.attributes = attributes;
    }

    static TemplateAttributes parse(Ttlv.Structure template) throws KmipException {
        if (!template.all(Tag.NAME).isEmpty()) {
            throw new KmipException(ResultReason.ITEM_NOT_FOUND,
                    "the Template-Attribute names a template; this server has no templates");
        }
        StructureReader reader = StructureReader.of(template, "Template-Attribute");
        List<Ttlv.Structure> items = reader.structures(Tag.ATTRIBUTE, "Attribute");
        if (items.size() > MAX_ATTRIBUTES) {
            throw new KmipException(ResultReason.INVALID_MESSAGE, "a Template-Attribute may hold at most "
                    + MAX_ATTRIBUTES + " attributes");
        }
        List<Attribute> attributes = new ArrayList<>();
        for (Ttlv.Structure item : items) {
            StructureReader attribute = StructureReader.of(item, "Attribute");
            String name = attribute.requiredText(Tag.ATTRIBUTE_NAME, "Attribute Name");
            int index = attribute.optionalInteger(Tag.ATTRIBUTE_INDEX, "Attribute Index").orElse(0);
            Ttlv value = item.first(Tag.ATTRIBUTE_VALUE).orElseThrow(() -> new KmipException(
                    ResultReason.INVALID_MESSAGE, "attribute " + name + " has no Attribute Value"));
            attributes.add(new Attribute(name, index, value));
        }
        return new TemplateAttributes(attributes);
    }

    /** The value of a single-instance attribute, checked for its type; a second instance is Invalid Field. */
    Optional<Ttlv> single(String name, ItemType type) throws KmipException {
        List<Attribute> found = attributes.stream().filter(attribute -> attribute.name().equals(name)).toList();
        if (found.size() > 1) {
            throw new KmipException(ResultReason.INVALID_FIELD, name + " is a single-instance attribute but was "
                    + "given " + found.size() + " times");
        }
        if (found.isEmpty()) {
            return Optional.empty();
        }
        Ttlv value = found.getFirst().value();
        if (value.type() != type) {
            throw new KmipException(ResultReason.INVALID_FIELD, name + " must be of type " + type);
        }
        return Optional.of(value);
    }

    int requiredInteger(String name) throws KmipException {
        return single(name, ItemType.INTEGER).map(value -> ((Ttlv.IntegerItem) value).value())
                .orElseThrow(() -> missing(name));
    }

    int requiredEnumeration(String name) throws KmipException {
        return single(name, ItemType.ENUMERATION).map(value -> ((Ttlv.EnumerationItem) value).value())
                .orElseThrow(() -> missing(name));
    }

    private static KmipException missing(String name) {
        return new KmipException(ResultReason.INVALID_FIELD, "the " + name + " attribute is required");
    }
}
