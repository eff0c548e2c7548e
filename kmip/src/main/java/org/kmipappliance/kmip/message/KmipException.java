package org.kmipappliance.kmip.message;

/**
 * A failure with a KMIP Result Reason. The message goes to the client as the Result Message, so it must say
 * what was wrong with the request and nothing about the server's internals.
 */
public final class KmipException extends Exception {
    private final ResultReason reason;

    public KmipException(ResultReason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public ResultReason reason() {
        return reason;
    }
}
