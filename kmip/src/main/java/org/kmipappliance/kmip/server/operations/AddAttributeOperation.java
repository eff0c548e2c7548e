package org.kmipappliance.kmip.server.operations;

import java.util.UUID;
import org.kmipappliance.hsm.CustodyException;
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
 * Add Attribute (KMIP 1.4 section 4.14): a new instance of a client attribute, with the next free index. vCenter
 * adds its x-Vendor, x-Product and x-Product_Version this way.
 *
 * <p>Errors (table 341): an Attribute Index in the request: Invalid Field; unknown attribute or wrong type:
 * Invalid Field; read-only or y- attribute: Permission Denied; a single-instance attribute already set, or a Name
 * another object has: Illegal Operation; too many instances: Index Out of Bounds; unknown id: Item Not Found.
 */
public final class AddAttributeOperation implements KmipOperation {
    private final KeyCustody custody;

    public AddAttributeOperation(KeyCustody custody) {
        this.custody = custody;
    }

    @Override
    public Operation operation() {
        return Operation.ADD_ATTRIBUTE;
    }

    @Override
    public Ttlv.Structure execute(Ttlv.Structure payload, BatchContext context) throws KmipException {
        StructureReader reader = StructureReader.ofPayload(payload, "Add Attribute");
        UUID id = context.resolveObjectId(reader.optionalText(Tag.UNIQUE_IDENTIFIER, "Unique Identifier")
                .orElse(null));
        Attributes.Requested requested = Attributes.read(reader.requiredStructure(Tag.ATTRIBUTE, "Attribute"));
        if (requested.index() != null) {
            throw new KmipException(ResultReason.INVALID_FIELD,
                    "Add Attribute takes no Attribute Index; the server assigns it");
        }
        ObjectAttribute attribute = Attributes.toStored(requested.name(), requested.value(), 0, context.version());
        boolean single = KmipAttribute.named(requested.name(), context.version())
                .map(known -> known.owner() == KmipAttribute.Owner.CLIENT_SINGLE).orElse(false);
        int index;
        try {
            index = custody.objects().addAttribute(context.caller(), id, attribute, single);
        } catch (CustodyException e) {
            if (e.failure() == CustodyException.Failure.ATTRIBUTE_VALUE_TAKEN) {
                throw new KmipException(ResultReason.ILLEGAL_OPERATION, e.getMessage());
            }
            throw e;
        }
        return Ttlv.Structure.of(Tag.RESPONSE_PAYLOAD,
                new Ttlv.TextStringItem(Tag.UNIQUE_IDENTIFIER, id.toString()),
                Attributes.attribute(requested.name(), index, requested.value()));
    }
}
