package org.kmipappliance.kmip.server.operations;

import java.util.UUID;
import org.kmipappliance.hsm.KeyCustody;
import org.kmipappliance.hsm.ObjectAttribute;
import org.kmipappliance.kmip.message.KmipException;
import org.kmipappliance.kmip.message.Operation;
import org.kmipappliance.kmip.message.ResultReason;
import org.kmipappliance.kmip.message.StructureReader;
import org.kmipappliance.kmip.message.Tag;
import org.kmipappliance.kmip.server.BatchContext;
import org.kmipappliance.kmip.server.KmipOperation;
import org.kmipappliance.kmip.ttlv.Ttlv;

/**
 * Delete Attribute (KMIP 1.4 section 4.16): removes one instance of a client attribute (index 0 unless the request
 * names one) and answers it as it was. What the server sets or fixed at creation cannot be deleted.
 *
 * <p>Errors (table 343): unknown id: Item Not Found; a read-only or required attribute: Permission Denied; no
 * attribute of that name, or no instance at that index: Item Not Found.
 */
public final class DeleteAttributeOperation implements KmipOperation {
    private final KeyCustody custody;

    public DeleteAttributeOperation(KeyCustody custody) {
        this.custody = custody;
    }

    @Override
    public Operation operation() {
        return Operation.DELETE_ATTRIBUTE;
    }

    @Override
    public Ttlv.Structure execute(Ttlv.Structure payload, BatchContext context) throws KmipException {
        StructureReader reader = StructureReader.ofPayload(payload, "Delete Attribute");
        UUID id = context.resolveObjectId(reader.optionalText(Tag.UNIQUE_IDENTIFIER, "Unique Identifier")
                .orElse(null));
        String name = reader.requiredText(Tag.ATTRIBUTE_NAME, "Attribute Name");
        int index = Attributes.index(reader.optionalInteger(Tag.ATTRIBUTE_INDEX, "Attribute Index").orElse(null));
        if (!Attributes.clientOwned(name, context.version())) {
            throw new KmipException(ResultReason.PERMISSION_DENIED, name + " is read-only or required and cannot be "
                    + "deleted");
        }
        ObjectAttribute deleted = KmipAttribute.USAGE_LIMITS.attributeName().equals(name)
                ? deleteUsageLimits(context, id, index) : custody.objects().deleteAttribute(context.caller(), id, name,
                index);
        return Ttlv.Structure.of(Tag.RESPONSE_PAYLOAD, new Ttlv.TextStringItem(Tag.UNIQUE_IDENTIFIER, id.toString()),
                Attributes.attribute(name, index, Attributes.decode(deleted)));
    }

    /** Usage Limits go only until Get Usage Allocation has spent some of them (KMIP 1.4 section 3.21). */
    private ObjectAttribute deleteUsageLimits(BatchContext context, UUID id, int index) throws KmipException {
        String name = KmipAttribute.USAGE_LIMITS.attributeName();
        if (index != 0) {
            throw new KmipException(ResultReason.ITEM_NOT_FOUND, name + " has a single instance");
        }
        byte[] deleted = custody.objects().changeAttribute(context.caller(), id, name, (object, current) -> {
            UsageLimits.requireUnallocated(current);
            return null;
        }, "kmip.delete_attribute");
        return new ObjectAttribute(name, 0, deleted, null);
    }
}
