package org.kmipappliance.kmip.ttlv;

/** The ten TTLV item types (KMIP 1.4 section 9.1.1.2), with their type bytes. */
public enum ItemType {
    STRUCTURE(0x01),
    INTEGER(0x02),
    LONG_INTEGER(0x03),
    BIG_INTEGER(0x04),
    ENUMERATION(0x05),
    BOOLEAN(0x06),
    TEXT_STRING(0x07),
    BYTE_STRING(0x08),
    DATE_TIME(0x09),
    INTERVAL(0x0A);

    private static final ItemType[] BY_CODE = new ItemType[0x0B];

    static {
        for (ItemType type : values()) {
            BY_CODE[type.code] = type;
        }
    }

    private final int code;

    ItemType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The type with this type byte, or null. */
    public static ItemType ofCode(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
