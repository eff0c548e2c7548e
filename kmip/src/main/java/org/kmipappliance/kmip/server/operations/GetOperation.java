package org.kmipappliance.kmip.server.operations;

import java.util.UUID;
import org.kmipappliance.hsm.KeyCustody;
import org.kmipappliance.hsm.KmipObject;
import org.kmipappliance.hsm.SymmetricKeyMaterial;
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
 * Get (KMIP 1.4 section 4.11): the key material, opened by the HSM, in Raw or Transparent Symmetric Key format.
 * Works in any state that still has material, Pre-Active included (vCenter gets a key before activating it).
 *
 * <p>Errors (table 338): unknown id: Item Not Found; another format: Key Format Type Not Supported; compression:
 * Key Compression Type Not Supported; wrapping: Feature Not Supported; destroyed material: Illegal Operation.
 */
public final class GetOperation implements KmipOperation {
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
        int format = reader.optionalEnumeration(Tag.KEY_FORMAT_TYPE, "Key Format Type")
                .orElse(KmipEnums.KEY_FORMAT_RAW);
        if (format != KmipEnums.KEY_FORMAT_RAW && format != KmipEnums.KEY_FORMAT_TRANSPARENT_SYMMETRIC) {
            throw new KmipException(ResultReason.KEY_FORMAT_TYPE_NOT_SUPPORTED,
                    "symmetric keys are served as Raw or Transparent Symmetric Key");
        }
        if (reader.optionalEnumeration(Tag.KEY_COMPRESSION_TYPE, "Key Compression Type").isPresent()) {
            throw new KmipException(ResultReason.KEY_COMPRESSION_TYPE_NOT_SUPPORTED,
                    "symmetric keys have no compressed form");
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
        try (SymmetricKeyMaterial key = custody.objects().openSymmetricKey(context.caller(), id)) {
            KmipObject object = key.object();
            // The response owns this copy; the batch executor zeroes it once the response is encoded.
            byte[] material = key.material().reveal().clone();
            Ttlv keyMaterial = format == KmipEnums.KEY_FORMAT_RAW
                    ? new Ttlv.ByteStringItem(Tag.KEY_MATERIAL, material)
                    : Ttlv.Structure.of(Tag.KEY_MATERIAL, new Ttlv.ByteStringItem(Tag.KEY, material));
            Ttlv.Structure keyBlock = Ttlv.Structure.of(Tag.KEY_BLOCK,
                    new Ttlv.EnumerationItem(Tag.KEY_FORMAT_TYPE, format),
                    Ttlv.Structure.of(Tag.KEY_VALUE, keyMaterial),
                    new Ttlv.EnumerationItem(Tag.CRYPTOGRAPHIC_ALGORITHM, KeyAlgorithms.kmip(object.algorithm())),
                    new Ttlv.IntegerItem(Tag.CRYPTOGRAPHIC_LENGTH, object.lengthBits()));
            return Ttlv.Structure.of(Tag.RESPONSE_PAYLOAD,
                    new Ttlv.EnumerationItem(Tag.OBJECT_TYPE, KmipEnums.OBJECT_TYPE_SYMMETRIC_KEY),
                    new Ttlv.TextStringItem(Tag.UNIQUE_IDENTIFIER, object.id().toString()),
                    Ttlv.Structure.of(Tag.SYMMETRIC_KEY, keyBlock));
        }
    }
}
