package org.kmipappliance.kmip.server.operations;

import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;
import org.kmipappliance.hsm.ObjectMaterial;
import org.kmipappliance.kmip.message.KmipEnums;
import org.kmipappliance.kmip.message.KmipException;
import org.kmipappliance.kmip.message.ResultReason;
import org.kmipappliance.kmip.message.StructureReader;
import org.kmipappliance.kmip.message.Tag;
import org.kmipappliance.kmip.server.BatchContext;
import org.kmipappliance.kmip.ttlv.Ttlv;
import org.kmipappliance.kmip.ttlv.TtlvDecoder;
import org.kmipappliance.kmip.ttlv.TtlvEncoder;
import org.kmipappliance.kmip.ttlv.TtlvException;

/**
 * Key wrapping (KMIP 1.4 sections 2.1.5 and 2.1.6) under another AES key of the same adapter, with NIST Key Wrap
 * (RFC 3394, the default) or AES Key Wrap with Padding (RFC 5649): the Key Wrapping Specification of a Get, whose
 * Key Value is wrapped for the client, and the Key Wrapping Data of a Key Block a client registers, which is
 * unwrapped before the key is sealed like any other. With TTLV Encoding (the default) the wrapped bytes are the
 * TTLV-encoded Key Value structure; with No Encoding, the Key Material alone. The wrapping key must be Active and
 * allow Wrap Key, the unwrapping key Unwrap Key (the custody module checks, see {@code KmipObjects#openWrappingKey});
 * it is opened by the HSM for this one use and never leaves the server. MAC/sign wrapping, an IV, and attributes
 * inside the wrapped value are not offered (Feature Not Supported).
 *
 * @param wrappingKey  the Unique Identifier of the wrapping key
 * @param parameters   the request's Cryptographic Parameters, echoed in the Key Wrapping Data; null when absent
 * @param blockCipher  the Block Cipher Mode applied
 * @param encoding     the Encoding Option given, or null (TTLV Encoding)
 */
record KeyWrapping(UUID wrappingKey, Ttlv.Structure parameters, int blockCipher, Integer encoding) {
    /** A Get's Key Wrapping Specification, or the Key Wrapping Data of a Key Block registered wrapped. */
    static KeyWrapping read(Ttlv.Structure specification, BatchContext context) throws KmipException {
        String what = specification.tag() == Tag.KEY_WRAPPING_DATA ? "Key Wrapping Data" : "Key Wrapping Specification";
        StructureReader reader = StructureReader.of(specification, what);
        int method = reader.requiredEnumeration(Tag.WRAPPING_METHOD, "Wrapping Method");
        if (method != KmipEnums.WRAPPING_METHOD_ENCRYPT) {
            throw new KmipException(ResultReason.FEATURE_NOT_SUPPORTED, "keys are wrapped by Encrypt only, not "
                    + "Wrapping Method " + method);
        }
        if (reader.optionalStructure(Tag.MAC_SIGNATURE_KEY_INFORMATION, "MAC/Signature Key Information")
                .isPresent() || !specification.all(Tag.MAC_SIGNATURE).isEmpty()
                || !specification.all(Tag.ATTRIBUTE_NAME).isEmpty()) {
            throw new KmipException(ResultReason.FEATURE_NOT_SUPPORTED, "a MAC or signature over the wrapped key, "
                    + "and attributes inside it, are not offered");
        }
        if (!specification.all(Tag.IV_COUNTER_NONCE).isEmpty()) {
            throw new KmipException(ResultReason.FEATURE_NOT_SUPPORTED, "keys are wrapped with AES Key Wrap, which "
                    + "takes no IV/Counter/Nonce");
        }
        StructureReader information = StructureReader.of(reader.requiredStructure(Tag.ENCRYPTION_KEY_INFORMATION,
                "Encryption Key Information"), "Encryption Key Information");
        UUID wrappingKey = context.resolveObjectId(information.requiredText(Tag.UNIQUE_IDENTIFIER,
                "Unique Identifier"));
        Ttlv.Structure parameters = information.optionalStructure(Tag.CRYPTOGRAPHIC_PARAMETERS,
                "Cryptographic Parameters").orElse(null);
        int blockCipher = parameters == null ? KmipEnums.BLOCK_CIPHER_MODE_NIST_KEY_WRAP
                : StructureReader.of(parameters, "Cryptographic Parameters").optionalEnumeration(
                        Tag.BLOCK_CIPHER_MODE, "Block Cipher Mode").orElse(KmipEnums.BLOCK_CIPHER_MODE_NIST_KEY_WRAP);
        if (blockCipher != KmipEnums.BLOCK_CIPHER_MODE_NIST_KEY_WRAP
                && blockCipher != KmipEnums.BLOCK_CIPHER_MODE_AES_KEY_WRAP_PADDING) {
            throw new KmipException(ResultReason.FEATURE_NOT_SUPPORTED, "keys are wrapped with NIST Key Wrap "
                    + "(RFC 3394) or AES Key Wrap with Padding (RFC 5649), not Block Cipher Mode " + blockCipher);
        }
        Integer encoding = reader.optionalEnumeration(Tag.ENCODING_OPTION, "Encoding Option").orElse(null);
        if (encoding != null && encoding != KmipEnums.ENCODING_NONE && encoding != KmipEnums.ENCODING_TTLV) {
            throw new KmipException(ResultReason.ENCODING_OPTION_ERROR, "Encoding Option is No Encoding (1) or "
                    + "TTLV Encoding (2), not " + encoding);
        }
        return new KeyWrapping(wrappingKey, parameters, blockCipher, encoding);
    }

