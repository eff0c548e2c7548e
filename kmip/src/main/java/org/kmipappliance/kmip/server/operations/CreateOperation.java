package org.kmipappliance.kmip.server.operations;

import org.kmipappliance.hsm.KeyCustody;
import org.kmipappliance.hsm.KmipObject;
import org.kmipappliance.hsm.NewSymmetricKey;
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
 * The new key is Pre-Active, or Active when its Activation Date has come; its id becomes the ID Placeholder.
 * Client attributes (Name, Object Group, Application Specific Information, Contact Information, Alternative Name,
 * Cryptographic Parameters, Description, Comment, Link, Operation Policy Name, x-...) are stored.
 *
 * <p>Errors (table 328): object type other than Symmetric Key, missing or invalid Cryptographic Algorithm,
 * Length or Usage Mask, an attribute the client may not set, a Name already used in the adapter: Invalid Field;
 * a template named: Item Not Found; HSM failure: Cryptographic Failure.
 */
public final class CreateOperation implements KmipOperation {
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
        TemplateAttributes template = TemplateAttributes.read(reader.requiredStructure(Tag.TEMPLATE_ATTRIBUTE,
                "Template-Attribute"), context, custody);
        String algorithm = KeyAlgorithms.symmetric(((Ttlv.EnumerationItem) template.required(
                KmipAttribute.CRYPTOGRAPHIC_ALGORITHM)).value()).orElseThrow(() -> new KmipException(
                ResultReason.INVALID_FIELD, "this server creates AES and 3DES keys only"));
        int length = ((Ttlv.IntegerItem) template.required(KmipAttribute.CRYPTOGRAPHIC_LENGTH)).value();
        KmipObject created = custody.objects().createSymmetricKey(context.caller(), new NewSymmetricKey(algorithm,
                length, template.usageMask(), template.activationDate(), template.deactivationDate(),
                template.stored()));
        String uniqueIdentifier = created.id().toString();
        context.setIdPlaceholder(uniqueIdentifier);
        context.setTarget(uniqueIdentifier);
        return Ttlv.Structure.of(Tag.RESPONSE_PAYLOAD,
                new Ttlv.EnumerationItem(Tag.OBJECT_TYPE, KmipEnums.OBJECT_TYPE_SYMMETRIC_KEY),
                new Ttlv.TextStringItem(Tag.UNIQUE_IDENTIFIER, uniqueIdentifier));
    }
}
