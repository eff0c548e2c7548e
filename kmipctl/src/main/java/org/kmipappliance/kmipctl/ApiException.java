package org.kmipappliance.kmipctl;

/**
 * The appliance refused a call: its HTTP status, and Key Protect's error code and messages from the error envelope
 * (what an operator can look up in docs/api.md), or the reason the appliance could not be reached at all.
 */
final class ApiException extends Exception {
    private final int status;
    private final String code;

    ApiException(int status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    int status() {
        return status;
    }

    String code() {
        return code;
    }

    /** 3 for what does not exist (scripts test for it), 1 for every other refusal or failure. */
    int exitCode() {
        return status == 404 ? Kmipctl.EXIT_NOT_FOUND : Kmipctl.EXIT_API_ERROR;
    }
}
