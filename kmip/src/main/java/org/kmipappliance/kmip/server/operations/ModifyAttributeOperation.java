package org.kmipappliance.kmip.server.operations;

import java.util.Map;
import java.util.UUID;
import org.kmipappliance.hsm.CustodyException;
import org.kmipappliance.hsm.KeyCustody;
import org.kmipappliance.hsm.KmipObjects;
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
 * Modify Attribute (KMIP 1.4 section 4.15): a new value for one existing instance of a client attribute (index 0
 * unless the request names one), or a new Activation Date (while Pre-Active) or Deactivation Date (while Pre-Active or
 * Active), whose coming moves the object's state at once or when it comes. Attributes the server sets or that were
 * fixed at creation are read-only here.
 *
 * <p>Errors (table 342): unknown id: Item Not Found; an attribute the object does not have, or an unknown one:
 * Invalid Field; no instance at that index: Item Not Found; read-only: Permission Denied; a Name another object
 * has: Illegal Operation; a date in a state that does not allow changing it: Permission Denied.
 */
public final class ModifyAttributeOperation implements KmipOperation {
    private static final Map<String, KmipObjects.ClientDate> CLIENT_DATES = Map.of(
            KmipAttribute.ACTIVATION_DATE.attributeName(), KmipObjects.ClientDate.ACTIVATION,
            KmipAttribute.DEACTIVATION_DATE.attributeName(), KmipObjects.ClientDate.DEACTIVATION);

    private final KeyCustody custody;

    public ModifyAttributeOperation(KeyCustody custody) {
        this.custody = custody;
    }

    @Override
    public Operation operation() {
        return Operation.MODIFY_ATTRIBUTE;
    }

    @Override
    public Ttlv.Structure execute(Ttlv.Structure payload, BatchContext context) throws KmipException {
        StructureReader reader = StructureReader.ofPayload(payload, "Modify Attribute");
        UUID id = context.resolveObjectId(reader.optionalText(Tag.UNIQUE_IDENTIFIER, "Unique Identifier")
                .orElse(null));
        Attributes.Requested requested = Attributes.read(reader.requiredStructure(Tag.ATTRIBUTE, "Attribute"));
        int index = Attributes.index(requested.index());
        KmipObjects.ClientDate date = CLIENT_DATES.get(requested.name());
        if (date != null) {
            Attributes.requireType(KmipAttribute.named(requested.name(), context.version()).orElseThrow(),
                    requested.value());
            if (index != 0) {
                throw new KmipException(ResultReason.ITEM_NOT_FOUND, requested.name() + " has a single instance");
            }
            custody.objects().setDate(context.caller(), id, date, ((Ttlv.DateTimeItem) requested.value()).instant());
            return Ttlv.Structure.of(Tag.RESPONSE_PAYLOAD, new Ttlv.TextStringItem(Tag.UNIQUE_IDENTIFIER,
                    id.toString()), Attributes.attribute(requested.name(), index, requested.value()));
        }
        ObjectAttribute attribute = Attributes.toStored(requested.name(), requested.value(), index,
                context.version());
        try {
            if (KmipAttribute.USAGE_LIMITS.attributeName().equals(requested.name())) {
                modifyUsageLimits(context, id, index, attribute);
                return Ttlv.Structure.of(Tag.RESPONSE_PAYLOAD, new Ttlv.TextStringItem(Tag.UNIQUE_IDENTIFIER,
                        id.toString()), Attributes.attribute(requested.name(), index, Attributes.decode(attribute)));
            }
            custody.objects().modifyAttribute(context.caller(), id, attribute);
        } catch (CustodyException e) {
            switch (e.failure()) {
                case ATTRIBUTE_NOT_SET -> throw new KmipException(ResultReason.INVALID_FIELD, e.getMessage());
                case ATTRIBUTE_VALUE_TAKEN -> throw new KmipException(ResultReason.ILLEGAL_OPERATION,
                        e.getMessage());
                default -> throw e;
            }
        }
        return Ttlv.Structure.of(Tag.RESPONSE_PAYLOAD, new Ttlv.TextStringItem(Tag.UNIQUE_IDENTIFIER, id.toString()),
                Attributes.attribute(requested.name(), index, requested.value()));
    }

    /**
     * A correction of the Usage Limits Total or Unit, its Count back at the Total: only until Get Usage Allocation
     * has spent some of it (section 3.21), checked under the object's lock so no allocation slips in between.
     */
    private void modifyUsageLimits(BatchContext context, UUID id, int index, ObjectAttribute corrected)
            throws KmipException {
        if (index != 0) {
            throw new KmipException(ResultReason.ITEM_NOT_FOUND, "Usage Limits has a single instance");
        }
        custody.objects().changeAttribute(context.caller(), id, corrected.name(), (object, current) -> {
            UsageLimits.requireUnallocated(current);
            return corrected.value();
        }, "kmip.modify_attribute");
    }
}
