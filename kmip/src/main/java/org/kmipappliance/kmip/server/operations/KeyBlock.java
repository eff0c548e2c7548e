package org.kmipappliance.kmip.server.operations;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.kmipappliance.kmip.message.KmipEnums;
import org.kmipappliance.kmip.message.KmipException;
import org.kmipappliance.kmip.message.ResultReason;
import org.kmipappliance.kmip.message.StructureReader;
import org.kmipappliance.kmip.message.Tag;
import org.kmipappliance.kmip.ttlv.Ttlv;

/**
 * The Key Block of a registered object (KMIP 1.4 section 2.1.3), read and checked (not compressed; a wrapped one
 * was unwrapped before, see KeyWrapping): its material as bytes (a Transparent Symmetric Key's Key, or the Key Material byte string of every other format
 * this server keeps). The material is the request's array: the operation wipes the request when it is done.
 *
 * @param algorithm the Cryptographic Algorithm, absent for Secret Data
 * @param length    the Cryptographic Length, absent for Secret Data
 */
record KeyBlock(int format, byte[] material, Optional<Integer> algorithm, Optional<Integer> length) {
    /**
     * The Key Block of {@code object}, whose Key Format Type must be one of {@code kept}; {@code formats} names them
     * for the refusal. The format is checked before the material is read, so a format not kept is always reported
     * as such whatever shape its material has.
     */
    static KeyBlock read(StructureReader object, Set<Integer> kept, String formats) throws KmipException {
        StructureReader keyBlock = StructureReader.of(object.requiredStructure(Tag.KEY_BLOCK, "Key Block"),
                "Key Block");
        if (keyBlock.optionalEnumeration(Tag.KEY_COMPRESSION_TYPE, "Key Compression Type").isPresent()) {
            throw new KmipException(ResultReason.KEY_COMPRESSION_TYPE_NOT_SUPPORTED,
                    "this server keeps keys uncompressed");
        }
        int format = keyBlock.requiredEnumeration(Tag.KEY_FORMAT_TYPE, "Key Format Type");
        if (!kept.contains(format)) {
            throw new KmipException(ResultReason.KEY_FORMAT_TYPE_NOT_SUPPORTED, formats);
        }
        StructureReader keyValue = StructureReader.of(keyBlock.requiredStructure(Tag.KEY_VALUE, "Key Value"),
                "Key Value");
        byte[] material = format == KmipEnums.KEY_FORMAT_TRANSPARENT_SYMMETRIC
                ? StructureReader.of(keyValue.requiredStructure(Tag.KEY_MATERIAL, "Key Material"), "Key Material")
                        .optionalBytes(Tag.KEY, "Key").orElseThrow(() -> new KmipException(
                                ResultReason.INVALID_FIELD, "a Transparent Symmetric Key holds its Key"))
                : keyValue.optionalBytes(Tag.KEY_MATERIAL, "Key Material").orElseThrow(() -> new KmipException(
                        ResultReason.INVALID_FIELD, "Key Format Type " + format + " holds its Key Material as a Byte "
                        + "String"));
        return new KeyBlock(format, material,
                keyBlock.optionalEnumeration(Tag.CRYPTOGRAPHIC_ALGORITHM, "Cryptographic Algorithm"),
                keyBlock.optionalInteger(Tag.CRYPTOGRAPHIC_LENGTH, "Cryptographic Length"));
    }

    int requiredAlgorithm() throws KmipException {
        return algorithm.orElseThrow(() -> new KmipException(ResultReason.INVALID_FIELD,
                "the Key Block's Cryptographic Algorithm is required"));
    }

    int requiredLength() throws KmipException {
        return length.orElseThrow(() -> new KmipException(ResultReason.INVALID_FIELD,
                "the Key Block's Cryptographic Length is required"));
    }

    /** Reading one never prints the material. */
    @Override
    public String toString() {
        return "KeyBlock[format " + format + ", " + material.length + " bytes withheld]";
    }

    /** The Key Block of {@code material} as Get answers it. */
    static Ttlv.Structure of(int format, byte[] material, Integer algorithm, Integer length) {
        Ttlv keyMaterial = format == KmipEnums.KEY_FORMAT_TRANSPARENT_SYMMETRIC
                ? Ttlv.Structure.of(Tag.KEY_MATERIAL, new Ttlv.ByteStringItem(Tag.KEY, material))
                : new Ttlv.ByteStringItem(Tag.KEY_MATERIAL, material);
        List<Ttlv> fields = new ArrayList<>(List.of(
                new Ttlv.EnumerationItem(Tag.KEY_FORMAT_TYPE, format),
                Ttlv.Structure.of(Tag.KEY_VALUE, keyMaterial)));
        if (algorithm != null) {
            fields.add(new Ttlv.EnumerationItem(Tag.CRYPTOGRAPHIC_ALGORITHM, algorithm));
        }
        if (length != null) {
            fields.add(new Ttlv.IntegerItem(Tag.CRYPTOGRAPHIC_LENGTH, length));
        }
        return new Ttlv.Structure(Tag.KEY_BLOCK, fields);
    }
}
