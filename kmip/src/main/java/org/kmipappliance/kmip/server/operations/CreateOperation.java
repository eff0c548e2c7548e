package org.kmipappliance.kmip.server.operations;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.kmipappliance.hsm.KeyCustody;
import org.kmipappliance.hsm.KmipObject;
import org.kmipappliance.hsm.NewSymmetricKey;
import org.kmipappliance.hsm.ObjectAttribute;
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
    /**
     * Most attributes accepted in one Template-Attribute. Real clients send under ten; the limit bounds the work
     * and storage one request can cause.
     */
    static final int MAX_ATTRIBUTES = 64;

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
        Ttlv.Structure template = reader.requiredStructure(Tag.TEMPLATE_ATTRIBUTE, "Template-Attribute");
        if (!template.all(Tag.NAME).isEmpty()) {
            throw new KmipException(ResultReason.ITEM_NOT_FOUND,
                    "the Template-Attribute names a template; this server has no templates");
        }
        List<Ttlv.Structure> attributes = StructureReader.of(template, "Template-Attribute")
                .structures(Tag.ATTRIBUTE, "Attribute");
        if (attributes.size() > MAX_ATTRIBUTES) {
            throw new KmipException(ResultReason.INVALID_MESSAGE, "a Template-Attribute may hold at most "
                    + MAX_ATTRIBUTES + " attributes");
        }
        Map<KmipAttribute, Ttlv> fixed = new HashMap<>();
        Map<String, Integer> instances = new HashMap<>();
        List<ObjectAttribute> stored = new ArrayList<>();
        for (Ttlv.Structure item : attributes) {
            Attributes.Requested attribute = Attributes.read(item);
            KmipAttribute known = KmipAttribute.named(attribute.name(), context.version()).orElse(null);
            if (known != null && known.owner() == KmipAttribute.Owner.AT_CREATE) {
                Attributes.requireType(known, attribute.value());
                if (fixed.put(known, attribute.value()) != null) {
                    throw new KmipException(ResultReason.INVALID_FIELD, attribute.name() + " was given twice");
                }
                continue;
            }
            if (known != null && known.owner() == KmipAttribute.Owner.SERVER) {
                throw new KmipException(ResultReason.INVALID_FIELD, attribute.name() + " is set by the server");
            }
            int index = instances.merge(attribute.name(), 1, Integer::sum) - 1;
            if (known != null && known.owner() == KmipAttribute.Owner.CLIENT_SINGLE && index > 0) {
                throw new KmipException(ResultReason.INVALID_FIELD, attribute.name() + " has a single instance");
            }
            stored.add(Attributes.toStored(attribute.name(), attribute.value(), index, context.version()));
        }
        String algorithm = KeyAlgorithms.stored(((Ttlv.EnumerationItem) required(fixed,
                KmipAttribute.CRYPTOGRAPHIC_ALGORITHM)).value()).orElseThrow(() -> new KmipException(
                ResultReason.INVALID_FIELD, "this server creates AES and 3DES keys only"));
        int length = ((Ttlv.IntegerItem) required(fixed, KmipAttribute.CRYPTOGRAPHIC_LENGTH)).value();
        int usageMask = ((Ttlv.IntegerItem) required(fixed, KmipAttribute.CRYPTOGRAPHIC_USAGE_MASK)).value();
        Ttlv activation = fixed.get(KmipAttribute.ACTIVATION_DATE);
        Instant activationDate = activation == null ? null : ((Ttlv.DateTimeItem) activation).instant();
        KmipObject created = custody.objects().createSymmetricKey(context.caller(),
                new NewSymmetricKey(algorithm, length, usageMask, activationDate, stored));
        String uniqueIdentifier = created.id().toString();
        context.setIdPlaceholder(uniqueIdentifier);
        context.setTarget(uniqueIdentifier);
        return Ttlv.Structure.of(Tag.RESPONSE_PAYLOAD,
                new Ttlv.EnumerationItem(Tag.OBJECT_TYPE, KmipEnums.OBJECT_TYPE_SYMMETRIC_KEY),
                new Ttlv.TextStringItem(Tag.UNIQUE_IDENTIFIER, uniqueIdentifier));
    }

    private static Ttlv required(Map<KmipAttribute, Ttlv> fixed, KmipAttribute attribute) throws KmipException {
        Ttlv value = fixed.get(attribute);
        if (value == null) {
            throw new KmipException(ResultReason.INVALID_FIELD, "the " + attribute.attributeName()
                    + " attribute is required");
        }
        return value;
    }
}
