package org.kmipappliance.kmip.server.operations;

import org.kmipappliance.hsm.KeyCustody;
import org.kmipappliance.hsm.KmipObject;
import org.kmipappliance.hsm.NewSymmetricKey;
import org.kmipappliance.hsm.SecretBytes;
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
 * Register (KMIP 1.4 section 4.3) of a Symmetric Key a client made: its material, Raw or Transparent Symmetric Key,
 * is sealed under the adapter's root key as a generated key's is, and the database never holds it in clear. The
 * Key Block gives the algorithm (AES, 3DES) and length; the Template-Attribute gives the usage mask and client
 * attributes as on Create. The new key is Pre-Active unless an Activation Date has come, and its id becomes the ID
 * Placeholder. The request's copy of the material is zeroed once sealed.
 *
 * <p>Errors (table 330): an object type other than Symmetric Key, a Key Block whose algorithm, length and material
 * disagree, an attribute the client may not set, a Name already used: Invalid Field; a compressed key: Key
 * Compression Type Not Supported; another key format: Key Format Type Not Supported; a wrapped key: Feature Not
 * Supported (issue 13: key wrapping); a template named: Item Not Found.
 */
public final class RegisterOperation implements KmipOperation {
    private final KeyCustody custody;

    public RegisterOperation(KeyCustody custody) {
        this.custody = custody;
    }

    @Override
    public Operation operation() {
        return Operation.REGISTER;
    }

    @Override
    public Ttlv.Structure execute(Ttlv.Structure payload, BatchContext context) throws KmipException {
        StructureReader reader = StructureReader.ofPayload(payload, "Register");
        int objectType = reader.requiredEnumeration(Tag.OBJECT_TYPE, "Object Type");
        if (objectType != KmipEnums.OBJECT_TYPE_SYMMETRIC_KEY) {
            throw new KmipException(ResultReason.INVALID_FIELD, "this server registers Symmetric Keys only");
        }
        Ttlv.Structure symmetricKey = reader.requiredStructure(Tag.SYMMETRIC_KEY, "Symmetric Key");
        try {
            TemplateAttributes template = TemplateAttributes.read(reader.requiredStructure(Tag.TEMPLATE_ATTRIBUTE,
                    "Template-Attribute"), context.version());
            StructureReader keyBlock = StructureReader.of(StructureReader.of(symmetricKey, "Symmetric Key")
                    .requiredStructure(Tag.KEY_BLOCK, "Key Block"), "Key Block");
            int kmipAlgorithm = keyBlock.requiredEnumeration(Tag.CRYPTOGRAPHIC_ALGORITHM, "Cryptographic Algorithm");
            int length = keyBlock.requiredInteger(Tag.CRYPTOGRAPHIC_LENGTH, "Cryptographic Length");
            requireAgreement(template, KmipAttribute.CRYPTOGRAPHIC_ALGORITHM, kmipAlgorithm);
            requireAgreement(template, KmipAttribute.CRYPTOGRAPHIC_LENGTH, length);
            String algorithm = KeyAlgorithms.stored(kmipAlgorithm).orElseThrow(() -> new KmipException(
                    ResultReason.INVALID_FIELD, "this server keeps AES and 3DES keys only"));
            KmipObject registered;
            try (SecretBytes material = SecretBytes.copyOf(material(keyBlock))) {
                registered = custody.objects().registerSymmetricKey(context.caller(), new NewSymmetricKey(
                        algorithm, length, template.usageMask(), template.activationDate(), template.stored()),
                        material);
            }
            String uniqueIdentifier = registered.id().toString();
            context.setIdPlaceholder(uniqueIdentifier);
            context.setTarget(uniqueIdentifier);
            return Ttlv.Structure.of(Tag.RESPONSE_PAYLOAD,
                    new Ttlv.TextStringItem(Tag.UNIQUE_IDENTIFIER, uniqueIdentifier));
        } finally {
            Ttlv.wipeByteStrings(symmetricKey);
        }
    }

    /** The key's bytes from a Raw or Transparent Symmetric Key block that is neither compressed nor wrapped. */
    private static byte[] material(StructureReader keyBlock) throws KmipException {
        if (keyBlock.optionalEnumeration(Tag.KEY_COMPRESSION_TYPE, "Key Compression Type").isPresent()) {
            throw new KmipException(ResultReason.KEY_COMPRESSION_TYPE_NOT_SUPPORTED,
                    "symmetric keys have no compressed form");
        }
        if (keyBlock.optionalStructure(Tag.KEY_WRAPPING_DATA, "Key Wrapping Data").isPresent()) {
            throw new KmipException(ResultReason.FEATURE_NOT_SUPPORTED, "wrapped keys cannot be registered yet; "
                    + "register the key unwrapped over this mutually authenticated TLS connection");
        }
        int format = keyBlock.requiredEnumeration(Tag.KEY_FORMAT_TYPE, "Key Format Type");
        StructureReader keyValue = StructureReader.of(keyBlock.requiredStructure(Tag.KEY_VALUE, "Key Value"),
                "Key Value");
        return switch (format) {
            case KmipEnums.KEY_FORMAT_RAW -> keyValue.optionalBytes(Tag.KEY_MATERIAL, "Key Material")
                    .orElseThrow(() -> new KmipException(ResultReason.INVALID_FIELD, "a Raw key's Key Material is a "
                            + "Byte String"));
            case KmipEnums.KEY_FORMAT_TRANSPARENT_SYMMETRIC -> StructureReader.of(keyValue.requiredStructure(
                    Tag.KEY_MATERIAL, "Key Material"), "Key Material").optionalBytes(Tag.KEY, "Key")
                    .orElseThrow(() -> new KmipException(ResultReason.INVALID_FIELD, "a Transparent Symmetric Key "
                            + "holds its Key"));
            default -> throw new KmipException(ResultReason.KEY_FORMAT_TYPE_NOT_SUPPORTED,
                    "symmetric keys are registered as Raw or Transparent Symmetric Key");
        };
    }

    /** An algorithm or length in the Template-Attribute must say what the Key Block says. */
    private static void requireAgreement(TemplateAttributes template, KmipAttribute attribute, int keyBlockValue)
            throws KmipException {
        Ttlv given = template.fixed().get(attribute);
        int value = given instanceof Ttlv.EnumerationItem enumeration ? enumeration.value()
                : given instanceof Ttlv.IntegerItem integer ? integer.value() : keyBlockValue;
        if (value != keyBlockValue) {
            throw new KmipException(ResultReason.INVALID_FIELD, "the Template-Attribute's " + attribute
                    .attributeName() + " is not the Key Block's");
        }
    }
}
