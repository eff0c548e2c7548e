package org.kmipappliance.kmip.server.operations;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.kmipappliance.hsm.KmipObject;
import org.kmipappliance.kmip.message.KmipEnums;
import org.kmipappliance.kmip.message.ProtocolVersion;
import org.kmipappliance.kmip.message.Tag;
import org.kmipappliance.kmip.ttlv.ItemType;
import org.kmipappliance.kmip.ttlv.Ttlv;

/**
 * Every attribute of a managed object this server knows (KMIP 1.4 section 3), in one table: its name, the protocol
 * version that introduced it, its type, how many instances it may have, and who sets it. Server attributes are
 * derived from the object's record, never stored twice; client attributes are stored as the client sent them.
 * Custom attributes ({@code x-} from clients) are not listed: any name with that prefix is accepted.
 */
public enum KmipAttribute {
    UNIQUE_IDENTIFIER("Unique Identifier", ProtocolVersion.V1_0, ItemType.TEXT_STRING, Owner.SERVER,
            object -> text(object.id().toString())),
    NAME("Name", ProtocolVersion.V1_0, ItemType.STRUCTURE, Owner.CLIENT_MULTI, null),
    OBJECT_TYPE("Object Type", ProtocolVersion.V1_0, ItemType.ENUMERATION, Owner.SERVER,
            object -> enumeration(object.objectType())),
    CRYPTOGRAPHIC_ALGORITHM("Cryptographic Algorithm", ProtocolVersion.V1_0, ItemType.ENUMERATION, Owner.AT_CREATE,
            object -> object.algorithm() == null ? null : enumeration(KeyAlgorithms.kmip(object.algorithm()))),
    CRYPTOGRAPHIC_LENGTH("Cryptographic Length", ProtocolVersion.V1_0, ItemType.INTEGER, Owner.AT_CREATE,
            object -> object.lengthBits() == null ? null : integer(object.lengthBits())),
    CRYPTOGRAPHIC_PARAMETERS("Cryptographic Parameters", ProtocolVersion.V1_0, ItemType.STRUCTURE,
            Owner.CLIENT_MULTI, null),
    CRYPTOGRAPHIC_USAGE_MASK("Cryptographic Usage Mask", ProtocolVersion.V1_0, ItemType.INTEGER, Owner.AT_CREATE,
            object -> integer(object.usageMask())),
    DIGEST("Digest", ProtocolVersion.V1_0, ItemType.STRUCTURE, Owner.SERVER, KmipAttribute::digest),
    CERTIFICATE_TYPE("Certificate Type", ProtocolVersion.V1_0, ItemType.ENUMERATION, Owner.SERVER,
            object -> object.objectType() == KmipObject.CERTIFICATE ? enumeration(object.dataType()) : null),
    CERTIFICATE_LENGTH("Certificate Length", ProtocolVersion.V1_1, ItemType.INTEGER),
    X509_CERTIFICATE_IDENTIFIER("X.509 Certificate Identifier", ProtocolVersion.V1_1, ItemType.STRUCTURE),
    X509_CERTIFICATE_SUBJECT("X.509 Certificate Subject", ProtocolVersion.V1_1, ItemType.STRUCTURE),
    X509_CERTIFICATE_ISSUER("X.509 Certificate Issuer", ProtocolVersion.V1_1, ItemType.STRUCTURE),
    // KMIP 1.0's, replaced by the X.509 ones above in 1.1: answered to 1.0 clients only, so that a later client
    // sees each fact once.
    CERTIFICATE_IDENTIFIER("Certificate Identifier", ProtocolVersion.V1_0, ProtocolVersion.V1_1),
    CERTIFICATE_SUBJECT("Certificate Subject", ProtocolVersion.V1_0, ProtocolVersion.V1_1),
    CERTIFICATE_ISSUER("Certificate Issuer", ProtocolVersion.V1_0, ProtocolVersion.V1_1),
    DIGITAL_SIGNATURE_ALGORITHM("Digital Signature Algorithm", ProtocolVersion.V1_1, ItemType.ENUMERATION),
    OPERATION_POLICY_NAME("Operation Policy Name", ProtocolVersion.V1_0, ItemType.TEXT_STRING, Owner.CLIENT_SINGLE,
            null),
    STATE("State", ProtocolVersion.V1_0, ItemType.ENUMERATION, Owner.SERVER,
            object -> enumeration(object.state().code())),
    INITIAL_DATE("Initial Date", ProtocolVersion.V1_0, ItemType.DATE_TIME, Owner.SERVER,
            object -> date(object.createdAt())),
    ACTIVATION_DATE("Activation Date", ProtocolVersion.V1_0, ItemType.DATE_TIME, Owner.AT_CREATE,
            object -> date(object.activationDate())),
    DEACTIVATION_DATE("Deactivation Date", ProtocolVersion.V1_0, ItemType.DATE_TIME, Owner.AT_CREATE,
            object -> date(object.deactivationDate())),
    DESTROY_DATE("Destroy Date", ProtocolVersion.V1_0, ItemType.DATE_TIME, Owner.SERVER,
            object -> date(object.destroyedAt())),
    COMPROMISE_OCCURRENCE_DATE("Compromise Occurrence Date", ProtocolVersion.V1_0, ItemType.DATE_TIME, Owner.SERVER,
            object -> date(object.compromiseOccurrenceDate())),
    COMPROMISE_DATE("Compromise Date", ProtocolVersion.V1_0, ItemType.DATE_TIME, Owner.SERVER,
            object -> date(object.compromiseDate())),
    REVOCATION_REASON("Revocation Reason", ProtocolVersion.V1_0, ItemType.STRUCTURE, Owner.SERVER,
            KmipAttribute::revocationReason),
    USAGE_LIMITS("Usage Limits", ProtocolVersion.V1_0, ItemType.STRUCTURE, Owner.CLIENT_SINGLE, null),
    LEASE_TIME("Lease Time", ProtocolVersion.V1_0, ItemType.INTERVAL, Owner.SERVER,
            object -> new Ttlv.IntervalItem(Tag.ATTRIBUTE_VALUE, ObtainLeaseOperation.LEASE_TIME.toSeconds())),
    OBJECT_GROUP("Object Group", ProtocolVersion.V1_0, ItemType.TEXT_STRING, Owner.CLIENT_MULTI, null),
    LINK("Link", ProtocolVersion.V1_0, ItemType.STRUCTURE, Owner.CLIENT_MULTI, null),
    APPLICATION_SPECIFIC_INFORMATION("Application Specific Information", ProtocolVersion.V1_0, ItemType.STRUCTURE,
            Owner.CLIENT_MULTI, null),
    CONTACT_INFORMATION("Contact Information", ProtocolVersion.V1_0, ItemType.TEXT_STRING, Owner.CLIENT_SINGLE,
            null),
    LAST_CHANGE_DATE("Last Change Date", ProtocolVersion.V1_0, ItemType.DATE_TIME, Owner.SERVER,
            object -> date(object.updatedAt())),
    FRESH("Fresh", ProtocolVersion.V1_1, ItemType.BOOLEAN, Owner.SERVER, object -> bool(object.fresh())),
    ALTERNATIVE_NAME("Alternative Name", ProtocolVersion.V1_2, ItemType.STRUCTURE, Owner.CLIENT_MULTI, null),
    ORIGINAL_CREATION_DATE("Original Creation Date", ProtocolVersion.V1_2, ItemType.DATE_TIME, Owner.SERVER,
            object -> date(object.createdAt())),
    DESCRIPTION("Description", ProtocolVersion.V1_4, ItemType.TEXT_STRING, Owner.CLIENT_SINGLE, null),
    COMMENT("Comment", ProtocolVersion.V1_4, ItemType.TEXT_STRING, Owner.CLIENT_SINGLE, null),
    // The key is handed to clients in clear over mutual TLS, so it is neither sensitive nor unextractable.
    SENSITIVE("Sensitive", ProtocolVersion.V1_4, ItemType.BOOLEAN, Owner.SERVER, object -> bool(false)),
    ALWAYS_SENSITIVE("Always Sensitive", ProtocolVersion.V1_4, ItemType.BOOLEAN, Owner.SERVER, object -> bool(false)),
    EXTRACTABLE("Extractable", ProtocolVersion.V1_4, ItemType.BOOLEAN, Owner.SERVER, object -> bool(true)),
    NEVER_EXTRACTABLE("Never Extractable", ProtocolVersion.V1_4, ItemType.BOOLEAN, Owner.SERVER,
            object -> bool(false));

