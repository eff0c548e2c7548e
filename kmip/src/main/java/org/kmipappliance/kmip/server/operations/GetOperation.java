package org.kmipappliance.kmip.server.operations;

import java.util.Set;
import java.util.UUID;
import org.kmipappliance.hsm.KeyCustody;
import org.kmipappliance.hsm.KmipObject;
import org.kmipappliance.hsm.ObjectMaterial;
import org.kmipappliance.kmip.message.KmipEnums;
import org.kmipappliance.kmip.message.KmipException;
import org.kmipappliance.kmip.message.Operation;
import org.kmipappliance.kmip.message.ResultReason;
import org.kmipappliance.kmip.message.StructureReader;
import org.kmipappliance.kmip.message.Tag;
import org.kmipappliance.kmip.server.BatchContext;
import org.kmipappliance.kmip.server.KmipOperation;
import org.kmipappliance.kmip.ttlv.Ttlv;

/**
 * Get (KMIP 1.4 section 4.11): the object's material, opened by the HSM. Symmetric keys are served as Raw or
 * Transparent Symmetric Key; Secret Data in the format it was registered in; public and private keys in the format
 * they are kept in (X.509 and PKCS#8 for generated pairs) or, for RSA, converted to PKCS#1 or back; certificates and
 * Opaque Objects as they were registered. A Key Wrapping Specification has the Key Value wrapped under another AES
 * key of the adapter ({@link KeyWrapping}). Works in any state that still has material, Pre-Active included
 * (vCenter gets a key before activating it).
 *
 * <p>Errors (table 338): unknown id or wrapping key: Item Not Found; a format the object is not served in: Key
 * Format Type Not Supported; compression: Key Compression Type Not Supported; a wrapping key that is not Active or
 * lacks Wrap Key: Permission Denied; a wrapping method or mode not offered: Feature Not Supported; destroyed
 * material: Illegal Operation.
 */
public final class GetOperation implements KmipOperation {
    private static final Set<Integer> SERVED_FORMATS = Set.of(KmipEnums.KEY_FORMAT_RAW, KmipEnums.KEY_FORMAT_OPAQUE,
            KmipEnums.KEY_FORMAT_PKCS1, KmipEnums.KEY_FORMAT_PKCS8, KmipEnums.KEY_FORMAT_X509,
            KmipEnums.KEY_FORMAT_TRANSPARENT_SYMMETRIC);

    private final KeyCustody custody;

    public GetOperation(KeyCustody custody) {
        this.custody = custody;
    }

    @Override
    public Operation operation() {
        return Operation.GET;
    }

    @Override
    public Ttlv.Structure execute(Ttlv.Structure payload, BatchContext context) throws KmipException {
        StructureReader reader = StructureReader.ofPayload(payload, "Get");
        String uniqueIdentifier = reader.optionalText(Tag.UNIQUE_IDENTIFIER, "Unique Identifier").orElse(null);
        Integer requestedFormat = reader.optionalEnumeration(Tag.KEY_FORMAT_TYPE, "Key Format Type").orElse(null);
        // Refused before the object is opened (and stops being Fresh) when no object is served in that format.
        if (requestedFormat != null && !SERVED_FORMATS.contains(requestedFormat)) {
            throw new KmipException(ResultReason.KEY_FORMAT_TYPE_NOT_SUPPORTED, "objects are served as Raw, Opaque, "
                    + "PKCS#1, PKCS#8, X.509 or Transparent Symmetric Key, not Key Format Type " + requestedFormat);
        }
        if (reader.optionalEnumeration(Tag.KEY_COMPRESSION_TYPE, "Key Compression Type").isPresent()) {
            throw new KmipException(ResultReason.KEY_COMPRESSION_TYPE_NOT_SUPPORTED,
                    "keys are served uncompressed");
        }
        Ttlv.Structure specification = reader.optionalStructure(Tag.KEY_WRAPPING_SPECIFICATION,
                "Key Wrapping Specification").orElse(null);
        KeyWrapping wrapping = specification == null ? null : KeyWrapping.read(specification, context);
        int wrapType = reader.optionalEnumeration(Tag.KEY_WRAP_TYPE, "Key Wrap Type")
                .orElse(KmipEnums.KEY_WRAP_TYPE_NOT_WRAPPED);
        if (wrapType != KmipEnums.KEY_WRAP_TYPE_NOT_WRAPPED) {
            throw new KmipException(ResultReason.FEATURE_NOT_SUPPORTED, "keys are stored unwrapped for the client");
        }
        UUID id = context.resolveObjectId(uniqueIdentifier);
        // The wrapping key is opened first: a wrapping key refused leaves the key asked for unopened (still Fresh).
        try (ObjectMaterial wrappingKey = wrapping == null ? null
                     : custody.objects().openWrappingKey(context.caller(), wrapping.wrappingKey());
             ObjectMaterial opened = custody.objects().openMaterial(context.caller(), id)) {
            KmipObject object = opened.object();
            KeyBlocks blocks = plain -> wrapping == null ? plain : wrapping.wrap(plain, wrappingKey);
            // The response owns what it holds; the batch executor zeroes it once the response is encoded.
            Ttlv.Structure served = switch (object.objectType()) {
                case KmipObject.SYMMETRIC_KEY -> Ttlv.Structure.of(Tag.SYMMETRIC_KEY, blocks.of(symmetricKey(object,
                        opened.material().reveal(), requestedFormat)));
                case KmipObject.SECRET_DATA -> Ttlv.Structure.of(Tag.SECRET_DATA,
                        new Ttlv.EnumerationItem(Tag.SECRET_DATA_TYPE, object.dataType()),
                        blocks.of(KeyBlock.of(sameFormat(object, requestedFormat), opened.material().reveal().clone(),
                                null, null)));
                case KmipObject.OPAQUE_OBJECT -> Ttlv.Structure.of(Tag.OPAQUE_OBJECT,
                        new Ttlv.EnumerationItem(Tag.OPAQUE_DATA_TYPE, object.dataType()),
                        new Ttlv.ByteStringItem(Tag.OPAQUE_DATA_VALUE, withoutKeyBlock(requestedFormat, wrapping,
                                opened)));
                case KmipObject.TEMPLATE -> Templates.decode(withoutKeyBlock(requestedFormat, wrapping, opened));
                case KmipObject.SPLIT_KEY -> {
                    sameFormat(object, requestedFormat);
                    yield SplitKeys.served(opened.material().reveal(), blocks::of);
                }
                case KmipObject.CERTIFICATE -> Ttlv.Structure.of(Tag.CERTIFICATE,
                        new Ttlv.EnumerationItem(Tag.CERTIFICATE_TYPE, object.dataType()),
                        new Ttlv.ByteStringItem(Tag.CERTIFICATE_VALUE, withoutKeyBlock(requestedFormat, wrapping,
                                opened)));
                default -> Ttlv.Structure.of(object.objectType() == KmipObject.PUBLIC_KEY ? Tag.PUBLIC_KEY
                        : Tag.PRIVATE_KEY, blocks.of(asymmetricKey(object, opened.material().reveal(),
                        requestedFormat)));
            };
            return Ttlv.Structure.of(Tag.RESPONSE_PAYLOAD,
                    new Ttlv.EnumerationItem(Tag.OBJECT_TYPE, object.objectType()),
                    new Ttlv.TextStringItem(Tag.UNIQUE_IDENTIFIER, object.id().toString()),
                    served);
        }
    }

