package org.kmipappliance.kmip.server.operations;

import org.kmipappliance.hsm.KeyCustody;
import org.kmipappliance.hsm.KmipObject;
import org.kmipappliance.hsm.KmipObjects;
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
 * Create (KMIP 1.4 section 4.1): a Symmetric Key generated in the HSM and sealed under the adapter's root key.
 * The new key is Pre-Active and its id becomes the batch's ID Placeholder.
 *
 * <p>Errors (table 328): object type other than Symmetric Key, missing or invalid Cryptographic Algorithm,
 * Length or Usage Mask: Invalid Field; a template named: Item Not Found; HSM failure: Cryptographic Failure.
 */
public final class CreateOperation implements KmipOperation {
    static final String CRYPTOGRAPHIC_ALGORITHM = "Cryptographic Algorithm";
    static final String CRYPTOGRAPHIC_LENGTH = "Cryptographic Length";
    static final String CRYPTOGRAPHIC_USAGE_MASK = "Cryptographic Usage Mask";

    private final KeyCustody custody;

    public CreateOperation(KeyCustody custody) {
        this.custody = custody;
    }

    @Override
    public Operation operation() {
        return Operation.CREATE;
    }

    @Override
    public Ttlv.Structure execute(Ttlv.Structure payload, BatchContext context) throws KmipException {
        StructureReader reader = StructureReader.ofPayload(payload, "Create");
        int objectType = reader.requiredEnumeration(Tag.OBJECT_TYPE, "Object Type");
        if (objectType != KmipEnums.OBJECT_TYPE_SYMMETRIC_KEY) {
            throw new KmipException(ResultReason.INVALID_FIELD, "this server creates Symmetric Keys only");
        }
        TemplateAttributes attributes = TemplateAttributes.parse(
                reader.requiredStructure(Tag.TEMPLATE_ATTRIBUTE, "Template-Attribute"));
        int algorithm = attributes.requiredEnumeration(CRYPTOGRAPHIC_ALGORITHM);
        if (algorithm != KmipEnums.ALGORITHM_AES) {
            throw new KmipException(ResultReason.INVALID_FIELD, "this server creates AES keys only");
        }
        int length = attributes.requiredInteger(CRYPTOGRAPHIC_LENGTH);
        int usageMask = attributes.requiredInteger(CRYPTOGRAPHIC_USAGE_MASK);
        KmipObject created = custody.objects().createSymmetricKey(context.caller(), KmipObjects.AES, length,
                usageMask);
        String uniqueIdentifier = created.id().toString();
        context.setIdPlaceholder(uniqueIdentifier);
        return Ttlv.Structure.of(Tag.RESPONSE_PAYLOAD,
                new Ttlv.EnumerationItem(Tag.OBJECT_TYPE, KmipEnums.OBJECT_TYPE_SYMMETRIC_KEY),
                new Ttlv.TextStringItem(Tag.UNIQUE_IDENTIFIER, uniqueIdentifier));
    }
}
