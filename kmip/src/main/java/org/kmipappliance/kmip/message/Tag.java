package org.kmipappliance.kmip.message;

/** KMIP tags (KMIP 1.4 section 9.1.3.1) used by this server; the version that added a tag is noted when not 1.0. */
public final class Tag {
    public static final int CERTIFICATE = 0x420013;
    public static final int CERTIFICATE_TYPE = 0x42001D;
    public static final int CERTIFICATE_VALUE = 0x42001E;
    public static final int COMMON_TEMPLATE_ATTRIBUTE = 0x42001F;
    public static final int LINK_TYPE = 0x42004B;
    public static final int LINKED_OBJECT_IDENTIFIER = 0x42004C;
    public static final int OFFSET = 0x420058;
    public static final int OPAQUE_DATA_TYPE = 0x420059;
    public static final int OPAQUE_DATA_VALUE = 0x42005A;
    public static final int OPAQUE_OBJECT = 0x42005B;
    public static final int PRIVATE_KEY = 0x420064;
    public static final int PRIVATE_KEY_TEMPLATE_ATTRIBUTE = 0x420065;
    public static final int PRIVATE_KEY_UNIQUE_IDENTIFIER = 0x420066;
    public static final int PUBLIC_KEY = 0x42006D;
    public static final int PUBLIC_KEY_TEMPLATE_ATTRIBUTE = 0x42006E;
    public static final int PUBLIC_KEY_UNIQUE_IDENTIFIER = 0x42006F;
    public static final int RECOMMENDED_CURVE = 0x420075;
    public static final int SECRET_DATA = 0x420085;
    public static final int SECRET_DATA_TYPE = 0x420086;
    /** 1.1. */
    public static final int CERTIFICATE_LENGTH = 0x4200AD;
    public static final int ACTIVATION_DATE = 0x420001;
    public static final int APPLICATION_DATA = 0x420002;
    public static final int APPLICATION_NAMESPACE = 0x420003;
    public static final int APPLICATION_SPECIFIC_INFORMATION = 0x420004;
    public static final int ATTRIBUTE = 0x420008;
    public static final int ATTRIBUTE_INDEX = 0x420009;
    public static final int ATTRIBUTE_NAME = 0x42000A;
    public static final int ATTRIBUTE_VALUE = 0x42000B;
    public static final int AUTHENTICATION = 0x42000C;
    public static final int BATCH_COUNT = 0x42000D;
    public static final int BATCH_ERROR_CONTINUATION_OPTION = 0x42000E;
    public static final int BATCH_ITEM = 0x42000F;
    public static final int BATCH_ORDER_OPTION = 0x420010;
    public static final int BLOCK_CIPHER_MODE = 0x420011;
    public static final int CREDENTIAL = 0x420023;
    public static final int CREDENTIAL_TYPE = 0x420024;
    public static final int CREDENTIAL_VALUE = 0x420025;
    public static final int CRITICALITY_INDICATOR = 0x420026;
    public static final int ASYNCHRONOUS_CORRELATION_VALUE = 0x420006;
    public static final int CANCELLATION_RESULT = 0x420012;
    public static final int LEASE_TIME = 0x420049;
    public static final int USAGE_LIMITS = 0x420095;
    public static final int USAGE_LIMITS_COUNT = 0x420096;
    public static final int USAGE_LIMITS_TOTAL = 0x420097;
    public static final int USAGE_LIMITS_UNIT = 0x420098;
    public static final int CRYPTOGRAPHIC_ALGORITHM = 0x420028;
    public static final int CRYPTOGRAPHIC_LENGTH = 0x42002A;
    public static final int CRYPTOGRAPHIC_PARAMETERS = 0x42002B;
    public static final int CRYPTOGRAPHIC_USAGE_MASK = 0x42002C;
    public static final int KEY = 0x42003F;
    public static final int KEY_BLOCK = 0x420040;
    public static final int KEY_COMPRESSION_TYPE = 0x420041;
    public static final int KEY_FORMAT_TYPE = 0x420042;
    public static final int KEY_MATERIAL = 0x420043;
    public static final int KEY_VALUE = 0x420045;
    public static final int KEY_WRAPPING_DATA = 0x420046;
    public static final int KEY_WRAPPING_SPECIFICATION = 0x420047;
    public static final int ENCRYPTION_KEY_INFORMATION = 0x420036;
    public static final int MAC_SIGNATURE = 0x42004D;
    public static final int MAC_SIGNATURE_KEY_INFORMATION = 0x42004E;
    public static final int IV_COUNTER_NONCE = 0x42003D;
    public static final int WRAPPING_METHOD = 0x42009E;
    /** 1.1. */
    public static final int ENCODING_OPTION = 0x4200A3;
    public static final int MAXIMUM_RESPONSE_SIZE = 0x420050;
    public static final int MESSAGE_EXTENSION = 0x420051;
    public static final int NAME = 0x420053;
    public static final int OBJECT_TYPE = 0x420057;
    public static final int OPERATION = 0x42005C;
    public static final int PROTOCOL_VERSION = 0x420069;
    public static final int PROTOCOL_VERSION_MAJOR = 0x42006A;
    public static final int PROTOCOL_VERSION_MINOR = 0x42006B;
    public static final int REQUEST_HEADER = 0x420077;
    public static final int REQUEST_MESSAGE = 0x420078;
    public static final int REQUEST_PAYLOAD = 0x420079;
    public static final int RESPONSE_HEADER = 0x42007A;
    public static final int RESPONSE_MESSAGE = 0x42007B;
    public static final int RESPONSE_PAYLOAD = 0x42007C;
    public static final int RESULT_MESSAGE = 0x42007D;
    public static final int RESULT_REASON = 0x42007E;
    public static final int RESULT_STATUS = 0x42007F;
    public static final int SYMMETRIC_KEY = 0x42008F;
    public static final int SPLIT_KEY = 0x420089;
    public static final int SPLIT_KEY_METHOD = 0x42008A;
    public static final int SPLIT_KEY_PARTS = 0x42008B;
    public static final int SPLIT_KEY_THRESHOLD = 0x42008C;
    public static final int KEY_PART_IDENTIFIER = 0x420044;
    public static final int PRIME_FIELD_SIZE = 0x420062;
    public static final int TEMPLATE = 0x420090;
    // Certificate attributes' fields: KMIP 1.1's X.509 ones, and KMIP 1.0's (deprecated since 1.1).
    public static final int CERTIFICATE_SERIAL_NUMBER = 0x4200AF;
    public static final int ISSUER_ALTERNATIVE_NAME = 0x4200B1;
    public static final int ISSUER_DISTINGUISHED_NAME = 0x4200B2;
    public static final int SUBJECT_ALTERNATIVE_NAME = 0x4200B3;
    public static final int SUBJECT_DISTINGUISHED_NAME = 0x4200B4;
    public static final int ISSUER = 0x42003B;
    public static final int SERIAL_NUMBER = 0x420087;
    public static final int CERTIFICATE_ISSUER_ALTERNATIVE_NAME = 0x420016;
    public static final int CERTIFICATE_ISSUER_DISTINGUISHED_NAME = 0x420017;
    public static final int CERTIFICATE_SUBJECT_ALTERNATIVE_NAME = 0x42001B;
    public static final int CERTIFICATE_SUBJECT_DISTINGUISHED_NAME = 0x42001C;
    public static final int TEMPLATE_ATTRIBUTE = 0x420091;
    public static final int TIME_STAMP = 0x420092;
    public static final int UNIQUE_BATCH_ITEM_ID = 0x420093;
    public static final int UNIQUE_IDENTIFIER = 0x420094;
    public static final int ASYNCHRONOUS_INDICATOR = 0x420007;
    /** 1.2 */
    public static final int ATTESTATION_CAPABLE_INDICATOR = 0x4200D3;
    /** 1.2 */
    public static final int ATTESTATION_TYPE = 0x4200C7;
    /** 1.4 */
    public static final int KEY_WRAP_TYPE = 0x4200F8;
    /** 1.4 */
    public static final int CLIENT_CORRELATION_VALUE = 0x420105;
    /** 1.4 */
    public static final int SERVER_CORRELATION_VALUE = 0x420106;

