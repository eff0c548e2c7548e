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
 * Opaque Objects as they were registered. Works in any state that still has material, Pre-Active included (vCenter
 * gets a key before activating it).
 *
 * <p>Errors (table 338): unknown id: Item Not Found; a format the object is not served in: Key Format Type Not
 * Supported; compression: Key Compression Type Not Supported; wrapping: Feature Not Supported; destroyed material:
 * Illegal Operation.
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
        if (reader.optionalStructure(Tag.KEY_WRAPPING_SPECIFICATION, "Key Wrapping Specification").isPresent()) {
            throw new KmipException(ResultReason.FEATURE_NOT_SUPPORTED, "wrapping keys on Get is not supported");
        }
        int wrapType = reader.optionalEnumeration(Tag.KEY_WRAP_TYPE, "Key Wrap Type")
                .orElse(KmipEnums.KEY_WRAP_TYPE_NOT_WRAPPED);
        if (wrapType != KmipEnums.KEY_WRAP_TYPE_NOT_WRAPPED) {
            throw new KmipException(ResultReason.FEATURE_NOT_SUPPORTED, "keys are stored unwrapped for the client");
        }
        UUID id = context.resolveObjectId(uniqueIdentifier);
        try (ObjectMaterial opened = custody.objects().openMaterial(context.caller(), id)) {
            KmipObject object = opened.object();
            // The response owns what it holds; the batch executor zeroes it once the response is encoded.
            Ttlv.Structure served = switch (object.objectType()) {
                case KmipObject.SYMMETRIC_KEY -> symmetricKey(object, opened.material().reveal(), requestedFormat);
                case KmipObject.SECRET_DATA -> Ttlv.Structure.of(Tag.SECRET_DATA,
                        new Ttlv.EnumerationItem(Tag.SECRET_DATA_TYPE, object.dataType()),
                        KeyBlock.of(sameFormat(object, requestedFormat), opened.material().reveal().clone(),
                                null, null));
                case KmipObject.OPAQUE_OBJECT -> Ttlv.Structure.of(Tag.OPAQUE_OBJECT,
                        new Ttlv.EnumerationItem(Tag.OPAQUE_DATA_TYPE, object.dataType()),
                        new Ttlv.ByteStringItem(Tag.OPAQUE_DATA_VALUE, withoutFormat(requestedFormat, opened)));
                case KmipObject.CERTIFICATE -> Ttlv.Structure.of(Tag.CERTIFICATE,
                        new Ttlv.EnumerationItem(Tag.CERTIFICATE_TYPE, object.dataType()),
                        new Ttlv.ByteStringItem(Tag.CERTIFICATE_VALUE, withoutFormat(requestedFormat, opened)));
                default -> asymmetricKey(object, opened.material().reveal(), requestedFormat);
            };
            return Ttlv.Structure.of(Tag.RESPONSE_PAYLOAD,
                    new Ttlv.EnumerationItem(Tag.OBJECT_TYPE, object.objectType()),
                    new Ttlv.TextStringItem(Tag.UNIQUE_IDENTIFIER, object.id().toString()),
                    served);
        }
    }

    private static Ttlv.Structure symmetricKey(KmipObject object, byte[] material, Integer requestedFormat)
            throws KmipException {
        int format = requestedFormat == null ? KmipEnums.KEY_FORMAT_RAW : requestedFormat;
        if (format != KmipEnums.KEY_FORMAT_RAW && format != KmipEnums.KEY_FORMAT_TRANSPARENT_SYMMETRIC) {
            throw new KmipException(ResultReason.KEY_FORMAT_TYPE_NOT_SUPPORTED,
                    "symmetric keys are served as Raw or Transparent Symmetric Key");
        }
        return Ttlv.Structure.of(Tag.SYMMETRIC_KEY, KeyBlock.of(format, material.clone(),
                KeyAlgorithms.kmip(object.algorithm()), object.lengthBits()));
    }

    private static Ttlv.Structure asymmetricKey(KmipObject object, byte[] material, Integer requestedFormat)
            throws KmipException {
        int kept = object.keyFormat();
        int format = requestedFormat == null ? kept : requestedFormat;
        int tag = object.objectType() == KmipObject.PUBLIC_KEY ? Tag.PUBLIC_KEY : Tag.PRIVATE_KEY;
        return Ttlv.Structure.of(tag, KeyBlock.of(format, AsymmetricEncodings.convert(object, kept, format, material),
                KeyAlgorithms.kmip(object.algorithm()), object.lengthBits()));
    }

    /** Secret Data is served in the format it was registered in. */
    private static int sameFormat(KmipObject object, Integer requestedFormat) throws KmipException {
        if (requestedFormat != null && requestedFormat.intValue() != object.keyFormat()) {
            throw new KmipException(ResultReason.KEY_FORMAT_TYPE_NOT_SUPPORTED, "this Secret Data is served in "
                    + "the Key Format Type it was registered in, " + object.keyFormat());
        }
        return object.keyFormat();
    }

    /** Certificates and Opaque Objects have no Key Block, so no Key Format Type applies to them. */
    private static byte[] withoutFormat(Integer requestedFormat, ObjectMaterial opened) throws KmipException {
        if (requestedFormat != null) {
            throw new KmipException(ResultReason.KEY_FORMAT_TYPE_NOT_SUPPORTED, "a Key Format Type applies to "
                    + "keys and Secret Data; this object has no Key Block");
        }
        return opened.material().reveal().clone();
    }
}
