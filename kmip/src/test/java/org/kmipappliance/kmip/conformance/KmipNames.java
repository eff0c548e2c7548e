package org.kmipappliance.kmip.conformance;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.kmipappliance.kmip.message.Tag;

/**
 * The names the OASIS XML encoding uses for tags and enumeration values (KMIP 1.4 section 9.1.3, names without
 * spaces), for the tags and values the symmetric-key profile vectors contain.
 */
final class KmipNames {
    private static final Map<String, Integer> TAGS = new HashMap<>();
    private static final Map<Integer, Map<String, Integer>> ENUMERATIONS = new HashMap<>();
    private static final Map<String, Map<String, Integer>> ATTRIBUTE_ENUMERATIONS = new HashMap<>();
    private static final Map<String, Integer> USAGE_MASK = new HashMap<>();

    static {
        for (Field field : Tag.class.getFields()) {
            if (Modifier.isStatic(field.getModifiers()) && field.getType() == int.class) {
                try {
                    TAGS.put(normal(field.getName()), field.getInt(null));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        TAGS.put(normal("AlternativeNameValue"), 0x4200C0);
        TAGS.put(normal("AlternativeNameType"), 0x4200C1);
        TAGS.put(normal("RNGParameters"), 0x4200D8);
        TAGS.put(normal("RNGAlgorithm"), 0x4200D9);
        TAGS.put(normal("KMIP"), -1);

        Map<String, Integer> operations = values("Create", 0x01, "CreateKeyPair", 0x02, "Register", 0x03,
                "ReKey", 0x04, "DeriveKey", 0x05, "Certify", 0x06, "ReCertify", 0x07, "Locate", 0x08, "Check", 0x09,
                "Get", 0x0A, "GetAttributes", 0x0B, "GetAttributeList", 0x0C, "AddAttribute", 0x0D,
                "ModifyAttribute", 0x0E, "DeleteAttribute", 0x0F, "ObtainLease", 0x10, "GetUsageAllocation", 0x11,
                "Activate", 0x12, "Revoke", 0x13, "Destroy", 0x14, "Archive", 0x15, "Recover", 0x16,
                "Validate", 0x17, "Query", 0x18, "Cancel", 0x19, "Poll", 0x1A, "Notify", 0x1B, "Put", 0x1C,
                "ReKeyKeyPair", 0x1D, "DiscoverVersions", 0x1E);
        Map<String, Integer> objectTypes = values("Certificate", 1, "SymmetricKey", 2, "PublicKey", 3,
                "PrivateKey", 4, "SplitKey", 5, "Template", 6, "SecretData", 7, "OpaqueObject", 8, "PGPKey", 9);
        Map<String, Integer> algorithms = values("DES", 1, "DES3", 2, "AES", 3, "RSA", 4, "DSA", 5, "ECDSA", 6,
                "HMAC_SHA1", 7, "HMAC_SHA256", 9);
        Map<String, Integer> states = values("PreActive", 1, "Active", 2, "Deactivated", 3, "Compromised", 4,
                "Destroyed", 5, "DestroyedCompromised", 6);
        Map<String, Integer> nameTypes = values("UninterpretedTextString", 1, "URI", 2);
        Map<String, Integer> hashing = values("MD2", 1, "MD4", 2, "MD5", 3, "SHA_1", 4, "SHA_224", 5, "SHA_256", 6,
                "SHA_384", 7, "SHA_512", 8);
        Map<String, Integer> keyFormats = values("Raw", 1, "Opaque", 2, "PKCS_1", 3, "PKCS_8", 4, "X_509", 5,
                "ECPrivateKey", 6, "TransparentSymmetricKey", 7);
        Map<String, Integer> revocation = values("Unspecified", 1, "KeyCompromise", 2, "CACompromise", 3,
                "AffiliationChanged", 4, "Superseded", 5, "CessationOfOperation", 6, "PrivilegeWithdrawn", 7);
        Map<String, Integer> rng = values("Unspecified", 1, "FIPS186_2", 2, "DRBG", 3, "NRBG", 4, "ANSIX9_31", 5,
                "ANSIX9_62", 6);
        ENUMERATIONS.put(Tag.OPERATION, operations);
        ENUMERATIONS.put(Tag.OBJECT_TYPE, objectTypes);
        ENUMERATIONS.put(Tag.CRYPTOGRAPHIC_ALGORITHM, algorithms);
        ENUMERATIONS.put(Tag.NAME_TYPE, nameTypes);
        ENUMERATIONS.put(0x4200C1, nameTypes);
        ENUMERATIONS.put(Tag.HASHING_ALGORITHM, hashing);
        ENUMERATIONS.put(Tag.KEY_FORMAT_TYPE, keyFormats);
        ENUMERATIONS.put(Tag.REVOCATION_REASON_CODE, revocation);
        ENUMERATIONS.put(0x4200D9, rng);
        ENUMERATIONS.put(Tag.RESULT_STATUS, values("Success", 0, "OperationFailed", 1, "OperationPending", 2,
                "OperationUndone", 3));
        ENUMERATIONS.put(Tag.RESULT_REASON, values("ItemNotFound", 1, "ResponseTooLarge", 2,
                "AuthenticationNotSuccessful", 3, "InvalidMessage", 4, "OperationNotSupported", 5, "MissingData", 6,
                "InvalidField", 7, "FeatureNotSupported", 8, "OperationCanceledByRequester", 9,
                "CryptographicFailure", 10, "IllegalOperation", 11, "PermissionDenied", 12, "ObjectArchived", 13,
                "IndexOutOfBounds", 14, "GeneralFailure", 0x100));
        ENUMERATIONS.put(Tag.QUERY_FUNCTION, values("QueryOperations", 1, "QueryObjects", 2,
                "QueryServerInformation", 3, "QueryApplicationNamespaces", 4, "QueryExtensionList", 5,
                "QueryExtensionMap", 6, "QueryAttestationTypes", 7, "QueryRNGs", 8, "QueryValidations", 9,
                "QueryProfiles", 0x0A, "QueryCapabilities", 0x0B, "QueryClientRegistrationMethods", 0x0C));
        ENUMERATIONS.put(Tag.BATCH_ERROR_CONTINUATION_OPTION, values("Continue", 1, "Stop", 2, "Undo", 3));
        ENUMERATIONS.put(Tag.BLOCK_CIPHER_MODE, values("CBC", 1, "ECB", 2, "PCBC", 3, "CFB", 4, "OFB", 5, "CTR", 6,
                "CMAC", 7, "CCM", 8, "GCM", 9, "CBC_MAC", 0x0A, "XTS", 0x0B, "AESKeyWrapPadding", 0x0C,
                "NISTKeyWrap", 0x0D, "X9_102_AESKW", 0x0E));
        ENUMERATIONS.put(Tag.WRAPPING_METHOD, values("Encrypt", 1, "MACSign", 2, "EncryptThenMACSign", 3,
                "MACSignThenEncrypt", 4, "TR_31", 5));
        ENUMERATIONS.put(Tag.ENCODING_OPTION, values("NoEncoding", 1, "TTLVEncoding", 2));
        ENUMERATIONS.put(Tag.LINK_TYPE, values("CertificateLink", 0x101, "PublicKeyLink", 0x102,
                "PrivateKeyLink", 0x103, "DerivationBaseObjectLink", 0x104, "DerivedKeyLink", 0x105,
                "ReplacementObjectLink", 0x106, "ReplacedObjectLink", 0x107, "ParentLink", 0x108, "ChildLink", 0x109,
                "PreviousLink", 0x10A, "NextLink", 0x10B));
        ATTRIBUTE_ENUMERATIONS.put("Object Type", objectTypes);
        ATTRIBUTE_ENUMERATIONS.put("Cryptographic Algorithm", algorithms);
        ATTRIBUTE_ENUMERATIONS.put("State", states);
        USAGE_MASK.putAll(values("Sign", 0x1, "Verify", 0x2, "Encrypt", 0x4, "Decrypt", 0x8, "WrapKey", 0x10,
                "UnwrapKey", 0x20, "Export", 0x40, "MACGenerate", 0x80, "MACVerify", 0x100, "DeriveKey", 0x200));
    }

    private KmipNames() {
    }

    private static Map<String, Integer> values(Object... pairs) {
        Map<String, Integer> out = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            out.put(normal((String) pairs[i]), (Integer) pairs[i + 1]);
        }
        return out;
    }

    /** Names compare without case and without underscores: SHA_256 = SHA256, UniqueBatchItemID = UNIQUE_BATCH_ITEM_ID. */
    private static String normal(String name) {
        return name.replace("_", "").toUpperCase(Locale.ROOT);
    }

    static int tag(String elementName) {
        Integer tag = TAGS.get(normal(elementName));
        if (tag == null) {
            throw new IllegalArgumentException("no tag is known for element " + elementName);
        }
        return tag;
    }

    /** An enumeration value by name, for a field tag, or for an Attribute Value of the named attribute. */
    static int enumeration(int tag, String attributeName, String value) {
        if (value.startsWith("0x")) {
            return (int) Long.parseLong(value.substring(2), 16);
        }
        Map<String, Integer> table = tag == Tag.ATTRIBUTE_VALUE ? ATTRIBUTE_ENUMERATIONS.get(attributeName)
                : ENUMERATIONS.get(tag);
        Integer code = table == null ? null : table.get(normal(value));
        if (code == null) {
            throw new IllegalArgumentException("no value " + value + " is known for " + Integer.toHexString(tag)
                    + (attributeName == null ? "" : " (" + attributeName + ")"));
        }
        return code;
    }

    /** An Integer mask written as flag names ("Encrypt Decrypt"). */
    static int usageMask(String flags) {
        int mask = 0;
        for (String flag : flags.trim().split("\\s+|\\|")) {
            Integer bit = USAGE_MASK.get(normal(flag));
            if (bit == null) {
                throw new IllegalArgumentException("unknown usage mask flag " + flag);
            }
            mask |= bit;
        }
        return mask;
    }
}
