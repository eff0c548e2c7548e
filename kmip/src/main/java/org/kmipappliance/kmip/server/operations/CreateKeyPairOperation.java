package org.kmipappliance.kmip.server.operations;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.kmipappliance.hsm.KeyCustody;
import org.kmipappliance.hsm.KmipObject;
import org.kmipappliance.hsm.KmipObjects;
import org.kmipappliance.hsm.NewManagedObject;
import org.kmipappliance.hsm.ObjectAttribute;
import org.kmipappliance.kmip.message.KmipEnums;
import org.kmipappliance.kmip.message.KmipException;
import org.kmipappliance.kmip.message.Operation;
import org.kmipappliance.kmip.message.ProtocolVersion;
import org.kmipappliance.kmip.message.ResultReason;
import org.kmipappliance.kmip.message.StructureReader;
import org.kmipappliance.kmip.message.Tag;
import org.kmipappliance.kmip.server.BatchContext;
import org.kmipappliance.kmip.server.KmipOperation;
import org.kmipappliance.kmip.ttlv.Ttlv;

/**
 * Create Key Pair (KMIP 1.4 section 4.2): an RSA (2048 to 4096 bits) or EC (P-256, P-384, P-521) key pair generated
 * by the HSM, both halves sealed under the adapter's root key in one transaction: the public key kept as X.509
 * SubjectPublicKeyInfo, the private key as PKCS#8 (Get converts RSA keys to PKCS#1 on request). Each half carries a
 * Link to the other (Private Key Link on the public key, Public Key Link on the private key). The Common
 * Template-Attribute applies to both; the Private and Public Key Template-Attributes to one each and win over the
 * common one (a single-instance attribute given in both is the specific one's). Usage masks are per key. The ID
 * Placeholder becomes the private key's id.
 *
 * <p>Errors (table 329): no algorithm or length, an algorithm other than RSA or EC, a length the HSM does not make,
 * the templates disagreeing on algorithm or length, an attribute the client may not set, a Name already used:
 * Invalid Field; HSM failure: Cryptographic Failure.
 */
public final class CreateKeyPairOperation implements KmipOperation {
    private final KeyCustody custody;

    public CreateKeyPairOperation(KeyCustody custody) {
        this.custody = custody;
    }

    @Override
    public Operation operation() {
        return Operation.CREATE_KEY_PAIR;
    }

    @Override
    public Ttlv.Structure execute(Ttlv.Structure payload, BatchContext context) throws KmipException {
        StructureReader reader = StructureReader.ofPayload(payload, "Create Key Pair");
        PairTemplates templates = templates(reader, context, custody);
        TemplateAttributes privateTemplate = templates.privateKey();
        TemplateAttributes publicTemplate = templates.publicKey();
        int kmipAlgorithm = agreed(privateTemplate, publicTemplate, KmipAttribute.CRYPTOGRAPHIC_ALGORITHM);
        int length = agreed(privateTemplate, publicTemplate, KmipAttribute.CRYPTOGRAPHIC_LENGTH);
        String algorithm = KeyAlgorithms.stored(kmipAlgorithm)
                .filter(name -> name.equals(KmipObjects.RSA) || name.equals(KmipObjects.EC)
                        || name.equals(KmipObjects.ECDSA))
                .orElseThrow(() -> new KmipException(ResultReason.INVALID_FIELD,
                        "this server creates RSA and EC key pairs only"));
        KmipObjects.KeyPairIds ids = custody.objects().createKeyPair(context.caller(),
                half(KmipObject.PUBLIC_KEY, algorithm, length, KmipEnums.KEY_FORMAT_X509, publicTemplate),
                half(KmipObject.PRIVATE_KEY, algorithm, length, KmipEnums.KEY_FORMAT_PKCS8, privateTemplate),
                Attributes::link);
        String privateId = ids.privateKeyId().toString();
        String publicId = ids.publicKeyId().toString();
        context.setIdPlaceholder(privateId);
        context.setTarget(privateId + " " + publicId);
        return Ttlv.Structure.of(Tag.RESPONSE_PAYLOAD,
                new Ttlv.TextStringItem(Tag.PRIVATE_KEY_UNIQUE_IDENTIFIER, privateId),
                new Ttlv.TextStringItem(Tag.PUBLIC_KEY_UNIQUE_IDENTIFIER, publicId));
    }