    /** Who sets an attribute, and how many instances it has. */
    enum Owner {
        /** Set and changed by the server only; a client asking to set it is refused. */
        SERVER,
        /**
         * Set by the server from the object itself when it is registered (a certificate's length and identifiers),
         * kept with the record, then read-only; a client asking to set it is refused.
         */
        FROM_OBJECT,
        /** Given by the client on Create, then read-only. */
        AT_CREATE,
        /** Set by the client, one instance. */
        CLIENT_SINGLE,
        /** Set by the client, any number of instances. */
        CLIENT_MULTI
    }

    /** Names of custom attributes that clients may set. */
    static final String CLIENT_CUSTOM_PREFIX = "x-";
    /** Names of custom attributes that only a server may set (KMIP 1.4 section 3.39). */
    static final String SERVER_CUSTOM_PREFIX = "y-";

    private final String attributeName;
    private final ProtocolVersion since;
    /** The version that replaced it, from which on it is no longer answered; null when none did. */
    private final ProtocolVersion replacedIn;
    private final ItemType type;
    private final Owner owner;
    private final Function<KmipObject, Ttlv> derive;

    KmipAttribute(String attributeName, ProtocolVersion since, ItemType type, Owner owner,
                  Function<KmipObject, Ttlv> derive) {
        this(attributeName, since, null, type, owner, derive);
    }

