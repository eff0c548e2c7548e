package org.kmipappliance.kmip.server.operations;

import java.util.Set;
import java.util.UUID;
import org.kmipappliance.hsm.CustodyException;
import org.kmipappliance.hsm.KeyCustody;
import org.kmipappliance.hsm.KmipObject;
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
 * Get Usage Allocation (KMIP 1.4 section 4.18): spends units of a key's Usage Limits Count so that the client may
 * protect that much with it. Only a key that applies protection (a symmetric, public or private key), Active, with
 * Usage Limits, and only as much as remains; the spending and the check are one transaction under the object's
 * lock, so concurrent allocations never spend more than there is.
 *
 * <p>Errors: unknown id: Item Not Found; a Usage Limits Count below 1: Invalid Field; no Usage Limits (its use is
 * unlimited): Illegal Operation; not a key, not Active, or fewer units left than asked: Permission Denied.
 */
public final class GetUsageAllocationOperation implements KmipOperation {
    /** What applies protection: encryption with a symmetric or public key, signing with a private key. */
    private static final Set<Integer> PROTECTING_TYPES = Set.of(KmipObject.SYMMETRIC_KEY, KmipObject.PUBLIC_KEY,
            KmipObject.PRIVATE_KEY);

    private final KeyCustody custody;

    public GetUsageAllocationOperation(KeyCustody custody) {
        this.custody = custody;
    }

    @Override
    public Operation operation() {
        return Operation.GET_USAGE_ALLOCATION;
    }

    @Override
    public Ttlv.Structure execute(Ttlv.Structure payload, BatchContext context) throws KmipException {
        StructureReader reader = StructureReader.ofPayload(payload, "Get Usage Allocation");
        UUID id = context.resolveObjectId(reader.optionalText(Tag.UNIQUE_IDENTIFIER, "Unique Identifier")
                .orElse(null));
        long amount = ((Ttlv.LongIntegerItem) reader.required(Tag.USAGE_LIMITS_COUNT, ItemType.LONG_INTEGER,
                "Usage Limits Count")).value();
        if (amount < 1) {
            throw new KmipException(ResultReason.INVALID_FIELD, "the Usage Limits Count to allocate is at least 1, "
                    + "not " + amount);
        }
        String name = KmipAttribute.USAGE_LIMITS.attributeName();
        try {
            custody.objects().changeAttribute(context.caller(), id, name, (object, current) -> {
                if (!PROTECTING_TYPES.contains(object.objectType())) {
                    throw new CustodyException(CustodyException.Failure.USAGE_FORBIDS, name, "object " + id
                            + " is not a key that applies protection; only keys have usage allocated");
                }
                if (object.state() != ObjectState.ACTIVE) {
                    throw new CustodyException(CustodyException.Failure.USAGE_FORBIDS, name, "key " + id + " is "
                            + object.state().name().replace('_', '-').toLowerCase() + "; usage is allocated only "
                            + "while a key is Active");
                }
                return UsageLimits.of(current).spend(amount).encoded();
            }, "kmip.get_usage_allocation");
        } catch (CustodyException e) {
            if (e.failure() == CustodyException.Failure.ATTRIBUTE_NOT_SET) {
                throw new KmipException(ResultReason.ILLEGAL_OPERATION, "object " + id + " has no Usage Limits: "
                        + "its use is not limited, so there is nothing to allocate");
            }
            throw e;
        }
        return Ttlv.Structure.of(Tag.RESPONSE_PAYLOAD, new Ttlv.TextStringItem(Tag.UNIQUE_IDENTIFIER,
                id.toString()));
    }
}
