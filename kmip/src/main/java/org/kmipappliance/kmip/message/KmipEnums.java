package org.kmipappliance.kmip.message;

/** Enumeration values used in payloads (KMIP 1.4 section 9.1.3.2). */
public final class KmipEnums {
    /** Object Type: Symmetric Key. */
    public static final int OBJECT_TYPE_SYMMETRIC_KEY = 0x02;
    /** Cryptographic Algorithm: 3DES. */
    public static final int ALGORITHM_TRIPLE_DES = 0x02;
    /** Cryptographic Algorithm: AES. */
    public static final int ALGORITHM_AES = 0x03;
    /** Key Format Type: Raw. */
    public static final int KEY_FORMAT_RAW = 0x01;
    /** Key Format Type: Transparent Symmetric Key. */
    public static final int KEY_FORMAT_TRANSPARENT_SYMMETRIC = 0x07;
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
    /** Storage Status Mask bit: on-line. */
    public static final int STORAGE_ON_LINE = 0x01;
    /** Object Group Member: Group Member Fresh. */
    public static final int GROUP_MEMBER_FRESH = 0x01;

    private KmipEnums() {
    }
}