    /** An attribute the server reads from the object when it is registered ({@link Owner#FROM_OBJECT}). */
    KmipAttribute(String attributeName, ProtocolVersion since, ItemType type) {
        this(attributeName, since, null, type, Owner.FROM_OBJECT, null);
    }

    /** A structure read from the object when it is registered, answered until {@code replacedIn}. */
    KmipAttribute(String attributeName, ProtocolVersion since, ProtocolVersion replacedIn) {
        this(attributeName, since, replacedIn, ItemType.STRUCTURE, Owner.FROM_OBJECT, null);
    }

    KmipAttribute(String attributeName, ProtocolVersion since, ProtocolVersion replacedIn, ItemType type, Owner owner,
                  Function<KmipObject, Ttlv> derive) {
        this.attributeName = attributeName;
        this.since = since;
        this.replacedIn = replacedIn;
        this.type = type;
        this.owner = owner;
        this.derive = derive;
    }

    public String attributeName() {
        return attributeName;
    }

    ProtocolVersion since() {
        return since;
    }

    ItemType type() {
        return type;
    }

    Owner owner() {
        return owner;
    }

    /** Whether a client sets this attribute, which is then kept as the client sent it. */
    boolean stored() {
        return owner == Owner.CLIENT_SINGLE || owner == Owner.CLIENT_MULTI;
    }

    /** Whether this attribute is kept with the record (the client's, or read from the object) rather than derived. */
    boolean kept() {
        return stored() || owner == Owner.FROM_OBJECT;
    }

    boolean definedIn(ProtocolVersion version) {
        return version.atLeast(since) && (replacedIn == null || !version.atLeast(replacedIn));
    }

    /** The attribute the request names, if the protocol version defines it. */
    static Optional<KmipAttribute> named(String name, ProtocolVersion version) {
        for (KmipAttribute attribute : values()) {
            if (attribute.attributeName.equals(name)) {
                return attribute.definedIn(version) ? Optional.of(attribute) : Optional.empty();
            }
        }
        return Optional.empty();
    }

    static boolean isClientCustom(String name) {
        return name.startsWith(CLIENT_CUSTOM_PREFIX) && name.length() > CLIENT_CUSTOM_PREFIX.length();
    }

    /** The value the server derives from the record, or empty when the object has none (an unset date). */
    Optional<Ttlv> derive(KmipObject object) {
        return derive == null ? Optional.empty() : Optional.ofNullable(derive.apply(object));
    }

    private static Ttlv text(String value) {
        return new Ttlv.TextStringItem(Tag.ATTRIBUTE_VALUE, value);
    }

    private static Ttlv enumeration(int value) {
        return new Ttlv.EnumerationItem(Tag.ATTRIBUTE_VALUE, value);
    }

    private static Ttlv integer(int value) {
        return new Ttlv.IntegerItem(Tag.ATTRIBUTE_VALUE, value);
    }

    private static Ttlv bool(boolean value) {
        return new Ttlv.BooleanItem(Tag.ATTRIBUTE_VALUE, value);
    }

    private static Ttlv date(Instant instant) {
        return instant == null ? null : Ttlv.DateTimeItem.of(Tag.ATTRIBUTE_VALUE, instant);
    }

    private static Ttlv digest(KmipObject object) {
        if (object.digestSha256() == null) {
            return null;
        }
        List<Ttlv> fields = new ArrayList<>(List.of(
                new Ttlv.EnumerationItem(Tag.HASHING_ALGORITHM, KmipEnums.HASHING_SHA_256),
                new Ttlv.ByteStringItem(Tag.DIGEST_VALUE, HexFormat.of().parseHex(object.digestSha256()))));
        // The digest is of the material in the format it is kept in; objects without a Key Block have none.
        if (object.keyFormat() != null) {
            fields.add(new Ttlv.EnumerationItem(Tag.KEY_FORMAT_TYPE, object.keyFormat()));
        }
        return new Ttlv.Structure(Tag.ATTRIBUTE_VALUE, fields);
    }

    private static Ttlv revocationReason(KmipObject object) {
        if (object.revocationReason() == null) {
            return null;
        }
        List<Ttlv> fields = new ArrayList<>();
        fields.add(new Ttlv.EnumerationItem(Tag.REVOCATION_REASON_CODE, object.revocationReason()));
        if (object.revocationMessage() != null) {
            fields.add(new Ttlv.TextStringItem(Tag.REVOCATION_MESSAGE, object.revocationMessage()));
        }
        return new Ttlv.Structure(Tag.ATTRIBUTE_VALUE, fields);
    }
}