    /** What each half of a pair is made with: the Common Template-Attribute with its own over it. */
    record PairTemplates(TemplateAttributes privateKey, TemplateAttributes publicKey) {
    }

    /** The request's Template-Attributes, as each half gets them (Re-key Key Pair reads them too). */
    static PairTemplates templates(StructureReader reader, BatchContext context, KeyCustody custody)
            throws KmipException {
        TemplateAttributes common = template(reader, Tag.COMMON_TEMPLATE_ATTRIBUTE, context, custody);
        return new PairTemplates(merged(common, template(reader, Tag.PRIVATE_KEY_TEMPLATE_ATTRIBUTE, context,
                custody), context.version()), merged(common, template(reader, Tag.PUBLIC_KEY_TEMPLATE_ATTRIBUTE,
                context, custody), context.version()));
    }

    /** One of the request's Template-Attributes, empty when it is not given. */
    private static TemplateAttributes template(StructureReader reader, int tag, BatchContext context,
                                               KeyCustody custody) throws KmipException {
        Ttlv.Structure template = reader.optionalStructure(tag, "Template-Attribute").orElse(null);
        return template == null ? new TemplateAttributes(Map.of(), List.of())
                : TemplateAttributes.read(template, context, custody);
    }

    /**
     * The common template with one key's own over it: its fixed attributes win, its client attributes follow the
     * common ones with indexes renumbered per name; a single-instance attribute in both is the specific one's.
     */
    private static TemplateAttributes merged(TemplateAttributes common, TemplateAttributes specific,
                                             ProtocolVersion version) {
        Map<KmipAttribute, Ttlv> fixed = new HashMap<>(common.fixed());
        fixed.putAll(specific.fixed());
        List<ObjectAttribute> stored = new ArrayList<>();
        Map<String, Integer> next = new HashMap<>();
        for (ObjectAttribute attribute : common.stored()) {
            boolean overridden = KmipAttribute.named(attribute.name(), version)
                    .filter(known -> known.owner() == KmipAttribute.Owner.CLIENT_SINGLE).isPresent()
                    && specific.stored().stream().anyMatch(own -> own.name().equals(attribute.name()));
            if (!overridden) {
                stored.add(renumbered(attribute, next));
            }
        }
        for (ObjectAttribute attribute : specific.stored()) {
            stored.add(renumbered(attribute, next));
        }
        return new TemplateAttributes(fixed, stored);
    }

    private static ObjectAttribute renumbered(ObjectAttribute attribute, Map<String, Integer> next) {
        int index = next.merge(attribute.name(), 1, Integer::sum) - 1;
        return new ObjectAttribute(attribute.name(), index, attribute.value(), attribute.uniqueKey());
    }

    /** An algorithm or length both keys have, and the same one. */
    private static int agreed(TemplateAttributes privateTemplate, TemplateAttributes publicTemplate,
                              KmipAttribute attribute) throws KmipException {
        int ofPrivate = value(privateTemplate.required(attribute));
        int ofPublic = value(publicTemplate.required(attribute));
        if (ofPrivate != ofPublic) {
            throw new KmipException(ResultReason.INVALID_FIELD, "the private and public key templates give "
                    + "different values of " + attribute.attributeName());
        }
        return ofPrivate;
    }

    private static int value(Ttlv item) {
        return item instanceof Ttlv.EnumerationItem enumeration ? enumeration.value()
                : ((Ttlv.IntegerItem) item).value();
    }

    private static NewManagedObject half(int objectType, String algorithm, int length, int format,
                                         TemplateAttributes template) {
        return new NewManagedObject(objectType, algorithm, length, template.usageMaskOr(0), null, format,
                template.activationDate(), template.deactivationDate(), template.stored());
    }
}
