package org.kmipappliance.kmip.server.operations;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.kmipappliance.hsm.KeyCustody;
import org.kmipappliance.hsm.ObjectAttribute;
import org.kmipappliance.kmip.message.KmipException;
import org.kmipappliance.kmip.message.ProtocolVersion;
import org.kmipappliance.kmip.message.ResultReason;
import org.kmipappliance.kmip.message.StructureReader;
import org.kmipappliance.kmip.message.Tag;
import org.kmipappliance.kmip.server.BatchContext;
import org.kmipappliance.kmip.ttlv.Ttlv;

/**
 * The Template-Attribute of a Create or Register, read and checked, the templates it names expanded: the attributes
 * fixed at creation (algorithm, length, usage mask, Activation Date) apart, the client attributes to store with
 * their indexes, and refusals for what a client may not set.
 *
 * @param fixed  the attributes fixed at creation that the request gives
 * @param stored the client attributes, ready for custody
 */
record TemplateAttributes(Map<KmipAttribute, Ttlv> fixed, List<ObjectAttribute> stored) {
    /**
     * Most attributes accepted in one Template-Attribute. Real clients send under ten; the limit bounds the work
     * and storage one request can cause.
     */
    static final int MAX_ATTRIBUTES = 64;

    /** A request's Template-Attribute, with the attributes of the templates it names (see {@link Templates}). */
    static TemplateAttributes read(Ttlv.Structure template, BatchContext context, KeyCustody custody)
            throws KmipException {
        return parse(Templates.expand(template, context, custody), context.version());
    }

    /** A Template-Attribute that names no template (one already expanded, or a Template's own attributes). */
    static TemplateAttributes parse(Ttlv.Structure template, ProtocolVersion version) throws KmipException {
        if (!template.all(Tag.NAME).isEmpty()) {
            throw new KmipException(ResultReason.INVALID_FIELD, "a template cannot name other templates");
        }
        List<Ttlv.Structure> attributes = StructureReader.of(template, "Template-Attribute")
                .structures(Tag.ATTRIBUTE, "Attribute");
        if (attributes.size() > MAX_ATTRIBUTES) {
            throw new KmipException(ResultReason.INVALID_MESSAGE, "a Template-Attribute may hold at most "
                    + MAX_ATTRIBUTES + " attributes");
        }
        Map<KmipAttribute, Ttlv> fixed = new HashMap<>();
        Map<String, Integer> instances = new HashMap<>();
        List<ObjectAttribute> stored = new ArrayList<>();
        for (Ttlv.Structure item : attributes) {
            Attributes.Requested attribute = Attributes.read(item);
            KmipAttribute known = KmipAttribute.named(attribute.name(), version).orElse(null);
            if (known != null && known.owner() == KmipAttribute.Owner.AT_CREATE) {
                Attributes.requireType(known, attribute.value());
                if (fixed.put(known, attribute.value()) != null) {
                    throw new KmipException(ResultReason.INVALID_FIELD, attribute.name() + " was given twice");
                }
                continue;
            }
            if (known != null && (known.owner() == KmipAttribute.Owner.SERVER
                    || known.owner() == KmipAttribute.Owner.FROM_OBJECT)) {
                throw new KmipException(ResultReason.INVALID_FIELD, attribute.name() + " is set by the server");
            }
            int index = instances.merge(attribute.name(), 1, Integer::sum) - 1;
            if (known != null && known.owner() == KmipAttribute.Owner.CLIENT_SINGLE && index > 0) {
                throw new KmipException(ResultReason.INVALID_FIELD, attribute.name() + " has a single instance");
            }
            stored.add(Attributes.toStored(attribute.name(), attribute.value(), index, version));
        }
        return new TemplateAttributes(fixed, stored);
    }

    /** A fixed attribute the request must give. */
    Ttlv required(KmipAttribute attribute) throws KmipException {
        Ttlv value = fixed.get(attribute);
        if (value == null) {
            throw new KmipException(ResultReason.INVALID_FIELD, "the " + attribute.attributeName()
                    + " attribute is required");
        }
        return value;
    }

    int usageMask() throws KmipException {
        return ((Ttlv.IntegerItem) required(KmipAttribute.CRYPTOGRAPHIC_USAGE_MASK)).value();
    }

    /** The usage mask the request gives, or {@code otherwise}: Secret Data, certificates, ... need none. */
    int usageMaskOr(int otherwise) {
        Ttlv mask = fixed.get(KmipAttribute.CRYPTOGRAPHIC_USAGE_MASK);
        return mask == null ? otherwise : ((Ttlv.IntegerItem) mask).value();
    }

    /** The Activation Date the request gives, or null. */
    Instant activationDate() {
        return date(KmipAttribute.ACTIVATION_DATE);
    }

    /** The Deactivation Date the request gives, or null. */
    Instant deactivationDate() {
        return date(KmipAttribute.DEACTIVATION_DATE);
    }

    private Instant date(KmipAttribute attribute) {
        Ttlv date = fixed.get(attribute);
        return date == null ? null : ((Ttlv.DateTimeItem) date).instant();
    }
}
