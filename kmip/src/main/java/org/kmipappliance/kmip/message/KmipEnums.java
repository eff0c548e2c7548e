package org.kmipappliance.kmip.message;

/** Enumeration values used in payloads (KMIP 1.4 section 9.1.3.2). */
public final class KmipEnums {
    /** Object Type: Symmetric Key. */
    public static final int OBJECT_TYPE_SYMMETRIC_KEY = 0x02;
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

    private KmipEnums() {
    }
}
