package org.kmipappliance.kmip.server.operations;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.kmipappliance.kmip.message.KmipEnums;
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
 * Split Keys (KMIP 1.4 section 2.2.5): one part of a key split among holders. The server neither splits nor joins
 * (Create Split Key and Join Split Key are optional); it keeps a registered part and serves it back. The part's
 * description (parts, its identifier, threshold, method, prime field) and its Key Block are sealed together under
 * the root key, as every object's material is.
 */
final class SplitKeys {
    static final int METHOD_XOR = 0x01;
    static final int METHOD_GF_2_16 = 0x02;
    static final int METHOD_PRIME_FIELD = 0x03;
    static final int METHOD_GF_2_8 = 0x04;
    /**
     * Most parts a key is split into. GF(2^8) sharing allows 255; a Split Key Parts above that is a mistake or an
     * attack on what the server keeps per object.
     */
    static final int MAX_PARTS = 255;
    /** Largest Prime Field Size: a prime above 2^L for an L-bit secret; 8,192 bits covers RSA-4096 private keys. */
    static final int MAX_PRIME_FIELD_BITS = 8192;

    private SplitKeys() {
    }

    /** A registered part, checked: what custody records of it, and its sealed content. */
    record Part(int format, Integer algorithm, Integer length, byte[] content) {
        @Override
        public String toString() {
            return "Part[" + content.length + " bytes withheld]";
        }
    }

    /**
     * The Split Key of a Register, checked (section 2.2.5: 1 <= Key Part Identifier <= Split Key Parts, a
     * threshold no larger than the parts and equal to them for XOR, a Prime Field Size exactly when the method is
     * Polynomial Sharing Prime Field) and encoded. The caller zeroes {@link Part#content()} once sealed.
     */
    static Part read(StructureReader fields) throws KmipException {
        int parts = fields.requiredInteger(Tag.SPLIT_KEY_PARTS, "Split Key Parts");
        int identifier = fields.requiredInteger(Tag.KEY_PART_IDENTIFIER, "Key Part Identifier");
        int threshold = fields.requiredInteger(Tag.SPLIT_KEY_THRESHOLD, "Split Key Threshold");
        int method = fields.requiredEnumeration(Tag.SPLIT_KEY_METHOD, "Split Key Method");
        BigInteger primeField = fields.optional(Tag.PRIME_FIELD_SIZE, ItemType.BIG_INTEGER, "Prime Field Size")
                .map(item -> ((Ttlv.BigIntegerItem) item).value()).orElse(null);
        if (parts < 2 || parts > MAX_PARTS) {
            throw new KmipException(ResultReason.INVALID_FIELD, "Split Key Parts is 2 to " + MAX_PARTS + ", not "
                    + parts);
        }
        if (identifier < 1 || identifier > parts) {
            throw new KmipException(ResultReason.INVALID_FIELD, "Key Part Identifier is 1 to the Split Key Parts ("
                    + parts + "), not " + identifier);
        }
        if (threshold < 2 || threshold > parts) {
            throw new KmipException(ResultReason.INVALID_FIELD, "Split Key Threshold is 2 to the Split Key Parts ("
                    + parts + "), not " + threshold);
        }
        if (!Set.of(METHOD_XOR, METHOD_GF_2_16, METHOD_PRIME_FIELD, METHOD_GF_2_8).contains(method)) {
            throw new KmipException(ResultReason.INVALID_FIELD, "Split Key Method is XOR (1), Polynomial Sharing "
                    + "GF(2^16) (2), Prime Field (3) or GF(2^8) (4), not " + method);
        }
        if (method == METHOD_XOR && threshold != parts) {
            throw new KmipException(ResultReason.INVALID_FIELD, "an XOR split needs all its parts: the Split Key "
                    + "Threshold must be the Split Key Parts (" + parts + ")");
        }
        if ((method == METHOD_PRIME_FIELD) != (primeField != null)) {
            throw new KmipException(ResultReason.INVALID_FIELD, method == METHOD_PRIME_FIELD
                    ? "a Polynomial Sharing Prime Field split needs its Prime Field Size"
                    : "a Prime Field Size belongs to Polynomial Sharing Prime Field splits only");
        }
        if (primeField != null && (primeField.signum() <= 0 || primeField.bitLength() > MAX_PRIME_FIELD_BITS)) {
            throw new KmipException(ResultReason.INVALID_FIELD, "the Prime Field Size is a positive prime of at most "
                    + MAX_PRIME_FIELD_BITS + " bits");
        }
        KeyBlock block = KeyBlock.read(fields, Set.of(KmipEnums.KEY_FORMAT_RAW, KmipEnums.KEY_FORMAT_OPAQUE),
                "a Split Key's part is kept as Raw or Opaque bytes");
        if (block.material().length == 0) {
            throw new KmipException(ResultReason.INVALID_FIELD, "the Split Key's Key Material is empty");
        }
        List<Ttlv> content = new ArrayList<>(List.of(
                new Ttlv.IntegerItem(Tag.SPLIT_KEY_PARTS, parts),
                new Ttlv.IntegerItem(Tag.KEY_PART_IDENTIFIER, identifier),
                new Ttlv.IntegerItem(Tag.SPLIT_KEY_THRESHOLD, threshold),
                new Ttlv.EnumerationItem(Tag.SPLIT_KEY_METHOD, method)));
        if (primeField != null) {
            content.add(new Ttlv.BigIntegerItem(Tag.PRIME_FIELD_SIZE, primeField));
        }
        // The block's own copy of the material: the request's is wiped by Register, this tree by the encoding below.
        Ttlv.Structure keyBlock = KeyBlock.of(block.format(), block.material().clone(), block.algorithm()
                .orElse(null), block.length().orElse(null));
        content.add(keyBlock);
        Ttlv.Structure splitKey = new Ttlv.Structure(Tag.SPLIT_KEY, content);
        try {
            return new Part(block.format(), block.algorithm().orElse(null), block.length().orElse(null),
                    TtlvEncoder.encode(splitKey));
        } finally {
            Ttlv.wipeByteStrings(splitKey);
        }
    }

    /** A kept part as a Get answers it: the Split Key structure, its Key Block made by {@code keyBlocks}. */
    static Ttlv.Structure served(byte[] content, KeyBlockServing keyBlocks) throws KmipException {
        Ttlv.Structure kept;
        try {
            kept = (Ttlv.Structure) TtlvDecoder.decode(content);
        } catch (TtlvException | ClassCastException e) {
            throw new IllegalStateException("a stored Split Key does not decode: " + e.getMessage(), e);
        }
        List<Ttlv> fields = new ArrayList<>();
        for (Ttlv field : kept.items()) {
            fields.add(field.tag() == Tag.KEY_BLOCK ? keyBlocks.serve((Ttlv.Structure) field) : field);
        }
        return new Ttlv.Structure(Tag.SPLIT_KEY, fields);
    }

    /** How Get serves a Key Block: as kept, or wrapped when asked. */
    @FunctionalInterface
    interface KeyBlockServing {
        Ttlv.Structure serve(Ttlv.Structure keyBlock) throws KmipException;
    }
}
