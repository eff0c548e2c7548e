package org.kmipappliance.kmip.message;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.kmipappliance.kmip.ttlv.ItemType;
import org.kmipappliance.kmip.ttlv.Ttlv;

/**
 * Typed access to the fields of one structure, with KMIP's rules: a single-valued field given twice and a field
 * of the wrong type are refused with {@link ResultReason#INVALID_MESSAGE} (or the reason the caller chooses).
 */
public final class StructureReader {
    private final Ttlv.Structure structure;
    private final String what;
    private final ResultReason malformed;

    private StructureReader(Ttlv.Structure structure, String what, ResultReason malformed) {
        this.structure = structure;
        this.what = what;
        this.malformed = malformed;
    }

    /** Reads a message-level structure: problems are Invalid Message. */
    public static StructureReader of(Ttlv.Structure structure, String what) {
        return new StructureReader(structure, what, ResultReason.INVALID_MESSAGE);
    }

    /** Reads a payload: the same, since KMIP answers a malformed payload with Invalid Message too. */
    public static StructureReader ofPayload(Ttlv.Structure structure, String operation) {
        return new StructureReader(structure, operation + " payload", ResultReason.INVALID_MESSAGE);
    }

    public Ttlv.Structure structure() {
        return structure;
    }

    public Optional<Ttlv> optional(int tag, ItemType type, String name) throws KmipException {
        List<Ttlv> found = structure.all(tag);
        if (found.size() > 1) {
            throw new KmipException(malformed, what + " has " + name + " more than once");
        }
        if (found.isEmpty()) {
            return Optional.empty();
        }
        Ttlv item = found.getFirst();
        if (item.type() != type) {
            throw new KmipException(malformed, what + ": " + name + " must be of type " + type + ", not "
                    + item.type());
        }
        return Optional.of(item);
    }

    public Ttlv required(int tag, ItemType type, String name) throws KmipException {
        return optional(tag, type, name).orElseThrow(() -> new KmipException(malformed, what + " lacks " + name));
    }

    public Optional<Integer> optionalInteger(int tag, String name) throws KmipException {
        return optional(tag, ItemType.INTEGER, name).map(item -> ((Ttlv.IntegerItem) item).value());
    }

    public int requiredInteger(int tag, String name) throws KmipException {
        return ((Ttlv.IntegerItem) required(tag, ItemType.INTEGER, name)).value();
    }

    public Optional<Integer> optionalEnumeration(int tag, String name) throws KmipException {
        return optional(tag, ItemType.ENUMERATION, name).map(item -> ((Ttlv.EnumerationItem) item).value());
    }

    public int requiredEnumeration(int tag, String name) throws KmipException {
        return ((Ttlv.EnumerationItem) required(tag, ItemType.ENUMERATION, name)).value();
    }

    public Optional<Boolean> optionalBoolean(int tag, String name) throws KmipException {
        return optional(tag, ItemType.BOOLEAN, name).map(item -> ((Ttlv.BooleanItem) item).value());
    }

    public Optional<String> optionalText(int tag, String name) throws KmipException {
        return optional(tag, ItemType.TEXT_STRING, name).map(item -> ((Ttlv.TextStringItem) item).value());
    }

    public String requiredText(int tag, String name) throws KmipException {
        return ((Ttlv.TextStringItem) required(tag, ItemType.TEXT_STRING, name)).value();
    }

    public Optional<byte[]> optionalBytes(int tag, String name) throws KmipException {
        return optional(tag, ItemType.BYTE_STRING, name).map(item -> ((Ttlv.ByteStringItem) item).value());
    }

    /** A Date-Time field; one outside {@link KmipDates}' range is Invalid Field. */
    public Optional<Instant> optionalDateTime(int tag, String name) throws KmipException {
        Optional<Ttlv> item = optional(tag, ItemType.DATE_TIME, name);
        return item.isEmpty() ? Optional.empty()
                : Optional.of(KmipDates.instantOf((Ttlv.DateTimeItem) item.get(), name));
    }

    public Optional<Ttlv.Structure> optionalStructure(int tag, String name) throws KmipException {
        return optional(tag, ItemType.STRUCTURE, name).map(Ttlv.Structure.class::cast);
    }

    public Ttlv.Structure requiredStructure(int tag, String name) throws KmipException {
        return (Ttlv.Structure) required(tag, ItemType.STRUCTURE, name);
    }

    /** Every instance of a repeatable structure field. */
    public List<Ttlv.Structure> structures(int tag, String name) throws KmipException {
        List<Ttlv> found = structure.all(tag);
        for (Ttlv item : found) {
            if (!(item instanceof Ttlv.Structure)) {
                throw new KmipException(malformed, what + ": " + name + " must be a structure");
            }
        }
        return found.stream().map(Ttlv.Structure.class::cast).toList();
    }
}
