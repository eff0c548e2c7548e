package org.kmipappliance.kmip.message;

/** KMIP Result Status. */
public enum ResultStatus {
    SUCCESS(0),
    OPERATION_FAILED(1),
    OPERATION_PENDING(2),
    OPERATION_UNDONE(3);

    private final int code;

    ResultStatus(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static ResultStatus ofCode(int code) {
        for (ResultStatus status : values()) {
            if (status.code == code) {
                return status;
            }
        }
        throw new IllegalArgumentException("unknown Result Status " + code);
    }
}