    /**
     * The Key Block {@code plain} (as Get would answer it unwrapped) with its Key Value wrapped and the Key
     * Wrapping Data added. The plaintext encodings made on the way are zeroed.
     */
    Ttlv.Structure wrap(Ttlv.Structure plain, ObjectMaterial key) throws KmipException {
        Ttlv.Structure keyValue = (Ttlv.Structure) plain.first(Tag.KEY_VALUE).orElseThrow();
        byte[] toWrap = encoding != null && encoding == KmipEnums.ENCODING_NONE
                ? keyMaterialOf(keyValue) : TtlvEncoder.encode(keyValue);
        byte[] wrapped;
        try {
            wrapped = encrypt(key.material().reveal(), toWrap);
        } finally {
            Arrays.fill(toWrap, (byte) 0);
            Ttlv.wipeByteStrings(plain);
        }
        List<Ttlv> information = new ArrayList<>(List.of(new Ttlv.TextStringItem(Tag.UNIQUE_IDENTIFIER,
                wrappingKey.toString())));
        if (parameters != null) {
            information.add(parameters);
        }
        List<Ttlv> wrappingData = new ArrayList<>(List.of(
                new Ttlv.EnumerationItem(Tag.WRAPPING_METHOD, KmipEnums.WRAPPING_METHOD_ENCRYPT),
                new Ttlv.Structure(Tag.ENCRYPTION_KEY_INFORMATION, information)));
        if (encoding != null) {
            wrappingData.add(new Ttlv.EnumerationItem(Tag.ENCODING_OPTION, encoding));
        }
        List<Ttlv> fields = new ArrayList<>();
        for (Ttlv item : plain.items()) {
            fields.add(item.tag() == Tag.KEY_VALUE ? new Ttlv.ByteStringItem(Tag.KEY_VALUE, wrapped) : item);
        }
        fields.add(new Ttlv.Structure(Tag.KEY_WRAPPING_DATA, wrappingData));
        return new Ttlv.Structure(Tag.KEY_BLOCK, fields);
    }

