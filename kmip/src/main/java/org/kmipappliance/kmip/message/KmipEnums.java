package org.kmipappliance.kmip.message;

/** Enumeration values used in payloads (KMIP 1.4 section 9.1.3.2). */
public final class KmipEnums {
    /** Object Type values. */
    public static final int OBJECT_TYPE_CERTIFICATE = 0x01;
    public static final int OBJECT_TYPE_SYMMETRIC_KEY = 0x02;
    public static final int OBJECT_TYPE_PUBLIC_KEY = 0x03;
    public static final int OBJECT_TYPE_PRIVATE_KEY = 0x04;
    public static final int OBJECT_TYPE_SPLIT_KEY = 0x05;
    public static final int OBJECT_TYPE_TEMPLATE = 0x06;
    public static final int OBJECT_TYPE_SECRET_DATA = 0x07;
    public static final int OBJECT_TYPE_OPAQUE_OBJECT = 0x08;
    /** Cryptographic Algorithm values. */
    public static final int ALGORITHM_TRIPLE_DES = 0x02;
    public static final int ALGORITHM_AES = 0x03;
    public static final int ALGORITHM_RSA = 0x04;
    public static final int ALGORITHM_ECDSA = 0x06;
    /** Cryptographic Algorithm (1.2): EC. */
    public static final int ALGORITHM_EC = 0x1A;
    /** Key Format Type values. */
    public static final int KEY_FORMAT_RAW = 0x01;
    public static final int KEY_FORMAT_OPAQUE = 0x02;
    public static final int KEY_FORMAT_PKCS1 = 0x03;
    public static final int KEY_FORMAT_PKCS8 = 0x04;
    public static final int KEY_FORMAT_X509 = 0x05;
    public static final int KEY_FORMAT_EC_PRIVATE_KEY = 0x06;
    public static final int KEY_FORMAT_TRANSPARENT_SYMMETRIC = 0x07;
    /** Certificate Type: X.509. */
    public static final int CERTIFICATE_TYPE_X509 = 0x01;
    /** Recommended Curve values of the curves EC key pairs are made on. */
    public static final int CURVE_P_256 = 0x07;
    public static final int CURVE_P_384 = 0x0A;
    public static final int CURVE_P_521 = 0x0D;
    /** Wrapping Method: Encrypt. */
    public static final int WRAPPING_METHOD_ENCRYPT = 0x01;
    /** Block Cipher Mode: AES Key Wrap with Padding (RFC 5649), NIST Key Wrap (RFC 3394). */
    public static final int BLOCK_CIPHER_MODE_AES_KEY_WRAP_PADDING = 0x0C;
    public static final int BLOCK_CIPHER_MODE_NIST_KEY_WRAP = 0x0D;
    /** Encoding Option (1.1): No Encoding, TTLV Encoding. */
    public static final int ENCODING_NONE = 0x01;
    public static final int ENCODING_TTLV = 0x02;
    /** Key Wrap Type (1.4): Not Wrapped. */
    public static final int KEY_WRAP_TYPE_NOT_WRAPPED = 0x01;
    /** Batch Error Continuation Option values. */
    public static final int BATCH_CONTINUE = 0x01;
    public static final int BATCH_STOP = 0x02;
    public static final int BATCH_UNDO = 0x03;

    /** Hashing Algorithm: SHA-256. */
    public static final int HASHING_SHA_256 = 0x06;
    /** Revocation Reason Codes that compromise a key; every other code deactivates it. */
    public static final int REVOCATION_KEY_COMPROMISE = 0x02;
    public static final int REVOCATION_CA_COMPROMISE = 0x03;
    /** The last standard Revocation Reason Code (Privilege Withdrawn); 0x8XXXXXXX are extensions. */
    public static final int REVOCATION_LAST_STANDARD = 0x07;
    /** Query Function values. */
    public static final int QUERY_OPERATIONS = 0x01;
    public static final int QUERY_OBJECTS = 0x02;
    public static final int QUERY_SERVER_INFORMATION = 0x03;
    /** Storage Status Mask bits: on-line, archival. */
    public static final int STORAGE_ON_LINE = 0x01;
    public static final int STORAGE_ARCHIVAL = 0x02;
    /** Object Group Member: Group Member Fresh. */
    public static final int GROUP_MEMBER_FRESH = 0x01;

    private KmipEnums() {
    }
}