    /** A Key Block as served: wrapped when the request asks for it. */
    @FunctionalInterface
    private interface KeyBlocks {
        Ttlv.Structure of(Ttlv.Structure plain) throws KmipException;
    }

    private static Ttlv.Structure symmetricKey(KmipObject object, byte[] material, Integer requestedFormat)
            throws KmipException {
        int format = requestedFormat == null ? KmipEnums.KEY_FORMAT_RAW : requestedFormat;
        if (format != KmipEnums.KEY_FORMAT_RAW && format != KmipEnums.KEY_FORMAT_TRANSPARENT_SYMMETRIC) {
            throw new KmipException(ResultReason.KEY_FORMAT_TYPE_NOT_SUPPORTED,
                    "symmetric keys are served as Raw or Transparent Symmetric Key");
        }
        return KeyBlock.of(format, material.clone(), KeyAlgorithms.kmip(object.algorithm()), object.lengthBits());
    }

    private static Ttlv.Structure asymmetricKey(KmipObject object, byte[] material, Integer requestedFormat)
            throws KmipException {
        int kept = object.keyFormat();
        int format = requestedFormat == null ? kept : requestedFormat;
        return KeyBlock.of(format, AsymmetricEncodings.convert(object, kept, format, material),
                KeyAlgorithms.kmip(object.algorithm()), object.lengthBits());
    }

    /** Secret Data and Split Keys are served in the format they were registered in. */
    private static int sameFormat(KmipObject object, Integer requestedFormat) throws KmipException {
        if (requestedFormat != null && requestedFormat.intValue() != object.keyFormat()) {
            throw new KmipException(ResultReason.KEY_FORMAT_TYPE_NOT_SUPPORTED, "this object is served in the Key "
                    + "Format Type it was registered in, " + object.keyFormat());
        }
        return object.keyFormat();
    }

    /**
     * Certificates, Opaque Objects and Templates have no Key Block, so no Key Format Type or wrapping applies to
     * them.
     */
    private static byte[] withoutKeyBlock(Integer requestedFormat, KeyWrapping wrapping, ObjectMaterial opened)
            throws KmipException {
        if (requestedFormat != null) {
            throw new KmipException(ResultReason.KEY_FORMAT_TYPE_NOT_SUPPORTED, "a Key Format Type applies to "
                    + "keys and Secret Data; this object has no Key Block");
        }
        if (wrapping != null) {
            throw new KmipException(ResultReason.INVALID_FIELD, "a Key Wrapping Specification applies to keys and "
                    + "Secret Data; this object has no Key Block to wrap");
        }
        return opened.material().reveal().clone();
    }
}