    /**
     * The Key Block {@code wrapped} (registered with these Key Wrapping Data) with its Key Value unwrapped under
     * {@code key} and the Key Wrapping Data removed. The plaintext bytes made on the way are zeroed; the caller wipes
     * the returned block once it is sealed.
     */
    Ttlv.Structure unwrap(Ttlv.Structure wrapped, ObjectMaterial key) throws KmipException {
        int format = StructureReader.of(wrapped, "Key Block").requiredEnumeration(Tag.KEY_FORMAT_TYPE,
                "Key Format Type");
        byte[] ciphertext = wrappedValueOf(wrapped);
        byte[] plain = decrypt(key.material().reveal(), ciphertext);
        Ttlv keyValue;
        try {
            if (encoding != null && encoding == KmipEnums.ENCODING_NONE) {
                Ttlv material = format == KmipEnums.KEY_FORMAT_TRANSPARENT_SYMMETRIC
                        ? Ttlv.Structure.of(Tag.KEY_MATERIAL, new Ttlv.ByteStringItem(Tag.KEY, plain.clone()))
                        : new Ttlv.ByteStringItem(Tag.KEY_MATERIAL, plain.clone());
                keyValue = Ttlv.Structure.of(Tag.KEY_VALUE, material);
            } else {
                keyValue = TtlvDecoder.decode(plain);
            }
        } catch (TtlvException e) {
            throw new KmipException(ResultReason.INVALID_FIELD, "the unwrapped Key Value is not TTLV (the Encoding "
                    + "Option says it is): " + e.getMessage());
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
        if (keyValue.tag() != Tag.KEY_VALUE || !(keyValue instanceof Ttlv.Structure)) {
            Ttlv.wipeByteStrings(keyValue);
            throw new KmipException(ResultReason.INVALID_FIELD, "the unwrapped Key Value is not a Key Value "
                    + "structure");
        }
        List<Ttlv> fields = new ArrayList<>();
        for (Ttlv item : wrapped.items()) {
            if (item.tag() == Tag.KEY_VALUE) {
                fields.add(keyValue);
            } else if (item.tag() != Tag.KEY_WRAPPING_DATA) {
                fields.add(item);
            }
        }
        return new Ttlv.Structure(Tag.KEY_BLOCK, fields);
    }

    /**
     * The wrapped bytes of a Key Block: its Key Value, a Byte String (section 2.1.3). PyKMIP 0.10 sends them as the
     * Key Material of a Key Value structure instead (and reads them so); that form is accepted too.
     */
    private static byte[] wrappedValueOf(Ttlv.Structure wrapped) throws KmipException {
        Ttlv keyValue = wrapped.first(Tag.KEY_VALUE).orElseThrow(() -> new KmipException(ResultReason.INVALID_FIELD,
                "the Key Block has no Key Value"));
        if (keyValue instanceof Ttlv.ByteStringItem bytes) {
            return bytes.value();
        }
        if (keyValue instanceof Ttlv.Structure structure && structure.items().size() == 1
                && structure.items().getFirst() instanceof Ttlv.ByteStringItem material
                && material.tag() == Tag.KEY_MATERIAL) {
            return material.value();
        }
        throw new KmipException(ResultReason.INVALID_FIELD, "a wrapped Key Value is a Byte String (KMIP 1.4 section "
                + "2.1.3)");
    }

    /** The Key Material of a Key Value, copied: a Byte String, or a Transparent Symmetric Key's Key. */
    private static byte[] keyMaterialOf(Ttlv.Structure keyValue) {
        Ttlv material = keyValue.first(Tag.KEY_MATERIAL).orElseThrow();
        if (material instanceof Ttlv.ByteStringItem bytes) {
            return bytes.value().clone();
        }
        return ((Ttlv.ByteStringItem) ((Ttlv.Structure) material).first(Tag.KEY).orElseThrow()).value().clone();
    }

    private boolean padded() {
        return blockCipher == KmipEnums.BLOCK_CIPHER_MODE_AES_KEY_WRAP_PADDING;
    }

    /** RFC 5649's or RFC 3394's cipher under {@code wrappingKeyBytes}, as the Block Cipher Mode says. */
    private Cipher keyWrap(int mode, byte[] wrappingKeyBytes) throws GeneralSecurityException {
        Cipher cipher = Cipher.getInstance(padded() ? "AES/KWP/NoPadding" : "AES/KW/NoPadding");
        cipher.init(mode, new SecretKeySpec(wrappingKeyBytes, "AES"));
        return cipher;
    }

    private byte[] decrypt(byte[] wrappingKeyBytes, byte[] ciphertext) throws KmipException {
        try {
            return keyWrap(Cipher.DECRYPT_MODE, wrappingKeyBytes).doFinal(ciphertext);
        } catch (GeneralSecurityException e) {
            // The integrity check of RFC 3394/5649 failed: another key wrapped it, or the bytes were altered.
            throw new KmipException(ResultReason.CRYPTOGRAPHIC_FAILURE, "the Key Value does not unwrap under key "
                    + wrappingKey + " with " + (padded() ? "AES Key Wrap with Padding" : "NIST Key Wrap") + ": "
                    + "another key or mode wrapped it, or it was altered");
        }
    }

    private byte[] encrypt(byte[] wrappingKeyBytes, byte[] plaintext) throws KmipException {
        if (!padded() && (plaintext.length < 16 || plaintext.length % 8 != 0)) {
            throw new KmipException(ResultReason.INVALID_FIELD, "NIST Key Wrap takes 16 bytes or more in whole "
                    + "8-byte blocks; this is " + plaintext.length + " bytes: use AES Key Wrap with Padding");
        }
        try {
            return keyWrap(Cipher.ENCRYPT_MODE, wrappingKeyBytes).doFinal(plaintext);
        } catch (GeneralSecurityException e) {
            throw new KmipException(ResultReason.CRYPTOGRAPHIC_FAILURE, "the key could not be wrapped: "
                    + e.getClass().getSimpleName());
        }
    }
}
