package org.kmipappliance.kmip.message;

/** KMIP tags (KMIP 1.4 section 9.1.3.1) used by this server; the version that added a tag is noted when not 1.0. */
public final class Tag {
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
    public static final int KEY_WRAPPING_SPECIFICATION = 0x420047;
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

    private Tag() {
    }
}
