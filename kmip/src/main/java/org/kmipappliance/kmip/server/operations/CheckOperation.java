package org.kmipappliance.kmip.server.operations;

import java.util.UUID;
import org.kmipappliance.hsm.KeyCustody;
import org.kmipappliance.hsm.KmipObject;
import org.kmipappliance.hsm.KmipObjects;
import org.kmipappliance.hsm.ObjectState;
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
 * Check (KMIP 1.4 section 4.10): whether the client may use the object as it says it will, before it asks for it
 * (usually Locate, Check, Get in one batch). This server's policy is the object's Cryptographic Usage Mask: every
 * bit the client names must be set on the object, and a Lease Time asked for must be at most the lease this server
 * grants ({@link ObtainLeaseOperation#LEASE_TIME}), and a Usage Limits Count must still remain of the object's
 * Usage Limits (an object without them is not limited).
 *
 * <p>Errors (table 337): unknown id: Item Not Found; a destroyed object: Illegal Operation; a usage the object's
 * mask does not allow, a longer lease, or more units than remain: Permission Denied, the ID Placeholder emptied so
 * that a batched Get that follows finds no object, and the Result Message naming the refused bits, the longest
 * lease or the units that remain.
 */
public final class CheckOperation implements KmipOperation {
    private final KeyCustody custody;

    public CheckOperation(KeyCustody custody) {
        this.custody = custody;
    }

    @Override
    public Operation operation() {
        return Operation.CHECK;
    }

    @Override
    public Ttlv.Structure execute(Ttlv.Structure payload, BatchContext context) throws KmipException {
        StructureReader reader = StructureReader.ofPayload(payload, "Check");
        UUID id = context.resolveObjectId(reader.optionalText(Tag.UNIQUE_IDENTIFIER, "Unique Identifier")
                .orElse(null));
        Integer usage = reader.optionalInteger(Tag.CRYPTOGRAPHIC_USAGE_MASK, "Cryptographic Usage Mask").orElse(null);
        Long units = reader.optional(Tag.USAGE_LIMITS_COUNT, ItemType.LONG_INTEGER, "Usage Limits Count")
                .map(item -> ((Ttlv.LongIntegerItem) item).value()).orElse(null);
        Long leaseSeconds = reader.optional(Tag.LEASE_TIME, ItemType.INTERVAL, "Lease Time")
                .map(item -> ((Ttlv.IntervalItem) item).seconds()).orElse(null);
        // The attributes (Usage Limits among them) are read only when the request asks about usage.
        KmipObjects.DescribedObject described = units == null ? null : custody.objects().describe(context.caller(),
                id);
        KmipObject object = described == null ? custody.objects().get(context.caller(), id) : described.object();
        if (object.state() == ObjectState.DESTROYED || object.state() == ObjectState.DESTROYED_COMPROMISED) {
            context.setIdPlaceholder(null);
            throw new KmipException(ResultReason.ILLEGAL_OPERATION, "object " + id + " is destroyed; only its "
                    + "attributes remain");
        }
        if (usage != null && (usage & ~object.usageMask()) != 0) {
            context.setIdPlaceholder(null);
            throw new KmipException(ResultReason.PERMISSION_DENIED, String.format("Cryptographic Usage Mask 0x%x "
                    + "is refused: the object allows 0x%x, not 0x%x", usage, object.usageMask(),
                    usage & ~object.usageMask()));
        }
        if (leaseSeconds != null && leaseSeconds > ObtainLeaseOperation.LEASE_TIME.toSeconds()) {
            context.setIdPlaceholder(null);
            throw new KmipException(ResultReason.PERMISSION_DENIED, "a Lease Time of " + leaseSeconds + " s is "
                    + "refused: leases are at most " + ObtainLeaseOperation.LEASE_TIME.toSeconds() + " s");
        }
        UsageLimits limits = described == null ? null : described.attributes().stream()
                .filter(attribute -> attribute.name().equals(KmipAttribute.USAGE_LIMITS.attributeName()))
                .map(attribute -> UsageLimits.of(attribute.value())).findFirst().orElse(null);
        if (limits != null && units > limits.count()) {
            context.setIdPlaceholder(null);
            throw new KmipException(ResultReason.PERMISSION_DENIED, "a Usage Limits Count of " + units + " is "
                    + "refused: " + limits.count() + " of the key's " + limits.total() + " " + limits.unitName()
                    + " remain");
        }
        context.setIdPlaceholder(id.toString());
        return Ttlv.Structure.of(Tag.RESPONSE_PAYLOAD, new Ttlv.TextStringItem(Tag.UNIQUE_IDENTIFIER, id.toString()));
    }
}
