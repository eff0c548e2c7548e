package org.kmipappliance.kmip.server.operations;

import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.kmipappliance.hsm.KeyCustody;
import org.kmipappliance.hsm.KmipObject;
import org.kmipappliance.hsm.NewManagedObject;
import org.kmipappliance.hsm.NewSymmetricKey;
import org.kmipappliance.hsm.ObjectAttribute;
import org.kmipappliance.hsm.ObjectMaterial;
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
 * Register (KMIP 1.4 section 4.3) of an object a client made: a Symmetric Key (Raw or Transparent Symmetric Key),
 * Secret Data (a password or seed), an Opaque Object, an X.509 Certificate, or a Public or Private Key (RSA as
 * PKCS#1, or RSA and EC as X.509 / PKCS#8). The material is sealed under the adapter's root key as a generated key
 * is, certificates and public keys included, and the database never holds it in clear. A Key Block's algorithm and
 * length must be those of its material (parsed: a malformed key or certificate is refused); the Template-Attribute
 * gives the usage mask (required for symmetric keys, none for the others when absent) and client attributes as on
 * Create. The new object is Pre-Active unless an Activation Date has come, and its id becomes the ID Placeholder.
 * The request's copy of the material is zeroed once sealed.
 *
 * A Template (deprecated since 1.3, still defined) holds the attributes of the objects made with it, checked as a
 * Create's are; its own Name comes in the Template-Attribute.
 *
 * A Split Key (one part of a key split among holders) is kept whole, its description and Key Block sealed
 * together; the server neither splits nor joins.
 *
 * <p>Errors (table 330): a Split Key whose description is inconsistent, a Key Block whose
 * algorithm, length and material disagree, malformed material, an attribute the client may not set, a Name already
 * used: Invalid Field; a compressed key: Key Compression Type Not Supported; a format not kept for the type: Key
 * Format Type Not Supported; a key wrapped other than by Encrypt with AES Key Wrap: Feature Not Supported; one
 * wrapped under a key the adapter does not have: Item Not Found; one that does not unwrap: Cryptographic Failure; a
 * template named that
 * the adapter does not have: Item Not Found.
 */
public final class RegisterOperation implements KmipOperation {
    /** The structure that carries each object type this server registers. */
    private static final Map<Integer, Integer> OBJECT_TAGS = Map.of(
            KmipEnums.OBJECT_TYPE_SYMMETRIC_KEY, Tag.SYMMETRIC_KEY,
            KmipEnums.OBJECT_TYPE_SECRET_DATA, Tag.SECRET_DATA,
            KmipEnums.OBJECT_TYPE_OPAQUE_OBJECT, Tag.OPAQUE_OBJECT,
            KmipEnums.OBJECT_TYPE_CERTIFICATE, Tag.CERTIFICATE,
            KmipEnums.OBJECT_TYPE_PUBLIC_KEY, Tag.PUBLIC_KEY,
            KmipEnums.OBJECT_TYPE_PRIVATE_KEY, Tag.PRIVATE_KEY,
            KmipEnums.OBJECT_TYPE_SPLIT_KEY, Tag.SPLIT_KEY,
            KmipEnums.OBJECT_TYPE_TEMPLATE, Tag.TEMPLATE);
    /** Secret Data Type values of KMIP 1.0 to 1.4: Password and Seed. */
    private static final int SECRET_DATA_PASSWORD = 0x01;
    private static final int SECRET_DATA_SEED = 0x02;

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
        Integer objectTag = OBJECT_TAGS.get(objectType);
        if (objectTag == null) {
            throw new KmipException(ResultReason.INVALID_FIELD, "this server registers Symmetric Keys, Secret Data, "
                    + "Opaque Objects, Certificates, Public Keys, Private Keys, Split Keys and Templates; not object "
                    + "type " + objectType);
        }
        Ttlv.Structure object = reader.requiredStructure(objectTag, "the object");
        Ttlv.Structure plain = null;
        try {
            plain = unwrapped(object, context);
            TemplateAttributes template = TemplateAttributes.read(reader.requiredStructure(Tag.TEMPLATE_ATTRIBUTE,
                    "Template-Attribute"), context, custody);
            StructureReader fields = StructureReader.of(plain, "the object");
            KmipObject registered = objectType == KmipEnums.OBJECT_TYPE_SYMMETRIC_KEY
                    ? registerSymmetricKey(fields, template, context)
                    : registerObject(objectType, fields, template, context);
            String uniqueIdentifier = registered.id().toString();
            context.setIdPlaceholder(uniqueIdentifier);
            context.setTarget(uniqueIdentifier);
            return Ttlv.Structure.of(Tag.RESPONSE_PAYLOAD,
                    new Ttlv.TextStringItem(Tag.UNIQUE_IDENTIFIER, uniqueIdentifier));
        } finally {
            Ttlv.wipeByteStrings(object);
            if (plain != null) {
                Ttlv.wipeByteStrings(plain);
            }
        }
    }

    /**
     * The object with its Key Block unwrapped when the client registers it wrapped (Key Wrapping Data naming an AES
     * key of the adapter that allows Unwrap Key, see {@link KeyWrapping}); else the object itself. The key is then
     * checked and sealed as if it had come unwrapped: custody never keeps a key it cannot open.
     */
    private Ttlv.Structure unwrapped(Ttlv.Structure object, BatchContext context) throws KmipException {
        if (!(object.first(Tag.KEY_BLOCK).orElse(null) instanceof Ttlv.Structure keyBlock)
                || !(keyBlock.first(Tag.KEY_WRAPPING_DATA).orElse(null) instanceof Ttlv.Structure wrappingData)) {
            return object;
        }
        KeyWrapping wrapping = KeyWrapping.read(wrappingData, context);
        Ttlv.Structure plainBlock;
        try (ObjectMaterial unwrappingKey = custody.objects().openUnwrappingKey(context.caller(),
                wrapping.wrappingKey())) {
            plainBlock = wrapping.unwrap(keyBlock, unwrappingKey);
        }
        List<Ttlv> fields = new ArrayList<>();
        for (Ttlv item : object.items()) {
            fields.add(item.tag() == Tag.KEY_BLOCK ? plainBlock : item);
        }
        return new Ttlv.Structure(object.tag(), fields);
    }

    private KmipObject registerSymmetricKey(StructureReader symmetricKey, TemplateAttributes template,
                                            BatchContext context) throws KmipException {
        KeyBlock block = KeyBlock.read(symmetricKey, Set.of(KmipEnums.KEY_FORMAT_RAW,
                KmipEnums.KEY_FORMAT_TRANSPARENT_SYMMETRIC), "symmetric keys are registered as Raw or Transparent "
                + "Symmetric Key");
        int kmipAlgorithm = block.requiredAlgorithm();
        int length = block.requiredLength();
        requireAgreement(template, KmipAttribute.CRYPTOGRAPHIC_ALGORITHM, kmipAlgorithm);
        requireAgreement(template, KmipAttribute.CRYPTOGRAPHIC_LENGTH, length);
        String algorithm = KeyAlgorithms.symmetric(kmipAlgorithm).orElseThrow(() -> new KmipException(
                ResultReason.INVALID_FIELD, "this server keeps AES and 3DES symmetric keys only"));
        try (SecretBytes material = SecretBytes.copyOf(block.material())) {
            return custody.objects().registerSymmetricKey(context.caller(), new NewSymmetricKey(algorithm, length,
                    template.usageMask(), template.activationDate(), template.deactivationDate(), template.stored()),
                    material);
        }
    }

    private KmipObject registerObject(int objectType, StructureReader fields, TemplateAttributes template,
                                      BatchContext context) throws KmipException {
        byte[] material;
        // Material encoded here (a Split Key's part) rather than the request's own bytes, which Register wipes.
        boolean encodedHere = false;
        // What the server reads from the object itself and keeps with it (a certificate's identifiers).
        List<ObjectAttribute> fromObject = List.of();
        String algorithm = null;
        Integer length = null;
        Integer dataType = null;
        Integer format = null;
        switch (objectType) {
            case KmipEnums.OBJECT_TYPE_SECRET_DATA -> {
                dataType = fields.requiredEnumeration(Tag.SECRET_DATA_TYPE, "Secret Data Type");
                if (dataType != SECRET_DATA_PASSWORD && dataType != SECRET_DATA_SEED) {
                    throw new KmipException(ResultReason.INVALID_FIELD, "Secret Data Type is Password (1) or Seed "
                            + "(2), not " + dataType);
                }
                KeyBlock block = KeyBlock.read(fields, Set.of(KmipEnums.KEY_FORMAT_OPAQUE, KmipEnums.KEY_FORMAT_RAW),
                        "Secret Data is registered as Opaque or Raw bytes");
                format = block.format();
                material = block.material();
            }
            case KmipEnums.OBJECT_TYPE_OPAQUE_OBJECT -> {
                dataType = fields.requiredEnumeration(Tag.OPAQUE_DATA_TYPE, "Opaque Data Type");
                material = fields.optionalBytes(Tag.OPAQUE_DATA_VALUE, "Opaque Data Value").orElseThrow(() ->
                        new KmipException(ResultReason.INVALID_FIELD, "an Opaque Object holds its Opaque Data Value"));
            }
            case KmipEnums.OBJECT_TYPE_SPLIT_KEY -> {
                SplitKeys.Part part = SplitKeys.read(fields);
                try {
                    if (part.algorithm() != null) {
                        requireAgreement(template, KmipAttribute.CRYPTOGRAPHIC_ALGORITHM, part.algorithm());
                        algorithm = KeyAlgorithms.stored(part.algorithm()).orElseThrow(() -> new KmipException(
                                ResultReason.INVALID_FIELD, "this server keeps parts of AES, 3DES, RSA and EC keys, "
                                + "not of Cryptographic Algorithm " + part.algorithm()));
                    }
                    if (part.length() != null) {
                        requireAgreement(template, KmipAttribute.CRYPTOGRAPHIC_LENGTH, part.length());
                    }
                } catch (KmipException refused) {
                    Arrays.fill(part.content(), (byte) 0); // the encoded part holds the key share
                    throw refused;
                }
                length = part.length();
                format = part.format();
                material = part.content();
                encodedHere = true;
            }
            case KmipEnums.OBJECT_TYPE_TEMPLATE -> {
                if (!template.fixed().isEmpty()) {
                    throw new KmipException(ResultReason.INVALID_FIELD, "the attributes a template gives new objects "
                            + "go in its Template structure; the Template-Attribute holds the template's own (Name)");
                }
                material = Templates.content(fields.structure(), context.version());
            }
            case KmipEnums.OBJECT_TYPE_CERTIFICATE -> {
                dataType = fields.requiredEnumeration(Tag.CERTIFICATE_TYPE, "Certificate Type");
                if (dataType != KmipEnums.CERTIFICATE_TYPE_X509) {
                    throw new KmipException(ResultReason.INVALID_FIELD, "this server keeps X.509 certificates only");
                }
                material = fields.optionalBytes(Tag.CERTIFICATE_VALUE, "Certificate Value").orElseThrow(() ->
                        new KmipException(ResultReason.INVALID_FIELD, "a Certificate holds its Certificate Value"));
                X509Certificate certificate = AsymmetricEncodings.x509(material);
                AsymmetricEncodings.Described certified = AsymmetricEncodings.certified(certificate);
                algorithm = certified.algorithm();
                length = algorithm == null ? null : certified.lengthBits();
                fromObject = CertificateAttributes.of(certificate, material.length);
            }
            default -> {
                boolean isPublic = objectType == KmipEnums.OBJECT_TYPE_PUBLIC_KEY;
                KeyBlock block = isPublic
                        ? KeyBlock.read(fields, Set.of(KmipEnums.KEY_FORMAT_PKCS1, KmipEnums.KEY_FORMAT_X509),
                                "public keys are kept as PKCS#1 (RSA) or X.509 SubjectPublicKeyInfo")
                        : KeyBlock.read(fields, Set.of(KmipEnums.KEY_FORMAT_PKCS1, KmipEnums.KEY_FORMAT_PKCS8),
                                "private keys are kept as PKCS#1 (RSA) or PKCS#8");
                int declaredAlgorithm = block.requiredAlgorithm();
                AsymmetricEncodings.Described key = isPublic
                        ? AsymmetricEncodings.publicKey(block.format(), block.material(), declaredAlgorithm)
                        : AsymmetricEncodings.privateKey(block.format(), block.material(), declaredAlgorithm);
                int declaredLength = block.requiredLength();
                if (declaredLength != key.lengthBits()) {
                    throw new KmipException(ResultReason.INVALID_FIELD, "the Key Block says " + declaredLength
                            + " bits; the key is " + key.lengthBits());
                }
                requireAgreement(template, KmipAttribute.CRYPTOGRAPHIC_ALGORITHM, declaredAlgorithm);
                requireAgreement(template, KmipAttribute.CRYPTOGRAPHIC_LENGTH, declaredLength);
                algorithm = key.algorithm();
                length = key.lengthBits();
                format = block.format();
                material = block.material();
            }
        }
        try (SecretBytes sealed = encodedHere ? SecretBytes.adopt(material) : SecretBytes.copyOf(material)) {
            return custody.objects().registerObject(context.caller(), new NewManagedObject(objectType, algorithm,
                    length, template.usageMaskOr(0), dataType, format, template.activationDate(),
                    template.deactivationDate(), Stream.concat(template.stored().stream(), fromObject.stream())
                    .toList()), sealed);
        }
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
