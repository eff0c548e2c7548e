package org.kmipappliance.kmip.server.operations;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.kmipappliance.hsm.KeyCustody;
import org.kmipappliance.hsm.KmipObject;
import org.kmipappliance.hsm.ReKeyRequest;
import org.kmipappliance.kmip.message.KmipException;
import org.kmipappliance.kmip.message.Operation;
import org.kmipappliance.kmip.message.ResultReason;
import org.kmipappliance.kmip.message.StructureReader;
import org.kmipappliance.kmip.message.Tag;
import org.kmipappliance.kmip.server.BatchContext;
import org.kmipappliance.kmip.server.KmipOperation;
import org.kmipappliance.kmip.ttlv.ItemType;
import org.kmipappliance.kmip.ttlv.Ttlv;

/**
 * Re-Key (KMIP 1.4 section 4.4): a replacement symmetric key generated in the HSM with the existing key's
 * algorithm, length, usage mask and client attributes. It takes over the existing key's Names; the existing key gets
 * a Replacement Object Link to it, the replacement a Replaced Object Link back, and the existing key keeps its state
 * (the client retires it when it chooses). Without an Offset the replacement's Activation Date is the existing
 * key's; with one it is now plus the Offset. The Template-Attribute may give another usage mask or client
 * attributes (each name given replaces the copied instances); the algorithm and length may be given only as they
 * are. The replacement's id becomes the ID Placeholder.
 *
 * <p>Errors (table 331): unknown id: Item Not Found; not a symmetric key, a Name or another algorithm or length in
 * the template, an Offset and an Activation Date both: Invalid Field; a destroyed key: Illegal Operation; the
 * adapter's root key not active: Permission Denied. The Deactivation Date is not copied: this server sets it only
 * through Revoke (table 172's dates that follow it are those this server does not keep).
 */
public final class ReKeyOperation implements KmipOperation {
    private final KeyCustody custody;

    public ReKeyOperation(KeyCustody custody) {
        this.custody = custody;
    }

    @Override
    public Operation operation() {
        return Operation.RE_KEY;
    }

    @Override
    public Ttlv.Structure execute(Ttlv.Structure payload, BatchContext context) throws KmipException {
        StructureReader reader = StructureReader.ofPayload(payload, "Re-Key");
        UUID existing = context.resolveObjectId(reader.optionalText(Tag.UNIQUE_IDENTIFIER, "Unique Identifier")
                .orElse(null));
        Duration offset = reader.optional(Tag.OFFSET, ItemType.INTERVAL, "Offset")
                .map(item -> Duration.ofSeconds(((Ttlv.IntervalItem) item).seconds())).orElse(null);
        Ttlv.Structure templateStructure = reader.optionalStructure(Tag.TEMPLATE_ATTRIBUTE, "Template-Attribute")
                .orElse(null);
        TemplateAttributes template = templateStructure == null ? new TemplateAttributes(Map.of(), List.of())
                : TemplateAttributes.read(templateStructure, context, custody);
        KmipObject current = custody.objects().get(context.caller(), existing);
        requireUnchanged(template, KmipAttribute.CRYPTOGRAPHIC_ALGORITHM, current.algorithm() == null ? -1
                : KeyAlgorithms.kmip(current.algorithm()));
        requireUnchanged(template, KmipAttribute.CRYPTOGRAPHIC_LENGTH, current.lengthBits() == null ? -1
                : current.lengthBits());
        Ttlv mask = template.fixed().get(KmipAttribute.CRYPTOGRAPHIC_USAGE_MASK);
        KmipObject replacement = custody.objects().rekey(context.caller(), existing, new ReKeyRequest(offset,
                template.activationDate(), mask == null ? null : ((Ttlv.IntegerItem) mask).value(),
                template.stored(), UsageLimits::renewed), Attributes::link);
        String uniqueIdentifier = replacement.id().toString();
        context.setIdPlaceholder(uniqueIdentifier);
        context.setTarget(existing + " " + uniqueIdentifier);
        return Ttlv.Structure.of(Tag.RESPONSE_PAYLOAD,
                new Ttlv.TextStringItem(Tag.UNIQUE_IDENTIFIER, uniqueIdentifier));
    }

    /** The replacement is of the existing key's algorithm and length: a template may only repeat them. */
    static void requireUnchanged(TemplateAttributes template, KmipAttribute attribute, int existing)
            throws KmipException {
        Ttlv given = template.fixed().get(attribute);
        if (given == null) {
            return;
        }
        int value = given instanceof Ttlv.EnumerationItem enumeration ? enumeration.value()
                : ((Ttlv.IntegerItem) given).value();
        if (value != existing) {
            throw new KmipException(ResultReason.INVALID_FIELD, "a replacement key has the existing key's "
                    + attribute.attributeName());
        }
    }
}
