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
import org.kmipappliance.kmip.ttlv.TtlvEncoder;

/**
 * A Key Wrapping Specification of a Get (KMIP 1.4 sections 2.1.5 and 4.11), read and applied: the Key Value is
 * encrypted under another AES key of the same adapter with NIST Key Wrap (RFC 3394, the default) or AES Key Wrap
 * with Padding (RFC 5649). With TTLV Encoding (the default) the wrapped bytes are the TTLV-encoded Key Value
 * structure; with No Encoding, the Key Material alone. The wrapping key must be Active and allow Wrap Key (the
 * custody module checks, see {@code KmipObjects#openWrappingKey}); it is opened by the HSM for this one use and never
 * leaves the server. MAC/sign wrapping and attributes inside the
 * wrapped value are not offered (Feature Not Supported).
 *
 * @param wrappingKey  the Unique Identifier of the wrapping key
 * @param parameters   the request's Cryptographic Parameters, echoed in the Key Wrapping Data; null when absent
 * @param blockCipher  the Block Cipher Mode applied
 * @param encoding     the Encoding Option given, or null (TTLV Encoding)
 */
record KeyWrapping(UUID wrappingKey, Ttlv.Structure parameters, int blockCipher, Integer encoding) {
    static KeyWrapping read(Ttlv.Structure specification, BatchContext context) throws KmipException {
        StructureReader reader = StructureReader.of(specification, "Key Wrapping Specification");
        int method = reader.requiredEnumeration(Tag.WRAPPING_METHOD, "Wrapping Method");
        if (method != KmipEnums.WRAPPING_METHOD_ENCRYPT) {
            throw new KmipException(ResultReason.FEATURE_NOT_SUPPORTED, "keys are wrapped by Encrypt only, not "
                    + "Wrapping Method " + method);
        }
        if (reader.optionalStructure(Tag.MAC_SIGNATURE_KEY_INFORMATION, "MAC/Signature Key Information")
                .isPresent() || !specification.all(Tag.ATTRIBUTE_NAME).isEmpty()) {
            throw new KmipException(ResultReason.FEATURE_NOT_SUPPORTED, "a MAC or signature over the wrapped key, "
                    + "and attributes inside it, are not offered");
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

    /** The Key Material of a Key Value, copied: a Byte String, or a Transparent Symmetric Key's Key. */
    private static byte[] keyMaterialOf(Ttlv.Structure keyValue) {
        Ttlv material = keyValue.first(Tag.KEY_MATERIAL).orElseThrow();
        if (material instanceof Ttlv.ByteStringItem bytes) {
            return bytes.value().clone();
        }
        return ((Ttlv.ByteStringItem) ((Ttlv.Structure) material).first(Tag.KEY).orElseThrow()).value().clone();
    }

    private byte[] encrypt(byte[] wrappingKeyBytes, byte[] plaintext) throws KmipException {
        boolean padded = blockCipher == KmipEnums.BLOCK_CIPHER_MODE_AES_KEY_WRAP_PADDING;
        if (!padded && (plaintext.length < 16 || plaintext.length % 8 != 0)) {
            throw new KmipException(ResultReason.INVALID_FIELD, "NIST Key Wrap takes 16 bytes or more in whole "
                    + "8-byte blocks; this is " + plaintext.length + " bytes: use AES Key Wrap with Padding");
        }
        try {
            Cipher cipher = Cipher.getInstance(padded ? "AES/KWP/NoPadding" : "AES/KW/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(wrappingKeyBytes, "AES"));
            return cipher.doFinal(plaintext);
        } catch (GeneralSecurityException e) {
            throw new KmipException(ResultReason.CRYPTOGRAPHIC_FAILURE, "the key could not be wrapped: "
                    + e.getClass().getSimpleName());
        }
    }
}
