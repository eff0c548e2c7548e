package org.kmipappliance.kmip.server.operations;

import org.kmipappliance.hsm.CustodyException;
import org.kmipappliance.hsm.ObjectAttribute;
import org.kmipappliance.kmip.message.KmipException;
import org.kmipappliance.kmip.message.ResultReason;
import org.kmipappliance.kmip.message.StructureReader;
import org.kmipappliance.kmip.message.Tag;
import org.kmipappliance.kmip.ttlv.ItemType;
import org.kmipappliance.kmip.ttlv.Ttlv;
import org.kmipappliance.kmip.ttlv.TtlvDecoder;
import org.kmipappliance.kmip.ttlv.TtlvEncoder;
import org.kmipappliance.kmip.ttlv.TtlvException;

/**
 * The Usage Limits attribute (KMIP 1.4 section 3.21): how many units (bytes or objects) a key may still protect. A
 * client sets the Total and the Unit; the server keeps the Count, which starts at the Total and which only Get
 * Usage Allocation spends. The Total and Unit may change, or the attribute go, only until the first allocation.
 *
 * @param total the Usage Limits Total
 * @param count the Usage Limits Count: what remains
 * @param unit  the Usage Limits Unit: Byte (1) or Object (2)
 */
record UsageLimits(long total, long count, int unit) {
    static final int UNIT_BYTE = 0x01;
    static final int UNIT_OBJECT = 0x02;

    /**
     * The attribute as a client gives it (Create, Register, Add or Modify Attribute), with the Count the server
     * sets: the Total (section 3.21: a Count in the request is ignored).
     */
    static Ttlv initial(Ttlv value) throws KmipException {
        if (!(value instanceof Ttlv.Structure structure)) {
            throw new KmipException(ResultReason.INVALID_FIELD, "Usage Limits is a structure");
        }
        StructureReader reader = StructureReader.of(structure, "Usage Limits");
        long total = ((Ttlv.LongIntegerItem) reader.required(Tag.USAGE_LIMITS_TOTAL, ItemType.LONG_INTEGER,
                "Usage Limits Total")).value();
        int unit = reader.requiredEnumeration(Tag.USAGE_LIMITS_UNIT, "Usage Limits Unit");
        if (total < 1) {
            throw new KmipException(ResultReason.INVALID_FIELD, "the Usage Limits Total is at least 1, not " + total);
        }
        if (unit != UNIT_BYTE && unit != UNIT_OBJECT) {
            throw new KmipException(ResultReason.INVALID_FIELD, "the Usage Limits Unit is Byte (1) or Object (2), not "
                    + unit);
        }
        return new UsageLimits(total, total, unit).encode();
    }

    /** The kept attribute, as custody stores it. */
    static UsageLimits of(byte[] stored) {
        try {
            Ttlv.Structure structure = (Ttlv.Structure) TtlvDecoder.decode(stored);
            return new UsageLimits(((Ttlv.LongIntegerItem) structure.first(Tag.USAGE_LIMITS_TOTAL).orElseThrow())
                    .value(), ((Ttlv.LongIntegerItem) structure.first(Tag.USAGE_LIMITS_COUNT).orElseThrow()).value(),
                    ((Ttlv.EnumerationItem) structure.first(Tag.USAGE_LIMITS_UNIT).orElseThrow()).value());
        } catch (TtlvException | RuntimeException e) {
            throw new IllegalStateException("a stored Usage Limits does not decode: " + e.getMessage(), e);
        }
    }

    /** The attribute value, in the order of section 3.21's table. */
    Ttlv.Structure encode() {
        return Ttlv.Structure.of(Tag.ATTRIBUTE_VALUE, new Ttlv.LongIntegerItem(Tag.USAGE_LIMITS_TOTAL, total),
                new Ttlv.LongIntegerItem(Tag.USAGE_LIMITS_COUNT, count),
                new Ttlv.EnumerationItem(Tag.USAGE_LIMITS_UNIT, unit));
    }

    byte[] encoded() {
        return TtlvEncoder.encode(encode());
    }

    /** Whether an allocation was made, after which Total and Unit are fixed (section 3.21). */
    boolean allocated() {
        return count != total;
    }

    /** Refuses, with Permission Denied, a change of stored Usage Limits that an allocation has spent from. */
    static void requireUnallocated(byte[] stored) {
        UsageLimits limits = of(stored);
        if (limits.allocated()) {
            throw new CustodyException(CustodyException.Failure.USAGE_FORBIDS, "Usage Limits", "Get Usage "
                    + "Allocation has spent " + (limits.total - limits.count) + " of its " + limits.total + " "
                    + limits.unitName() + ": Usage Limits can no longer change or go (KMIP 1.4 section 3.21)");
        }
    }

    /** This with {@code amount} units spent, or a refusal when fewer remain. */
    UsageLimits spend(long amount) {
        if (amount > count) {
            throw new CustodyException(CustodyException.Failure.USAGE_FORBIDS, "Usage Limits Count", "only " + count
                    + " of " + total + " " + unitName() + " remain to be protected; " + amount + " were asked for");
        }
        return new UsageLimits(total, count - amount, unit);
    }

    /**
     * An attribute copied to a key's replacement (Re-Key, Re-key Key Pair): a Usage Limits starts afresh, its Count
     * back at its Total; any other attribute is unchanged.
     */
    static ObjectAttribute renewed(ObjectAttribute copied) {
        if (!KmipAttribute.USAGE_LIMITS.attributeName().equals(copied.name())) {
            return copied;
        }
        UsageLimits limits = of(copied.value());
        return new ObjectAttribute(copied.name(), copied.index(), new UsageLimits(limits.total, limits.total,
                limits.unit).encoded(), copied.uniqueKey());
    }

    String unitName() {
        return unit == UNIT_BYTE ? "bytes" : "objects";
    }
}