    public static final int COMPROMISE_DATE = 0x420020;
    public static final int COMPROMISE_OCCURRENCE_DATE = 0x420021;
    public static final int CONTACT_INFORMATION = 0x420022;
    public static final int CRYPTOGRAPHIC_DOMAIN_PARAMETERS = 0x420029;
    public static final int DEACTIVATION_DATE = 0x42002F;
    public static final int DESTROY_DATE = 0x420033;
    public static final int DIGEST = 0x420034;
    public static final int DIGEST_VALUE = 0x420035;
    public static final int HASHING_ALGORITHM = 0x420038;
    public static final int INITIAL_DATE = 0x420039;
    public static final int LAST_CHANGE_DATE = 0x420048;
    public static final int LINK = 0x42004A;
    public static final int MAXIMUM_ITEMS = 0x42004F;
    public static final int NAME_TYPE = 0x420054;
    public static final int NAME_VALUE = 0x420055;
    public static final int OBJECT_GROUP = 0x420056;
    public static final int OPERATION_POLICY_NAME = 0x42005D;
    public static final int QUERY_FUNCTION = 0x420074;
    public static final int REVOCATION_MESSAGE = 0x420080;
    public static final int REVOCATION_REASON = 0x420081;
    public static final int REVOCATION_REASON_CODE = 0x420082;
    public static final int SERVER_INFORMATION = 0x420088;
    public static final int STATE = 0x42008D;
    public static final int STORAGE_STATUS_MASK = 0x42008E;
    public static final int VENDOR_EXTENSION = 0x42009C;
    public static final int VENDOR_IDENTIFICATION = 0x42009D;
    /** 1.1 */
    public static final int FRESH = 0x4200A8;
    /** 1.1 */
    public static final int OBJECT_GROUP_MEMBER = 0x4200AC;
    /** 1.2 */
    public static final int ORIGINAL_CREATION_DATE = 0x4200BC;
    /** 1.2 */
    public static final int ALTERNATIVE_NAME = 0x4200BF;
    /** 1.3 */
    public static final int OFFSET_ITEMS = 0x4200D4;
    /** 1.3 */
    public static final int LOCATED_ITEMS = 0x4200D5;
    /** 1.4 */
    public static final int DESCRIPTION = 0x4200FC;
    /** 1.4 */
    public static final int COMMENT = 0x4200FD;

    private Tag() {
    }
}
